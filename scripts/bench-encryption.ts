// `npm run bench:encryption`: what encryption at rest costs per task in core's write and read
// paths, in this process (data keys cached, as on a warm service): sealing a new task (notes,
// source text, the change snapshot and recorded response reusing that ciphertext, the request
// fingerprint) and opening one read back, against building the batched insert's JSON row
// without encryption. Prints figures; no timed assertions.
import { createHash, createSecretKey, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { createFieldCipher, type DataKeyStore } from "@glidepath/runtime";
import { sealText } from "../packages/runtime/src/crypto/envelope.js";
import { createCoreEncryption } from "../services/core/src/adapters/db/sealed-fields.js";
import type { RequestRecord } from "../services/core/src/app/ports.js";
import type { Task } from "../services/core/src/domain/task.js";

/** A warm data-key cache: one key per workspace, in memory (no database round trips). */
function cachedKeys(): DataKeyStore {
  const keys = new Map<string, KeyObject>();
  const key = (ws: string) => {
    const known = keys.get(ws);
    if (known) return known;
    const made = createSecretKey(randomBytes(32));
    keys.set(ws, made);
    return made;
  };
  return {
    current: async (ws) => ({ version: 1, key: key(ws) }),
    get: async (ws) => key(ws),
    checkMasterKeys: async () => {},
  };
}

const workspaces = Array.from({ length: 100 }, () => randomUUID());
const now = new Date();
function task(i: number, notes: string, source: boolean): Task {
  return {
    workspaceId: workspaces[i % workspaces.length] as string,
    id: randomUUID(),
    title: "Write the quarterly report",
    notes,
    state: "OPEN",
    priority: 2,
    due: { date: "2026-12-01" },
    recurrence: null,
    labels: ["work"],
    projectId: null,
    durationMinutes: null,
    assignee: null,
    provenance: { kind: "USER", user: "bench-user" },
    source: source
      ? {
          text: "Write the quarterly report by Dec 1st p2 @work",
          referenceTime: "2026-11-27T09:00:00",
          timeZone: "Europe/Berlin",
          parserVersion: "quick-add/1",
        }
      : null,
    createTime: now,
    updateTime: now,
    completeTime: null,
    deleteTime: null,
    completionCount: 0,
    version: 1,
  };
}
const notes200 =
  "Pull the numbers from the finance dashboard, compare against Q3, ask Dana for the churn figures and the new hires, then draft the summary for the board: keep it to one page, risks first. ".slice(
    0,
    200,
  );

const fields = createCoreEncryption(createFieldCipher(cachedKeys())).on(
  undefined as never, // never reached: keys come from the cache above
);

type Work = (t: Task) => Promise<unknown> | unknown;

/** µs per task of `work` over `tasks`, in batches of 200 as the batched insert runs them. */
async function round(tasks: Task[], work: Work): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < tasks.length; i += 200) {
    await Promise.all(tasks.slice(i, i + 200).map(work));
  }
  return ((performance.now() - started) * 1000) / tasks.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * The same tasks without and with encryption, rounds interleaved (so a busy machine slows both
 * alike): medians of 9 rounds after 2 warm-ups, µs per task.
 */
async function compare(
  name: string,
  n: number,
  make: (i: number) => Task,
  plain: Work,
  sealed: Work,
) {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = -2; r < 9; r++) {
    const tasks = Array.from({ length: n }, (_, i) => make(i));
    const x = await round(tasks, plain);
    const y = await round(tasks, sealed);
    if (r >= 0) {
      a.push(x);
      b.push(y);
    }
  }
  const [without, withEncryption] = [median(a), median(b)];
  console.log(
    `${name.padEnd(58)} ${without.toFixed(1).padStart(6)} → ${withEncryption.toFixed(1).padStart(6)} µs/task  (+${(withEncryption - without).toFixed(1)} µs)`,
  );
  return withEncryption - without;
}

const request = (t: Task): RequestRecord => ({
  workspaceId: t.workspaceId,
  principal: "bench-user",
  requestId: randomUUID(),
  fingerprint: createHash("sha256").update(t.id).digest("base64url"),
  response: { type: "task", task: t },
});
/** The batched insert's JSON for one task: its row, its change snapshot, its request record. */
const row = (t: Task, snapshot: unknown, r?: RequestRecord) =>
  JSON.stringify({ ...t, snapshot, req_response: r?.response, req_fingerprint: r?.fingerprint });

const n = 10_000;
console.log(
  `encryption at rest, per task: building the batched insert's JSON without → with encryption\n(${n} tasks per round, batches of 200, data keys cached, AES-256-GCM via node:crypto)`,
);
const full = await compare(
  "notes 200 ch + source 46 ch + request id (4 places stored)",
  n,
  (i) => task(i, notes200, true),
  (t) => row(t, { type: "task", task: t }, request(t)),
  async (t) => {
    const r = request(t);
    const [s, snapshot, response, fingerprint] = await Promise.all([
      fields.sealTask(t),
      fields.sealSnapshot({ type: "task", task: t }),
      fields.sealSnapshot(r.response),
      fields.sealFingerprint(r),
    ]);
    return row(s, snapshot, { ...r, fingerprint, response });
  },
);
await compare(
  "notes 200 ch, no source, no request id",
  n,
  (i) => task(i, notes200, false),
  (t) => row(t, { type: "task", task: t }),
  async (t) => {
    const [s, snapshot] = await Promise.all([
      fields.sealTask(t),
      fields.sealSnapshot({ type: "task", task: t }),
    ]);
    return row(s, snapshot);
  },
);
await compare(
  "empty notes, no source (nothing to encrypt)",
  n,
  (i) => task(i, "", false),
  (t) => row(t, { type: "task", task: t }),
  async (t) => {
    const [s, snapshot] = await Promise.all([
      fields.sealTask(t),
      fields.sealSnapshot({ type: "task", task: t }),
    ]);
    return row(s, snapshot);
  },
);
// Reads: the stored form (encrypted once, up front) back to the task, against a plain copy.
const stored = await Promise.all(
  Array.from({ length: n }, (_, i) => fields.sealTask(task(i, notes200, true))),
);
await compare(
  "read: a task back from its row (notes + source)",
  n,
  (i) => stored[i] as Task,
  (t) => ({ ...t }),
  (t) => fields.openTask(t),
);
// The floor: one AES-256-GCM encryption of the 200-character note, nothing around it.
const key = createSecretKey(randomBytes(32));
const aad = Buffer.from(`${workspaces[0]}|core.tasks|${randomUUID()}#1|notes`);
const floor: number[] = [];
for (let r = -2; r < 9; r++) {
  const started = performance.now();
  for (let i = 0; i < n; i++) sealText(key, 1, notes200, aad);
  if (r >= 0) floor.push(((performance.now() - started) * 1000) / n);
}
console.log(
  `${"floor: one AES-256-GCM seal of the 200-character note".padEnd(58)} ${median(floor).toFixed(1).padStart(15)} µs`,
);
console.log(
  `→ a created task with notes, source text and a request id costs ${full.toFixed(1)} µs more CPU with encryption at rest`,
);
