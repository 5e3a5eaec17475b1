import { describe, expect, it } from "vitest";
import type { Actor } from "./actor.js";
import {
  EtagMismatchError,
  FailedPreconditionError,
  InvalidInputError,
  type Violation,
} from "./errors.js";
import {
  cancelTask,
  checkEtag,
  checkTaskFields,
  completeTask,
  deleteTask,
  dueInstant,
  newTask,
  removeFromDeletedProject,
  reopenTask,
  type Task,
  type TaskFields,
  taskEtag,
  taskLimits,
  undeleteTask,
  updateTask,
} from "./task.js";

const alice: Actor = { kind: "USER", user: "alice" };
const assistant: Actor = { kind: "AI", user: "alice", service: "ai" };
const t0 = new Date("2024-03-01T10:00:00Z");
const t1 = new Date("2024-03-02T10:00:00Z");
const workspaceId = "0190a000-0000-7000-8000-000000000001";
const taskId = "0190a000-0000-7000-8000-000000000002";
const projectId = "0190a000-0000-7000-8000-000000000003";

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

const task = (overrides: Partial<TaskFields> = {}, state: Partial<Task> = {}): Task => ({
  ...newTask({ workspaceId, id: taskId, now: t0, actor: alice, source: null }, fields(overrides)),
  ...state,
});

function violationsOf(fn: () => unknown): Violation[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).violations;
  }
  throw new Error("expected an InvalidInputError");
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FailedPreconditionError);
    return (e as FailedPreconditionError).reason;
  }
  throw new Error("expected a FailedPreconditionError");
}

describe("checkTaskFields", () => {
  it("trims the title and leaves notes as written", () => {
    expect(
      checkTaskFields({ title: "  Buy milk \t", notes: "  line 1\n\tline 2\r\n" }, "task"),
    ).toEqual({
      title: "Buy milk",
      notes: "  line 1\n\tline 2\r\n",
    });
  });

  it("leaves fields that aren't given alone", () => {
    expect(checkTaskFields({}, "task")).toEqual({});
    expect(checkTaskFields({ priority: 2 }, "task")).toEqual({ priority: 2 });
  });

  it.each([
    ["", "must not be empty"],
    ["   ", "must not be empty"],
    ["a".repeat(taskLimits.title + 1), `must be at most ${taskLimits.title} characters`],
    ["Buy\nmilk", "must not contain control characters"],
    ["Buy\u0000milk", "must not contain control characters"],
    ["Buy\u007fmilk", "must not contain control characters"],
  ])("rejects the title %j: %s", (title, description) => {
    expect(violationsOf(() => checkTaskFields({ title }, "task"))).toEqual([
      { field: "task.title", description },
    ]);
  });

  it("takes a title of exactly the limit, counted after trimming", () => {
    const title = "a".repeat(taskLimits.title);
    expect(checkTaskFields({ title: ` ${title} ` }, "task").title).toBe(title);
  });

  it.each([
    ["x".repeat(taskLimits.notes + 1), `must be at most ${taskLimits.notes} characters`],
    ["bell\u0007", "must not contain control characters"],
    ["escape\u001b[31m", "must not contain control characters"],
    ["form\u000cfeed", "must not contain control characters"],
  ])("rejects notes %#: %s", (notes, description) => {
    expect(violationsOf(() => checkTaskFields({ notes }, "task"))).toEqual([
      { field: "task.notes", description },
    ]);
  });

  it("trims, de-duplicates and sorts labels", () => {
    expect(
      checkTaskFields({ labels: [" work", "home", "work ", "errands"] }, "task").labels,
    ).toEqual(["errands", "home", "work"]);
    expect(checkTaskFields({ labels: ["ünïcødé", "日本"] }, "task").labels).toEqual([
      "ünïcødé",
      "日本",
    ]);
  });

  it("allows 20 labels, counted after de-duplication", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `l${i}`);
    expect(checkTaskFields({ labels: [...twenty, ...twenty] }, "task").labels).toHaveLength(20);
    expect(
      violationsOf(() => checkTaskFields({ labels: [...twenty, "one-more"] }, "task")),
    ).toEqual([{ field: "task.labels", description: "at most 20 labels" }]);
  });

  it.each([
    ["has space"],
    ["@mention"],
    ["#hash"],
    ["a,b"],
    [""],
    ["   "],
    ["x".repeat(65)],
    ["tab\there"],
    ["nul\u0000"],
  ])("rejects the label %j, naming its index", (bad) => {
    expect(violationsOf(() => checkTaskFields({ labels: ["a", bad] }, "task"))).toEqual([
      { field: "task.labels[1]", description: "must be 1-64 characters without spaces, @, # or ," },
    ]);
  });

  it("normalises the recurrence rule and names the field with the prefix", () => {
    expect(checkTaskFields({ recurrence: "rrule:freq=weekly;byday=mo" }, "task").recurrence).toBe(
      "FREQ=WEEKLY;BYDAY=MO",
    );
    expect(violationsOf(() => checkTaskFields({ recurrence: "FREQ=HOURLY" }, "req.task"))).toEqual([
      { field: "req.task.recurrence", description: expect.stringContaining("FREQ") },
    ]);
    expect(checkTaskFields({ recurrence: null }, "task").recurrence).toBeNull();
  });

  it.each([1, 90, 43_200])("accepts a duration of %i minutes", (durationMinutes) => {
    expect(checkTaskFields({ durationMinutes }, "task").durationMinutes).toBe(durationMinutes);
  });

  it.each([0, -5, 43_201, 1.5, Number.NaN])(
    "rejects a duration of %d minutes",
    (durationMinutes) => {
      expect(violationsOf(() => checkTaskFields({ durationMinutes }, "task"))).toEqual([
        { field: "task.duration", description: "must be whole minutes, from 1 minute to 30 days" },
      ]);
    },
  );

  it("takes a cleared duration", () => {
    expect(checkTaskFields({ durationMinutes: null }, "task")).toEqual({ durationMinutes: null });
  });

  it("doesn't change the object it was given", () => {
    const input = { title: " x ", labels: ["b", "a"] };
    checkTaskFields(input, "task");
    expect(input).toEqual({ title: " x ", labels: ["b", "a"] });
  });
});

describe("newTask", () => {
  it("starts open at version 1 with the server's fields", () => {
    const created = newTask(
      { workspaceId, id: taskId, now: t0, actor: assistant, source: null },
      fields({ title: " Buy milk ", labels: ["b", "a"], priority: 2, projectId, assignee: "bob" }),
    );
    expect(created).toEqual({
      workspaceId,
      id: taskId,
      title: "Buy milk",
      notes: "",
      state: "OPEN",
      priority: 2,
      due: null,
      recurrence: null,
      labels: ["a", "b"],
      projectId,
      durationMinutes: null,
      assignee: "bob",
      provenance: assistant,
      source: null,
      createTime: t0,
      updateTime: t0,
      completeTime: null,
      deleteTime: null,
      completionCount: 0,
      version: 1,
    });
    expect(taskEtag(created)).toBe('"1"');
  });

  it("keeps the source sentence", () => {
    const source = {
      text: "buy milk tomorrow",
      referenceTime: "2024-03-01T10:00:00Z",
      timeZone: "Europe/Berlin",
      parserVersion: "1",
    };
    expect(
      newTask({ workspaceId, id: taskId, now: t0, actor: assistant, source }, fields()).source,
    ).toEqual(source);
  });

  it("limits the source sentence", () => {
    const source = {
      text: "x".repeat(taskLimits.sourceText + 1),
      referenceTime: "",
      timeZone: "",
      parserVersion: "",
    };
    expect(
      violationsOf(() =>
        newTask({ workspaceId, id: taskId, now: t0, actor: assistant, source }, fields()),
      ),
    ).toEqual([{ field: "task.source.text", description: "must be at most 2000 characters" }]);
  });

  it("needs a due date for a recurring task", () => {
    expect(violationsOf(() => task({ recurrence: "FREQ=DAILY" }))).toEqual([
      { field: "task.recurrence", description: "a recurring task needs a due date" },
    ]);
    expect(task({ recurrence: "freq=daily", due: { date: "2024-03-01" } }).recurrence).toBe(
      "FREQ=DAILY",
    );
  });

  it("reports the first broken field", () => {
    expect(violationsOf(() => task({ title: "", durationMinutes: 0 }))).toEqual([
      { field: "task.title", description: "must not be empty" },
    ]);
  });
});

describe("checkEtag", () => {
  it("passes with no etag or the current one", () => {
    expect(() => checkEtag({ version: 3 }, undefined)).not.toThrow();
    expect(() => checkEtag({ version: 3 }, "")).not.toThrow();
    expect(() => checkEtag({ version: 3 }, '"3"')).not.toThrow();
  });

  it.each(['"2"', "3", '"4"', 'W/"3"', "*"])("refuses %s for version 3", (etag) => {
    expect(() => checkEtag({ version: 3 }, etag)).toThrow(EtagMismatchError);
  });

  it("has a stable reason", () => {
    expect(new EtagMismatchError().reason).toBe("ETAG_MISMATCH");
  });
});

describe("updateTask", () => {
  it("applies the checked patch, bumps the version and records who changed it", () => {
    const updated = updateTask(
      task(),
      { title: " Buy oat milk ", labels: ["x", "x"] },
      t1,
      assistant,
    );
    expect(updated).toMatchObject({
      title: "Buy oat milk",
      labels: ["x"],
      version: 2,
      createTime: t0,
      updateTime: t1,
      provenance: assistant,
    });
  });

  it("refuses a deleted task", () => {
    expect(
      reasonOf(() => updateTask(task({}, { deleteTime: t0 }), { title: "x" }, t1, alice)),
    ).toBe("TASK_DELETED");
  });

  it("checks the patch", () => {
    expect(violationsOf(() => updateTask(task(), { title: "" }, t1, alice))).toEqual([
      { field: "task.title", description: "must not be empty" },
    ]);
  });

  it("keeps a recurring task's due date", () => {
    const recurring = task({ due: { date: "2024-03-01" }, recurrence: "FREQ=DAILY" });
    expect(violationsOf(() => updateTask(recurring, { due: null }, t1, alice))).toEqual([
      { field: "task.recurrence", description: "a recurring task needs a due date" },
    ]);
    expect(violationsOf(() => updateTask(task(), { recurrence: "FREQ=DAILY" }, t1, alice))).toEqual(
      [{ field: "task.recurrence", description: "a recurring task needs a due date" }],
    );
    const cleared = updateTask(recurring, { due: null, recurrence: null }, t1, alice);
    expect(cleared).toMatchObject({ due: null, recurrence: null, version: 2 });
  });

  it("doesn't change the task it was given", () => {
    const original = task();
    const copy = structuredClone(original);
    updateTask(original, { title: "other" }, t1, alice);
    expect(original).toEqual(copy);
  });
});

describe("completeTask", () => {
  it("completes a one-off task", () => {
    const outcome = completeTask(task(), t1, assistant);
    expect(outcome.kind).toBe("COMPLETED");
    expect(outcome.task).toMatchObject({
      state: "DONE",
      completeTime: t1,
      completionCount: 1,
      version: 2,
      updateTime: t1,
      provenance: assistant,
    });
  });

  it("moves a recurring task to its next occurrence and keeps it open", () => {
    const recurring = task({
      due: { date: "2024-03-08", time: "09:00:00", timeZone: "Europe/Berlin" },
      recurrence: "FREQ=WEEKLY;BYDAY=MO,FR",
    });
    const first = completeTask(recurring, t1, alice);
    expect(first.kind).toBe("ADVANCED");
    expect(first.task).toMatchObject({
      state: "OPEN",
      due: { date: "2024-03-11", time: "09:00:00", timeZone: "Europe/Berlin" },
      completeTime: t1,
      completionCount: 1,
      version: 2,
    });
    const second = completeTask(first.task, t1, alice);
    expect(second.task.due).toEqual({
      date: "2024-03-15",
      time: "09:00:00",
      timeZone: "Europe/Berlin",
    });
    expect(second.task.completionCount).toBe(2);
  });

  it("finishes a recurring task after its last occurrence", () => {
    let current = task({ due: { date: "2024-03-01" }, recurrence: "FREQ=DAILY;COUNT=3" });
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = completeTask(current, t1, alice);
      kinds.push(outcome.kind);
      current = outcome.task;
    }
    expect(kinds).toEqual(["ADVANCED", "ADVANCED", "COMPLETED"]);
    expect(current).toMatchObject({
      state: "DONE",
      due: { date: "2024-03-03" },
      completionCount: 3,
    });
    expect(reasonOf(() => completeTask(current, t1, alice))).toBe("TASK_NOT_OPEN");
  });

  it.each([
    ["DONE", "the task is done"],
    ["CANCELLED", "the task is cancelled"],
  ] as const)("refuses a %s task", (state, message) => {
    expect(() => completeTask(task({}, { state }), t1, alice)).toThrow(message);
    expect(reasonOf(() => completeTask(task({}, { state }), t1, alice))).toBe("TASK_NOT_OPEN");
  });

  it("refuses a deleted task", () => {
    expect(reasonOf(() => completeTask(task({}, { deleteTime: t0 }), t1, alice))).toBe(
      "TASK_DELETED",
    );
  });
});

describe("reopenTask", () => {
  it.each(["DONE", "CANCELLED"] as const)("reopens a %s task", (state) => {
    const reopened = reopenTask(task({}, { state, version: 4 }), t1, assistant);
    expect(reopened).toMatchObject({
      state: "OPEN",
      version: 5,
      updateTime: t1,
      provenance: assistant,
    });
  });

  it("leaves an open task as it is (the same object: nothing to write)", () => {
    const open = task();
    expect(reopenTask(open, t1, alice)).toBe(open);
  });

  it("refuses a deleted task", () => {
    expect(reasonOf(() => reopenTask(task({}, { state: "DONE", deleteTime: t0 }), t1, alice))).toBe(
      "TASK_DELETED",
    );
  });
});

describe("cancelTask", () => {
  it("cancels an open task", () => {
    expect(cancelTask(task(), t1, alice)).toMatchObject({ state: "CANCELLED", version: 2 });
  });

  it("leaves a cancelled task as it is", () => {
    const cancelled = task({}, { state: "CANCELLED" });
    expect(cancelTask(cancelled, t1, alice)).toBe(cancelled);
  });

  it("refuses a done task", () => {
    expect(reasonOf(() => cancelTask(task({}, { state: "DONE" }), t1, alice))).toBe(
      "TASK_NOT_OPEN",
    );
  });

  it("refuses a deleted task", () => {
    expect(reasonOf(() => cancelTask(task({}, { deleteTime: t0 }), t1, alice))).toBe(
      "TASK_DELETED",
    );
  });
});

describe("deleteTask and undeleteTask", () => {
  it("soft-deletes and restores, each a new version", () => {
    const deleted = deleteTask(task(), t1, assistant);
    expect(deleted).toMatchObject({ deleteTime: t1, version: 2, provenance: assistant });
    const restored = undeleteTask(deleted, t1, alice);
    expect(restored).toMatchObject({ deleteTime: null, version: 3, provenance: alice });
  });

  it("deleting twice or restoring a live task changes nothing", () => {
    const deleted = task({}, { deleteTime: t0 });
    expect(deleteTask(deleted, t1, alice)).toBe(deleted);
    const live = task();
    expect(undeleteTask(live, t1, alice)).toBe(live);
  });

  it("deletes tasks in any state", () => {
    expect(deleteTask(task({}, { state: "DONE" }), t1, alice).deleteTime).toEqual(t1);
    expect(deleteTask(task({}, { state: "CANCELLED" }), t1, alice).deleteTime).toEqual(t1);
  });
});

describe("removeFromDeletedProject", () => {
  it("deletes a live task and takes it out of the project", () => {
    const outcome = removeFromDeletedProject(task({ projectId }), t1, alice);
    expect(outcome.kind).toBe("DELETED");
    expect(outcome.task).toMatchObject({ projectId: null, deleteTime: t1, version: 2 });
  });

  it("only moves an already deleted task, keeping when it was deleted", () => {
    const outcome = removeFromDeletedProject(task({ projectId }, { deleteTime: t0 }), t1, alice);
    expect(outcome.kind).toBe("UPDATED");
    expect(outcome.task).toMatchObject({ projectId: null, deleteTime: t0, version: 2 });
  });
});

describe("dueInstant (re-exported)", () => {
  it("is the instant of a timed due date", () => {
    expect(
      dueInstant({
        date: "2024-03-01",
        time: "09:00:00",
        timeZone: "Europe/Berlin",
      })?.toISOString(),
    ).toBe("2024-03-01T08:00:00.000Z");
  });
});
