// The change feed (RELIABILITY.md promise 4): every committed change to a project or task
// appears exactly once, a rolled-back one never, per-resource order holds, and a consumer
// that follows cursors — through ListChanges pages or WatchChanges streams, dropped and
// resumed — loses nothing even when a transaction that started early commits late.
// Real server, real PostgreSQL; raw `pg` connections only to hold locks and transactions open.

import { type Client, Code, ConnectError } from "@connectrpc/connect";
import {
  type Change,
  ChangeKind,
  ChangeService,
  ProjectService,
  TaskService,
} from "@glidepath/contracts/core/v1";
import type { Protocol } from "@glidepath/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

const kindName = (kind: ChangeKind) => ChangeKind[kind];
const versionOf = (etag: string | undefined) => Number((etag ?? "").replaceAll('"', ""));
const idOf = (name: string | undefined) => (name ?? "").split("/").at(-1) as string;

/** What identifies a change: the resource, its version right after, and the kind. */
function keyOf(change: Change): string {
  const snapshot = change.snapshot;
  const etag = snapshot.case ? snapshot.value.etag : "";
  return `${change.resource}@${versionOf(etag)} ${kindName(change.kind)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("change feed", () => {
  let core: CoreHarness;
  let pool: pg.Pool;
  const summary: string[] = [];

  beforeAll(async () => {
    core = await startCoreHarness();
    pool = new pg.Pool({ connectionString: core.databaseUrl, max: 6 });
  });
  afterAll(async () => {
    for (const line of summary) console.log(line);
    await pool?.end();
    await core?.stop();
  });

  async function clients(user: string, protocol: Protocol = "grpc") {
    return {
      tasks: await core.client(TaskService, user, protocol),
      projects: await core.client(ProjectService, user, protocol),
      changes: await core.client(ChangeService, user, protocol),
    };
  }

  /** Every change of the workspace after `after`, paged through ListChanges. */
  async function listAll(changes: Client<typeof ChangeService>, parent: string, after = "") {
    const out: Change[] = [];
    let cursor = after;
    for (;;) {
      const page = await changes.listChanges({ parent, startAfter: cursor, pageSize: 1000 });
      out.push(...page.changes);
      if (page.changes.length === 0) {
        expect(page.nextCursor).toBe(cursor);
        return out;
      }
      expect(page.nextCursor).toBe(page.changes.at(-1)?.cursor);
      cursor = page.nextCursor;
    }
  }

  /** Reads the feed until `done` holds for what was read (the relay publishes asynchronously). */
  async function readUntil(
    changes: Client<typeof ChangeService>,
    parent: string,
    done: (all: Change[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<Change[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await listAll(changes, parent);
      if (done(all)) return all;
      if (Date.now() > deadline) {
        throw new Error(`feed incomplete after ${timeoutMs} ms: ${all.map(keyOf).join(", ")}`);
      }
      await sleep(50);
    }
  }

  /** Creates a task and waits until its CREATED change is in the feed: a barrier for the relay. */
  async function barrier(
    c: Awaited<ReturnType<typeof clients>>,
    parent: string,
  ): Promise<Change[]> {
    const { task } = await c.tasks.createTask({ parent, task: { title: "barrier" } });
    return readUntil(c.changes, parent, (all) => all.some((ch) => ch.resource === task?.name));
  }

  /** Positions strictly increase; no change twice; per resource, versions never go back. */
  function checkFeed(feed: Change[]) {
    const cursors = feed.map((c) => BigInt(c.cursor));
    for (let i = 1; i < cursors.length; i++) {
      expect(
        (cursors[i] as bigint) > (cursors[i - 1] as bigint),
        `cursor ${i}: ${cursors.slice(Math.max(0, i - 3), i + 3).join(",")}`,
      ).toBe(true);
    }
    const keys = feed.map(keyOf);
    expect(new Set(keys).size, "duplicates").toBe(keys.length);
    const last = new Map<string, number>();
    for (const change of feed) {
      const version = versionOf(change.snapshot.case ? change.snapshot.value.etag : "");
      const previous = last.get(change.resource) ?? 0;
      // Tasks: a new version per change. Projects: DELETED carries the last version.
      const ok =
        change.snapshot.case === "task"
          ? version > previous
          : version > previous || (version === previous && change.kind === ChangeKind.DELETED);
      expect(ok, `order of ${keyOf(change)} after version ${previous}`).toBe(true);
      last.set(change.resource, version);
    }
  }

  it("publishes every committed change once, in commit order", async () => {
    const ws = await core.workspace("feed-order");
    const parent = `workspaces/${ws}`;
    const c = await clients("feed-order");
    const written: string[] = [];
    const wrote = (resource: string | undefined, etag: string | undefined, kind: string) =>
      written.push(`${resource}@${versionOf(etag)} ${kind}`);

    const { project } = await c.projects.createProject({
      parent,
      project: { displayName: "Home" },
    });
    wrote(project?.name, project?.etag, "CREATED");
    const p = project?.name ?? "";
    let r: { project?: { etag: string } } = await c.projects.updateProject({
      project: { name: p, description: "the house" },
      updateMask: { paths: ["description"] },
    });
    wrote(p, r.project?.etag, "UPDATED");
    r = await c.projects.archiveProject({ name: p });
    wrote(p, r.project?.etag, "ARCHIVED");
    r = await c.projects.unarchiveProject({ name: p });
    wrote(p, r.project?.etag, "UNARCHIVED");

    const t1 = (await c.tasks.createTask({ parent, task: { title: "one", project: p } })).task;
    wrote(t1?.name, t1?.etag, "CREATED");
    const t2 = (
      await c.tasks.createTask({
        parent,
        task: {
          title: "two",
          due: { date: { year: 2030, month: 1, day: 6 } },
          recurrence: "FREQ=WEEKLY",
        },
      })
    ).task;
    wrote(t2?.name, t2?.etag, "CREATED");
    const n1 = t1?.name ?? "";
    const n2 = t2?.name ?? "";
    const steps: [string, () => Promise<{ task?: { name: string; etag: string } }>][] = [
      [
        "UPDATED",
        () =>
          c.tasks.updateTask({
            task: { name: n1, title: "one!" },
            updateMask: { paths: ["title"] },
          }),
      ],
      ["COMPLETED", () => c.tasks.completeTask({ name: n1 })],
      ["REOPENED", () => c.tasks.reopenTask({ name: n1 })],
      ["CANCELLED", () => c.tasks.cancelTask({ name: n1 })],
      ["DELETED", () => c.tasks.deleteTask({ name: n1 })],
      ["UNDELETED", () => c.tasks.undeleteTask({ name: n1 })],
      ["COMPLETED", () => c.tasks.completeTask({ name: n2 })],
      ["COMPLETED", () => c.tasks.completeTask({ name: n2 })],
      ["REOPENED", () => c.tasks.reopenTask({ name: n1 })],
    ];
    for (const [kind, step] of steps) {
      const { task } = await step();
      wrote(task?.name, task?.etag, kind);
    }
    // No-ops publish nothing.
    await c.tasks.reopenTask({ name: n1 });
    await c.tasks.undeleteTask({ name: n1 });
    await c.projects.unarchiveProject({ name: p });
    // Deleting the project takes its task along: the task's change, then the project's.
    const before = (await c.tasks.getTask({ name: n1 })).task;
    await c.projects.deleteProject({ name: p, force: true });
    wrote(n1, `"${versionOf(before?.etag) + 1}"`, "DELETED");
    wrote(p, r.project?.etag, "DELETED");

    const feed = await readUntil(c.changes, parent, (all) => all.length >= written.length);
    await sleep(300); // anything late or doubled would show up now
    const settled = await listAll(c.changes, parent);
    checkFeed(settled);
    // Each write was answered before the next began: the feed is exactly the write order.
    expect(settled.map(keyOf)).toEqual(written);
    expect(feed.map(keyOf)).toEqual(written);
    // Snapshots are the resource right after the change.
    const completed = settled.filter(
      (ch) => ch.resource === n2 && ch.kind === ChangeKind.COMPLETED,
    );
    expect(
      completed.map((ch) => (ch.snapshot.case === "task" ? ch.snapshot.value.due?.date?.day : 0)),
    ).toEqual([13, 20]);
    expect(settled[0]?.provenance?.user).toBe("feed-order");
  });

  it("publishes nothing for a change that rolls back", async () => {
    const ws = await core.workspace("feed-rollback");
    const parent = `workspaces/${ws}`;
    const c = await clients("feed-rollback");
    const { task } = await c.tasks.createTask({ parent, task: { title: "stays open" } });
    const { project } = await c.projects.createProject({ parent, project: { displayName: "P" } });
    const tried: string[] = [];

    // 1. A request that throws inside its transaction, after it updated the task: the
    //    completion row it inserts next already exists.
    await pool.query(
      `insert into core.task_completions (workspace_id, task_id, completion, complete_time)
       values ($1, $2, 1, now())`,
      [ws, idOf(task?.name)],
    );
    const failure = await c.tasks.completeTask({ name: task?.name ?? "" }).catch((e) => e);
    expect(ConnectError.from(failure).code).toBe(Code.Internal);
    tried.push("CompleteTask failing after its update");

    // 2. Commits that fail after the change row was written (a deferred check at COMMIT):
    //    the outbox row goes with the rest of the transaction.
    await pool.query(`
      create function core.test_refuse_poison() returns trigger language plpgsql as $$
      begin
        if new.snapshot #>> '{task,title}' = 'poison' or new.snapshot #>> '{project,displayName}' = 'poison' then
          raise exception 'poisoned commit';
        end if;
        return null;
      end $$`);
    await pool.query(`
      create constraint trigger test_refuse_poison after insert on core.changes
      deferrable initially deferred for each row execute function core.test_refuse_poison()`);
    try {
      const attempts: [string, () => Promise<unknown>][] = [
        [
          "UpdateTask (transaction)",
          () =>
            c.tasks.updateTask({
              task: { name: task?.name ?? "", title: "poison" },
              updateMask: { paths: ["title"] },
            }),
        ],
        [
          "CreateTask (single statement)",
          () => c.tasks.createTask({ parent, task: { title: "poison" } }),
        ],
        [
          "UpdateProject (transaction)",
          () =>
            c.projects.updateProject({
              project: { name: project?.name ?? "", displayName: "poison" },
              updateMask: { paths: ["display_name"] },
            }),
        ],
      ];
      for (const [name, attempt] of attempts) {
        const error = await attempt().catch((e) => e);
        expect(ConnectError.from(error).code, name).toBe(Code.Internal);
        tried.push(name);
      }
    } finally {
      await pool.query(`drop trigger test_refuse_poison on core.changes`);
      await pool.query(`drop function core.test_refuse_poison()`);
    }

    // Nothing of it is visible or published; later changes flow as before.
    const after = (await c.tasks.getTask({ name: task?.name ?? "" })).task;
    expect(after?.title).toBe("stays open");
    expect(after?.etag).toBe('"1"');
    const feed = await barrier(c, parent);
    await sleep(300);
    const settled = await listAll(c.changes, parent);
    checkFeed(settled);
    expect(settled.map((ch) => `${kindName(ch.kind)} ${ch.resource}`)).toEqual([
      `CREATED ${task?.name}`,
      `CREATED ${project?.name}`,
      expect.stringMatching(/^CREATED workspaces\/.*\/tasks\//),
    ]);
    expect(feed.map(keyOf)).toEqual(settled.map(keyOf));
    const { rows } = await pool.query(
      `select count(*)::int as n from core.changes where workspace_id = $1`,
      [ws],
    );
    expect(rows[0].n).toBe(3);
    summary.push(`feed rollback: ${tried.length} failed writes tried, 0 published`);
  });

  it("pages through every change of 8 concurrent writers exactly once", async () => {
    const ws = await core.workspace("feed-writers");
    const parent = `workspaces/${ws}`;
    const owner = await clients("feed-writers");
    // Tasks every writer changes: contention on the same rows.
    const shared: string[] = [];
    const written = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const { task } = await owner.tasks.createTask({ parent, task: { title: `shared ${i}` } });
      shared.push(task?.name ?? "");
      written.add(`${task?.name}@1`);
    }

    const writers = 8;
    const writesEach = 50;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const c = await clients("feed-writers", w % 2 ? "connect" : "grpc");
        let mine = "";
        for (let i = 0; i < writesEach; i++) {
          let result: { task?: { name: string; etag: string } };
          if (i % 10 === 0) {
            result = await c.tasks.createTask({ parent, task: { title: `w${w} ${i}` } });
            mine = result.task?.name ?? "";
          } else if (i % 2 === 1) {
            const name = shared[(w + i) % shared.length] ?? "";
            result = await c.tasks.updateTask({
              task: { name, title: `w${w} ${i}` },
              updateMask: { paths: ["title"] },
            });
          } else if (i % 10 === 2) {
            result = await c.tasks.cancelTask({ name: mine });
          } else if (i % 10 === 4) {
            result = await c.tasks.reopenTask({ name: mine });
          } else {
            result = await c.tasks.updateTask({
              task: { name: mine, notes: `w${w} ${i}` },
              updateMask: { paths: ["notes"] },
            });
          }
          written.add(`${result.task?.name}@${versionOf(result.task?.etag)}`);
        }
      }),
    );
    expect(written.size).toBe(shared.length + writers * writesEach);

    const pairs = (feed: Change[]) =>
      feed.map((ch) => `${ch.resource}@${versionOf(ch.snapshot.value?.etag)}`);
    await readUntil(owner.changes, parent, (all) => all.length >= written.size);
    await sleep(300);
    const feed = await listAll(owner.changes, parent);
    checkFeed(feed);
    const read = pairs(feed);
    const seen = new Set(read);
    const missing = [...written].filter((k) => !seen.has(k));
    const duplicates = read.length - seen.size;
    const unexpected = [...seen].filter((k) => !written.has(k));
    summary.push(
      `feed (8 writers x 50): wrote ${written.size} changes, read ${read.length}, missing ${missing.length}, duplicates ${duplicates}, unexpected ${unexpected.length}`,
    );
    expect({ missing, duplicates, unexpected }).toEqual({
      missing: [],
      duplicates: 0,
      unexpected: [],
    });
    // The shared tasks' versions are every number from 1 up, in order.
    for (const name of shared) {
      const versions = feed
        .filter((ch) => ch.resource === name)
        .map((ch) => versionOf(ch.snapshot.value?.etag));
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    }

    // Smaller pages return the same feed.
    const paged: Change[] = [];
    let cursor = "";
    for (;;) {
      const page = await owner.changes.listChanges({ parent, startAfter: cursor, pageSize: 37 });
      if (page.changes.length === 0) break;
      expect(page.changes.length).toBeLessThanOrEqual(37);
      paged.push(...page.changes);
      cursor = page.nextCursor;
    }
    expect(paged.map((ch) => ch.cursor)).toEqual(feed.map((ch) => ch.cursor));
  });

  it.each(["grpc", "connect"] as const)(
    "WatchChanges over %s streams the backlog after a cursor, then live changes",
    async (protocol) => {
      const user = `feed-watch-${protocol}`;
      const ws = await core.workspace(user);
      const parent = `workspaces/${ws}`;
      const c = await clients(user, protocol);
      const titles = ["a", "b", "c", "d"];
      for (const title of titles) await c.tasks.createTask({ parent, task: { title } });
      const backlog = await readUntil(c.changes, parent, (all) => all.length === 4);
      const start = backlog[1]?.cursor ?? "";

      const abort = new AbortController();
      const received: Change[] = [];
      const stream = (async () => {
        try {
          for await (const res of c.changes.watchChanges(
            { parent, startAfter: start },
            { signal: abort.signal, timeoutMs: 30_000 },
          )) {
            if (res.change) received.push(res.change);
            if (received.length === 5) abort.abort();
          }
        } catch (e) {
          if (!abort.signal.aborted) throw e;
        }
      })();
      // The backlog after the cursor arrives first…
      const deadline = Date.now() + 10_000;
      while (received.length < 2 && Date.now() < deadline) await sleep(20);
      expect(received.map(keyOf)).toEqual(backlog.slice(2).map(keyOf));
      // …then changes committed while watching.
      const live: string[] = [];
      for (const title of ["e", "f", "g"]) {
        const { task } = await c.tasks.createTask({ parent, task: { title } });
        live.push(`${task?.name}@1 CREATED`);
      }
      await stream;
      expect(received.map(keyOf)).toEqual([...backlog.slice(2).map(keyOf), ...live]);
      checkFeed(received);
      expect(received.map((ch) => ch.cursor)).toEqual(
        (await listAll(c.changes, parent, start)).map((ch) => ch.cursor),
      );
    },
  );

  it("resumes a dropped stream from the last cursor without loss or duplicates", async () => {
    const ws = await core.workspace("feed-resume");
    const parent = `workspaces/${ws}`;
    const owner = await clients("feed-resume");
    const written = new Set<string>();
    let writing = true;

    const writers = Promise.all(
      [0, 1, 2].map(async (w) => {
        const c = await clients("feed-resume", w === 1 ? "connect" : "grpc");
        let name = "";
        for (let i = 0; i < 40; i++) {
          const result =
            i % 4 === 0
              ? await c.tasks.createTask({ parent, task: { title: `w${w} ${i}` } })
              : await c.tasks.updateTask({
                  task: { name, title: `w${w} ${i}` },
                  updateMask: { paths: ["title"] },
                });
          name = result.task?.name ?? "";
          written.add(`${name}@${versionOf(result.task?.etag)}`);
          if (i % 3 === 0) await sleep(5);
        }
      }),
    ).finally(() => {
      writing = false;
    });

    // A consumer that drops its stream every 17 changes and reconnects, alternating protocols.
    const received: Change[] = [];
    let cursor = "";
    let drops = 0;
    let sessions = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!writing && received.length >= written.size) break;
      const c = await clients("feed-resume", sessions % 2 ? "connect" : "grpc");
      sessions++;
      const abort = new AbortController();
      let inSession = 0;
      // Idle sessions end on their own so the loop can check whether the writers are done.
      const idle = setTimeout(() => abort.abort(), 1_500);
      try {
        for await (const res of c.changes.watchChanges(
          { parent, startAfter: cursor },
          { signal: abort.signal, timeoutMs: 10_000 },
        )) {
          if (!res.change) continue;
          received.push(res.change);
          cursor = res.change.cursor;
          if (++inSession === 17) {
            drops++;
            abort.abort(); // mid-stream, with more changes coming
          }
        }
      } catch (e) {
        if (!abort.signal.aborted) throw e;
      } finally {
        clearTimeout(idle);
      }
    }
    await writers;

    const read = received.map((ch) => `${ch.resource}@${versionOf(ch.snapshot.value?.etag)}`);
    const seen = new Set(read);
    const missing = [...written].filter((k) => !seen.has(k));
    const duplicates = read.length - seen.size;
    summary.push(
      `feed: wrote ${written.size} changes, read ${read.length}, missing ${missing.length}, duplicates ${duplicates} (${sessions} streams, ${drops} dropped mid-stream)`,
    );
    expect(drops).toBeGreaterThanOrEqual(3);
    expect({ missing, duplicates }).toEqual({ missing: [], duplicates: 0 });
    expect(read.length).toBe(written.size);
    checkFeed(received);
    expect(received.map((ch) => ch.cursor)).toEqual(
      (await listAll(owner.changes, parent)).map((ch) => ch.cursor),
    );
  });

  it("orders positions as numbers where they gain a digit", async () => {
    const ws = await core.workspace("feed-digits");
    const parent = `workspaces/${ws}`;
    const c = await clients("feed-digits");
    await barrier(c, parent);
    // Move the feed (positions are global) to just below a power of ten: a row of some other
    // workspace at position 10^k - 3, then changes of ours at 10^k - 2, 10^k - 1, 10^k, ...
    const { rows } = await pool.query(
      `select coalesce(max(position), 0)::text as max from core.changes`,
    );
    let power = 10n;
    while (power - 3n <= BigInt(rows[0].max)) power *= 10n;
    await pool.query(
      `insert into core.changes (workspace_id, position, kind, resource_type, resource_id, snapshot, actor, actor_user)
       values (gen_random_uuid(), $1, 'CREATED', 'task', gen_random_uuid(), '{}', 'USER', 'nobody')`,
      [(power - 3n).toString()],
    );
    const start = (await listAll(c.changes, parent)).at(-1)?.cursor ?? "";
    const abort = new AbortController();
    const watched: Change[] = [];
    const stream = (async () => {
      try {
        for await (const res of c.changes.watchChanges(
          { parent, startAfter: start },
          { signal: abort.signal, timeoutMs: 30_000 },
        )) {
          if (res.change) watched.push(res.change);
          if (watched.length === 6) abort.abort();
        }
      } catch (e) {
        if (!abort.signal.aborted) throw e;
      }
    })();
    for (let i = 0; i < 6; i++) await c.tasks.createTask({ parent, task: { title: `t${i}` } });
    await stream;
    const listed = await listAll(c.changes, parent, start);
    const paged: Change[] = [];
    let cursor = start;
    for (;;) {
      const page = await c.changes.listChanges({ parent, startAfter: cursor, pageSize: 2 });
      if (page.changes.length === 0) break;
      paged.push(...page.changes);
      cursor = page.nextCursor;
    }
    const expected = Array.from({ length: 6 }, (_, i) => (power - 2n + BigInt(i)).toString());
    expect(listed.map((ch) => ch.cursor)).toEqual(expected);
    expect(paged.map((ch) => ch.cursor)).toEqual(expected);
    expect(watched.map((ch) => ch.cursor)).toEqual(expected);
  });

  describe("a transaction that started before others commits after them", () => {
    /** Waits until a statement of this database waits for a lock. */
    async function untilBlocked(min = 1) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await pool.query(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`,
        );
        if (rows[0].n >= min) return;
        if (Date.now() > deadline) throw new Error("no statement started waiting for the lock");
        await sleep(10);
      }
    }

    it("is delivered after the cursor of a consumer that read the others (raw outbox row)", async () => {
      const ws = await core.workspace("feed-late-row");
      const parent = `workspaces/${ws}`;
      const c = await clients("feed-late-row");
      const { task } = await c.tasks.createTask({ parent, task: { title: "early" } });
      const consumed = await readUntil(c.changes, parent, (all) => all.length === 1);
      let cursor = consumed.at(-1)?.cursor ?? "";

      // An early transaction writes its outbox row (taking its id and xid now)...
      const early = await pool.connect();
      try {
        await early.query("begin");
        await early.query(
          `insert into core.changes (workspace_id, kind, resource_type, resource_id, snapshot, actor, actor_user)
           select workspace_id, 'UPDATED', resource_type, resource_id,
                  jsonb_set(jsonb_set(snapshot, '{task,title}', '"late"'), '{task,version}', '2'),
                  actor, actor_user
           from core.changes where workspace_id = $1 and resource_id = $2`,
          [ws, idOf(task?.name)],
        );
        // ...others commit after it, and a consumer reads on.
        const later: string[] = [];
        for (const title of ["x", "y", "z"]) {
          const { task: t } = await c.tasks.createTask({ parent, task: { title } });
          later.push(t?.name ?? "");
        }
        await sleep(600);
        const meanwhile = await listAll(c.changes, parent, cursor);
        cursor = meanwhile.at(-1)?.cursor ?? cursor;
        consumed.push(...meanwhile);
        // ...and only then does the early transaction commit.
        await early.query("commit");
        summary.push(
          `feed late outbox row: consumer read ${meanwhile.length} changes while it was open`,
        );
      } finally {
        early.release();
      }
      const rest = await readUntil(c.changes, parent, (all) => all.length === 5).then(() =>
        listAll(c.changes, parent, cursor),
      );
      consumed.push(...rest);
      const titles = consumed.map((ch) =>
        ch.snapshot.case === "task" ? ch.snapshot.value.title : "",
      );
      expect(titles.filter((t) => t === "late")).toHaveLength(1);
      expect([...titles].sort()).toEqual(["early", "late", "x", "y", "z"]);
      checkFeed(consumed);
      expect(consumed.map((ch) => ch.cursor)).toEqual(
        (await listAll(c.changes, parent)).map((ch) => ch.cursor),
      );
    });

    it("is delivered after the cursor of a consumer that read the others (CompleteTask held by a lock)", async () => {
      const ws = await core.workspace("feed-late-complete");
      const parent = `workspaces/${ws}`;
      const c = await clients("feed-late-complete");
      const { task } = await c.tasks.createTask({ parent, task: { title: "slow" } });
      const consumed = await readUntil(c.changes, parent, (all) => all.length === 1);
      let cursor = consumed.at(-1)?.cursor ?? "";

      // The lock makes CompleteTask's `select … for update` wait; other work goes on.
      const blocker = await pool.connect();
      let completion: Promise<unknown> = Promise.resolve();
      try {
        await blocker.query("begin");
        await blocker.query("lock table core.tasks in exclusive mode");
        completion = c.tasks.completeTask({ name: task?.name ?? "" });
        await untilBlocked();
        const projects: string[] = [];
        for (const displayName of ["p1", "p2", "p3"]) {
          const { project } = await c.projects.createProject({ parent, project: { displayName } });
          projects.push(project?.name ?? "");
        }
        const meanwhile = await readUntil(c.changes, parent, (all) => all.length === 4).then(() =>
          listAll(c.changes, parent, cursor),
        );
        expect(meanwhile.map((ch) => ch.resource)).toEqual(projects);
        cursor = meanwhile.at(-1)?.cursor ?? cursor;
        consumed.push(...meanwhile);
        await blocker.query("commit");
      } finally {
        blocker.release();
      }
      await completion;
      const rest = await readUntil(c.changes, parent, (all) => all.length === 5).then(() =>
        listAll(c.changes, parent, cursor),
      );
      expect(rest.map(keyOf)).toEqual([`${task?.name}@2 COMPLETED`]);
      consumed.push(...rest);
      checkFeed(consumed);
    });

    it("keeps per-resource order when a project delete waits for a task another request completes", async () => {
      // DeleteProject locks the project (so its transaction id is taken) and then waits for
      // the lock of a task; meanwhile CompleteTask changes a sibling task and commits, and an
      // unrelated transaction is open. The delete's change for that task must still come
      // after CompleteTask's, however the two transactions' ids compare.
      const ws = await core.workspace("feed-resource-order");
      const parent = `workspaces/${ws}`;
      const c = await clients("feed-resource-order");
      const { project } = await c.projects.createProject({
        parent,
        project: { displayName: "Doomed" },
      });
      const made = [];
      for (const title of ["first", "second"]) {
        made.push(
          (await c.tasks.createTask({ parent, task: { title, project: project?.name ?? "" } })).task
            ?.name ?? "",
        );
      }
      // The delete locks its tasks in id order: hold the first.
      const [first, second] = [...made].sort((a, b) => (idOf(a) < idOf(b) ? -1 : 1)) as [
        string,
        string,
      ];

      const holder = await pool.connect();
      const bystander = await pool.connect();
      let deletion: Promise<unknown> = Promise.resolve();
      try {
        await holder.query("begin");
        await holder.query(
          `select 1 from core.tasks where workspace_id = $1 and id = $2 for update`,
          [ws, idOf(first)],
        );
        deletion = c.projects.deleteProject({ name: project?.name ?? "", force: true });
        await untilBlocked();
        await bystander.query("begin");
        await bystander.query("select pg_current_xact_id()");
        const { task: done } = await c.tasks.completeTask({ name: second });
        expect(done?.etag).toBe('"2"');
        await holder.query("rollback");
        await deletion;
        // The relay runs several times while the bystander is still open.
        await sleep(1_000);
        await bystander.query("commit");
      } finally {
        await holder.query("rollback").catch(() => undefined);
        await bystander.query("rollback").catch(() => undefined);
        holder.release();
        bystander.release();
      }
      const feed = await readUntil(c.changes, parent, (all) =>
        all.some((ch) => ch.resource === project?.name && ch.kind === ChangeKind.DELETED),
      );
      await sleep(300);
      const settled = await listAll(c.changes, parent);
      expect(settled.filter((ch) => ch.resource === second).map(keyOf)).toEqual([
        `${second}@1 CREATED`,
        `${second}@2 COMPLETED`,
        `${second}@3 DELETED`,
      ]);
      checkFeed(settled);
      expect(feed.map((ch) => ch.cursor)).toEqual(
        settled.slice(0, feed.length).map((ch) => ch.cursor),
      );
    });
  });

  it("refuses cursors that aren't feed positions", async () => {
    const ws = await core.workspace("feed-cursor");
    const { changes } = await clients("feed-cursor");
    for (const startAfter of ["abc", "-1", "9223372036854775808", "9999999999999999999"]) {
      const error = await changes
        .listChanges({ parent: `workspaces/${ws}`, startAfter })
        .catch((e) => e);
      expect(ConnectError.from(error).code, startAfter).toBe(Code.InvalidArgument);
    }
    const last = await changes.listChanges({
      parent: `workspaces/${ws}`,
      startAfter: "9223372036854775807",
    });
    expect(last.changes).toEqual([]);
  });
});
