import { describe, expect, it } from "vitest";
import { indexOpenTasks } from "./duplicates.js";
import { SuggestInputError } from "./errors.js";
import { suggestTaskChanges, suggestWorkspaceActions } from "./suggest.js";
import { generateWorkspace } from "./synthetic.js";
import { trainWorkspaceModel } from "./train.js";
import type { HistoryTask, Suggestion } from "./types.js";

const workspace = generateWorkspace({ tasks: 1500, seed: 11 });
const now = new Date(workspace.now);
const model = trainWorkspaceModel(workspace.tasks, { now, seed: 11 });
const names = Object.fromEntries(workspace.projects.map((p) => [p.id, p.name]));
const open = workspace.tasks.filter((t) => t.state === "OPEN");
const index = indexOpenTasks(open);
const today = workspace.now.slice(0, 10);

/** The workspace's tasks, each also as a bare inbox copy (no labels, duration or due date). */
const probes: HistoryTask[] = workspace.tasks
  .slice(-150)
  .flatMap((t) => [
    t,
    { ...t, projectId: null, labels: [], durationMinutes: null, due: null, priority: 4 },
  ]);

function alreadyHas(task: HistoryTask, s: Suggestion): boolean {
  const a = s.action;
  switch (a.kind) {
    case "move_to_project":
      return a.projectId === task.projectId;
    case "set_priority":
      return a.priority === task.priority;
    case "add_labels":
      return a.labels.some((l) => task.labels.includes(l));
    case "set_duration":
      return task.durationMinutes !== null;
    case "set_due":
      return task.due !== null;
    case "mark_duplicate":
      return a.duplicateOf === task.id;
    default:
      return true;
  }
}

describe("suggestTaskChanges", () => {
  it("never proposes what the task already has, nor triage", () => {
    let count = 0;
    for (const task of probes) {
      for (const s of suggestTaskChanges(model, task, index, {
        now,
        minConfidence: 0,
        limit: 20,
      })) {
        count++;
        expect(alreadyHas(task, s), JSON.stringify({ task, s })).toBe(false);
        expect(s.taskId).toBe(task.id);
      }
    }
    expect(count).toBeGreaterThan(500);
  });

  it("explains with the words and counts behind it, and carries the model version", () => {
    const task = probes.find((t) => t.projectId === null && /invoice/i.test(t.title));
    if (!task) throw new Error("no invoice task");
    const [top] = suggestTaskChanges(model, task, index, { now, projectNames: names });
    expect(top?.action.kind).toBe("move_to_project");
    expect(top?.explanation).toMatch(
      /^File in #Clients: \d+ of \d+ tasks with “[a-z ]+” were filed in #Clients/,
    );
    expect(top?.evidence.length).toBeGreaterThan(0);
    expect(top?.explanation).toContain(top?.evidence[0]);
    expect(top).toMatchObject({ modelVersion: model.version, caveat: null });
  });

  it("returns the best `limit` above `minConfidence`, best first", () => {
    for (const task of probes.slice(0, 40)) {
      const all = suggestTaskChanges(model, task, open, { now, minConfidence: 0, limit: 50 });
      const confidences = all.map((s) => s.confidence);
      expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
      const some = suggestTaskChanges(model, task, open, { now, minConfidence: 0.6, limit: 2 });
      expect(some).toEqual(all.filter((s) => s.confidence >= 0.6).slice(0, 2));
    }
  });

  it("finds the open task a near-duplicate copies", () => {
    const truthDuplicates = open.filter((t) => {
      const original = workspace.truth[t.id]?.duplicateOf;
      return original && open.some((o) => o.id === original);
    });
    expect(truthDuplicates.length).toBeGreaterThan(0);
    for (const task of truthDuplicates) {
      const found = suggestTaskChanges(model, task, index, {
        now,
        minConfidence: 0,
        limit: 20,
      }).find((s) => s.action.kind === "mark_duplicate");
      expect(found?.action).toEqual({
        kind: "mark_duplicate",
        duplicateOf: workspace.truth[task.id]?.duplicateOf,
      });
    }
  });

  it("refuses bad options", () => {
    const task = open[0] as HistoryTask;
    expect(() => suggestTaskChanges(model, task, open, { now, limit: 0 })).toThrow(
      SuggestInputError,
    );
    expect(() => suggestTaskChanges(model, task, open, { now, minConfidence: 2 })).toThrow(
      SuggestInputError,
    );
    expect(() =>
      suggestTaskChanges(model, { ...task, priority: 0 as never }, open, { now }),
    ).toThrow(expect.objectContaining({ field: "task.priority" }));
  });
});

describe("suggestWorkspaceActions", () => {
  const triage = suggestWorkspaceActions(model, workspace.tasks, {
    now,
    minConfidence: 0,
    limit: 10_000,
    projectNames: names,
  });
  const byId = new Map(workspace.tasks.map((t) => [t.id, t]));

  it("reschedules only overdue open tasks, to a day after today", () => {
    const rescheduled = triage.filter((s) => s.action.kind === "reschedule");
    expect(rescheduled.length).toBeGreaterThan(0);
    for (const s of rescheduled) {
      const task = byId.get(s.taskId);
      expect(task?.state).toBe("OPEN");
      expect((task?.due?.date ?? "") < today).toBe(true);
      if (s.action.kind === "reschedule") expect(s.action.due.date > today).toBe(true);
      expect(s.explanation).toMatch(/^Move it to \w{3} \d{4}-\d\d-\d\d: overdue by \d+ days?/);
    }
  });

  it("cancels only open tasks untouched for a month", () => {
    const cancelled = triage.filter((s) => s.action.kind === "cancel");
    expect(cancelled.length).toBeGreaterThan(0);
    for (const s of cancelled) {
      const task = byId.get(s.taskId) as HistoryTask;
      expect(task.state).toBe("OPEN");
      expect(now.getTime() - Date.parse(task.updateTime)).toBeGreaterThanOrEqual(30 * 86_400_000);
      expect(s.explanation).toMatch(/^Cancel it: open \d+ days, last changed \d+ days ago/);
    }
  });

  it("gives each task at most one triage, and marks the newer twin as the duplicate", () => {
    const triaged = triage.filter((s) => s.action.kind !== "mark_duplicate").map((s) => s.taskId);
    expect(new Set(triaged).size).toBe(triaged.length);
    for (const s of triage) {
      if (s.action.kind !== "mark_duplicate") continue;
      const task = byId.get(s.taskId) as HistoryTask;
      const original = byId.get(s.action.duplicateOf) as HistoryTask;
      expect(original.state).toBe("OPEN");
      expect(Date.parse(original.createTime)).toBeLessThanOrEqual(Date.parse(task.createTime));
    }
  });

  it("leaves fresh tasks alone", () => {
    for (const s of triage.filter((x) => x.action.kind !== "mark_duplicate")) {
      const task = byId.get(s.taskId) as HistoryTask;
      const overdue = task.due !== null && task.due.date < today;
      expect(overdue || now.getTime() - Date.parse(task.createTime) >= 30 * 86_400_000).toBe(true);
    }
  });
});
