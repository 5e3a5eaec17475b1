import { describe, expect, it } from "vitest";
import {
  EtagMismatchError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
} from "../domain/errors.js";
import type { TaskFields } from "../domain/task.js";
import type { Caller } from "./caller.js";
import { createProjectUseCases } from "./projects.js";
import { requestFingerprint } from "./request-ids.js";
import { createTaskUseCases } from "./tasks.js";
import {
  createInMemoryUnitOfWork,
  createSequentialIds,
  createTestClock,
  type InMemoryHooks,
} from "./testing/in-memory.js";
import { createWorkspaceUseCases } from "./workspaces.js";

const alice: Caller = { actor: { kind: "USER", user: "alice" }, role: "OWNER" };
const assistant: Caller = { actor: { kind: "AI", user: "alice", service: "ai" }, role: "OWNER" };
const requestId = "0190b000-0000-7000-8000-000000000001";

const fields = (overrides: Partial<TaskFields> = {}): TaskFields => ({
  title: "Buy milk",
  notes: "",
  priority: 4,
  due: null,
  recurrence: null,
  labels: [],
  projectId: null,
  durationMinutes: null,
  assignee: null,
  ...overrides,
});

async function setup(hooks: InMemoryHooks = {}) {
  const uow = createInMemoryUnitOfWork({ hooks });
  const clock = createTestClock();
  const ids = createSequentialIds();
  const workspaces = createWorkspaceUseCases({ uow, clock, ids });
  const projects = createProjectUseCases({ uow, clock, ids });
  const tasks = createTaskUseCases({ uow, clock, ids });
  const { workspace } = await workspaces.create(alice, "Home");
  const { workspace: other } = await workspaces.create(alice, "Work");
  await workspaces.addMember(alice, workspace.id, "bob", "MEMBER");
  const changesOf = (id: string) =>
    uow.data.changes
      .filter((c) => c.snapshot.type === "task" && c.snapshot.task.id === id)
      .map((c) => c.kind);
  return {
    uow,
    clock,
    ids,
    workspaces,
    projects,
    tasks,
    ws: workspace.id,
    otherWs: other.id,
    changesOf,
  };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as { reason: string }).reason;
  }
  throw new Error("expected a failure");
}

describe("create", () => {
  it("creates an open task and its CREATED change in one write", async () => {
    const { uow, tasks, ws, ids } = await setup();
    const id = ids.peek();
    const task = await tasks.create(
      alice,
      ws,
      fields({ title: " Buy milk ", labels: ["b", "a"] }),
      null,
    );
    expect(task).toMatchObject({
      id,
      workspaceId: ws,
      title: "Buy milk",
      labels: ["a", "b"],
      state: "OPEN",
      version: 1,
      provenance: alice.actor,
    });
    expect(await tasks.get(ws, id)).toEqual(task);
    const [change, ...more] = uow.data.changes;
    expect(more).toEqual([]);
    expect(change).toMatchObject({ workspaceId: ws, kind: "CREATED", actor: alice.actor });
    expect(change?.snapshot).toEqual({ type: "task", task });
  });

  it("records the AI as the author of a task it made", async () => {
    const { tasks, ws } = await setup();
    const source = {
      text: "buy milk",
      referenceTime: "2024-03-01T10:00:00Z",
      timeZone: "UTC",
      parserVersion: "1",
    };
    const task = await tasks.create(assistant, ws, fields(), source);
    expect(task.provenance).toEqual({ kind: "AI", user: "alice", service: "ai" });
    expect(task.source).toEqual(source);
  });

  it("checks the project: in this workspace and active", async () => {
    const { projects, tasks, ws, otherWs, uow } = await setup();
    const elsewhere = await projects.create(alice, otherWs, {
      displayName: "Work",
      description: "",
    });
    await expect(
      tasks.create(alice, ws, fields({ projectId: elsewhere.id }), null),
    ).rejects.toMatchObject({
      violations: [{ field: "task.project", description: "no such project in this workspace" }],
    });
    const home = await projects.create(alice, ws, { displayName: "Home", description: "" });
    await projects.archive(alice, ws, home.id);
    expect(await reasonOf(tasks.create(alice, ws, fields({ projectId: home.id }), null))).toBe(
      "PROJECT_ARCHIVED",
    );
    await projects.unarchive(alice, ws, home.id);
    const task = await tasks.create(alice, ws, fields({ projectId: home.id }), null);
    expect(task.projectId).toBe(home.id);
    expect(uow.data.tasks.size).toBe(1);
  });

  it("checks the assignee is a member", async () => {
    const { tasks, ws } = await setup();
    await expect(
      tasks.create(alice, ws, fields({ assignee: "mallory" }), null),
    ).rejects.toMatchObject({
      violations: [{ field: "task.assignee", description: "must be a member of the workspace" }],
    });
    expect((await tasks.create(alice, ws, fields({ assignee: "bob" }), null)).assignee).toBe("bob");
  });

  it("writes nothing for invalid fields", async () => {
    const { tasks, ws, uow } = await setup();
    await expect(tasks.create(alice, ws, fields({ title: "" }), null)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      tasks.create(alice, ws, fields({ recurrence: "FREQ=DAILY" }), null),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(uow.data.tasks.size).toBe(0);
    expect(uow.data.changes).toEqual([]);
  });

  describe("with a request id", () => {
    it("answers a retry with the original task and creates it once", async () => {
      const { tasks, ws, uow } = await setup();
      const first = await tasks.create(alice, ws, fields(), null, requestId);
      const again = await tasks.create(alice, ws, fields(), null, requestId);
      expect(again).toEqual(first);
      expect(uow.data.tasks.size).toBe(1);
      expect(uow.data.changes).toHaveLength(1);
    });

    it("refuses the same id for a different request", async () => {
      const { tasks, ws, uow } = await setup();
      await tasks.create(alice, ws, fields(), null, requestId);
      expect(
        await reasonOf(tasks.create(alice, ws, fields({ title: "Other" }), null, requestId)),
      ).toBe("REQUEST_ID_REUSED");
      expect(uow.data.tasks.size).toBe(1);
    });

    it("scopes ids per workspace and per principal (user, or service for a user)", async () => {
      const { tasks, ws, otherWs, uow } = await setup();
      const mine = await tasks.create(alice, ws, fields(), null, requestId);
      const viaAi = await tasks.create(assistant, ws, fields(), null, requestId);
      const otherWorkspace = await tasks.create(alice, otherWs, fields(), null, requestId);
      expect(new Set([mine.id, viaAi.id, otherWorkspace.id]).size).toBe(3);
      expect(uow.data.tasks.size).toBe(3);
    });

    it("answers as the winner when a concurrent request with the same id committed first", async () => {
      let winnerTask: unknown;
      const hooks: InMemoryHooks = {
        concurrentRequest: (record) => {
          if (record.response.type !== "task") return undefined;
          winnerTask = { ...record.response.task, id: "0190c000-0000-7000-8000-000000000001" };
          return { ...record, response: { type: "task", task: winnerTask as never } };
        },
      };
      const { tasks, ws, uow } = await setup(hooks);
      const answer = await tasks.create(alice, ws, fields(), null, requestId);
      expect(answer).toEqual(winnerTask);
      // The loser wrote nothing: no task, no change.
      expect(uow.data.tasks.size).toBe(0);
      expect(uow.data.changes).toEqual([]);
    });

    it("fails loudly when the id is taken but no record can be found", async () => {
      const hooks: InMemoryHooks = {
        concurrentRequest: (record) => ({
          ...record,
          fingerprint: requestFingerprint("CreateTask", { fields: fields(), source: null }),
          response: { type: "project", project: {} as never },
        }),
      };
      const { tasks, ws } = await setup(hooks);
      await expect(tasks.create(alice, ws, fields(), null, requestId)).rejects.toThrow(
        "request id conflict without a record",
      );
    });
  });
});

describe("get and batchGet", () => {
  it("finds a task only in its own workspace", async () => {
    const { tasks, ws, otherWs } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    expect(await tasks.get(ws, task.id)).toEqual(task);
    await expect(tasks.get(otherWs, task.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(tasks.get(ws, "0190a000-0000-7000-8000-0000000000ff")).rejects.toMatchObject({
      reason: "TASK_NOT_FOUND",
    });
  });

  it("answers in the order asked, duplicates included", async () => {
    const { tasks, ws } = await setup();
    const a = await tasks.create(alice, ws, fields({ title: "a" }), null);
    const b = await tasks.create(alice, ws, fields({ title: "b" }), null);
    expect((await tasks.batchGet(ws, [b.id, a.id, b.id])).map((t) => t.title)).toEqual([
      "b",
      "a",
      "b",
    ]);
  });

  it("is all or nothing", async () => {
    const { tasks, ws, otherWs } = await setup();
    const a = await tasks.create(alice, ws, fields(), null);
    const foreign = await tasks.create(alice, otherWs, fields(), null);
    await expect(tasks.batchGet(ws, [a.id, foreign.id])).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("list", () => {
  const listAll = async (
    tasks: ReturnType<typeof createTaskUseCases>,
    ws: string,
    request: { filter?: string; orderBy?: string; showDeleted?: boolean; pageSize: number },
  ) => {
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await tasks.list(ws, {
        filter: request.filter ?? "",
        orderBy: request.orderBy ?? "",
        showDeleted: request.showDeleted ?? false,
        pageSize: request.pageSize,
        pageToken,
      });
      expect(page.tasks.length).toBeLessThanOrEqual(request.pageSize);
      seen.push(...page.tasks.map((t) => t.title));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken && pages < 100);
    return { seen, pages };
  };

  async function seeded() {
    const env = await setup();
    const { tasks, ws, clock } = env;
    const specs: [string, Partial<TaskFields>][] = [
      ["t1", { priority: 2, due: { date: "2024-03-05" }, labels: ["home"] }],
      ["t2", { priority: 1 }],
      ["t3", { priority: 2, due: { date: "2024-03-01" }, labels: ["work"] }],
      ["t4", { priority: 4, due: { date: "2024-03-05" } }],
      ["t5", { priority: 3, labels: ["home", "work"] }],
    ];
    for (const [title, overrides] of specs) {
      await tasks.create(alice, ws, fields({ title, ...overrides }), null);
      clock.advance(1000);
    }
    return env;
  }

  it("pages through every task once, in creation order by default", async () => {
    const { tasks, ws } = await seeded();
    const { seen, pages } = await listAll(tasks, ws, { pageSize: 2 });
    expect(seen).toEqual(["t1", "t2", "t3", "t4", "t5"]);
    expect(pages).toBe(3);
  });

  it.each([
    ["priority", ["t2", "t1", "t3", "t5", "t4"]],
    ["priority desc", ["t4", "t5", "t3", "t1", "t2"]],
    ["due", ["t3", "t1", "t4", "t2", "t5"]],
    ["due desc", ["t5", "t2", "t4", "t1", "t3"]],
    ["create_time desc", ["t5", "t4", "t3", "t2", "t1"]],
    ["update_time", ["t1", "t2", "t3", "t4", "t5"]],
  ])("orders by %s across pages", async (orderBy, expected) => {
    const { tasks, ws } = await seeded();
    for (const pageSize of [1, 2, 3, 10]) {
      expect((await listAll(tasks, ws, { orderBy, pageSize })).seen).toEqual(expected);
    }
  });

  it("filters", async () => {
    const { tasks, ws } = await seeded();
    expect((await listAll(tasks, ws, { filter: "label = home", pageSize: 1 })).seen).toEqual([
      "t1",
      "t5",
    ]);
    expect(
      (await listAll(tasks, ws, { filter: "priority <= 2 AND due != NULL", pageSize: 10 })).seen,
    ).toEqual(["t1", "t3"]);
    expect(
      (await listAll(tasks, ws, { filter: 'NOT due < "2024-03-05"', pageSize: 10 })).seen,
    ).toEqual(["t1", "t4"]);
  });

  it("hides deleted tasks unless asked", async () => {
    const { tasks, ws, uow } = await seeded();
    const t2 = [...uow.data.tasks.values()].find((t) => t.title === "t2");
    await tasks.delete(alice, ws, t2?.id ?? "");
    expect((await listAll(tasks, ws, { pageSize: 10 })).seen).toEqual(["t1", "t3", "t4", "t5"]);
    expect((await listAll(tasks, ws, { pageSize: 10, showDeleted: true })).seen).toHaveLength(5);
  });

  it("refuses a page token from another query or workspace", async () => {
    const { tasks, ws, otherWs } = await seeded();
    const base = { filter: "", orderBy: "", showDeleted: false, pageSize: 1, pageToken: "" };
    const { nextPageToken } = await tasks.list(ws, base);
    expect(nextPageToken).not.toBe("");
    for (const [workspace, request] of [
      [ws, { ...base, filter: "priority = 1" }],
      [ws, { ...base, orderBy: "due" }],
      [ws, { ...base, showDeleted: true }],
      [otherWs, base],
    ] as const) {
      await expect(
        tasks.list(workspace, { ...request, pageToken: nextPageToken }),
      ).rejects.toMatchObject({
        violations: [{ field: "page_token" }],
      });
    }
  });

  it("refuses bad filters and orders", async () => {
    const { tasks, ws } = await setup();
    const base = { filter: "", orderBy: "", showDeleted: false, pageSize: 1, pageToken: "" };
    await expect(tasks.list(ws, { ...base, filter: "colour = red" })).rejects.toMatchObject({
      violations: [{ field: "filter" }],
    });
    await expect(tasks.list(ws, { ...base, orderBy: "title" })).rejects.toMatchObject({
      violations: [{ field: "order_by" }],
    });
  });
});

describe("update", () => {
  it("applies the patch and records an UPDATED change", async () => {
    const { tasks, ws, clock, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    clock.advance(60_000);
    const updated = await tasks.update(
      assistant,
      ws,
      task.id,
      { title: "Buy oat milk", priority: 1 },
      '"1"',
    );
    expect(updated).toMatchObject({
      title: "Buy oat milk",
      priority: 1,
      version: 2,
      provenance: assistant.actor,
      updateTime: clock.now(),
    });
    expect(await tasks.get(ws, task.id)).toEqual(updated);
    expect(changesOf(task.id)).toEqual(["CREATED", "UPDATED"]);
  });

  it("refuses a stale etag and writes nothing", async () => {
    const { tasks, ws, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await tasks.update(alice, ws, task.id, { title: "v2" });
    await expect(tasks.update(alice, ws, task.id, { title: "v3" }, '"1"')).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    expect((await tasks.get(ws, task.id)).title).toBe("v2");
    expect(changesOf(task.id)).toEqual(["CREATED", "UPDATED"]);
  });

  it("checks references and the task's existence", async () => {
    const { tasks, ws } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await expect(tasks.update(alice, ws, task.id, { assignee: "mallory" })).rejects.toMatchObject({
      violations: [{ field: "task.assignee" }],
    });
    await expect(
      tasks.update(alice, ws, "0190a000-0000-7000-8000-0000000000ff", { title: "x" }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses a deleted task", async () => {
    const { tasks, ws, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await tasks.delete(alice, ws, task.id);
    expect(await reasonOf(tasks.update(alice, ws, task.id, { title: "x" }))).toBe("TASK_DELETED");
    expect(changesOf(task.id)).toEqual(["CREATED", "DELETED"]);
  });

  it("refuses changes to a task of an archived project", async () => {
    const { projects, tasks, ws, changesOf } = await setup();
    const project = await projects.create(alice, ws, { displayName: "Home", description: "" });
    const task = await tasks.create(alice, ws, fields({ projectId: project.id }), null);
    await projects.archive(alice, ws, project.id);
    expect(await reasonOf(tasks.update(alice, ws, task.id, { title: "x" }))).toBe(
      "PROJECT_ARCHIVED",
    );
    expect(await reasonOf(tasks.complete(alice, ws, task.id))).toBe("PROJECT_ARCHIVED");
    expect(changesOf(task.id)).toEqual(["CREATED"]);
  });
});

describe("complete", () => {
  it("completes a task and records the completion", async () => {
    const { tasks, ws, uow, clock, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields({ due: { date: "2024-03-04" } }), null);
    clock.advance(5_000);
    const done = await tasks.complete(alice, ws, task.id, '"1"');
    expect(done).toMatchObject({
      state: "DONE",
      completeTime: clock.now(),
      completionCount: 1,
      version: 2,
    });
    expect(uow.data.completions).toEqual([
      {
        workspaceId: ws,
        taskId: task.id,
        completion: 1,
        occurrence: "2024-03-04",
        at: clock.now(),
      },
    ]);
    expect(changesOf(task.id)).toEqual(["CREATED", "COMPLETED"]);
    expect(uow.data.changes.at(-1)?.snapshot).toEqual({ type: "task", task: done });
  });

  it("advances a recurring task, recording each occurrence", async () => {
    const { tasks, ws, uow, changesOf } = await setup();
    const task = await tasks.create(
      alice,
      ws,
      fields({
        due: { date: "2024-03-29", time: "09:00:00", timeZone: "Europe/Berlin" },
        recurrence: "FREQ=DAILY;COUNT=3",
      }),
      null,
    );
    const first = await tasks.complete(alice, ws, task.id);
    expect(first).toMatchObject({ state: "OPEN", due: { date: "2024-03-30", time: "09:00:00" } });
    const second = await tasks.complete(alice, ws, task.id);
    expect(second.due?.date).toBe("2024-03-31");
    const last = await tasks.complete(alice, ws, task.id);
    expect(last).toMatchObject({ state: "DONE", completionCount: 3 });
    expect(uow.data.completions.map((c) => c.occurrence)).toEqual([
      "2024-03-29",
      "2024-03-30",
      "2024-03-31",
    ]);
    expect(changesOf(task.id)).toEqual(["CREATED", "COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(await reasonOf(tasks.complete(alice, ws, task.id))).toBe("TASK_NOT_OPEN");
  });

  it("records no occurrence for a task without a due date", async () => {
    const { tasks, ws, uow } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await tasks.complete(alice, ws, task.id);
    expect(uow.data.completions[0]?.occurrence).toBeNull();
  });

  it("rolls back when anything fails: no state change, no completion, no change", async () => {
    const { tasks, ws, uow, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await tasks.cancel(alice, ws, task.id);
    const before = structuredClone(uow.data);
    expect(await reasonOf(tasks.complete(alice, ws, task.id))).toBe("TASK_NOT_OPEN");
    await expect(tasks.complete(alice, ws, task.id, '"9"')).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    expect(uow.data).toEqual(before);
    expect(changesOf(task.id)).toEqual(["CREATED", "CANCELLED"]);
  });

  it("rolls back the task update when recording the completion fails", async () => {
    const { tasks, ws, uow, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    // A completion row for this number already exists: the insert fails after the update.
    uow.data.completions.push({
      workspaceId: ws,
      taskId: task.id,
      completion: 1,
      occurrence: null,
      at: new Date(),
    });
    await expect(tasks.complete(alice, ws, task.id)).rejects.toThrow("duplicate completion");
    expect((await tasks.get(ws, task.id)).state).toBe("OPEN");
    expect(changesOf(task.id)).toEqual(["CREATED"]);
    expect(uow.stats.rollbacks).toBeGreaterThan(0);
  });

  it("is not found in another workspace", async () => {
    const { tasks, ws, otherWs } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await expect(tasks.complete(alice, otherWs, task.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("reopen, cancel, delete, undelete", () => {
  it("each writes its change kind", async () => {
    const { tasks, ws, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await tasks.complete(alice, ws, task.id);
    expect((await tasks.reopen(alice, ws, task.id, '"2"')).state).toBe("OPEN");
    expect((await tasks.cancel(alice, ws, task.id, '"3"')).state).toBe("CANCELLED");
    expect((await tasks.delete(alice, ws, task.id, '"4"')).deleteTime).not.toBeNull();
    const restored = await tasks.undelete(alice, ws, task.id, '"5"');
    expect(restored).toMatchObject({ deleteTime: null, version: 6, state: "CANCELLED" });
    expect(changesOf(task.id)).toEqual([
      "CREATED",
      "COMPLETED",
      "REOPENED",
      "CANCELLED",
      "DELETED",
      "UNDELETED",
    ]);
  });

  it("no-ops write nothing and answer the task as it is", async () => {
    const { tasks, ws, changesOf } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    expect(await tasks.reopen(alice, ws, task.id)).toEqual(task);
    expect(await tasks.undelete(alice, ws, task.id)).toEqual(task);
    const cancelled = await tasks.cancel(alice, ws, task.id);
    expect(await tasks.cancel(alice, ws, task.id)).toEqual(cancelled);
    const deleted = await tasks.delete(alice, ws, task.id);
    expect(await tasks.delete(alice, ws, task.id)).toEqual(deleted);
    expect(changesOf(task.id)).toEqual(["CREATED", "CANCELLED", "DELETED"]);
  });

  it("enforce the state rules", async () => {
    const { tasks, ws } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    await tasks.complete(alice, ws, task.id);
    expect(await reasonOf(tasks.cancel(alice, ws, task.id))).toBe("TASK_NOT_OPEN");
    await tasks.delete(alice, ws, task.id);
    expect(await reasonOf(tasks.reopen(alice, ws, task.id))).toBe("TASK_DELETED");
    await expect(tasks.cancel(alice, ws, task.id)).rejects.toBeInstanceOf(FailedPreconditionError);
  });

  it("check the etag", async () => {
    const { tasks, ws } = await setup();
    const task = await tasks.create(alice, ws, fields(), null);
    for (const op of [tasks.reopen, tasks.cancel, tasks.delete, tasks.undelete]) {
      await expect(op(alice, ws, task.id, '"7"')).rejects.toBeInstanceOf(EtagMismatchError);
    }
  });
});
