import { describe, expect, it } from "vitest";
import { withProjectCache } from "./project-cache.js";
import { createQuickAddUseCases } from "./quick-add.js";
import { caller, createFakeCore } from "./testing/in-memory.js";

describe("project cache", () => {
  it("reuses a workspace's projects for a while, per workspace, unless asked for fresh ones", async () => {
    const core = createFakeCore({ projects: [{ id: "p", displayName: "Home", archived: false }] });
    const cached = withProjectCache(core.gateway, { ttlMs: 60_000, max: 10 });
    await cached.listProjects(caller("a"));
    await cached.listProjects(caller("a"));
    expect(core.calls).toEqual(["listProjects"]);
    await cached.listProjects(caller("b"));
    await cached.listProjects(caller("a"), { fresh: true });
    expect(core.calls).toEqual(["listProjects", "listProjects", "listProjects"]);
    expect(withProjectCache(core.gateway, { ttlMs: 0, max: 10 })).toBe(core.gateway);
  });

  it("does not keep a failed read", async () => {
    const core = createFakeCore();
    let fail = true;
    const flaky = {
      ...core.gateway,
      listProjects: async () => {
        if (fail) throw new Error("core is down");
        return [];
      },
    };
    const cached = withProjectCache(flaky, { ttlMs: 60_000, max: 10 });
    await expect(cached.listProjects(caller())).rejects.toThrow("core is down");
    fail = false;
    await expect(cached.listProjects(caller())).resolves.toEqual([]);
  });

  it("lets CreateTaskFromText find a project created a moment ago", async () => {
    const core = createFakeCore({ projects: [] });
    const cached = withProjectCache(core.gateway, { ttlMs: 60_000, max: 10 });
    const uc = createQuickAddUseCases({ core: cached });
    const sentence = {
      text: "Fix sink #Home",
      timeZone: "UTC",
      referenceTime: "2026-11-27T09:00:00",
    };
    expect((await uc.parse(caller(), sentence)).projectResolution).toBe("NOT_FOUND");
    core.projects.push({ id: "p", displayName: "Home", archived: false });
    // ParseTask may answer from the cache; a create asks core again before using the inbox.
    expect((await uc.parse(caller(), sentence)).projectResolution).toBe("NOT_FOUND");
    const { parsed } = await uc.create(caller(), sentence, undefined);
    expect(parsed).toMatchObject({ projectResolution: "MATCHED", projectId: "p" });
  });
});
