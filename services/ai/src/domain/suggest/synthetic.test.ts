import { describe, expect, it } from "vitest";
import { generateWorkspace, snapshotAt } from "./synthetic.js";
import { checkTasks } from "./validate.js";

describe("generateWorkspace", () => {
  const workspace = generateWorkspace({ tasks: 4000, seed: 21 });
  const { tasks, truth } = workspace;
  const share = (n: number) => n / tasks.length;

  it("is deterministic for a seed", () => {
    const small = generateWorkspace({ tasks: 300, seed: 4 });
    expect(generateWorkspace({ tasks: 300, seed: 4 })).toEqual(small);
    expect(generateWorkspace({ tasks: 300, seed: 5 }).tasks[0]?.title).not.toBe(
      small.tasks[0]?.title,
    );
  });

  it("produces valid tasks, oldest first, each with its ground truth", () => {
    expect(() => checkTasks(tasks, "tasks")).not.toThrow();
    expect(tasks).toHaveLength(4000);
    for (let i = 1; i < tasks.length; i++) {
      expect(
        (tasks[i] as { createTime: string }).createTime >=
          (tasks[i - 1] as { createTime: string }).createTime,
      ).toBe(true);
    }
    expect(Object.keys(truth)).toHaveLength(tasks.length);
    expect(workspace.projects).toHaveLength(8);
  });

  it("has noise: 10-15% filed against the habit, dropped labels, typos", () => {
    const misfiled = share(tasks.filter((t) => truth[t.id]?.misfiled).length);
    expect(misfiled).toBeGreaterThan(0.08);
    expect(misfiled).toBeLessThan(0.15);
    const labelsDiffer = share(
      tasks.filter((t) => t.labels.join() !== truth[t.id]?.labels.join()).length,
    );
    expect(labelsDiffer).toBeGreaterThan(0.05);
  });

  it("has near-duplicates, overdue tasks and long-stale open tasks", () => {
    const duplicates = tasks.filter((t) => truth[t.id]?.duplicateOf);
    expect(share(duplicates.length)).toBeGreaterThan(0.02);
    expect(duplicates.filter((t) => t.state === "CANCELLED").length).toBeGreaterThan(
      duplicates.length / 2,
    );
    const today = workspace.now.slice(0, 10);
    const open = tasks.filter((t) => t.state === "OPEN");
    expect(open.filter((t) => t.due !== null && t.due.date < today).length).toBeGreaterThan(20);
    const stale = open.filter(
      (t) => Date.parse(workspace.now) - Date.parse(t.updateTime) > 60 * 86_400_000,
    );
    expect(stale.length).toBeGreaterThan(20);
  });

  it("snapshots the workspace as it stood: later closings are still open", () => {
    const at = new Date(Date.parse(workspace.now) - 30 * 86_400_000);
    const past = snapshotAt(workspace, at);
    expect(past.length).toBeLessThan(tasks.length);
    for (const task of past) {
      expect(Date.parse(task.createTime)).toBeLessThanOrEqual(at.getTime());
      expect(Date.parse(task.updateTime)).toBeLessThanOrEqual(at.getTime());
      if (task.state !== "OPEN")
        expect(Date.parse(task.completeTime ?? task.updateTime)).toBeLessThanOrEqual(at.getTime());
    }
  });
});
