import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { TaskSearchService } from "@glidepath/contracts/ai/v1";
import { MemberService, ProjectService, Role, TaskService } from "@glidepath/contracts/core/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AiHarness, startAiHarness } from "./harness.js";
import { expectInvalidArgument, expectRpcError } from "./rpc-expect.js";

// 2026-11-27 is a Friday; the week is Monday 23rd - Sunday 29th.
const reference = { timeZone: "Europe/Berlin", referenceTime: "2026-11-27T09:00:00" };
const date = (day: string) => {
  const [year, month, d] = day.split("-").map(Number) as [number, number, number];
  return { date: { year, month, day: d } };
};

describe("TaskSearchService", () => {
  let h: AiHarness;
  let parent: string;
  let work: string;
  const titles = (tasks: { title: string }[]) => tasks.map((t) => t.title).sort();

  beforeAll(async () => {
    h = await startAiHarness();
    parent = `workspaces/${await h.workspace("alice")}`;
    const projects = await h.coreClient(ProjectService, "alice");
    await (await h.coreClient(MemberService, "alice")).createMember({
      parent,
      member: { user: "vera", role: Role.VIEWER },
    });
    work = (await projects.createProject({ parent, project: { displayName: "Work" } })).project
      ?.name as string;
    const tasks = await h.coreClient(TaskService, "alice");
    const make = (title: string, task: Record<string, unknown>) =>
      tasks.createTask({ parent, task: { title, ...task } });
    await make("Overdue urgent", { priority: 1, due: date("2026-11-20") });
    await make("Overdue normal", { priority: 3, due: date("2026-11-25") });
    await make("Future urgent", { priority: 1, due: date("2026-12-10") });
    await make("Report this week", { project: work, due: date("2026-11-28") });
    await make("Report next week", { project: work, due: date("2026-12-01") });
    await make("Home this week", { due: date("2026-11-29") });
    await make("Buy milk", { labels: ["errands"] });
    await make("Post parcel", { labels: ["errands", "post"] });
    const done = await make("Done errand", { labels: ["errands"], due: date("2026-11-26") });
    await tasks.completeTask({ name: done.task?.name ?? "" });
  });
  afterAll(() => h?.stop());

  it("ParseQuery returns the filter, order and terms, and runs nothing", async () => {
    const client = await h.client(TaskSearchService, "alice");
    const { query } = await client.parseQuery({
      parent,
      query: "what's due this week in #Work?",
      ...reference,
    });
    expect(query?.filter).toBe(
      `state = OPEN AND due >= "2026-11-23" AND due <= "2026-11-29" AND project = "${work}"`,
    );
    expect(query?.orderBy).toBe("due");
    expect(query?.terms.map((t) => t.text)).toEqual(["", "due this week", "#Work"]);
    expect(query?.confidence).toBeGreaterThan(0.8);
  });

  it.each([
    ["what's due this week in #Work?", ["Report this week"]],
    ["overdue p1 tasks", ["Overdue urgent"]],
    ["overdue", ["Overdue normal", "Overdue urgent"]],
    ["everything labelled @errands", ["Buy milk", "Post parcel"]],
    ["done tasks labelled @errands", ["Done errand"]],
    ["@errands in any state", ["Buy milk", "Done errand", "Post parcel"]],
    ["p1", ["Future urgent", "Overdue urgent"]],
    ["due this week", ["Home this week", "Overdue normal", "Report this week"]],
    ["tasks without a due date", ["Buy milk", "Post parcel"]],
    ["milk", ["Buy milk"]],
    ["#Work sorted by due date", ["Report next week", "Report this week"]],
  ])("SearchTasks %s", async (question, expected) => {
    const client = await h.client(TaskSearchService, "vera");
    const { tasks, query } = await client.searchTasks({ parent, query: question, ...reference });
    expect(titles(tasks), query?.filter).toEqual(expected);
  });

  it("orders as asked, and pages with core's page tokens", async () => {
    const client = await h.client(TaskSearchService, "alice");
    const question = { parent, query: "open tasks by priority", ...reference };
    const all = await client.searchTasks(question);
    expect(all.query?.orderBy).toBe("priority");
    expect(all.tasks[0]?.priority).toBe(1);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await client.searchTasks({ ...question, pageSize: 3, pageToken });
      expect(page.tasks.length).toBeLessThanOrEqual(3);
      seen.push(...page.tasks.map((t) => t.name));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(all.tasks.map((t) => t.name));
    await expectInvalidArgument(
      client.searchTasks({ ...question, pageToken: "bm90IGEgdG9rZW4" }),
      "page_token",
    );
  });

  it("reports what it could not apply", async () => {
    const client = await h.client(TaskSearchService, "alice");
    const { query, tasks } = await client.searchTasks({
      parent,
      query: "due this week in #Nowhere",
      ...reference,
    });
    expect(query?.notices).toEqual([
      'no project named "Nowhere" in this workspace: not filtered by it',
    ]);
    expect(titles(tasks)).toEqual(["Home this week", "Overdue normal", "Report this week"]);
  });

  it("refuses bad input with INVALID_ARGUMENT naming the field", async () => {
    const client = await h.client(TaskSearchService, "alice");
    const ok = { parent, query: "overdue", ...reference };
    for (const call of [client.parseQuery.bind(client), client.searchTasks.bind(client)]) {
      await expectInvalidArgument(call({ ...ok, query: "" }), "query");
      await expectInvalidArgument(call({ ...ok, query: "   " }), "query");
      await expectInvalidArgument(call({ ...ok, query: "a".repeat(2001) }), "query");
      await expectInvalidArgument(call({ ...ok, timeZone: "Mars/Olympus" }), "time_zone");
      await expectInvalidArgument(
        call({ ...ok, referenceTime: "2026-13-01T00:00" }),
        "reference_time",
      );
    }
    await expectInvalidArgument(client.searchTasks({ ...ok, pageSize: 5000 }), "page_size");
  });

  it("answers outsiders with PERMISSION_DENIED, whether the workspace exists or not", async () => {
    const outsider = await h.client(TaskSearchService, "mallory");
    const a = await expectRpcError(
      outsider.searchTasks({ parent, query: "overdue", ...reference }),
      Code.PermissionDenied,
    );
    const b = await expectRpcError(
      outsider.searchTasks({
        parent: `workspaces/${randomUUID()}`,
        query: "overdue",
        ...reference,
      }),
      Code.PermissionDenied,
    );
    expect(a.rawMessage).toBe(b.rawMessage);
  });
});
