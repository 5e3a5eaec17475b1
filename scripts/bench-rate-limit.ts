// `npm run bench:rate-limit`: what the rate-limit step costs a call, in process. Runs the
// runtime's rate-limit interceptor against a real PostgreSQL bucket store (embedded, or
// DATABASE_URL) and a do-nothing handler, and prints wall time per call (median of 3 runs of
// 200,000 calls) next to the same chain without it, for: one principal within its limit (leased
// tokens), one principal far over it (refused from the in-memory block) — both from one caller
// in a tight loop — and 10,000 principals in turn, each idle between its calls (admitted at once,
// its tokens fetched from PostgreSQL behind it) from 16 callers that give the event loop a turn
// after every call. Figures go to docs/benchmarks.md; nothing is asserted.
import { create } from "@bufbuild/protobuf";
import { createContextValues, type Interceptor, type UnaryRequest } from "@connectrpc/connect";
import { GetTaskRequestSchema, TaskService } from "@glidepath/contracts/core/v1";
import {
  createLogger,
  createPostgresBucketStore,
  createRateLimiter,
  createRateLimitInterceptor,
  createSql,
  openDatabase,
  principalKey,
  type RateLimit,
} from "@glidepath/runtime";
import { createTestDatabase, startPostgres } from "@glidepath/testkit";

const postgres = await startPostgres();
const database = await createTestDatabase(postgres.adminUrl);
const orm = await openDatabase({
  schema: "bench",
  url: database.url,
  entities: [],
  migrations: [],
  poolMax: 4,
  statementTimeoutMs: 10_000,
});
const sql = createSql(orm);
await sql.execute("create schema bench");
await sql.execute(`create unlogged table bench.rate_limits (
  key text primary key, tokens double precision not null, capacity double precision not null,
  refill_per_ms double precision not null, updated_ms double precision not null,
  granted integer not null) with (fillfactor = 70)`);

const method = TaskService.method.getTask;
const message = create(GetTaskRequestSchema, { name: "workspaces/x/tasks/y" });
const request = (user: string) => {
  const contextValues = createContextValues();
  contextValues.set(principalKey, { user });
  return {
    stream: false,
    service: TaskService,
    method,
    requestMethod: "POST",
    url: "",
    signal: new AbortController().signal,
    header: new Headers(),
    contextValues,
    message,
  } as unknown as UnaryRequest;
};
const response = { stream: false, message: {} } as never;
const handler = async () => response;
const logger = createLogger("bench", "silent");
const metrics = { recordSecurityEvent: () => undefined };

function chain(limit: RateLimit | undefined) {
  const interceptors: Interceptor[] = [];
  if (limit) {
    const limiter = createRateLimiter({
      store: createPostgresBucketStore(sql, "bench"),
      limits: { read: limit, write: limit, expensive: limit },
      sweepEveryMs: 0,
    });
    interceptors.push(
      createRateLimitInterceptor({ limiter, logger, metrics, domain: "bench", exempt: new Set() }),
    );
  }
  type Next = (req: UnaryRequest) => Promise<unknown>;
  return interceptors.reduceRight<Next>((next, i) => i(next as never) as unknown as Next, handler);
}

/**
 * Wall time per call of `run` over n calls, median of 3 runs. `turns`: 16 concurrent callers
 * that give the event loop a turn after every call (as a server does between requests, so the
 * store's answers are handled as they come); otherwise one caller in a tight loop.
 */
async function measure(
  name: string,
  run: (req: UnaryRequest) => Promise<unknown>,
  users: string[],
  turns: boolean,
) {
  const requests = users.map(request);
  const n = 200_000;
  let next = 0;
  let refused = 0;
  const turn = () => new Promise((r) => setImmediate(r));
  const caller = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await run(requests[next++ % requests.length] as UnaryRequest).catch(() => {
        refused++;
      });
      if (turns) await turn();
    }
  };
  const callers = turns ? 16 : 1;
  const once = async (count: number) => {
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: callers }, () => caller(count / callers)));
    return Number(process.hrtime.bigint() - started) / count;
  };
  await once(32_000); // warm-up
  refused = 0;
  const runs = [await once(n), await once(n), await once(n)].sort((a, b) => a - b);
  return { name, ns: runs[1] ?? 0, refused: refused / (3 * n), turns };
}

const one = ["alice"];
const many = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
const results = [
  await measure("no rate-limit step", chain(undefined), one, false),
  await measure(
    "one principal, within its limit (1e9/1)",
    chain({ points: 1e9, seconds: 1 }),
    one,
    false,
  ),
  await measure(
    "one principal, far over its limit (50/1)",
    chain({ points: 50, seconds: 1 }),
    one,
    false,
  ),
  await measure("no rate-limit step (server-like turns)", chain(undefined), many, true),
  await measure(
    "10,000 principals in turn (50/1 each)",
    chain({ points: 50, seconds: 1 }),
    many,
    true,
  ),
];
console.log(`rate-limit step, in process, ${new Date().toISOString()} (Node ${process.version})`);
for (const r of results) {
  const base = results.find((b) => b.turns === r.turns)?.ns ?? 0;
  console.log(
    `  ${r.name.padEnd(44)} ${r.ns.toFixed(0).padStart(7)} ns/call  (+${(r.ns - base).toFixed(0)} ns; refused ${(r.refused * 100).toFixed(1)}%)`,
  );
}
const rows = await sql.query<{ n: number }>("select count(*)::int as n from bench.rate_limits");
console.log(`  buckets in PostgreSQL: ${rows[0]?.n}`);
await orm.close(true);
await database.drop();
await postgres.stop();
