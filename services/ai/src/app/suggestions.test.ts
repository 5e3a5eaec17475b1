import { describe, expect, it } from "vitest";
import { NotFoundError } from "../domain/errors.js";
import { generateWorkspace } from "../domain/suggest/index.js";
import { createModelUseCases } from "./models.js";
import { createSuggestionUseCases } from "./suggestions.js";
import {
  caller,
  createFakeCore,
  createFakeModelRepository,
  historyTask,
} from "./testing/in-memory.js";

const now = new Date("2025-06-02T09:00:00Z");
const clock = { now: () => now };

function setup(snapshotTtlMs = 60_000) {
  const workspace = generateWorkspace({ tasks: 300, seed: 3, now });
  const twin = historyTask({
    id: "twin-a",
    title: "Renew the passport photos",
    createTime: "2025-05-30T09:00:00.000Z",
  });
  const twin2 = historyTask({
    id: "twin-b",
    title: "Renew passport photos",
    createTime: "2025-06-01T09:00:00.000Z",
  });
  const core = createFakeCore({
    tasks: [...workspace.tasks, twin, twin2],
    projects: workspace.projects.map((p) => ({ id: p.id, displayName: p.name, archived: false })),
  });
  const repo = createFakeModelRepository();
  const models = createModelUseCases({
    core: core.gateway,
    repository: repo.repository,
    clock,
    cacheSize: 10,
    versionsKept: 10,
  });
  const suggestions = createSuggestionUseCases({
    core: core.gateway,
    models,
    clock,
    snapshotTtlMs,
    snapshotCacheSize: 10,
  });
  return { core, repo, suggestions, workspace };
}

describe("suggestions", () => {
  it("trains nothing for a task that doesn't exist", async () => {
    const { suggestions, repo, core } = setup();
    await expect(suggestions.forTask(caller(), "nope", { limit: 5 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(repo.inserts()).toBe(0);
    // The open tasks may have been read alongside; the history (for training) was not.
    expect(core.calls).toContain("getTask");
    expect(core.calls).not.toContain("readTasks:");
  });

  it("suggests changes to a task from the workspace's first model, with the task's etag", async () => {
    const { suggestions, repo, workspace } = setup();
    const open = workspace.tasks.filter((t) => t.state === "OPEN").slice(-40);
    let found = 0;
    for (const task of open) {
      const result = await suggestions.forTask(caller(), task.id, { limit: 3 });
      expect(result.current.record.version).toBe(1);
      expect(result.suggestions.length).toBeLessThanOrEqual(3);
      for (const s of result.suggestions) {
        found++;
        expect(s.taskId).toBe(task.id);
        expect(s.confidence).toBeGreaterThanOrEqual(0);
        expect(s.confidence).toBeLessThanOrEqual(1);
        expect(s.modelVersion).toBe(result.current.model.version);
        expect(result.etags.get(s.taskId)).toBe(`"${task.updateTime}"`);
      }
    }
    expect(found).toBeGreaterThan(0);
    expect(repo.inserts()).toBe(1);
  });

  it("triages the workspace from its open tasks", async () => {
    const { suggestions } = setup();
    const result = await suggestions.forWorkspace(caller(), { limit: 20 });
    expect(result.suggestions.length).toBeGreaterThan(0);
    expect(result.suggestions.length).toBeLessThanOrEqual(20);
    const kinds = new Set(result.suggestions.map((s) => s.action.kind));
    for (const kind of kinds) expect(["reschedule", "cancel", "mark_duplicate"]).toContain(kind);
  });

  it("reuses a workspace's open tasks for a while, and reads them again after", async () => {
    const cached = setup(60_000);
    await cached.suggestions.forWorkspace(caller(), { limit: 5 });
    await cached.suggestions.forWorkspace(caller(), { limit: 5 });
    expect(cached.core.calls.filter((c) => c === "readTasks:state = OPEN")).toHaveLength(1);
    const uncached = setup(0);
    await uncached.suggestions.forWorkspace(caller(), { limit: 5 });
    await uncached.suggestions.forWorkspace(caller(), { limit: 5 });
    expect(uncached.core.calls.filter((c) => c === "readTasks:state = OPEN")).toHaveLength(2);
  });
});
