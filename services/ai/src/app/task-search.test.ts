import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../domain/errors.js";
import { createTaskSearchUseCases } from "./task-search.js";
import { caller, createFakeCore, historyTask } from "./testing/in-memory.js";

const question = (text: string) => ({
  text,
  timeZone: "UTC",
  referenceTime: "2026-11-27T09:00:00",
});

describe("task search", () => {
  it("asks core for projects only when the question may name one", async () => {
    const core = createFakeCore({ projects: [{ id: "w", displayName: "Work", archived: false }] });
    const uc = createTaskSearchUseCases({ core: core.gateway });
    const plain = await uc.parseQuery(caller("ws"), question("overdue p1 tasks"));
    expect(plain.filter).toBe('state = OPEN AND due < "2026-11-27" AND priority = 1');
    expect(core.calls).toEqual([]);
    const named = await uc.parseQuery(caller("ws"), question("due today in #Work"));
    expect(named.filter).toBe(
      'state = OPEN AND due = "2026-11-27" AND project = "workspaces/ws/projects/w"',
    );
    expect(core.calls).toEqual(["listProjects"]);
  });

  it("runs the query it read, with the caller's page", async () => {
    const core = createFakeCore({ tasks: [historyTask({ title: "Buy milk" })] });
    const { query, page } = await createTaskSearchUseCases({ core: core.gateway }).search(
      caller(),
      question("@errands"),
      { pageSize: 10, pageToken: "abc" },
    );
    expect(core.listed).toEqual([
      { filter: query.filter, orderBy: "due", pageSize: 10, pageToken: "abc" },
    ]);
    expect(page.tasks.map((t) => t.title)).toEqual(["Buy milk"]);
  });

  it("refuses an empty question without asking core", async () => {
    const core = createFakeCore();
    await expect(
      createTaskSearchUseCases({ core: core.gateway }).search(caller(), question("  "), {
        pageSize: 0,
        pageToken: "",
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(core.calls).toEqual([]);
  });
});
