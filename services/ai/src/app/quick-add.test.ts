import { describe, expect, it } from "vitest";
import { QuickAddInputError } from "../domain/quick-add/index.js";
import { createQuickAddUseCases } from "./quick-add.js";
import { caller, createFakeCore } from "./testing/in-memory.js";

const sentence = (text: string) => ({
  text,
  timeZone: "Europe/Berlin",
  referenceTime: "2026-11-27T09:00:00",
});

describe("quick add", () => {
  it("parses without asking core when the sentence names no project", async () => {
    const core = createFakeCore();
    const parsed = await createQuickAddUseCases({ core: core.gateway }).parse(
      caller(),
      sentence("Pay rent tomorrow p1 @bills"),
    );
    expect(parsed.draft).toMatchObject({ title: "Pay rent", priority: 1, labels: ["bills"] });
    expect(parsed.projectResolution).toBe("NONE");
    expect(parsed.parserVersion).toBe("quick-add/1");
    expect(core.calls).toEqual([]);
  });

  it("matches #Project to the workspace's projects", async () => {
    const core = createFakeCore({ projects: [{ id: "p1", displayName: "Home", archived: false }] });
    const uc = createQuickAddUseCases({ core: core.gateway });
    const parsed = await uc.parse(caller(), sentence("Fix sink #home"));
    expect(parsed).toMatchObject({ projectResolution: "MATCHED", projectId: "p1" });
    const missing = await uc.parse(caller(), sentence("Fix sink #garden"));
    expect(missing).toMatchObject({ projectResolution: "NOT_FOUND", projectId: null });
  });

  it("creates the task with its source, project and request id", async () => {
    const core = createFakeCore({ projects: [{ id: "p1", displayName: "Home", archived: false }] });
    const { task, parsed } = await createQuickAddUseCases({ core: core.gateway }).create(
      caller(),
      sentence("Water plants every friday at 5pm #Home for 15 min"),
      "req-1",
    );
    expect(task.title).toBe("Water plants");
    expect(parsed.projectId).toBe("p1");
    expect(core.created).toEqual([
      {
        requestId: "req-1",
        task: {
          title: "Water plants",
          priority: 4,
          due: { date: "2026-11-27", time: "17:00", timeZone: "Europe/Berlin" },
          recurrence: "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR",
          labels: [],
          projectId: "p1",
          durationMinutes: 15,
          source: {
            text: "Water plants every friday at 5pm #Home for 15 min",
            referenceTime: "2026-11-27T09:00:00",
            timeZone: "Europe/Berlin",
            parserVersion: "quick-add/1",
          },
        },
      },
    ]);
  });

  it("refuses bad input before core is asked anything", async () => {
    const core = createFakeCore();
    const uc = createQuickAddUseCases({ core: core.gateway });
    await expect(
      uc.create(caller(), { ...sentence("x #Home"), timeZone: "Mars/Base" }, undefined),
    ).rejects.toBeInstanceOf(QuickAddInputError);
    await expect(uc.create(caller(), sentence("tomorrow p1 #Home"), undefined)).rejects.toThrow(
      /no title/,
    );
    // #Home matched nothing: asked once more (fresh) before the draft was refused.
    expect(core.calls).toEqual(["listProjects", "listProjects"]);
    expect(core.created).toEqual([]);
  });
});
