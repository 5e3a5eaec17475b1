import { describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError } from "../domain/errors.js";
import { QuickAddInputError } from "../domain/quick-add/index.js";
import { generateWorkspace } from "../domain/suggest/index.js";
import { createModelUseCases } from "./models.js";
import {
  caller,
  createFakeCore,
  createFakeModelRepository,
  historyTask,
} from "./testing/in-memory.js";

const clock = { now: () => new Date("2025-06-02T09:00:00Z") };

function setup(tasks = generateWorkspace({ tasks: 200, seed: 7 }).tasks, versionsKept = 10) {
  const core = createFakeCore({ tasks });
  const repo = createFakeModelRepository();
  const models = createModelUseCases({
    core: core.gateway,
    repository: repo.repository,
    clock,
    cacheSize: 10,
    versionsKept,
  });
  return { core, repo, models };
}

describe("models", () => {
  it("trains from the whole history (deleted tasks included) and numbers versions", async () => {
    const { core, models } = setup();
    const first = await models.train(caller(), { timeZone: "Europe/Berlin" });
    expect(first).toMatchObject({
      version: 1,
      exampleCount: 200,
      timeZone: "Europe/Berlin",
      trainedBy: "alice",
    });
    expect(first.modelVersion).toMatch(/^suggest\/1-[0-9a-f]{12}$/);
    expect(first.reports.length).toBeGreaterThan(0);
    expect(core.calls).toEqual(["readTasks:"]);
    const second = await models.train(caller(), {});
    expect(second.version).toBe(2);
    expect(second.timeZone).toBe("UTC");
  });

  it("says so when there is no history, and caps every kind", async () => {
    const { models } = setup([]);
    const record = await models.train(caller(), {});
    expect(record.exampleCount).toBe(0);
    expect(record.historyNote).toMatch(/No task history/);
    expect(record.reports.every((r) => r.status !== "calibrated")).toBe(true);
  });

  it("returns the same model for a retried request id", async () => {
    const { models, repo } = setup();
    const a = await models.train(caller(), { requestId: "r1" });
    const b = await models.train(caller(), { requestId: "r1" });
    expect(b.version).toBe(a.version);
    expect(repo.inserts()).toBe(1);
    const other = await models.train(caller("ws-1", "bob"), { requestId: "r1" });
    expect(other.version).toBe(2);
  });

  it("refuses an unknown time zone before reading the history", async () => {
    const { core, models } = setup();
    await expect(models.train(caller(), { timeZone: "Nowhere/City" })).rejects.toBeInstanceOf(
      QuickAddInputError,
    );
    expect(core.calls).toEqual([]);
  });

  it("trains a workspace's first model once, however many ask at once", async () => {
    const { core, models, repo } = setup();
    const [a, b, c] = await Promise.all([
      models.current(caller()),
      models.current(caller()),
      models.current(caller()),
    ]);
    expect(repo.inserts()).toBe(1);
    expect(a.record.version).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(core.calls).toEqual(["readTasks:"]);
  });

  it("serves the cached model until a newer version exists, here or in another replica", async () => {
    const { models, repo } = setup();
    const trained = await models.train(caller(), {});
    const a = await models.current(caller());
    const b = await models.current(caller());
    expect(a.record.version).toBe(trained.version);
    expect(b.model).toBe(a.model); // deserialised once
    const retrained = await models.train(caller(), {});
    expect((await models.current(caller())).record.version).toBe(retrained.version);
    // Another replica trains version 3: this one notices on its next call.
    const payload = repo.rows.find((r) => r.version === 2)?.payload ?? "";
    await repo.repository.insert(
      { ...retrained, payload, requestId: null, historyNote: retrained.historyNote },
      10,
    );
    expect((await models.current(caller())).record.version).toBe(3);
  });

  it("keeps only the newest versions", async () => {
    const { models } = setup(generateWorkspace({ tasks: 40, seed: 1 }).tasks, 2);
    for (let i = 0; i < 4; i++) await models.train(caller(), {});
    const page = await models.list(caller(), { pageSize: 10, pageToken: "" });
    expect(page.models.map((m) => m.version)).toEqual([4, 3]);
    await expect(models.get(caller(), 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("pages newest first with tokens bound to the workspace", async () => {
    const { models } = setup([historyTask()]);
    for (let i = 0; i < 5; i++) await models.train(caller(), {});
    const first = await models.list(caller(), { pageSize: 2, pageToken: "" });
    expect(first.models.map((m) => m.version)).toEqual([5, 4]);
    const second = await models.list(caller(), { pageSize: 2, pageToken: first.nextPageToken });
    expect(second.models.map((m) => m.version)).toEqual([3, 2]);
    const last = await models.list(caller(), { pageSize: 2, pageToken: second.nextPageToken });
    expect(last.models.map((m) => m.version)).toEqual([1]);
    expect(last.nextPageToken).toBe("");
    await expect(
      models.list(caller("ws-2"), { pageSize: 2, pageToken: first.nextPageToken }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(models.list(caller(), { pageSize: 2, pageToken: "%%%" })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});
