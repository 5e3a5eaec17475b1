// Encryption at rest (RELIABILITY.md promise 10; docs/security.md, "Encryption at rest"): what
// users write as free text reaches PostgreSQL only as AES-256-GCM envelopes under a
// per-workspace data key, bound to its workspace, table, row and column; a ciphertext moved
// elsewhere fails cleanly; master keys rotate online; text from before encryption is encrypted.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, Code } from "@connectrpc/connect";
import {
  ChangeService,
  ProjectService,
  type Task,
  TaskSchema,
  TaskService,
} from "@glidepath/contracts/core/v1";
import {
  createDataKeyStore,
  createFieldCipher,
  createSql,
  isEnvelope,
  parseMasterKeys,
  type RunningService,
  type Sql,
} from "@glidepath/runtime";
import { clientFor, serviceEnv } from "@glidepath/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCoreEncryption } from "../src/adapters/db/sealed-fields.js";
import type { RecordedResponse, RequestRecord } from "../src/app/ports.js";
import { readCoreConfig } from "../src/config.js";
import type { ChangeSnapshot } from "../src/domain/change.js";
import { startCore } from "../src/main.js";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import { type Db, expectRpcError, openDb, wire } from "./rpc-expect.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const masterKey = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;
const k1 = masterKey("k1");
const k2 = masterKey("k2");
const canary = (what: string) => `CANARY-${what}-${randomBytes(6).toString("hex")}`;

describe("encryption at rest", () => {
  let core: CoreHarness;
  let db: Db;
  const others: RunningService[] = [];

  beforeAll(async () => {
    core = await startCoreHarness({ MASTER_KEYS: k1 });
    db = await openDb(core.databaseUrl);
  });
  afterAll(async () => {
    for (const s of others) await s.stop();
    await db?.close();
    await core?.stop();
  });

  /** Another core on the same database (another replica), with its own master keys and logs. */
  async function startReplica(masterKeys: string) {
    const lines: string[] = [];
    const service = await startCore(
      readCoreConfig(
        serviceEnv(core.databaseUrl, core.issuer, {
          MASTER_KEYS: masterKeys,
          LOG_LEVEL: "info",
          DATABASE_POOL_MAX: "4",
        }),
      ),
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
    others.push(service);
    return {
      service,
      lines,
      client: async <T extends DescService>(desc: T, user: string): Promise<Client<T>> =>
        clientFor(desc, service, await core.issuer.mint(user), "grpc"),
    };
  }

  /** Every row of every table of the core schema, as text. */
  async function everything(): Promise<string> {
    const { rows: tables } = await db.client.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_schema = 'core'`,
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      const { rows } = await db.client.query(`select t::text as row from core.${name} t`);
      parts.push(...rows.map((r) => r.row as string));
    }
    return parts.join("\n");
  }

  /** Every stored text that must be an envelope: none may be plaintext (empty is allowed). */
  async function plaintextLeft(): Promise<number> {
    const { rows } = await db.client.query<{ value: string }>(`
      select notes as value from core.tasks
      union all select source_text from core.tasks where source_text is not null
      union all select description from core.projects
      union all select snapshot #>> '{task,notes}' from core.changes where resource_type = 'task'
      union all select snapshot #>> '{task,source,text}' from core.changes
        where resource_type = 'task' and snapshot #> '{task,source}' <> 'null'
      union all select snapshot #>> '{project,description}' from core.changes where resource_type = 'project'
      union all select response #>> '{task,notes}' from core.request_ids where response ->> 'type' = 'task'
      union all select fingerprint from core.request_ids where response ->> 'type' in ('task', 'project')`);
    return rows.filter((r) => r.value !== "" && !isEnvelope(r.value)).length;
  }

  it("stores no user text in plaintext anywhere, and serves it back decrypted", async () => {
    const user = "enc-owner";
    const ws = await core.workspace(user);
    const parent = `workspaces/${ws}`;
    const tasks = await core.client(TaskService, user);
    const projects = await core.client(ProjectService, user);
    const changes = await core.client(ChangeService, user);
    const planted: string[] = [];
    const plant = (what: string) => {
      const c = canary(what);
      planted.push(c);
      return c;
    };

    const description = plant("description");
    const { project } = await projects.createProject({
      parent,
      project: { displayName: "Plain project name", description: `Budget: ${description}` },
      requestId: randomUUID(),
    });
    const requestId = randomUUID();
    const request = {
      parent,
      task: {
        title: "A plain title",
        notes: `Door code ${plant("notes")}`,
        project: project?.name,
        source: {
          text: `call the bank about ${plant("source")} tomorrow`,
          referenceTime: "2026-11-27T09:00:00",
          timeZone: "Europe/Berlin",
          parserVersion: "quick-add/1",
        },
      },
      requestId,
    };
    const created = (await tasks.createTask(request)).task as Task;
    // Many at once through the batched single-statement insert, each with its own canary.
    const batch = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        tasks.createTask({
          parent,
          task: { title: `Batch ${i}`, notes: plant(`batch${i}`) },
          requestId: randomUUID(),
        }),
      ),
    );
    expect(batch).toHaveLength(40);
    const updated = (
      await tasks.updateTask({
        task: { name: created.name, notes: `New code ${plant("update")}` },
        updateMask: { paths: ["notes"] },
      })
    ).task as Task;
    await tasks.completeTask({ name: created.name });
    await projects.updateProject({
      project: { name: project?.name, description: plant("description2") },
      updateMask: { paths: ["description"] },
    });

    // Nothing of what was planted is in the database, in any table.
    const stored = await everything();
    const found = planted.filter((c) => stored.includes(c));
    console.log(
      `encryption: planted ${planted.length} canaries, found ${found.length} in the database`,
    );
    expect(found).toEqual([]);
    expect(await plaintextLeft()).toBe(0);
    expect(stored).toContain("A plain title"); // titles stay searchable

    // Everything reads back: gets, lists, the change feed, and a retried request id.
    const got = (await tasks.getTask({ name: created.name })).task;
    expect(got?.notes).toBe(updated.notes);
    expect(got?.source?.text).toBe(request.task.source.text);
    const listed = await tasks.listTasks({ parent, pageSize: 100 });
    expect(listed.tasks.map((t) => t.notes).sort()).toEqual(
      [updated.notes, ...batch.map((b) => b.task?.notes)].sort(),
    );
    expect((await tasks.listTasks({ parent, filter: 'title:"plain"' })).tasks).toHaveLength(1);
    const retried = (await tasks.createTask(request)).task;
    expect(wire(TaskSchema, retried)).toBe(wire(TaskSchema, created));
    await expectRpcError(
      tasks.createTask({ ...request, task: { ...request.task, notes: "other" } }),
      Code.FailedPrecondition,
      "REQUEST_ID_REUSED",
    );
    await expect.poll(async () => (await changes.listChanges({ parent })).changes.length).toBe(45);
    const feed = (await changes.listChanges({ parent })).changes;
    const notes = feed.flatMap((c) => (c.snapshot.case === "task" ? [c.snapshot.value.notes] : []));
    expect(notes).toContain(request.task.notes);
    expect(notes).toContain(updated.notes);
    const descriptions = feed.flatMap((c) =>
      c.snapshot.case === "project" ? [c.snapshot.value.description] : [],
    );
    expect(descriptions).toContain(`Budget: ${description}`);
  });

  it("fails cleanly when a ciphertext is moved to another row, column, version or workspace", async () => {
    const replica = await startReplica(k1);
    const [alice, bob] = ["enc-alice", "enc-bob"];
    const wsA = await core.workspace(alice);
    const wsB = await core.workspace(bob);
    const tasksA = await replica.client(TaskService, alice);
    const tasksB = await replica.client(TaskService, bob);
    const secret = canary("moved");
    const make = async (client: Client<typeof TaskService>, ws: string, notes: string) =>
      (await client.createTask({ parent: `workspaces/${ws}`, task: { title: "t", notes } }))
        .task as Task;
    const source = await make(tasksA, wsA, secret);
    const sameWs = await make(tasksA, wsA, "a's other note");
    const bystander = await make(tasksA, wsA, "a's third note");
    const otherWs = await make(tasksB, wsB, "b's note");
    const older = await make(tasksA, wsA, "version 1 note");
    const parsed = (
      await tasksA.createTask({
        parent: `workspaces/${wsA}`,
        task: {
          title: "parsed",
          notes: "its notes",
          source: {
            text: "the sentence",
            referenceTime: "",
            timeZone: "UTC",
            parserVersion: "p/1",
          },
        },
      })
    ).task as Task;
    await tasksA.updateTask({
      task: { name: older.name, notes: "version 2 note" },
      updateMask: { paths: ["notes"] },
    });
    const id = (t: Task) => t.name.split("/")[3];
    const copy = (sql: string, values: unknown[]) => db.client.query(sql, values);

    const cases: { what: string; tamper: () => Promise<unknown>; read: () => Promise<unknown> }[] =
      [
        {
          what: "notes copied to another task of the same workspace",
          tamper: () =>
            copy(
              `update core.tasks set notes = (select notes from core.tasks where id = $1) where id = $2`,
              [id(source), id(sameWs)],
            ),
          read: () => tasksA.getTask({ name: sameWs.name }),
        },
        {
          what: "notes copied to a task of another workspace",
          tamper: () =>
            copy(
              `update core.tasks set notes = (select notes from core.tasks where id = $1) where id = $2`,
              [id(source), id(otherWs)],
            ),
          read: () => tasksB.getTask({ name: otherWs.name }),
        },
        {
          what: "an older version's notes (from the change feed) put back into the row",
          tamper: () =>
            copy(
              `update core.tasks set notes = (select snapshot #>> '{task,notes}' from core.changes
                 where resource_id = $1 and kind = 'CREATED') where id = $1`,
              [id(older)],
            ),
          read: () => tasksA.getTask({ name: older.name }),
        },
        {
          what: "the source text copied into the notes column of the same row",
          tamper: () =>
            copy(`update core.tasks set notes = source_text where id = $1`, [id(parsed)]),
          read: () => tasksA.getTask({ name: parsed.name }),
        },
      ];
    let failedCleanly = 0;
    for (const c of cases) {
      await c.tamper();
      const error = await expectRpcError(c.read, Code.DataLoss, "DATA_CORRUPTED");
      expect(error.rawMessage).not.toContain(secret);
      failedCleanly++;
    }
    // Only the damaged tasks fail: the source and a bystander read fine, on every replica.
    for (const client of [tasksA, await core.client(TaskService, alice)]) {
      expect((await client.getTask({ name: source.name })).task?.notes).toBe(secret);
      expect((await client.getTask({ name: bystander.name })).task?.notes).toBe("a's third note");
    }
    // A list that includes a damaged task fails as a whole (see docs/security.md).
    await expectRpcError(tasksA.listTasks({ parent: `workspaces/${wsA}` }), Code.DataLoss);

    // Each failure is a security event naming where, never the value.
    const events = replica.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === "decryption_failed");
    expect(events.length).toBeGreaterThanOrEqual(cases.length);
    expect(events[0]).toMatchObject({
      reason: "AUTHENTICATION_FAILED",
      detail: "core.tasks.notes",
      workspace: wsA,
    });
    expect(replica.lines.join("\n")).not.toContain(secret);
    console.log(
      `encryption: moved ${cases.length} ciphertexts, ${failedCleanly} reads failed with DATA_LOSS/DATA_CORRUPTED, the source and bystanders read fine`,
    );
  });

  function runRotation(masterKeys: string) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: core.databaseUrl,
      MASTER_KEYS: masterKeys,
      LOG_LEVEL: "info",
    };
    delete env.MASTER_KEYS_FILE;
    return new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "scripts/rotate-keys.ts", "--batch", "5"],
        { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        out += d;
      });
      child.once("exit", (code) => resolve({ code, out }));
    });
  }

  it("rotates the master key online: old data stays readable, then the old key can go", async () => {
    // Data under k1 in a dozen workspaces.
    const before: { user: string; name: string; notes: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const user = `enc-rot-${i}`;
      const ws = await core.workspace(user);
      const tasks = await core.client(TaskService, user);
      const notes = canary(`rot${i}`);
      const { task } = await tasks.createTask({
        parent: `workspaces/${ws}`,
        task: { title: "r", notes },
      });
      before.push({ user, name: task?.name as string, notes });
    }

    // Step 1: replicas get the new key first, the old one kept.
    const rolled = await startReplica(`${k2},${k1}`);
    // Step 2: rotate, while the replica keeps serving reads and writes of every workspace.
    let stop = false;
    let calls = 0;
    let failures = 0;
    const load = (async () => {
      while (!stop) {
        for (const b of before) {
          const tasks = await rolled.client(TaskService, b.user);
          await Promise.all([
            tasks.getTask({ name: b.name }),
            tasks.createTask({
              parent: b.name.split("/tasks/")[0] as string,
              task: { title: "during", notes: "written during the rotation" },
            }),
          ]).then(
            () => {
              calls += 2;
            },
            () => {
              failures++;
            },
          );
        }
      }
    })();
    const rotation = await runRotation(`${k2},${k1}`);
    stop = true;
    await load;
    expect(rotation.code, rotation.out).toBe(0);
    const { rows } = await db.client.query<{ master_key_id: string; n: number }>(
      `select master_key_id, count(*)::int as n from core.data_keys group by 1`,
    );
    expect(rows.map((r) => r.master_key_id)).toEqual(["k2"]);
    const event = rotation.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((l) => l.event === "key_rotated");
    expect(event).toMatchObject({ event: "key_rotated", method: "rotate-keys", detail: "core" });
    expect(rotation.out).not.toContain(k1.split(":")[1]);
    expect(rotation.out).not.toContain(k2.split(":")[1]);
    expect(failures).toBe(0);

    // Step 3: only the new key. Everything written before reads back.
    const fresh = await startReplica(k2);
    let read = 0;
    for (const b of before) {
      const tasks = await fresh.client(TaskService, b.user);
      expect((await tasks.getTask({ name: b.name })).task?.notes).toBe(b.notes);
      read++;
    }
    // A replica with only the old key refuses to start, naming the variable.
    await expect(startReplica(k1)).rejects.toThrow(/^MASTER_KEYS: .*"k2"/);
    // Running it again has nothing left to do.
    const again = await runRotation(k2);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/core: 0 data keys re-wrapped under "k2".* 0 left/);
    console.log(
      `encryption: rotated ${rows[0]?.n} data keys k1 → k2 while serving ${calls} calls (${failures} failed); ${read}/${before.length} tasks written under k1 read back with k2 alone`,
    );
    const summary = rotation.out.split("\n").find((l) => l.startsWith("keys:rotate:"));
    console.log(summary);
  }, 60_000); // two runs of the rotation command, each its own process

  it("encrypts text written before encryption at rest, once, before serving", async () => {
    // Rich data over RPC, then turned back into what a schema before migration 0003 held:
    // plaintext everywhere, and the marker migration 0003 leaves on a schema with data.
    const user = "enc-legacy";
    const ws = await core.workspace(user);
    const parent = `workspaces/${ws}`;
    const tasks = await core.client(TaskService, user);
    const projects = await core.client(ProjectService, user);
    const planted = [canary("legacy-notes"), canary("legacy-source"), canary("legacy-desc")];
    await projects.createProject({
      parent,
      project: { displayName: "p", description: planted[2] },
      requestId: randomUUID(),
    });
    const request = {
      parent,
      task: {
        title: "legacy",
        notes: planted[0],
        source: {
          text: planted[1],
          referenceTime: "2026-01-01T10:00:00",
          timeZone: "UTC",
          parserVersion: "quick-add/1",
        },
      },
      requestId: randomUUID(),
    };
    const created = (await tasks.createTask(request)).task as Task;
    await tasks.updateTask({
      task: { name: created.name, notes: `${planted[0]} v2` },
      updateMask: { paths: ["notes"] },
    });
    const before = (await tasks.getTask({ name: created.name })).task;
    await decryptInPlace(core.service, `${k2},${k1}`, ws);
    await db.client.query(`insert into core.encryption_backfill default values`);
    const legacy = await plaintextLeft();
    expect(legacy).toBeGreaterThan(5);

    // The next start encrypts it all before serving.
    const replica = await startReplica(`${k2},${k1}`);
    expect(await plaintextLeft()).toBe(0);
    const stored = await everything();
    expect(planted.filter((c) => stored.includes(c))).toEqual([]);
    expect(await db.count(`select count(*) from core.encryption_backfill`)).toBe(0);
    const logged = replica.lines
      .map((l) => JSON.parse(l))
      .find((l) => l.event === "encryption_backfill");
    expect(logged).toMatchObject({ tasks: expect.any(Number), changes: expect.any(Number) });

    const client = await replica.client(TaskService, user);
    const after = (await client.getTask({ name: created.name })).task;
    expect(wire(TaskSchema, after)).toBe(wire(TaskSchema, before));
    const retried = (await client.createTask(request)).task;
    expect(retried?.notes).toBe(planted[0]);
    console.log(
      `encryption: ${legacy} plaintext values from before encryption at rest, ${await plaintextLeft()} left after the next start; ${JSON.stringify(logged)}`,
    );
  });
});

/**
 * Turns a workspace's encrypted text back into plaintext: what the schema held before
 * migration 0003.
 */
async function decryptInPlace(service: RunningService, masterKeys: string, ws: string) {
  const sql: Sql = createSql(service.orm);
  const keys = createDataKeyStore({ sql, schema: "core", masterKeys: parseMasterKeys(masterKeys) });
  const fields = createCoreEncryption(createFieldCipher(keys)).on(sql);
  const tasks = await sql.query<{
    workspace_id: string;
    id: string;
    version: number;
    notes: string;
    source_text: string | null;
  }>(
    `select workspace_id, id, version, notes, source_text from core.tasks where workspace_id = $1`,
    [ws],
  );
  for (const t of tasks) {
    const task = await fields.openTask({
      workspaceId: t.workspace_id,
      id: t.id,
      version: t.version,
      notes: t.notes,
      source: t.source_text === null ? null : { text: t.source_text },
    } as Task & never);
    await sql.execute(
      `update core.tasks set notes = $3, source_text = $4 where workspace_id = $1 and id = $2`,
      [t.workspace_id, t.id, task.notes, task.source?.text ?? null],
    );
  }
  const projects = await sql.query<{
    workspace_id: string;
    id: string;
    version: number;
    description: string;
  }>(`select workspace_id, id, version, description from core.projects where workspace_id = $1`, [
    ws,
  ]);
  for (const p of projects) {
    const project = await fields.openProject({
      workspaceId: p.workspace_id,
      id: p.id,
      version: p.version,
      description: p.description,
    } as never);
    await sql.execute(
      `update core.projects set description = $3 where workspace_id = $1 and id = $2`,
      [p.workspace_id, p.id, project.description],
    );
  }
  const changes = await sql.query<{ workspace_id: string; id: string; snapshot: ChangeSnapshot }>(
    `select workspace_id, id::text as id, snapshot from core.changes where workspace_id = $1`,
    [ws],
  );
  for (const c of changes) {
    const snapshot = await fields.openSnapshot(c.snapshot, c.workspace_id);
    await sql.execute(`update core.changes set snapshot = $3 where workspace_id = $1 and id = $2`, [
      c.workspace_id,
      c.id,
      snapshot,
    ]);
  }
  const requests = await sql.query<{
    workspace_id: string;
    principal: string;
    request_id: string;
    fingerprint: string;
    response: RecordedResponse;
  }>(
    `select workspace_id, principal, request_id, fingerprint, response from core.request_ids where workspace_id = $1`,
    [ws],
  );
  for (const r of requests) {
    const record: RequestRecord = {
      workspaceId: r.workspace_id,
      principal: r.principal,
      requestId: r.request_id,
      fingerprint: r.fingerprint,
      response: r.response,
    };
    await sql.execute(
      `update core.request_ids set fingerprint = $4, response = $5
       where workspace_id = $1 and principal = $2 and request_id = $3`,
      [
        r.workspace_id,
        r.principal,
        r.request_id,
        await fields.openFingerprint(record),
        await fields.openSnapshot(r.response, r.workspace_id),
      ],
    );
  }
}
