// `npm run bench`: drives CreateTask, GetTask and ListTasks (page of 50) on a running core
// process at 1, 8 and 64 in-flight calls with h2load (Debian's nghttp2-client), and measures in
// the same run, back to back, the floors: the same INSERT and SELECT straight through `pg`, and
// a bare call through the same serving stack (grpc.health.v1 Check: every interceptor, no
// database). Prints throughput, p50/p99, server CPU per call and the ratios. Figures go to
// docs/benchmarks.md; nothing here asserts a timing.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  CreateTaskRequestSchema,
  GetTaskRequestSchema,
  ListTasksRequestSchema,
  TaskService,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
} from "@glidepath/contracts/grpc";
import {
  clientFor,
  createTestDatabase,
  createTestIssuer,
  freePort,
  startPostgres,
} from "@glidepath/testkit";
import pg from "pg";

const root = resolve(import.meta.dirname, "..");
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const levels = (process.env.BENCH_INFLIGHT ?? "1,8,64").split(",").map(Number);
// Core and the floors get pools of the same size; together they stay inside PostgreSQL's default
// max_connections (100), which a 64 + 64 split overran (core then answered UNAVAILABLE).
const poolSize = Number(process.env.BENCH_POOL ?? 32);

try {
  execFileSync("h2load", ["--version"], { stdio: "ignore" });
} catch {
  console.error("bench needs h2load: apt-get install -y nghttp2-client");
  process.exit(1);
}

interface Result {
  name: string;
  inFlight: number;
  calls: number;
  failed: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpuMicros?: number;
  /** PostgreSQL CPU per call (all its processes). */
  dbMicros?: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number)
    : 0;

/** A gRPC message frame: flag byte, big-endian length, protobuf bytes. */
function grpcFrame<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Buffer {
  const bytes = toBinary(schema, create(schema, init));
  const frame = Buffer.alloc(5 + bytes.length);
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  return frame;
}

const cpuTicks = (pid: number) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
  } catch {
    return 0; // the process has exited
  }
};

/** CPU ticks of every PostgreSQL process: the database's share of a cell. */
const postgresTicks = () =>
  readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "postgres";
      } catch {
        return false;
      }
    })
    .reduce((sum, p) => sum + cpuTicks(Number(p)), 0);

const work = mkdtempSync(join(tmpdir(), "glidepath-bench-"));

/**
 * One cell: a warm-up run of its own (so CPU and errors count the measured calls only), then
 * the measured run. `rpcErrors` reads the server's error counter for the method: a gRPC error
 * is an HTTP 200 with a status in the trailers, which h2load counts as a success.
 */
async function h2load(
  name: string,
  url: string,
  body: Buffer,
  token: string | undefined,
  inFlight: number,
  pid: number,
  rpcErrors: () => Promise<number>,
): Promise<Result> {
  const bodyFile = join(work, `${name}.bin`);
  const logFile = join(work, `${name}-${inFlight}.log`);
  writeFileSync(bodyFile, body);
  const clients = Math.min(inFlight, 4);
  const headers = ["-H", "content-type: application/grpc", "-H", "te: trailers"];
  if (token) headers.push("-H", `authorization: Bearer ${token}`);
  const args = (secs: number) => [
    url,
    "-d",
    bodyFile,
    ...headers,
    "-c",
    String(clients),
    "-m",
    String(Math.ceil(inFlight / clients)),
    "-D",
    String(secs),
  ];
  execFileSync("h2load", args(1), { stdio: "ignore" });
  const errorsBefore = await rpcErrors();
  const before = cpuTicks(pid);
  const dbBefore = postgresTicks();
  const out = execFileSync("h2load", [...args(seconds), "--log-file", logFile], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const cpu = (cpuTicks(pid) - before) * 10_000; // µs
  const db = (postgresTicks() - dbBefore) * 10_000;
  const errors = (await rpcErrors()) - errorsBefore;
  const ok = Number(/(\d+) succeeded/.exec(out)?.[1] ?? 0) - errors;
  const failed =
    errors +
    Number(/(\d+) failed/.exec(out)?.[1] ?? 0) +
    Number(/(\d+) errored/.exec(out)?.[1] ?? 0);
  const latencies = readFileSync(logFile, "utf8")
    .trim()
    .split("\n")
    .map((line) => Number(line.split("\t")[2]) / 1000) // µs → ms
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  return {
    name,
    inFlight,
    calls: ok,
    failed,
    perSecond: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMicros: ok ? cpu / ok : undefined,
    dbMicros: ok ? db / ok : undefined,
  };
}

/** The floor: `query` straight through node-postgres at the same concurrency. */
async function pgFloor(
  name: string,
  pool: pg.Pool,
  inFlight: number,
  query: () => [string, unknown[]],
): Promise<Result> {
  const latencies: number[] = [];
  let failed = 0;
  const runFor = async (ms: number, record: boolean) => {
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          const [text, values] = query();
          const t0 = performance.now();
          try {
            await pool.query({ text, values, name: `${name}-floor` });
            if (record) latencies.push(performance.now() - t0);
          } catch {
            failed++;
          }
        }
      }),
    );
  };
  await runFor(1_000, false);
  const dbBefore = postgresTicks();
  await runFor(seconds * 1_000, true);
  const db = (postgresTicks() - dbBefore) * 10_000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    inFlight,
    calls: latencies.length,
    failed,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    dbMicros: latencies.length ? db / latencies.length : undefined,
  };
}

const postgres = await startPostgres();
const database = await createTestDatabase(postgres.adminUrl);
const issuer = await createTestIssuer();
const [grpcPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
// One principal drives thousands of calls a second, far past any per-user limit: the limits
// are raised (not turned off), so every call still pays for the rate-limit step.
const benchRateLimits = {
  RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? "true",
  RATE_LIMIT_READS: process.env.RATE_LIMIT_READS ?? "100000000/1",
  RATE_LIMIT_WRITES: process.env.RATE_LIMIT_WRITES ?? "100000000/1",
  RATE_LIMIT_EXPENSIVE: process.env.RATE_LIMIT_EXPENSIVE ?? "100000000/1",
};
// BENCH_CPU_PROF=<dir> writes core's V8 CPU profile there when it stops (open it in DevTools).
const profile = process.env.BENCH_CPU_PROF
  ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
  : [];
const core = spawn(
  process.execPath,
  [...profile, "--import", "tsx", "services/core/src/server.ts"],
  {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: String(poolSize),
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_PUBLIC_KEY: issuer.publicKeyPem,
      MASTER_KEYS: `bench:${randomBytes(32).toString("base64")}`,
      GRPC_PORT: String(grpcPort),
      HTTP_PORT: String(httpPort),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      ...benchRateLimits,
    },
    stdio: ["ignore", "inherit", "inherit"],
  },
);
const urls = { grpcUrl: `http://127.0.0.1:${grpcPort}`, httpUrl: `http://127.0.0.1:${httpPort}` };
const stopAll = async () => {
  core.kill("SIGTERM");
  await new Promise((r) => core.once("exit", r));
  await database.drop();
  await postgres.stop();
};

try {
  const health = clientFor(Health, urls);
  for (let i = 0; ; i++) {
    const status = await health.check({}).then(
      (r) => r.status,
      () => undefined,
    );
    if (status === HealthCheckResponse_ServingStatus.SERVING) break;
    if (i > 120) throw new Error("core did not become healthy");
    await new Promise((r) => setTimeout(r, 250));
  }
  const token = await issuer.mint("bench-user");
  const { workspace } = await clientFor(WorkspaceService, urls, token).createWorkspace({
    workspace: { displayName: "bench" },
  });
  const parent = workspace?.name ?? "";
  const workspaceId = parent.split("/")[1] as string;
  const tasks = clientFor(TaskService, urls, token);
  const created = [];
  for (let i = 0; i < 60; i++)
    created.push(
      (await tasks.createTask({ parent, task: { title: `seed ${i}`, labels: ["bench"] } })).task,
    );
  const one = created[0]?.name ?? "";

  const taskInit = {
    parent,
    task: { title: "Write the quarterly report", priority: 2, labels: ["work"] },
  };
  const scenarios = {
    echo: {
      path: "grpc.health.v1.Health/Check",
      body: grpcFrame(HealthCheckRequestSchema, {}),
      token: undefined,
    },
    CreateTask: {
      path: "glidepath.core.v1.TaskService/CreateTask",
      body: grpcFrame(CreateTaskRequestSchema, taskInit),
      token,
    },
    GetTask: {
      path: "glidepath.core.v1.TaskService/GetTask",
      body: grpcFrame(GetTaskRequestSchema, { name: one }),
      token,
    },
    ListTasks: {
      path: "glidepath.core.v1.TaskService/ListTasks",
      body: grpcFrame(ListTasksRequestSchema, { parent, pageSize: 50 }),
      token,
    },
  };
  const errorsSoFar = async (path: string) => {
    const [service, method] = path.split("/");
    // A fresh connection each time: a kept-alive one may be closed by the server mid-reuse.
    const text = await new Promise<string>((done, fail) => {
      get(`http://127.0.0.1:${metricsPort}/metrics`, { agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => done(body)).on("error", fail);
      }).on("error", fail);
    });
    return text
      .split("\n")
      .filter(
        (line) =>
          line.startsWith("glidepath_rpc_server_errors") &&
          line.includes(`rpc_service="${service}"`) &&
          line.includes(`rpc_method="${method}"`),
      )
      .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
  };
  const run = (name: keyof typeof scenarios, inFlight: number) => {
    const s = scenarios[name];
    const url = `${urls.grpcUrl}/${s.path}`;
    return h2load(name, url, s.body, s.token, inFlight, core.pid as number, () =>
      errorsSoFar(s.path),
    );
  };

  const pool = new pg.Pool({ connectionString: database.url, max: poolSize });
  pool.on("error", () => {}); // an idle connection closed under it (e.g. the database dropped)
  const insertFloor = () => {
    const now = new Date();
    return [
      `insert into core.tasks (workspace_id, id, title, notes, state, priority, actor, actor_user, create_time, update_time, version)
       values ($1, $2, $3, '', 'OPEN', 2, 'USER', 'bench-user', $4, $4, 1)`,
      [workspaceId, randomUUID(), "Write the quarterly report", now],
    ] as [string, unknown[]];
  };
  const selectFloor = () =>
    [
      `select * from core.tasks where workspace_id = $1 and id = $2`,
      [workspaceId, one.split("/")[3]],
    ] as [string, unknown[]];
  const listFloor = () =>
    [
      `select * from core.tasks where workspace_id = $1 order by create_time, id limit 50`,
      [workspaceId],
    ] as [string, unknown[]];

  const results: Result[] = [];
  const ratios: string[] = [];
  for (const n of levels) {
    const echo = await run("echo", n);
    const insert = await pgFloor("INSERT floor", pool, n, insertFloor);
    const createTask = await run("CreateTask", n);
    // Keep the planner's statistics current, as autovacuum would on a live system.
    await pool.query("analyze core.tasks, core.task_labels");
    const select = await pgFloor("SELECT floor", pool, n, selectFloor);
    const getTask = await run("GetTask", n);
    const list = await pgFloor("SELECT 50 floor", pool, n, listFloor);
    const listTasks = await run("ListTasks", n);
    results.push(echo, insert, createTask, select, getTask, list, listTasks);
    ratios.push(
      `in-flight ${n}: CreateTask/INSERT ${(createTask.perSecond / insert.perSecond).toFixed(2)}, ` +
        `GetTask/echo ${(getTask.perSecond / echo.perSecond).toFixed(2)}, ` +
        `GetTask/SELECT ${(getTask.perSecond / select.perSecond).toFixed(2)}, ` +
        `ListTasks/SELECT-50 ${(listTasks.perSecond / list.perSecond).toFixed(2)}`,
    );
  }
  const [{ n: rows }] = (
    await pool.query(
      `select count(*)::int as n from core.tasks where title = 'Write the quarterly report' and actor = 'USER' and notes = '' and exists (select 1 from core.task_labels l where l.task_id = core.tasks.id)`,
    )
  ).rows;
  const answered = results.filter((r) => r.name === "CreateTask").reduce((a, r) => a + r.calls, 0);
  await pool.end();

  const tracing = process.env.OTEL_SDK_DISABLED === "true" ? "off" : "on";
  console.log(
    `\nGlidepath core benchmark: ${seconds} s per cell, h2load over gRPC (grpc-js port), ` +
      `tracing ${tracing}, ${new Date().toISOString()}`,
  );
  console.log(
    benchRateLimits.RATE_LIMIT_ENABLED === "false"
      ? "rate limiting: OFF (RATE_LIMIT_ENABLED=false)"
      : `rate limiting: on, limits raised for the bench (reads ${benchRateLimits.RATE_LIMIT_READS}, ` +
          `writes ${benchRateLimits.RATE_LIMIT_WRITES}, expensive ${benchRateLimits.RATE_LIMIT_EXPENSIVE})`,
  );
  const columns = [
    "in-flight",
    "calls/s",
    "p50 ms",
    "p99 ms",
    "server CPU µs/call",
    "PostgreSQL CPU µs/call",
    "failed",
  ];
  console.log([" ".padEnd(16), ...columns.map((c) => c.padStart(c.length + 2))].join(""));
  const cell = (value: number | undefined, digits: number, column: number) =>
    (value === undefined ? "-" : value.toFixed(digits)).padStart(
      (columns[column]?.length ?? 0) + 2,
    );
  for (const r of results) {
    console.log(
      r.name.padEnd(16) +
        cell(r.inFlight, 0, 0) +
        cell(r.perSecond, 0, 1) +
        cell(r.p50, 2, 2) +
        cell(r.p99, 2, 3) +
        cell(r.cpuMicros, 0, 4) +
        cell(r.dbMicros, 0, 5) +
        cell(r.failed, 0, 6),
    );
  }
  // The rows show the server did write what it answered.
  console.log(
    `\nCreateTask answered ${answered} calls in the measured windows; task rows written in all: ${rows}`,
  );
  for (const line of ratios) console.log(line);
  const last = results.filter((r) => r.inFlight === 64);
  const c64 = last.find((r) => r.name === "CreateTask");
  const i64 = last.find((r) => r.name === "INSERT floor");
  if (c64 && i64)
    console.log(
      `CreateTask/INSERT floor at 64 in-flight: ${(c64.perSecond / i64.perSecond).toFixed(2)}`,
    );
} finally {
  await stopAll();
}
