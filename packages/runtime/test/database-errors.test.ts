// A failing database is not an internal error: each failure below is produced for real on a
// real PostgreSQL (a full connection table, a terminated backend, a refused socket, a deadlock,
// a serialization failure, a statement timeout) and must reach the caller as a retryable code
// with one ErrorInfo — while an ordinary SQL error stays an opaque INTERNAL.
import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@glidepath/contracts/google";
import { createTestDatabase, freePort } from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { databaseFailure } from "../src/database-errors.js";
import { createErrorInterceptor } from "../src/interceptors/errors.js";
import { createLogger } from "../src/logger.js";

let database: { url: string; drop(): Promise<void> };
const clients: pg.Client[] = [];
const connect = async (url = database.url) => {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // a terminated backend also reports here
  await client.connect();
  clients.push(client);
  return client;
};
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the database to fail");
    },
    (e: unknown) => e,
  );
const role = `gp_limited_${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  database = await createTestDatabase(inject("postgresAdminUrl"));
  const admin = await connect();
  await admin.query(`create table t (id int primary key, n int not null)`);
  await admin.query(`insert into t values (1, 0), (2, 0)`);
  await admin.query(`create role ${role} login password 'limited' connection limit 0`);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query(`drop role if exists ${role}`);
  await admin.end();
  await database.drop();
});

/** Each producer makes PostgreSQL (or the socket to it) fail one way, and returns the error. */
const producers: Record<string, { want: Code; make: () => Promise<unknown> }> = {
  "connection table full (53300)": {
    want: Code.Unavailable,
    make: () => {
      const url = new URL(database.url);
      url.username = role;
      url.password = "limited";
      return failureOf(connect(url.toString()));
    },
  },
  "backend terminated (57P01)": {
    want: Code.Unavailable,
    make: async () => {
      const [victim, admin] = [await connect(), await connect()];
      const { rows } = await victim.query("select pg_backend_pid() as pid");
      const failure = failureOf(victim.query("select pg_sleep(5)"));
      await new Promise((r) => setTimeout(r, 100));
      await admin.query("select pg_terminate_backend($1)", [rows[0].pid]);
      return failure;
    },
  },
  "connection refused": {
    want: Code.Unavailable,
    make: async () =>
      failureOf(connect(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`)),
  },
  "deadlock (40P01)": {
    want: Code.Aborted,
    make: async () => {
      const [a, b] = [await connect(), await connect()];
      await a.query("begin");
      await b.query("begin");
      await a.query("update t set n = n + 1 where id = 1");
      await b.query("update t set n = n + 1 where id = 2");
      const results = await Promise.allSettled([
        a.query("update t set n = n + 1 where id = 2"),
        b.query("update t set n = n + 1 where id = 1"),
      ]);
      await Promise.all([a.query("rollback"), b.query("rollback")]);
      return results.find((r) => r.status === "rejected")?.reason;
    },
  },
  "serialization failure (40001)": {
    want: Code.Aborted,
    make: async () => {
      const [a, b] = [await connect(), await connect()];
      await a.query("begin isolation level repeatable read");
      await a.query("select n from t where id = 1");
      await b.query("update t set n = n + 1 where id = 1");
      const failure = await failureOf(a.query("update t set n = n + 1 where id = 1"));
      await a.query("rollback");
      return failure;
    },
  },
  "statement timeout (57014)": {
    want: Code.DeadlineExceeded,
    make: async () => {
      const c = await connect();
      await c.query("set statement_timeout = 20");
      return failureOf(c.query("select pg_sleep(1)"));
    },
  },
  "syntax error (42601), not a database failure": {
    want: Code.Internal,
    make: async () => failureOf((await connect()).query("selec 1")),
  },
  "unique violation (23505), the service's to map": {
    want: Code.Internal,
    make: async () => failureOf((await connect()).query("insert into t values (1, 0)")),
  },
};

describe("database failures reach the caller as retryable codes", () => {
  const interceptor = createErrorInterceptor({
    domain: "test.glidepath",
    mapError: () => undefined,
    logger: createLogger("test", "silent"),
  });
  const call = (error: unknown) =>
    interceptor(async () => {
      throw error;
    })({ service: { typeName: "test.v1.T" }, method: { name: "M" } } as never).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );

  it("maps each real failure to its code, with one ErrorInfo and no detail of the cause", async () => {
    const seen: string[] = [];
    for (const [name, { want, make }] of Object.entries(producers)) {
      const error = await make();
      expect(error, name).toBeInstanceOf(Error);
      const answer = await call(error);
      seen.push(`${name} → ${Code[answer?.code ?? Code.Unknown]}`);
      expect(answer?.code, `${name}: ${String(error)}`).toBe(want);
      expect(answer?.findDetails(ErrorInfoSchema)).toHaveLength(1);
      expect(answer?.rawMessage).not.toMatch(/select|update|insert|pg_|\bt\b|role|127\.0/i);
      if (want === Code.Unavailable || want === Code.Aborted) {
        expect(answer?.findDetails(RetryInfoSchema), name).toHaveLength(1);
      }
      // MikroORM copies the driver error's fields onto its own exception: same answer.
      const wrapped = Object.assign(new Error("wrapped"), { ...(error as object) });
      expect(databaseFailure(wrapped)?.code ?? Code.Internal, `${name}, wrapped`).toBe(want);
    }
    const internal = seen.filter((s) => s.endsWith("Internal")).length;
    console.log(
      `database failures: produced ${seen.length}, INTERNAL ${internal} (the 2 ordinary SQL errors)\n  ${seen.join("\n  ")}`,
    );
  });
});
