// `npm run bench:ai`: the ai service's critical operations, printed (never asserted):
//   1. ParseTask as a pure function: sentences/s in one process (the dev and own sets, warmed up);
//   2. ParseTask over gRPC against a running ai process: p50/p99 and ai CPU per call at 1 and 8
//      in-flight calls, with h2load (Debian's nghttp2-client), like scripts/bench.ts;
//   3. a 10,000-task workspace (services/ai/src/domain/suggest/synthetic.ts, loaded into core's
//      tables): training time as a pure function and end to end (TrainModels: reading the history
//      through core, fitting, storing), then SuggestTaskChanges and SuggestWorkspaceActions
//      p50/p99 at 1 and 8 in-flight.
// Figures go to docs/benchmarks.md ("ai" section).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  ModelService,
  ParseTaskRequestSchema,
  SuggestTaskChangesRequestSchema,
  SuggestWorkspaceActionsRequestSchema,
} from "@glidepath/contracts/ai/v1";
import { WorkspaceService } from "@glidepath/contracts/core/v1";
import {
  createDataKeyStore,
  createFieldCipher,
  parseMasterKeys,
  type Sql,
} from "@glidepath/runtime";
import {
  clientFor,
  createTestDatabase,
  createTestIssuer,
  serviceEnv,
  spawnService,
  startPostgres,
} from "@glidepath/testkit";
import pg from "pg";
import { readCases } from "../services/ai/src/domain/quick-add/evaluation.js";
import { parseQuickAdd } from "../services/ai/src/domain/quick-add/index.js";
import { generateWorkspace, trainWorkspaceModel } from "../services/ai/src/domain/suggest/index.js";
import { createCoreEncryption } from "../services/core/src/adapters/db/sealed-fields.js";
import type { Task } from "../services/core/src/domain/task.js";

const root = resolve(import.meta.dirname, "..");
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const levels = (process.env.BENCH_INFLIGHT ?? "1,8").split(",").map(Number);
const workspaceTasks = Number(process.env.BENCH_TASKS ?? 10_000);

try {
  execFileSync("h2load", ["--version"], { stdio: "ignore" });
} catch {
  console.error("bench:ai needs h2load: apt-get install -y nghttp2-client");
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
}

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number)
    : 0;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function grpcFrame<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Buffer {
  const bytes = toBinary(schema, create(schema, init));
  const frame = Buffer.alloc(5 + bytes.length);
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  return frame;
}

const cpuTicks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
};

const work = mkdtempSync(join(tmpdir(), "glidepath-bench-ai-"));

function h2load(
  name: string,
  url: string,
  body: Buffer,
  token: string,
  inFlight: number,
  pid: number,
): Result {
  const bodyFile = join(work, `${name}.bin`);
  const logFile = join(work, `${name}-${inFlight}.log`);
  writeFileSync(bodyFile, body);
  const clients = Math.min(inFlight, 4);
  const before = cpuTicks(pid);
  const out = execFileSync(
    "h2load",
    [
      url,
      "-d",
      bodyFile,
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "-H",
      `authorization: Bearer ${token}`,
      "-c",
      String(clients),
      "-m",
      String(Math.ceil(inFlight / clients)),
      "-D",
      String(seconds),
      "--warm-up-time",
      "1",
      "--log-file",
      logFile,
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const cpu = (cpuTicks(pid) - before) * 10_000; // µs
  const ok = Number(/(\d+) succeeded/.exec(out)?.[1] ?? 0);
  const failed =
    Number(/(\d+) failed/.exec(out)?.[1] ?? 0) + Number(/(\d+) errored/.exec(out)?.[1] ?? 0);
  const latencies = readFileSync(logFile, "utf8")
    .trim()
    .split("\n")
    .map((line) => Number(line.split("\t")[2]) / 1000)
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
  };
}

// 1. The parser as a pure function.
function parseThroughput(): { rate: number; sentences: number } {
  const dir = join(root, "services/ai/src/domain/quick-add/testdata");
  const inputs = ["parse-dev.jsonl", "own.jsonl"].flatMap((f) =>
    readCases(readFileSync(join(dir, f), "utf8")).map((c) => ({
      text: c.text,
      referenceTime: c.reference_time,
      timeZone: c.time_zone,
    })),
  );
  const runAll = () => {
    for (const input of inputs) parseQuickAdd(input);
  };
  const warm = performance.now();
  while (performance.now() - warm < 1500) runAll();
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < 20; i++) runAll();
    rates.push((inputs.length * 20) / ((performance.now() - started) / 1000));
  }
  return { rate: median(rates), sentences: inputs.length };
}

/**
 * Notes as core stores them: encrypted under the workspace's data key, with the master key the
 * spawned core got from serviceEnv (docs/security.md, "Encryption at rest").
 */
async function sealedNotes(
  db: pg.Client,
  workspaceId: string,
  tasks: readonly { id: string; notes?: string | null }[],
): Promise<string[]> {
  const run = (text: string | { text: string }, values?: unknown[]) =>
    db.query(typeof text === "string" ? text : text.text, values);
  const sql: Sql = {
    query: async (text, values) => (await run(text, values)).rows as never,
    execute: async (text, values) => (await run(text, values)).rowCount ?? 0,
    transaction: (work) => work(sql),
  };
  const masterKeys = parseMasterKeys(serviceEnv("", issuer).MASTER_KEYS as string);
  const fields = createCoreEncryption(
    createFieldCipher(createDataKeyStore({ sql, schema: "core", masterKeys })),
  ).on(sql);
  return Promise.all(
    tasks.map(
      async (x) =>
        (
          await fields.sealTask({
            workspaceId,
            id: x.id,
            version: 1,
            notes: x.notes ?? "",
            source: null,
          } as Task)
        ).notes,
    ),
  );
}

/** Loads a synthetic workspace's projects and tasks into core's tables (as core would hold them). */
async function loadWorkspace(url: string, workspaceId: string, user: string, tasks: number) {
  const synthetic = generateWorkspace({ tasks, seed: 42, now: new Date() });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query("begin");
    for (const p of synthetic.projects) {
      await db.query(
        `insert into core.projects (workspace_id, id, display_name, state, create_time, update_time, version)
         values ($1, $2, $3, 'ACTIVE', now(), now(), 1)`,
        [workspaceId, p.id, p.name],
      );
    }
    const t = synthetic.tasks;
    await db.query(
      `insert into core.tasks (workspace_id, id, title, notes, state, priority, due_date, due_time,
         due_time_zone, project_id, duration_minutes, actor, actor_user, create_time, update_time,
         complete_time, version)
       select $1, id, title, notes, state, priority, due_date, due_time,
              case when due_time is null then null else 'UTC' end, project_id, duration,
              'USER', $2, create_time, update_time, complete_time, 1
         from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::smallint[], $8::date[],
                     $9::time[], $10::uuid[], $11::int[], $12::timestamptz[], $13::timestamptz[],
                     $14::timestamptz[])
           as x(id, title, notes, state, priority, due_date, due_time, project_id, duration,
                create_time, update_time, complete_time)`,
      [
        workspaceId,
        user,
        t.map((x) => x.id),
        t.map((x) => x.title),
        await sealedNotes(db, workspaceId, t),
        t.map((x) => x.state),
        t.map((x) => x.priority),
        t.map((x) => x.due?.date ?? null),
        t.map((x) => x.due?.time ?? null),
        t.map((x) => x.projectId),
        t.map((x) => x.durationMinutes),
        t.map((x) => x.createTime),
        t.map((x) => x.updateTime),
        t.map((x) => x.completeTime),
      ],
    );
    const labels = t.flatMap((x) => x.labels.map((label) => [x.id, label] as const));
    await db.query(
      `insert into core.task_labels (workspace_id, task_id, label)
       select $1, task_id, label from unnest($2::uuid[], $3::text[]) as x(task_id, label)`,
      [workspaceId, labels.map((l) => l[0]), labels.map((l) => l[1])],
    );
    await db.query("commit");
  } finally {
    await db.end();
  }
  return synthetic;
}

const parse = parseThroughput();
console.log(
  `ParseTask (pure function): ${Math.round(parse.rate)} sentences/s over ${parse.sentences} sentences`,
);

const postgres = await startPostgres();
const database = await createTestDatabase(postgres.adminUrl);
const issuer = await createTestIssuer();
const logLevel = { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
const core = await spawnService({
  name: "core",
  entry: "services/core/src/server.ts",
  env: serviceEnv(database.url, issuer, { ...logLevel, DATABASE_POOL_MAX: "32" }),
}).catch(async (e) => {
  await database.drop();
  await postgres.stop();
  throw e;
});
const ai = await spawnService({
  name: "ai",
  entry: "services/ai/src/server.ts",
  env: serviceEnv(database.url, issuer, { ...logLevel, CORE_GRPC_URL: core.grpcUrl }),
}).catch(async (e) => {
  await core.stop();
  await database.drop();
  await postgres.stop();
  throw e;
});

try {
  const user = "bench-user";
  const token = await issuer.mint(user);
  const coreUrls = { grpcUrl: core.grpcUrl, httpUrl: core.httpUrl };
  const aiUrls = { grpcUrl: ai.grpcUrl, httpUrl: ai.httpUrl };
  const newWorkspace = async (displayName: string) => {
    const { workspace } = await clientFor(WorkspaceService, coreUrls, token).createWorkspace({
      workspace: { displayName },
    });
    return workspace?.name ?? "";
  };

  const results: Result[] = [];
  const small = await newWorkspace("bench parse");
  const parseBody = grpcFrame(ParseTaskRequestSchema, {
    parent: small,
    text: "Pay rent every 1st of the month p1 #Home @bills for 15 min",
    timeZone: "Europe/Berlin",
    referenceTime: "2026-11-27T09:00:00",
  });
  for (const n of levels) {
    results.push(
      h2load(
        "ParseTask",
        `${ai.grpcUrl}/glidepath.ai.v1.QuickAddService/ParseTask`,
        parseBody,
        token,
        n,
        ai.pid,
      ),
    );
  }

  // A 10,000-task workspace.
  const big = await newWorkspace("bench suggestions");
  const loadStarted = performance.now();
  const synthetic = await loadWorkspace(
    database.url,
    big.split("/")[1] as string,
    user,
    workspaceTasks,
  );
  const loadMs = performance.now() - loadStarted;

  const pure: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    trainWorkspaceModel(synthetic.tasks, { now: new Date(), seed: 1, timeZone: "UTC" });
    pure.push(performance.now() - started);
  }
  const models = clientFor(ModelService, aiUrls, token);
  const endToEnd: number[] = [];
  let trainedModel = "";
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const { model } = await models.trainModels({ parent: big }, { timeoutMs: 120_000 });
    endToEnd.push(performance.now() - started);
    trainedModel = `${model?.name} (${model?.exampleCount} examples, ${model?.trainingMillis} ms in ai)`;
  }

  const open = synthetic.tasks.filter((t) => t.state === "OPEN");
  const target = open[open.length - 1]?.id ?? "";
  const suggestBody = grpcFrame(SuggestTaskChangesRequestSchema, {
    name: `${big}/tasks/${target}`,
    maxSuggestions: 5,
  });
  const triageBody = grpcFrame(SuggestWorkspaceActionsRequestSchema, {
    parent: big,
    maxSuggestions: 20,
  });
  for (const n of levels) {
    results.push(
      h2load(
        "SuggestTaskChanges",
        `${ai.grpcUrl}/glidepath.ai.v1.SuggestionService/SuggestTaskChanges`,
        suggestBody,
        token,
        n,
        ai.pid,
      ),
    );
  }
  results.push(
    h2load(
      "SuggestWorkspaceActions",
      `${ai.grpcUrl}/glidepath.ai.v1.SuggestionService/SuggestWorkspaceActions`,
      triageBody,
      token,
      1,
      ai.pid,
    ),
  );

  console.log(
    `\nGlidepath ai benchmark — ${seconds}s per cell, h2load over gRPC (grpc-js port), ${new Date().toISOString()}`,
  );
  console.log(`ParseTask (pure function):     ${Math.round(parse.rate)} sentences/s, one process`);
  console.log(
    `workspace: ${synthetic.tasks.length} tasks (${open.length} open) in ${synthetic.projects.length} projects, loaded into core in ${Math.round(loadMs)} ms`,
  );
  console.log(
    `training, pure function:       median ${Math.round(median(pure))} ms (${pure.map((v) => Math.round(v)).join(", ")})`,
  );
  console.log(
    `TrainModels end to end:        median ${Math.round(median(endToEnd))} ms (${endToEnd.map((v) => Math.round(v)).join(", ")}); last: ${trainedModel}`,
  );
  console.log(
    "\nname                     in-flight   calls/s     p50 ms   p99 ms   ai CPU µs/call  failed",
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(25)}${String(r.inFlight).padStart(6)}${r.perSecond.toFixed(0).padStart(12)}` +
        `${r.p50.toFixed(2).padStart(11)}${r.p99.toFixed(2).padStart(9)}` +
        `${(r.cpuMicros === undefined ? "-" : r.cpuMicros.toFixed(0)).padStart(16)}${String(r.failed).padStart(8)}`,
    );
  }
} finally {
  await ai.stop();
  await core.stop();
  await database.drop();
  await postgres.stop();
}
