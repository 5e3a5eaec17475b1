import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type Client, Code } from "@connectrpc/connect";
import {
  Actor,
  MemberService,
  Priority,
  ProjectService,
  Role,
  type Task,
  TaskSchema,
  TaskService,
  TaskState,
} from "@glidepath/contracts/core/v1";
import { BadRequestSchema } from "@glidepath/contracts/google";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import { type Db, errorStats, expectRpcError, openDb, wire } from "./rpc-expect.js";

const date = (iso: string) => {
  const [year, month, day] = iso.split("-").map(Number) as [number, number, number];
  return { year, month, day };
};
const dueDate = (task: Task | undefined) =>
  task?.due?.date
    ? `${task.due.date.year}-${String(task.due.date.month).padStart(2, "0")}-${String(task.due.date.day).padStart(2, "0")}`
    : undefined;
const instant = (task: Task | undefined) =>
  task?.due?.instant ? timestampDate(task.due.instant).toISOString() : undefined;

describe("core TaskService", () => {
  let core: CoreHarness;
  let db: Db;
  beforeAll(async () => {
    core = await startCoreHarness();
    db = await openDb(core.databaseUrl);
  });
  afterAll(async () => {
    console.log(
      `tasks: ${errorStats.checked} errors checked for leaks, ${errorStats.leaked} leaked`,
    );
    await db?.close();
    await core?.stop();
  });

  /** A fresh workspace of `owner`, with `t-bob` as a MEMBER to assign tasks to. */
  async function setup(owner: string) {
    const ws = await core.workspace(owner);
    const parent = `workspaces/${ws}`;
    await (await core.client(MemberService, owner)).createMember({
      parent,
      member: { user: `${owner}-bob`, role: Role.MEMBER },
    });
    return {
      ws,
      parent,
      bob: `${owner}-bob`,
      tasks: await core.client(TaskService, owner),
      projects: await core.client(ProjectService, owner),
    };
  }

  const countTasks = (ws: string) =>
    db.count(`select count(*) from core.tasks where workspace_id = $1`, [ws]);

  describe("success paths", () => {
    it("creates a task with every field and reads it back", async () => {
      const { parent, bob, tasks, projects } = await setup("t-create");
      const { project } = await projects.createProject({
        parent,
        project: { displayName: "Home" },
      });
      const { task } = await tasks.createTask({
        parent,
        task: {
          title: "  Water the plants  ",
          notes: "Line one\nLine two\twith a tab",
          priority: Priority.P2,
          due: {
            date: date("2030-03-04"),
            time: { hours: 9, minutes: 30, seconds: 0 },
            timeZone: "Europe/Berlin",
          },
          recurrence: "freq=weekly;byday=MO",
          labels: ["home", "garden", "home"],
          project: project?.name ?? "",
          duration: { seconds: 1800n },
          assignee: bob,
          source: {
            text: "water the plants every monday 9:30",
            referenceTime: "2030-03-01T08:00:00",
            timeZone: "Europe/Berlin",
            parserVersion: "quick-add/1",
          },
          // Output-only: ignored.
          state: TaskState.DONE,
          completionCount: 7,
          provenance: { actor: Actor.AUTONOMY, user: "mallory" },
        },
      });
      expect(task?.name).toMatch(new RegExp(`^${parent}/tasks/[0-9a-f-]{36}$`));
      expect(task?.title).toBe("Water the plants");
      expect(task?.notes).toBe("Line one\nLine two\twith a tab");
      expect(task?.state).toBe(TaskState.OPEN);
      expect(task?.priority).toBe(Priority.P2);
      expect(dueDate(task)).toBe("2030-03-04");
      expect(task?.due?.time).toMatchObject({ hours: 9, minutes: 30, seconds: 0 });
      expect(task?.due?.timeZone).toBe("Europe/Berlin");
      expect(instant(task)).toBe("2030-03-04T08:30:00.000Z");
      expect(task?.recurrence).toBe("FREQ=WEEKLY;BYDAY=MO");
      expect(task?.labels).toEqual(["garden", "home"]);
      expect(task?.project).toBe(project?.name);
      expect(task?.duration?.seconds).toBe(1800n);
      expect(task?.assignee).toBe(bob);
      expect(task?.source?.text).toBe("water the plants every monday 9:30");
      expect(task?.source?.parserVersion).toBe("quick-add/1");
      expect(task?.provenance).toMatchObject({ actor: Actor.USER, user: "t-create", service: "" });
      expect(task?.completionCount).toBe(0);
      expect(task?.etag).toBe('"1"');
      expect(task?.completeTime).toBeUndefined();
      expect(task?.deleteTime).toBeUndefined();

      const got = await tasks.getTask({ name: task?.name ?? "" });
      expect(wire(TaskSchema, got.task)).toEqual(wire(TaskSchema, task));

      // An all-day due date has no time, zone or instant; the defaults apply elsewhere.
      const { task: allDay } = await tasks.createTask({
        parent,
        task: { title: "All day", due: { date: date("2030-02-28") } },
      });
      expect(dueDate(allDay)).toBe("2030-02-28");
      expect(allDay?.due?.time).toBeUndefined();
      expect(allDay?.due?.timeZone).toBe("");
      expect(allDay?.due?.instant).toBeUndefined();
      expect(allDay?.priority).toBe(Priority.P4);
      expect(allDay?.project).toBe("");
      expect(allDay?.duration).toBeUndefined();
      await expectRpcError(
        tasks.getTask({ name: `${parent}/tasks/${randomUUID()}` }),
        Code.NotFound,
        "TASK_NOT_FOUND",
      );
    });

    it("batch-gets in request order, and NOT_FOUND when any is missing", async () => {
      const { ws, parent, tasks } = await setup("t-batch");
      const names: string[] = [];
      for (const title of ["a", "b", "c"]) {
        names.push((await tasks.createTask({ parent, task: { title } })).task?.name ?? "");
      }
      const [a, b, c] = names as [string, string, string];
      const got = await tasks.batchGetTasks({ parent, names: [c, a, b, a] });
      expect(got.tasks.map((t) => t.title)).toEqual(["c", "a", "b", "a"]);
      await tasks.deleteTask({ name: b });
      expect(
        (await tasks.batchGetTasks({ parent, names: [b] })).tasks[0]?.deleteTime,
      ).toBeDefined();

      const missing = `${parent}/tasks/${randomUUID()}`;
      await expectRpcError(
        tasks.batchGetTasks({ parent, names: [a, missing, c] }),
        Code.NotFound,
        "TASK_NOT_FOUND",
      );
      // Another workspace's task is not found here either (without saying it exists).
      const other = await setup("t-batch-other");
      const foreign = (await other.tasks.createTask({ parent: other.parent, task: { title: "x" } }))
        .task?.name;
      const err = await expectRpcError(
        tasks.batchGetTasks({ parent, names: [a, foreign ?? ""] }),
        Code.InvalidArgument,
      );
      expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("names[1]");
      expect(await countTasks(ws)).toBe(3);
    });

    it("updates only the fields in update_mask; an empty mask replaces every field", async () => {
      const { parent, bob, tasks, projects } = await setup("t-update");
      const { project } = await projects.createProject({ parent, project: { displayName: "P" } });
      const { task } = await tasks.createTask({
        parent,
        task: {
          title: "Original",
          notes: "keep me",
          labels: ["one"],
          priority: Priority.P3,
          due: { date: date("2030-05-01") },
        },
      });
      const name = task?.name ?? "";

      const masked = await tasks.updateTask({
        task: {
          name,
          title: "Renamed",
          labels: ["two", "three"],
          notes: "not applied",
          priority: Priority.P1,
          etag: '"1"',
        },
        updateMask: { paths: ["title", "labels"] },
      });
      expect(masked.task?.title).toBe("Renamed");
      expect(masked.task?.labels).toEqual(["three", "two"]);
      expect(masked.task?.notes).toBe("keep me");
      expect(masked.task?.priority).toBe(Priority.P3);
      expect(dueDate(masked.task)).toBe("2030-05-01");
      expect(masked.task?.etag).toBe('"2"');

      const more = await tasks.updateTask({
        task: {
          name,
          notes: "new notes",
          priority: Priority.P1,
          due: { date: date("2030-06-01"), time: { hours: 18 }, timeZone: "America/New_York" },
          recurrence: "FREQ=MONTHLY",
          project: project?.name ?? "",
          duration: { seconds: 3600n },
          assignee: bob,
        },
        updateMask: {
          paths: ["notes", "priority", "due", "recurrence", "project", "duration", "assignee"],
        },
      });
      expect(more.task).toMatchObject({
        title: "Renamed",
        notes: "new notes",
        priority: Priority.P1,
        recurrence: "FREQ=MONTHLY",
        project: project?.name,
        assignee: bob,
      });
      expect(more.task?.duration?.seconds).toBe(3600n);
      expect(instant(more.task)).toBe("2030-06-01T22:00:00.000Z");

      // Clearing through the mask.
      const cleared = await tasks.updateTask({
        task: { name },
        updateMask: { paths: ["recurrence", "due", "assignee", "project", "duration"] },
      });
      expect(cleared.task?.due).toBeUndefined();
      expect(cleared.task?.recurrence).toBe("");
      expect(cleared.task?.assignee).toBe("");
      expect(cleared.task?.project).toBe("");
      expect(cleared.task?.duration).toBeUndefined();
      expect(cleared.task?.notes).toBe("new notes");

      // Empty mask: a full replacement.
      const replaced = await tasks.updateTask({ task: { name, title: "Only a title" } });
      expect(replaced.task).toMatchObject({
        title: "Only a title",
        notes: "",
        labels: [],
        priority: Priority.P4,
      });
      expect(replaced.task?.etag).toBe('"5"');
      const got = await tasks.getTask({ name });
      expect(wire(TaskSchema, got.task)).toEqual(wire(TaskSchema, replaced.task));
      expect(
        await db.count(
          `select count(*) from core.task_labels l join core.tasks t on t.id = l.task_id where t.id = $1`,
          [name.split("/")[3]],
        ),
      ).toBe(0);
    });

    it("completes, reopens and cancels", async () => {
      const { ws, parent, tasks } = await setup("t-states");
      const { task } = await tasks.createTask({ parent, task: { title: "Do it" } });
      const name = task?.name ?? "";

      const done = await tasks.completeTask({ name, etag: '"1"' });
      expect(done.task?.state).toBe(TaskState.DONE);
      expect(done.task?.completeTime).toBeDefined();
      expect(done.task?.completionCount).toBe(1);
      expect(done.task?.etag).toBe('"2"');
      await expectRpcError(tasks.completeTask({ name }), Code.FailedPrecondition, "TASK_NOT_OPEN");
      await expectRpcError(tasks.cancelTask({ name }), Code.FailedPrecondition, "TASK_NOT_OPEN");

      const reopened = await tasks.reopenTask({ name, etag: '"2"' });
      expect(reopened.task?.state).toBe(TaskState.OPEN);
      expect(reopened.task?.completionCount).toBe(1);
      expect(reopened.task?.etag).toBe('"3"');
      // Reopening an open task changes nothing.
      expect((await tasks.reopenTask({ name })).task?.etag).toBe('"3"');

      const cancelled = await tasks.cancelTask({ name });
      expect(cancelled.task?.state).toBe(TaskState.CANCELLED);
      expect(cancelled.task?.etag).toBe('"4"');
      expect((await tasks.cancelTask({ name })).task?.etag).toBe('"4"');
      await expectRpcError(tasks.completeTask({ name }), Code.FailedPrecondition, "TASK_NOT_OPEN");
      const again = await tasks.reopenTask({ name });
      expect(again.task?.state).toBe(TaskState.OPEN);
      const twice = await tasks.completeTask({ name });
      expect(twice.task?.completionCount).toBe(2);
      expect(
        await db.count(`select count(*) from core.task_completions where workspace_id = $1`, [ws]),
      ).toBe(2);
      const kinds = await db.client.query<{ kind: string }>(
        `select kind from core.changes where workspace_id = $1 and resource_type = 'task' order by id`,
        [ws],
      );
      expect(kinds.rows.map((r) => r.kind)).toEqual([
        "CREATED",
        "COMPLETED",
        "REOPENED",
        "CANCELLED",
        "REOPENED",
        "COMPLETED",
      ]);
    });

    it("soft-deletes: hidden from the list, shown with show_deleted, restored by undelete", async () => {
      const { ws, parent, tasks } = await setup("t-delete");
      const { task: keep } = await tasks.createTask({ parent, task: { title: "keep" } });
      const { task } = await tasks.createTask({ parent, task: { title: "remove" } });
      const name = task?.name ?? "";

      const deleted = await tasks.deleteTask({ name, etag: '"1"' });
      expect(deleted.task?.deleteTime).toBeDefined();
      expect(deleted.task?.etag).toBe('"2"');
      expect((await tasks.deleteTask({ name })).task?.etag).toBe('"2"');
      expect((await tasks.getTask({ name })).task?.deleteTime).toBeDefined();

      expect((await tasks.listTasks({ parent })).tasks.map((t) => t.name)).toEqual([keep?.name]);
      const withDeleted = await tasks.listTasks({ parent, showDeleted: true });
      expect(withDeleted.tasks.map((t) => t.name)).toEqual([keep?.name, name]);
      expect(
        (await tasks.listTasks({ parent, filter: 'text = "remove"', showDeleted: true })).tasks,
      ).toHaveLength(1);
      expect((await tasks.listTasks({ parent, filter: 'text = "remove"' })).tasks).toHaveLength(0);

      // A deleted task can't be changed until restored.
      await expectRpcError(
        tasks.updateTask({ task: { name, title: "x" }, updateMask: { paths: ["title"] } }),
        Code.FailedPrecondition,
        "TASK_DELETED",
      );
      await expectRpcError(tasks.completeTask({ name }), Code.FailedPrecondition, "TASK_DELETED");
      expect(
        await db.count(
          `select count(*) from core.tasks where workspace_id = $1 and delete_time is not null`,
          [ws],
        ),
      ).toBe(1);

      await expectRpcError(
        tasks.undeleteTask({ name, etag: '"1"' }),
        Code.Aborted,
        "ETAG_MISMATCH",
      );
      const restored = await tasks.undeleteTask({ name, etag: '"2"' });
      expect(restored.task?.deleteTime).toBeUndefined();
      expect(restored.task?.etag).toBe('"3"');
      expect((await tasks.undeleteTask({ name })).task?.etag).toBe('"3"');
      expect((await tasks.listTasks({ parent })).tasks.map((t) => t.name)).toEqual([
        keep?.name,
        name,
      ]);
      expect(await countTasks(ws)).toBe(2);
    });
  });

  describe("ListTasks filter and order_by", () => {
    let parent: string;
    let tasks: Client<typeof TaskService>;
    let projectName: string;
    let bob: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const s = await setup("t-filter");
      parent = s.parent;
      tasks = s.tasks;
      bob = s.bob;
      projectName =
        (await s.projects.createProject({ parent, project: { displayName: "X" } })).project?.name ??
        "";
      const specs: [string, MessageInitShape<typeof TaskSchema>][] = [
        [
          "A",
          {
            title: "Buy milk",
            labels: ["errands"],
            priority: Priority.P1,
            due: { date: date("2030-01-10") },
          },
        ],
        [
          "B",
          {
            title: "Call mom",
            labels: ["family"],
            priority: Priority.P2,
            due: { date: date("2030-01-20") },
            project: projectName,
          },
        ],
        ["C", { title: "Pay rent 100%", labels: ["errands", "money"], priority: Priority.P3 }],
        [
          "D",
          {
            title: "Fix bike",
            priority: Priority.P4,
            due: { date: date("2030-02-01") },
            project: projectName,
          },
        ],
        [
          "E",
          {
            title: "buy BREAD",
            labels: ["Errands"],
            priority: Priority.P2,
            due: { date: date("2030-01-15"), time: { hours: 8 }, timeZone: "UTC" },
            assignee: bob,
          },
        ],
      ];
      for (const [key, spec] of specs) {
        ids[key] = (await tasks.createTask({ parent, task: spec })).task?.name ?? "";
      }
      await tasks.completeTask({ name: ids.C as string });
      await tasks.cancelTask({ name: ids.D as string });
      // A deleted task never shows without show_deleted.
      const { task } = await tasks.createTask({
        parent,
        task: { title: "Buy deleted", labels: ["errands"] },
      });
      await tasks.deleteTask({ name: task?.name ?? "" });
    });

    const keysOf = (list: Task[]) =>
      list.map((t) => Object.entries(ids).find(([, name]) => name === t.name)?.[0] ?? t.title);
    const list = async (filter: string, orderBy = "") =>
      keysOf((await tasks.listTasks({ parent, filter, orderBy })).tasks);

    it.each([
      ["", ["A", "B", "C", "D", "E"]],
      ["state = OPEN", ["A", "B", "E"]],
      ["state = DONE", ["C"]],
      ["state = TASK_STATE_CANCELLED", ["D"]],
      ["state != OPEN", ["C", "D"]],
      ['label = "errands"', ["A", "C", "E"]],
      ["labels:money", ["C"]],
      ['-label = "errands"', ["B", "D"]],
      ['NOT label = "errands"', ["B", "D"]],
      ["priority <= 2", ["A", "B", "E"]],
      ["priority = P1", ["A"]],
      ["priority > 2", ["C", "D"]],
      ['due >= "2030-01-15" AND due < "2030-02-01"', ["B", "E"]],
      ["due = NULL", ["C"]],
      ['due != NULL AND due <= "2030-01-10"', ["A"]],
      ['"buy"', ["A", "E"]],
      ["text:milk", ["A"]],
      ['title = "100%"', ["C"]],
      ['text = "%"', ["C"]],
      ["assignee = NULL", ["A", "B", "C", "D"]],
      ['state = OPEN AND due < "2030-01-16" AND (label = "errands" OR priority <= 2)', ["A", "E"]],
      ['label = "family" OR state = DONE', ["B", "C"]],
      ["project = NULL", ["A", "C", "E"]],
    ])("filter %j", async (filter, expected) => {
      expect(await list(filter)).toEqual(expected);
    });

    it("filters by project and assignee", async () => {
      expect(await list(`project = "${projectName}"`)).toEqual(["B", "D"]);
      expect(await list(`project != "${projectName}"`)).toEqual(["A", "C", "E"]);
      expect(await list(`assignee = "${bob}"`)).toEqual(["E"]);
      expect(await list(`assignee = "${bob}" AND state = OPEN`)).toEqual(["E"]);
    });

    it.each([
      ["create_time", ["A", "B", "C", "D", "E"]],
      ["create_time desc", ["E", "D", "C", "B", "A"]],
      ["priority", ["A", "B", "E", "C", "D"]],
      ["priority desc", ["D", "C", "E", "B", "A"]],
      ["due", ["A", "E", "B", "D", "C"]],
      ["due desc", ["C", "D", "B", "E", "A"]],
      ["update_time", ["A", "B", "E", "C", "D"]],
    ])("order_by %j", async (orderBy, expected) => {
      expect(await list("", orderBy)).toEqual(expected);
      // The same order holds across pages.
      const paged: Task[] = [];
      let pageToken = "";
      do {
        const page = await tasks.listTasks({ parent, orderBy, pageSize: 2, pageToken });
        paged.push(...page.tasks);
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(keysOf(paged)).toEqual(expected);
    });

    it("orders a filtered list", async () => {
      expect(await list("state = OPEN", "due desc")).toEqual(["B", "E", "A"]);
      expect(await list('label = "errands"', "priority desc")).toEqual(["C", "E", "A"]);
    });

    it("refuses a page token from another filter, order or list", async () => {
      const first = await tasks.listTasks({ parent, filter: "state = OPEN", pageSize: 1 });
      expect(first.nextPageToken).not.toBe("");
      const other = await setup("t-filter-other");
      const cases = [
        { parent, filter: "state = DONE" },
        { parent, filter: "" },
        { parent, filter: "state = OPEN", orderBy: "priority" },
        { parent, filter: "state = OPEN", showDeleted: true },
        { parent: other.parent, filter: "state = OPEN" },
      ];
      for (const request of cases) {
        const client = request.parent === parent ? tasks : other.tasks;
        const err = await expectRpcError(
          client.listTasks({ ...request, pageSize: 1, pageToken: first.nextPageToken }),
          Code.InvalidArgument,
        );
        const fields = err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
        expect(fields).toEqual(["page_token"]);
      }
      // The token still works with its own query.
      const second = await tasks.listTasks({
        parent,
        filter: "state = OPEN",
        pageSize: 1,
        pageToken: first.nextPageToken,
      });
      expect(second.tasks).toHaveLength(1);
    });
  });

  describe("etags", () => {
    it("answers ABORTED ETAG_MISMATCH to a stale etag on update, complete and delete", async () => {
      const { parent, tasks } = await setup("t-etag");
      const { task } = await tasks.createTask({ parent, task: { title: "v1" } });
      const name = task?.name ?? "";
      const v2 = await tasks.updateTask({
        task: { name, title: "v2", etag: '"1"' },
        updateMask: { paths: ["title"] },
      });
      expect(v2.task?.etag).toBe('"2"');

      const stale = [
        () =>
          tasks.updateTask({
            task: { name, title: "lost", etag: '"1"' },
            updateMask: { paths: ["title"] },
          }),
        () => tasks.completeTask({ name, etag: '"1"' }),
        () => tasks.deleteTask({ name, etag: '"1"' }),
        () => tasks.cancelTask({ name, etag: '"1"' }),
        () => tasks.reopenTask({ name, etag: "W/garbage" }),
      ];
      for (const call of stale) await expectRpcError(call, Code.Aborted, "ETAG_MISMATCH");
      const got = await tasks.getTask({ name });
      expect(got.task).toMatchObject({ title: "v2", state: TaskState.OPEN, etag: '"2"' });
      expect(got.task?.deleteTime).toBeUndefined();

      // Two writers with the same etag: exactly one wins.
      const racers = await Promise.allSettled(
        ["first", "second", "third"].map((title) =>
          tasks.updateTask({
            task: { name, title, etag: '"2"' },
            updateMask: { paths: ["title"] },
          }),
        ),
      );
      expect(racers.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of racers) {
        if (r.status === "rejected") {
          await expectRpcError(Promise.reject(r.reason), Code.Aborted, "ETAG_MISMATCH");
        }
      }
      expect((await tasks.getTask({ name })).task?.etag).toBe('"3"');
    });
  });

  describe("request_id (AIP-155)", () => {
    it("replays the same request byte for byte and refuses a different one", async () => {
      const { ws, parent, tasks } = await setup("t-rid");
      const requestId = randomUUID();
      const request = {
        parent,
        requestId,
        task: {
          title: "Once",
          labels: ["b", "a"],
          due: { date: date("2030-01-01"), time: { hours: 7 }, timeZone: "Asia/Tokyo" },
          duration: { seconds: 120n },
        },
      };
      const first = await tasks.createTask(request);
      const again = await tasks.createTask(request);
      expect(wire(TaskSchema, again.task)).toEqual(wire(TaskSchema, first.task));

      // Still the original answer after the task changed.
      await tasks.updateTask({
        task: { name: first.task?.name, title: "Changed" },
        updateMask: { paths: ["title"] },
      });
      const later = await tasks.createTask(request);
      expect(wire(TaskSchema, later.task)).toEqual(wire(TaskSchema, first.task));

      for (const changed of [
        { ...request, task: { ...request.task, title: "Twice" } },
        { ...request, task: { ...request.task, labels: ["a"] } },
        { ...request, task: { ...request.task, notes: "extra" } },
      ]) {
        await expectRpcError(
          tasks.createTask(changed),
          Code.FailedPrecondition,
          "REQUEST_ID_REUSED",
        );
      }
      expect(await countTasks(ws)).toBe(1);
      // A request id is the caller's own: another member using it creates their own task.
      const bob = await core.client(TaskService, "t-rid-bob");
      const bobs = await bob.createTask(request);
      expect(bobs.task?.name).not.toBe(first.task?.name);
      expect(await countTasks(ws)).toBe(2);
    });

    it("runs 50 concurrent copies exactly once", async () => {
      const { ws, parent, tasks } = await setup("t-rid-race");
      const requestId = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          tasks.createTask({ parent, requestId, task: { title: "Exactly once", labels: ["x"] } }),
        ),
      );
      const bytes = results.map((r) => wire(TaskSchema, r.task));
      expect(new Set(bytes).size).toBe(1);
      const listed = await tasks.listTasks({ parent, showDeleted: true });
      expect(listed.tasks.map((t) => t.name)).toEqual([results[0]?.task?.name]);
      expect(await countTasks(ws)).toBe(1);
      expect(
        await db.count(`select count(*) from core.task_labels where workspace_id = $1`, [ws]),
      ).toBe(1);
      expect(
        await db.count(
          `select count(*) from core.changes where workspace_id = $1 and resource_type = 'task'`,
          [ws],
        ),
      ).toBe(1);
      expect(
        await db.count(`select count(*) from core.request_ids where workspace_id = $1`, [ws]),
      ).toBe(1);
    });
  });

  describe("recurrence", () => {
    it("moves a FREQ=WEEKLY;BYDAY=MO task to the next Monday and keeps it open", async () => {
      const { ws, parent, tasks } = await setup("t-weekly");
      const { task } = await tasks.createTask({
        parent,
        task: {
          title: "Weekly review",
          due: { date: date("2030-03-06") }, // a Wednesday
          recurrence: "FREQ=WEEKLY;BYDAY=MO",
        },
      });
      const first = await tasks.completeTask({ name: task?.name ?? "", etag: '"1"' });
      expect(dueDate(first.task)).toBe("2030-03-11");
      expect(first.task?.state).toBe(TaskState.OPEN);
      expect(first.task?.completionCount).toBe(1);
      expect(first.task?.completeTime).toBeDefined();
      expect(first.task?.recurrence).toBe("FREQ=WEEKLY;BYDAY=MO");
      const second = await tasks.completeTask({ name: task?.name ?? "" });
      expect(dueDate(second.task)).toBe("2030-03-18");
      expect(second.task?.state).toBe(TaskState.OPEN);
      expect(second.task?.completionCount).toBe(2);
      const occurrences = await db.client.query<{ d: string }>(
        `select occurrence_date::text as d from core.task_completions where workspace_id = $1 order by completion`,
        [ws],
      );
      expect(occurrences.rows.map((r) => r.d)).toEqual(["2030-03-06", "2030-03-11"]);
    });

    it("ends a COUNT=2 task DONE after its second completion", async () => {
      const { parent, tasks } = await setup("t-count");
      const { task } = await tasks.createTask({
        parent,
        task: {
          title: "Twice",
          due: { date: date("2030-03-04") }, // a Monday
          recurrence: "FREQ=WEEKLY;BYDAY=MO;COUNT=2",
        },
      });
      const name = task?.name ?? "";
      const first = await tasks.completeTask({ name });
      expect(first.task?.state).toBe(TaskState.OPEN);
      expect(dueDate(first.task)).toBe("2030-03-11");
      expect(first.task?.completionCount).toBe(1);
      const second = await tasks.completeTask({ name });
      expect(second.task?.state).toBe(TaskState.DONE);
      expect(second.task?.completionCount).toBe(2);
      expect(dueDate(second.task)).toBe("2030-03-11");
      await expectRpcError(tasks.completeTask({ name }), Code.FailedPrecondition, "TASK_NOT_OPEN");
    });

    it("keeps a daily timed task's wall-clock time across DST changes in Europe/Berlin", async () => {
      const { parent, tasks } = await setup("t-dst");
      const create = async (day: string) =>
        (
          await tasks.createTask({
            parent,
            task: {
              title: `Daily from ${day}`,
              due: { date: date(day), time: { hours: 9 }, timeZone: "Europe/Berlin" },
              recurrence: "FREQ=DAILY",
            },
          })
        ).task;
      // Spring: clocks go forward on Sunday 2030-03-31.
      const spring = await create("2030-03-30");
      expect(instant(spring)).toBe("2030-03-30T08:00:00.000Z");
      const expected = [
        ["2030-03-31", "2030-03-31T07:00:00.000Z"],
        ["2030-04-01", "2030-04-01T07:00:00.000Z"],
      ];
      for (const [day, at] of expected) {
        const { task } = await tasks.completeTask({ name: spring?.name ?? "" });
        expect(dueDate(task)).toBe(day);
        expect(task?.due?.time).toMatchObject({ hours: 9, minutes: 0, seconds: 0 });
        expect(task?.due?.timeZone).toBe("Europe/Berlin");
        expect(instant(task)).toBe(at);
      }
      // Autumn: clocks go back on Sunday 2030-10-27.
      const autumn = await create("2030-10-26");
      expect(instant(autumn)).toBe("2030-10-26T07:00:00.000Z");
      const { task } = await tasks.completeTask({ name: autumn?.name ?? "" });
      expect(dueDate(task)).toBe("2030-10-27");
      expect(task?.due?.time).toMatchObject({ hours: 9 });
      expect(instant(task)).toBe("2030-10-27T08:00:00.000Z");
      // The stored instant agrees with the answer.
      const stored = await db.client.query<{ at: Date }>(
        `select due_instant as at from core.tasks where id = $1`,
        [task?.name.split("/")[3]],
      );
      expect(stored.rows[0]?.at.toISOString()).toBe("2030-10-27T08:00:00.000Z");
    });
  });

  describe("resources", () => {
    it("leaves no deadline timer behind once a call has finished, on every protocol", async () => {
      const { parent } = await setup("t-timers");
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      for (const protocol of ["grpc", "connect", "grpc-web"] as const) {
        const client = await core.client(TaskService, "t-timers", protocol);
        await client.listTasks({ parent });
        const before = timers();
        for (let i = 0; i < 30; i++) await client.listTasks({ parent });
        await expectRpcError(
          client.getTask({ name: `${parent}/tasks/${randomUUID()}` }),
          Code.NotFound,
        );
        // The relay's poll timer may come and go; a leak would add one timer per call.
        expect(timers() - before, protocol).toBeLessThanOrEqual(2);
      }
    });
  });

  describe("pagination under concurrent inserts", () => {
    it.each(["", "create_time desc", "priority", "due desc"])(
      "pages with page_size 7 (order %j) without skipping or repeating",
      async (orderBy) => {
        const { ws, parent, tasks } = await setup(
          `t-page-${orderBy.replace(/\s/g, "-") || "default"}`,
        );
        const create = (i: number) =>
          tasks.createTask({
            parent,
            task: {
              title: `task ${i}`,
              priority: ((i % 4) + 1) as Priority,
              due:
                i % 3 === 0
                  ? undefined
                  : { date: date(`2030-01-${String((i % 28) + 1).padStart(2, "0")}`) },
            },
          });
        for (let batch = 0; batch < 5; batch++) {
          await Promise.all(Array.from({ length: 10 }, (_, i) => create(batch * 10 + i)));
        }
        const before = new Set(
          (await tasks.listTasks({ parent, pageSize: 1000 })).tasks.map((t) => t.name),
        );
        expect(before.size).toBe(50);

        let paging = true;
        let inserted = 0;
        const inserter = (async () => {
          for (let i = 1000; paging; i++) {
            await create(i);
            inserted++;
          }
        })();
        const seen = new Map<string, number>();
        let pageToken = "";
        let pages = 0;
        try {
          do {
            const page = await tasks.listTasks({ parent, orderBy, pageSize: 7, pageToken });
            expect(page.tasks.length).toBeLessThanOrEqual(7);
            for (const t of page.tasks) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
            pageToken = page.nextPageToken;
            pages++;
            // Give the inserter room to land rows between pages.
            await new Promise((resolve) => setTimeout(resolve, 5));
          } while (pageToken && pages < 100);
        } finally {
          paging = false;
          await inserter;
        }
        expect(inserted).toBeGreaterThan(0);
        for (const name of before) expect(seen.get(name), name).toBe(1);
        expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
        expect(await countTasks(ws)).toBe(50 + inserted);
      },
    );
  });
});
