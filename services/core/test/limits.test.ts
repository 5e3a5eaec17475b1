import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  create,
  type DescField,
  type DescMessage,
  type DescMethod,
  ScalarType,
  toBinary,
  toJsonString,
} from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { ChangeService, TaskService } from "@glidepath/contracts/core/v1";
import { Health, HealthCheckResponse_ServingStatus } from "@glidepath/contracts/grpc";
import type { Protocol } from "@glidepath/testkit";
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePageToken } from "../src/app/page-token.js";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import {
  attempt,
  Clients,
  clientWith,
  coreMethods,
  createFixture,
  type Fixture,
  invoke,
  type Outcome,
  stringify,
  withDb,
} from "./security-support.js";

// Promises 7 and 8: bounded resources (message size, deadlines, graceful shutdown) and stable,
// leak-free errors under ~2,000 random and malformed requests to every core method.

const SERVING = HealthCheckResponse_ServingStatus.SERVING;
const healthOf = async (core: CoreHarness, protocol: Protocol = "grpc") =>
  (await clientWith(Health, core.service, protocol, {}).check({ service: "" })).status;

describe("message size cap", () => {
  let core: CoreHarness;
  let clients: Clients;
  let parent: string;
  beforeAll(async () => {
    core = await startCoreHarness();
    clients = new Clients(core);
    parent = `workspaces/${await core.workspace("sizer")}`;
  });
  afterAll(() => core?.stop());

  it.each(["grpc", "connect", "grpc-web"] as const)(
    "refuses a 5 MiB request over %s and stays healthy",
    async (protocol) => {
      const tasks = await clients.get(TaskService, "sizer", protocol);
      const notes = "n".repeat(5 * 1024 * 1024);
      const outcome = await attempt(() =>
        tasks.createTask({ parent, task: { title: `huge ${protocol}`, notes } }),
      );
      expect(["ResourceExhausted", "InvalidArgument"]).toContain(outcome.code);
      expect(outcome.message).not.toMatch(/\/work\/|node_modules|\.ts:\d/);
      const stored = await withDb(core.databaseUrl, async (db) => {
        const { rows } = await db.query("select 1 from core.tasks where title = $1", [
          `huge ${protocol}`,
        ]);
        return rows.length;
      });
      expect(stored).toBe(0);
      expect(await healthOf(core, protocol)).toBe(SERVING);
      const small = await tasks.createTask({ parent, task: { title: `small ${protocol}` } });
      expect(small.task?.title).toBe(`small ${protocol}`);
    },
  );

  it("refuses notes over the contract's limit but under the size cap", async () => {
    const tasks = await clients.get(TaskService, "sizer");
    const outcome = await attempt(() =>
      tasks.createTask({ parent, task: { title: "long", notes: "n".repeat(20_001) } }),
    );
    expect(outcome.code).toBe("InvalidArgument");
    expect(outcome.violations.join()).toContain("task.notes");
  });
});

describe("deadlines", () => {
  let core: CoreHarness;
  let clients: Clients;
  let parent: string;
  beforeAll(async () => {
    // A short cap, so a call that outlives it shows it was capped.
    core = await startCoreHarness({ MAX_DEADLINE_MS: "1500", DEFAULT_DEADLINE_MS: "1500" });
    clients = new Clients(core);
    parent = `workspaces/${await core.workspace("clock")}`;
  });
  afterAll(() => core?.stop());

  it.each(["grpc", "connect"] as const)(
    "a tiny deadline yields DEADLINE_EXCEEDED cleanly over %s",
    async (protocol) => {
      const tasks = await clients.get(TaskService, "clock", protocol);
      for (let i = 0; i < 10; i++) {
        const outcome = await attempt(() => tasks.listTasks({ parent }, { timeoutMs: 1 }));
        expect(outcome.code).toBe("DeadlineExceeded");
      }
      expect(await healthOf(core, protocol)).toBe(SERVING);
      expect((await attempt(() => tasks.listTasks({ parent }))).code).toBe("OK");
    },
  );

  it.each(["grpc", "connect"] as const)(
    "a deadline longer than MAX_DEADLINE_MS is capped, not refused, over %s",
    async (protocol) => {
      const tasks = await clients.get(TaskService, "clock", protocol);
      const outcome = await attempt(() => tasks.listTasks({ parent }, { timeoutMs: 600_000 }));
      expect(outcome.code).toBe("OK");
      // A stream that would run forever ends at the cap, not at the client's hour.
      const changes = await clients.get(ChangeService, "clock", protocol);
      const started = Date.now();
      const ended = await attempt(async () => {
        for await (const _ of changes.watchChanges({ parent }, { timeoutMs: 3_600_000 })) {
          // the workspace's changes, then nothing new
        }
      });
      const took = Date.now() - started;
      expect(["OK", "DeadlineExceeded"]).toContain(ended.code);
      expect(took).toBeGreaterThanOrEqual(1_000);
      expect(took).toBeLessThan(10_000);
    },
  );

  it("caps a long deadline for gRPC over h2c on the Connect port too", async () => {
    const url = core.service.httpUrl;
    const tasks = clientWith(TaskService, { grpcUrl: url, httpUrl: url }, "grpc", {
      authorization: `Bearer ${await clients.token("clock")}`,
    });
    expect((await attempt(() => tasks.listTasks({ parent }, { timeoutMs: 600_000 }))).code).toBe(
      "OK",
    );
  });
});

describe("graceful shutdown", () => {
  let core: CoreHarness;
  beforeAll(async () => {
    core = await startCoreHarness({ SHUTDOWN_GRACE_MS: "5000" });
  });
  afterAll(() => core?.stop());

  it("finishes the calls in flight, keeps every success, then refuses new calls", async () => {
    const clients = new Clients(core);
    const parent = `workspaces/${await core.workspace("stopper")}`;
    const grpcTasks = await clients.get(TaskService, "stopper", "grpc");
    const connectTasks = await clients.get(TaskService, "stopper", "connect");
    await grpcTasks.listTasks({ parent });
    await connectTasks.listTasks({ parent });

    // Hold inserts into core.tasks, so every CreateTask is provably in flight inside the
    // service (in the database or waiting for a connection) when stop begins.
    const results = await withDb(core.databaseUrl, async (db) => {
      await db.query("begin");
      await db.query("lock table core.tasks in share mode");
      const calls = Array.from({ length: 20 }, (_, i) => {
        const tasks = i % 2 === 0 ? grpcTasks : connectTasks;
        const title = `in flight ${i}`;
        return attempt(() => tasks.createTask({ parent, task: { title } })).then((o) => ({
          title,
          protocol: i % 2 === 0 ? "grpc" : "connect",
          outcome: o,
        }));
      });
      const until = Date.now() + 5_000;
      for (;;) {
        const { rows } = await db.query<{ n: number }>(
          `select count(*)::int as n from pg_locks
           where not granted and relation = 'core.tasks'::regclass`,
        );
        if ((rows[0]?.n ?? 0) >= 10 || Date.now() > until) break; // the pool is 10
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // the other 10 wait for the pool
      const stopped = core.service.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await db.query("commit");
      const all = await Promise.all(calls);
      await stopped;
      return all;
    });
    const unclean = results.filter(
      (r) => !["OK", "Unavailable", "Canceled"].includes(r.outcome.code),
    );
    expect(
      unclean.map((r) => `${r.protocol} ${r.title}: ${r.outcome.code} ${r.outcome.message}`),
      "calls that failed uncleanly",
    ).toEqual([]);
    const succeeded = results.filter((r) => r.outcome.ok).map((r) => r.title);
    const stored = await withDb(core.databaseUrl, async (db) => {
      const { rows } = await db.query<{ title: string }>("select title from core.tasks");
      return new Set(rows.map((r) => r.title));
    });
    expect(
      succeeded.filter((t) => !stored.has(t)),
      "succeeded but not stored",
    ).toEqual([]);
    console.log(
      `shutdown: ${results.length} in flight, ${succeeded.length} succeeded, ${results.length - succeeded.length} refused cleanly`,
    );
    expect(succeeded.length).toBeGreaterThan(0);
    // After stop, nothing is served.
    for (const tasks of [grpcTasks, connectTasks]) {
      const after = await attempt(() =>
        tasks.createTask({ parent, task: { title: "after stop" } }, { timeoutMs: 3_000 }),
      );
      expect(after.code).toBe("Unavailable");
    }
    const health = await attempt(() =>
      clientWith(Health, core.service, "grpc", {}).check({ service: "" }, { timeoutMs: 2_000 }),
    );
    expect(health.code).toBe("Unavailable");
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzzing

const leakPatterns: [string, RegExp][] = [
  ["stack frame", /\bat .+:\d+:\d+|\n\s+at\s/],
  [
    "file path",
    /(?:\/(?:work|home|usr|tmp|var|opt|root|app|srv)\/)|node_modules|file:\/\/|\.[cm]?[jt]s:\d+/,
  ],
  [
    "SQL",
    /\b(?:select\s.+\sfrom|insert\s+into|delete\s+from|update\s+\S+\s+set|syntax error|relation "|column "|violates|duplicate key|sqlstate|invalid input syntax|out of range for type|pg_\w+)/i,
  ],
  [
    "host name",
    new RegExp(`127\\.0\\.0\\.1|localhost|::1|:5432\\b|${hostname().replace(/\W/g, "\\$&")}`),
  ],
  [
    "internal name",
    /\b(?:core\.(?:tasks|projects|members|workspaces|changes|request_ids)|MikroORM|TypeError|ReferenceError|undefined is not|cannot read propert)/i,
  ],
];

const seed = 20_250_611;
const int32 = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }),
  fc.constantFrom(0, -1, 1, 50, 100, 1000, 1001, 2147483647, -2147483648),
);
const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, 60n, 61n, 2592000n, 2592060n, 253402300799n, -62135596800n, -1n),
);
const nasty = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u001b[31m",
  "\r\n",
  "\t",
  "\u202e",
  "\ufeff",
  "\ud800",
  "'; drop table core.tasks; --",
  '" OR 1=1 --',
  "$1",
  "%s%s%n",
  "$" + "{process.env}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "../../etc/passwd",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "99999999999999999999999",
  "😀".repeat(100),
  "é".repeat(600),
  "x".repeat(1025),
  "x".repeat(20_001),
);
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom("\u0000", "\u0001", "\u001f", "\u007f", "\n", "a", '"', "\\"),
      maxLength: 20,
    }),
  },
  { weight: 3, arbitrary: nasty },
);

function stringsFor(field: DescField, fx: Fixture, names: string[], users: string[]) {
  const uuid = fc.uuid();
  const ws = fx.ws;
  const resourceName = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names) },
    { weight: 2, arbitrary: uuid.map((u) => `workspaces/${ws}/tasks/${u}`) },
    { weight: 1, arbitrary: uuid.map((u) => `workspaces/${ws}/projects/${u}`) },
    { weight: 1, arbitrary: fc.constantFrom(...users).map((u) => `workspaces/${ws}/members/${u}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...names), anyString)
        .map(([n, s]) => (s.length % 2 ? `${n}${s}` : `${s}${n}`)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...names).map((n) => `${n.toUpperCase()}/`),
    },
    { weight: 3, arbitrary: anyString },
  );
  switch (field.name) {
    case "parent":
    case "name":
    case "names":
    case "project":
      return resourceName;
    case "user":
    case "assignee":
      return fc.oneof(fc.constantFrom(...users), anyString);
    case "filter": {
      const value = fc.oneof(
        anyString.map((s) => JSON.stringify(s)),
        fc.constantFrom(...names).map((n) => `"${n}"`),
        fc.constantFrom(
          "OPEN",
          "DONE",
          "P1",
          "5",
          "NULL",
          "2031-02-29",
          "0000-00-00",
          "2024-13-01",
        ),
        fc.bigInt().map(String),
        anyString,
      );
      const field = fc.constantFrom(
        "state",
        "priority",
        "label",
        "labels",
        "project",
        "assignee",
        "due",
        "text",
        "title",
        "id",
        "notes",
      );
      const op = fc.constantFrom("=", "!=", "<", "<=", ">", ">=", ":", "~", "");
      const term = fc.tuple(field, op, value).map(([f, o, v]) => `${f} ${o} ${v}`);
      const expr = fc
        .array(fc.tuple(term, fc.constantFrom(" AND ", " OR ", " ", " AND NOT ", " -", " (")), {
          minLength: 1,
          maxLength: 8,
        })
        .map((parts) => parts.map(([t, j]) => `${t}${j}`).join(""));
      return fc.oneof(
        expr,
        anyString,
        fc.constantFrom("(".repeat(100), `${"NOT ".repeat(2000)}state = OPEN`),
      );
    }
    case "order_by":
      return fc.oneof(
        fc.constantFrom("create_time", "due desc", "priority asc", "update_time DESC", "title"),
        anyString,
      );
    case "page_token":
      return fc.oneof(
        anyString,
        anyString.map((s) => Buffer.from(s).toString("base64url")),
        fc
          .tuple(fc.constantFrom(`user:${fx.founder}`, ws), fc.jsonValue())
          .map(([scope, k]) => encodePageToken(scope, [], k)),
        fc.jsonValue().map((k) => encodePageToken(ws, ["", "", false], k)),
        fc.jsonValue().map((k) => encodePageToken(ws, [false], k)),
        fc.jsonValue().map((k) => encodePageToken(ws, ["members"], k)),
      );
    case "start_after":
      return fc.oneof(
        fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
        fc.constantFrom("9223372036854775807", "9223372036854775808", "9999999999999999999", "-1"),
        anyString,
      );
    case "request_id":
      return fc.oneof(uuid, anyString);
    case "etag":
      return fc.oneof(fc.constantFrom('"1"', '"2"', "*", 'W/"1"'), anyString);
    case "time_zone":
      return fc.oneof(
        fc.constantFrom("Europe/Berlin", "UTC", "America/St_Johns", "Mars/Olympus", "Etc/GMT+14"),
        anyString,
      );
    case "recurrence":
      return fc.oneof(
        fc.constantFrom(
          "FREQ=DAILY",
          "FREQ=WEEKLY;BYDAY=MO,FR",
          "FREQ=SECONDLY;COUNT=1000000",
          "FREQ=DAILY;UNTIL=99991231T000000Z",
          "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
          "RRULE:FREQ=DAILY",
          "FREQ=DAILY;INTERVAL=0",
        ),
        anyString,
      );
    case "paths":
      return fc.oneof(
        fc.constantFrom(
          "title",
          "notes",
          "due",
          "project",
          "display_name",
          "role",
          "state",
          "name",
        ),
        anyString,
      );
    case "reference_time":
      return fc.oneof(fc.constantFrom("2024-02-30T25:61", "2024-01-01T10:00"), anyString);
    default:
      return anyString;
  }
}

type Json = Record<string, unknown>;

function messageArbitrary(
  desc: DescMessage,
  strings: (field: DescField) => fc.Arbitrary<string>,
  depth = 0,
): fc.Arbitrary<Json> {
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const scalar = (type: ScalarType | undefined): fc.Arbitrary<unknown> => {
      switch (type) {
        case ScalarType.STRING:
          return strings(field);
        case ScalarType.BOOL:
          return fc.boolean();
        case ScalarType.INT32:
        case ScalarType.SINT32:
        case ScalarType.SFIXED32:
          return int32;
        case ScalarType.UINT32:
        case ScalarType.FIXED32:
          return fc.nat({ max: 4294967295 });
        case ScalarType.INT64:
        case ScalarType.SINT64:
        case ScalarType.SFIXED64:
          return int64;
        case ScalarType.UINT64:
        case ScalarType.FIXED64:
          return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
        case ScalarType.DOUBLE:
        case ScalarType.FLOAT:
          return fc.double({ noNaN: true, noDefaultInfinity: true });
        case ScalarType.BYTES:
          return fc.uint8Array({ maxLength: 32 });
        default:
          return fc.constant(undefined);
      }
    };
    let arb: fc.Arbitrary<unknown>;
    switch (field.fieldKind) {
      case "scalar":
        arb = scalar(field.scalar);
        break;
      case "enum":
        arb = fc.oneof(
          fc.constantFrom(...field.enum.values.map((v) => v.number)),
          fc.integer({ min: -5, max: 1000 }),
        );
        break;
      case "message":
        if (depth >= 3) continue;
        arb = messageArbitrary(field.message, strings, depth + 1);
        break;
      case "list": {
        const element =
          field.listKind === "message"
            ? depth >= 3
              ? undefined
              : messageArbitrary(field.message, strings, depth + 1)
            : field.listKind === "enum"
              ? fc.integer({ min: -5, max: 10 })
              : scalar(field.scalar);
        if (!element) continue;
        arb = fc.oneof(
          { weight: 5, arbitrary: fc.array(element, { maxLength: 4 }) },
          { weight: 1, arbitrary: fc.array(element, { minLength: 90, maxLength: 130 }) },
        );
        break;
      }
      default:
        continue;
    }
    entries[field.localName] = arb;
  }
  return fc.record(entries, { requiredKeys: [] }) as fc.Arbitrary<Json>;
}

function findLeaks(outcome: Outcome, request: unknown): string[] {
  const sent = stringify(request);
  const text = [outcome.message, ...outcome.violations, stringify(outcome.metadata)].join("\n");
  const found: string[] = [];
  for (const [what, pattern] of leakPatterns) {
    const match = pattern.exec(text);
    // The request's own text may come back quoted (e.g. an unknown filter field): not a leak.
    if (match && !sent.includes(match[0])) found.push(`${what}: ${JSON.stringify(match[0])}`);
  }
  return found;
}

describe("fuzzing every core method", () => {
  let core: CoreHarness;
  let clients: Clients;
  let fx: Fixture;
  beforeAll(async () => {
    core = await startCoreHarness();
    clients = new Clients(core);
    fx = await createFixture(clients, { founder: "fuzzer", prefix: "z-" });
  });
  afterAll(() => core?.stop());

  it("answers ~2,000 random and malformed requests without INTERNAL or leaks", async () => {
    const methods = coreMethods();
    const names = [
      fx.parent,
      fx.project,
      fx.archivedProject,
      fx.openTask,
      fx.doneTask,
      fx.deletedTask,
      `${fx.parent}/members/${fx.target}`,
      `${fx.parent}/members/${fx.founder}`,
    ];
    const users = [fx.founder, fx.target, ...Object.values(fx.users), "nobody"];
    const strings = (field: DescField) => stringsFor(field, fx, names, users);
    const arbitrary = fc.oneof(
      ...methods.map((method) =>
        fc.record({
          method: fc.constant(method),
          request: messageArbitrary(method.input, strings),
          protocol: fc.constantFrom<Protocol>("grpc", "grpc", "connect"),
          caller: fc.constantFrom(fx.founder, fx.founder, fx.founder, fx.users.VIEWER),
        }),
      ),
    );
    const samples = fc.sample(arbitrary, { numRuns: 2_000, seed });

    let sent = 0;
    let internal = 0;
    let withoutErrorInfo = 0;
    const problems: string[] = [];
    const codes = new Map<string, number>();
    const perMethod = new Map<string, number>();
    const run = async (sample: (typeof samples)[number]) => {
      const { method, request, caller } = sample;
      let { protocol } = sample;
      try {
        toBinary(method.input, create(method.input, request as never));
        if (protocol === "connect")
          toJsonString(method.input, create(method.input, request as never));
      } catch {
        protocol = "grpc"; // not expressible in JSON (e.g. a timestamp out of range)
      }
      const client = (await clients.get(method.parent, caller, protocol)) as Client<never>;
      const outcome = await invoke(client, method as DescMethod, request, {
        timeoutMs: 10_000,
        streamWaitMs: 300,
      });
      sent++;
      const key = `${method.parent.name}/${method.name}`;
      perMethod.set(key, (perMethod.get(key) ?? 0) + 1);
      codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
      const where = `${protocol} ${key} ${stringify(request).slice(0, 300)}`;
      if (outcome.code === "Internal" || outcome.code === "Unknown") {
        internal++;
        problems.push(`${where}: ${outcome.code} ${outcome.message}`);
      }
      if (outcome.code === "DeadlineExceeded" && method.methodKind === "unary") {
        problems.push(`${where}: took over 10 s`);
      }
      if (!outcome.ok) {
        for (const leak of findLeaks(outcome, request)) problems.push(`${where}: ${leak}`);
        if (outcome.reasons.length > 1)
          problems.push(`${where}: ${outcome.reasons.length} ErrorInfo`);
        if (outcome.reasons.length === 0) {
          // Only a request the protocol layer can't decode is answered before the interceptors
          // that add ErrorInfo (e.g. JSON holding a lone surrogate): it must still be the
          // client's fault.
          withoutErrorInfo++;
          if (outcome.code !== "InvalidArgument") {
            problems.push(`${where}: ${outcome.code} without ErrorInfo: ${outcome.message}`);
          }
        }
      }
    };
    const queue = [...samples, ...edgeCases(fx, methods)];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) await run(s);
      }),
    );

    // Malformed at the wire level: bytes that aren't the method's message at all.
    const raw = await sendMalformed(core, await clients.token(fx.founder), methods, "json");
    sent += raw.sent;
    internal += raw.internal;
    problems.push(...raw.problems);

    console.log(`fuzz: sent ${sent} requests, internal ${internal}`);
    console.log(
      `fuzz codes: ${JSON.stringify(Object.fromEntries(codes))}; ${withoutErrorInfo} decode errors without ErrorInfo`,
    );
    expect(problems).toEqual([]);
    expect(internal).toBe(0);
    expect([...perMethod.keys()].length).toBe(methods.length);
    expect(await healthOf(core)).toBe(SERVING);
    expect(await healthOf(core, "connect")).toBe(SERVING);
  }, 55_000);

  it("answers undecodable protobuf bodies on the Connect port without INTERNAL", async () => {
    const raw = await sendMalformed(core, await clients.token(fx.founder), coreMethods(), "binary");
    console.log(`fuzz (Connect binary): sent ${raw.sent} requests, internal ${raw.internal}`);
    expect(raw.problems).toEqual([]);
    expect(raw.internal).toBe(0);
  });
});

type Sample = { method: DescMethod; request: Json; protocol: Protocol; caller: string };

/** Inputs that reading the code suggests reach the database raw; always sent. */
function edgeCases(fx: Fixture, methods: DescMethod[]): Sample[] {
  const find = (name: string) => methods.find((m) => m.name === name) as DescMethod;
  const out: Sample[] = [];
  const add = (method: string, request: Json) => {
    for (const protocol of ["grpc", "connect"] as const) {
      out.push({ method: find(method), request, protocol, caller: fx.founder });
    }
  };
  for (const startAfter of ["9223372036854775807", "9223372036854775808", "9999999999999999999"]) {
    add("ListChanges", { parent: fx.parent, startAfter });
    add("WatchChanges", { parent: fx.parent, startAfter });
  }
  for (const filter of [
    'text = "a\u0000b"',
    '"\u0000"',
    'label = "x\u0000"',
    'assignee = "a\u0000"',
    "priority = 99999999999999999999",
    'due < "9999-12-31"',
    'due > "0001-01-01"',
  ]) {
    add("ListTasks", { parent: fx.parent, filter });
  }
  const task = (extra: Json) => ({ parent: fx.parent, task: { title: "edge", ...extra } });
  add("CreateTask", task({ source: { text: "typed", timeZone: "\u0000" } }));
  add("CreateTask", task({ source: { text: "typed", parserVersion: "v\u0000" } }));
  add("CreateTask", task({ source: { text: "typed", referenceTime: "2024-02-30T25:61" } }));
  add(
    "CreateTask",
    task({ due: { date: { year: 9999, month: 12, day: 31 } }, recurrence: "FREQ=DAILY" }),
  );
  add(
    "CreateTask",
    task({ due: { date: { year: 1, month: 1, day: 1 } }, recurrence: "FREQ=SECONDLY" }),
  );
  add("CreateTask", task({ assignee: "a".repeat(128) }));
  add("CreateTask", task({ labels: ["\u00a0"] }));
  add("CreateTask", task({ notes: "\u2028\u0085" }));
  add("CreateMember", { parent: fx.parent, member: { user: `u${"x".repeat(127)}`, role: 3 } });
  return out;
}

/**
 * Random bytes and broken JSON straight onto the listeners, for every method: `json` sends
 * broken JSON to the Connect port and random bytes to the gRPC port; `binary` sends random
 * bytes as `application/proto` to the Connect port.
 */
async function sendMalformed(
  core: CoreHarness,
  token: string,
  methods: DescMethod[],
  kind: "json" | "binary",
) {
  let sent = 0;
  let internal = 0;
  const problems: string[] = [];
  const bodies: [string, string, Buffer][] = [];
  const rng = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 64 }), { numRuns: 3, seed });
  if (kind === "binary") {
    for (const bytes of rng) bodies.push(["application/proto", "random bytes", Buffer.from(bytes)]);
  }
  for (const json of kind === "binary"
    ? []
    : [
        "{",
        "[]",
        "null",
        '{"parent": 5}',
        '{"pageSize": "lots"}',
        '{"pageSize": 1e40}',
        '{"names": "x"}',
        '{"task": {"title": ["a"]}}',
        '{"unknownField": true}',
        '{"__proto__": {"admin": true}}',
        `{"filter": "${"(".repeat(50)}"}`,
        "\u0000",
      ]) {
    bodies.push(["application/json", json, Buffer.from(json)]);
  }
  for (const method of methods) {
    if (method.methodKind !== "unary") continue;
    const path = `/${method.parent.typeName}/${method.name}`;
    for (const [contentType, label, body] of bodies) {
      const res = await fetch(`${core.service.httpUrl}${path}`, {
        method: "POST",
        headers: {
          "content-type": contentType,
          "connect-protocol-version": "1",
          authorization: `Bearer ${token}`,
        },
        body,
      });
      sent++;
      const text = await res.text();
      let code = "ok";
      try {
        code = res.ok
          ? "ok"
          : ((JSON.parse(text) as { code?: string }).code ?? `http ${res.status}`);
      } catch {
        code = `http ${res.status}`;
      }
      if (code === "internal" || code === "unknown" || res.status >= 500) {
        internal++;
        problems.push(`connect ${path} ${label}: ${res.status} ${text.slice(0, 200)}`);
      }
      for (const [what, pattern] of leakPatterns) {
        const m = pattern.exec(text);
        if (m && !label.includes(m[0])) problems.push(`connect ${path} ${label}: ${what}`);
      }
    }
  }
  if (kind === "binary") return { sent, internal, problems };
  // gRPC port: a raw client whose "messages" are arbitrary bytes.
  const Raw = grpc.makeGenericClientConstructor(
    Object.fromEntries(
      methods
        .filter((m) => m.methodKind === "unary")
        .map((m) => [
          `${m.parent.typeName}/${m.name}`,
          {
            path: `/${m.parent.typeName}/${m.name}`,
            requestStream: false,
            responseStream: false,
            requestSerialize: (b: Buffer) => b,
            requestDeserialize: (b: Buffer) => b,
            responseSerialize: (b: Buffer) => b,
            responseDeserialize: (b: Buffer) => b,
          },
        ]),
    ),
    "Raw",
  );
  const client = new Raw(`127.0.0.1:${core.service.grpcPort}`, grpc.credentials.createInsecure());
  const garbage = [
    Buffer.from([0xff, 0xff, 0xff]),
    Buffer.from([0x0a, 0x7f]), // field 1, length 127, no bytes
    Buffer.from([0x0a, 0x02, 0xc3, 0x28]), // field 1 as invalid UTF-8
    randomBytes(48),
  ];
  try {
    for (const method of methods) {
      if (method.methodKind !== "unary") continue;
      const fn = (client as unknown as Record<string, (...args: unknown[]) => void>)[
        `${method.parent.typeName}/${method.name}`
      ];
      for (const bytes of garbage) {
        const metadata = new grpc.Metadata();
        metadata.set("authorization", `Bearer ${token}`);
        const error = await new Promise<grpc.ServiceError | null>((resolve) =>
          fn?.call(
            client,
            bytes,
            metadata,
            { deadline: Date.now() + 5_000 },
            (e: grpc.ServiceError | null) => resolve(e),
          ),
        );
        sent++;
        const where = `grpc ${method.name} ${bytes.toString("hex").slice(0, 16)}`;
        if (error && (error.code === grpc.status.INTERNAL || error.code === grpc.status.UNKNOWN)) {
          internal++;
          problems.push(`${where}: ${grpc.status[error.code]} ${error.details}`);
        }
        if (error) {
          for (const [what, pattern] of leakPatterns) {
            if (pattern.test(error.details)) problems.push(`${where}: ${what} in ${error.details}`);
          }
        }
      }
    }
  } finally {
    client.close();
  }
  return { sent, internal, problems };
}
