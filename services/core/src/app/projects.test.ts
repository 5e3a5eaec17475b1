import { describe, expect, it } from "vitest";
import { EtagMismatchError, NotFoundError } from "../domain/errors.js";
import type { Project } from "../domain/project.js";
import type { TaskFields } from "../domain/task.js";
import type { Caller } from "./caller.js";
import { createProjectUseCases } from "./projects.js";
import { createTaskUseCases } from "./tasks.js";
import {
  createInMemoryUnitOfWork,
  createSequentialIds,
  createTestClock,
  type InMemoryHooks,
} from "./testing/in-memory.js";
import { createWorkspaceUseCases } from "./workspaces.js";

const alice: Caller = { actor: { kind: "USER", user: "alice" }, role: "OWNER" };
const requestId = "0190b000-0000-7000-8000-000000000001";
const home = { displayName: "Home", description: "" };

const taskFields = (overrides: Partial<TaskFields> = {}): TaskFields => ({
  title: "t",
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
  const feed = () =>
    uow.data.changes.map((c) =>
      c.snapshot.type === "project"
        ? `project ${c.kind}`
        : `task ${c.snapshot.task.title} ${c.kind}`,
    );
  return { uow, clock, projects, tasks, ws: workspace.id, otherWs: other.id, feed };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as { reason: string }).reason;
  }
  throw new Error("expected a failure");
}

describe("create and get", () => {
  it("creates an active project with its CREATED change", async () => {
    const { projects, ws, uow, clock } = await setup();
    const project = await projects.create(alice, ws, { displayName: " Home ", description: "d" });
    expect(project).toMatchObject({
      workspaceId: ws,
      displayName: "Home",
      description: "d",
      state: "ACTIVE",
      version: 1,
      createTime: clock.now(),
    });
    expect(await projects.get(ws, project.id)).toEqual(project);
    expect(uow.data.changes).toMatchObject([
      { kind: "CREATED", actor: alice.actor, snapshot: { type: "project", project } },
    ]);
  });

  it("is not found in another workspace", async () => {
    const { projects, ws, otherWs } = await setup();
    const project = await projects.create(alice, ws, home);
    await expect(projects.get(otherWs, project.id)).rejects.toMatchObject({
      reason: "PROJECT_NOT_FOUND",
    });
  });

  it("writes nothing for an invalid name", async () => {
    const { projects, ws, uow } = await setup();
    await expect(
      projects.create(alice, ws, { displayName: "", description: "" }),
    ).rejects.toMatchObject({
      violations: [{ field: "project.display_name" }],
    });
    expect(uow.data.projects.size).toBe(0);
    expect(uow.data.changes).toEqual([]);
  });

  describe("with a request id", () => {
    it("answers a retry with the original project and creates it once", async () => {
      const { projects, ws, uow } = await setup();
      const first = await projects.create(alice, ws, home, requestId);
      expect(await projects.create(alice, ws, home, requestId)).toEqual(first);
      expect(uow.data.projects.size).toBe(1);
      expect(uow.data.changes).toHaveLength(1);
    });

    it("refuses the id for a different request", async () => {
      const { projects, ws, uow } = await setup();
      await projects.create(alice, ws, home, requestId);
      expect(
        await reasonOf(
          projects.create(alice, ws, { displayName: "Garden", description: "" }, requestId),
        ),
      ).toBe("REQUEST_ID_REUSED");
      expect(uow.data.projects.size).toBe(1);
    });

    it("answers as the winner of a concurrent request with the same id", async () => {
      let winner: Project | undefined;
      const { projects, ws, uow } = await setup({
        concurrentRequest: (record) => {
          if (record.response.type !== "project") return undefined;
          winner = { ...record.response.project, id: "0190c000-0000-7000-8000-000000000001" };
          return { ...record, response: { type: "project", project: winner } };
        },
      });
      expect(await projects.create(alice, ws, home, requestId)).toEqual(winner);
      expect(uow.data.projects.size).toBe(0);
      expect(uow.data.changes).toEqual([]);
    });
  });
});

describe("list", () => {
  it("pages through active projects in creation order; archived ones on request", async () => {
    const { projects, ws, clock } = await setup();
    const made: Project[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(await projects.create(alice, ws, { displayName: `p${i}`, description: "" }));
      clock.advance(i % 2 ? 0 : 1000);
    }
    await projects.archive(alice, ws, made[1]?.id ?? "");
    const all = async (showArchived: boolean) => {
      const names: string[] = [];
      let pageToken = "";
      do {
        const page = await projects.list(ws, { showArchived, pageSize: 2, pageToken });
        names.push(...page.projects.map((p) => p.displayName));
        pageToken = page.nextPageToken;
      } while (pageToken);
      return names;
    };
    expect(await all(false)).toEqual(["p0", "p2", "p3", "p4"]);
    expect(await all(true)).toEqual(["p0", "p1", "p2", "p3", "p4"]);
  });

  it("binds page tokens to the workspace and to show_archived", async () => {
    const { projects, ws, otherWs } = await setup();
    await projects.create(alice, ws, home);
    await projects.create(alice, ws, home);
    const { nextPageToken } = await projects.list(ws, {
      showArchived: false,
      pageSize: 1,
      pageToken: "",
    });
    expect(nextPageToken).not.toBe("");
    await expect(
      projects.list(ws, { showArchived: true, pageSize: 1, pageToken: nextPageToken }),
    ).rejects.toMatchObject({ violations: [{ field: "page_token" }] });
    await expect(
      projects.list(otherWs, { showArchived: false, pageSize: 1, pageToken: nextPageToken }),
    ).rejects.toMatchObject({ violations: [{ field: "page_token" }] });
  });
});

describe("update, archive, unarchive", () => {
  it("write their change kinds", async () => {
    const { projects, ws, feed } = await setup();
    const project = await projects.create(alice, ws, home);
    expect(
      await projects.update(alice, ws, project.id, { description: "the house" }, '"1"'),
    ).toMatchObject({
      description: "the house",
      version: 2,
    });
    expect((await projects.archive(alice, ws, project.id, '"2"')).state).toBe("ARCHIVED");
    expect((await projects.unarchive(alice, ws, project.id, '"3"')).state).toBe("ACTIVE");
    expect(feed()).toEqual([
      "project CREATED",
      "project UPDATED",
      "project ARCHIVED",
      "project UNARCHIVED",
    ]);
  });

  it("no-ops write nothing", async () => {
    const { projects, ws, feed } = await setup();
    const project = await projects.create(alice, ws, home);
    expect(await projects.unarchive(alice, ws, project.id)).toEqual(project);
    const archived = await projects.archive(alice, ws, project.id);
    expect(await projects.archive(alice, ws, project.id)).toEqual(archived);
    expect(feed()).toEqual(["project CREATED", "project ARCHIVED"]);
  });

  it("refuse to update an archived project, a stale etag, an unknown project", async () => {
    const { projects, ws, otherWs, feed } = await setup();
    const project = await projects.create(alice, ws, home);
    await expect(
      projects.update(alice, ws, project.id, { displayName: "x" }, '"2"'),
    ).rejects.toBeInstanceOf(EtagMismatchError);
    await projects.archive(alice, ws, project.id);
    expect(await reasonOf(projects.update(alice, ws, project.id, { displayName: "x" }))).toBe(
      "PROJECT_ARCHIVED",
    );
    await expect(projects.archive(alice, otherWs, project.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(feed()).toEqual(["project CREATED", "project ARCHIVED"]);
  });
});

describe("delete", () => {
  it("deletes a project without open tasks", async () => {
    const { projects, ws, uow, feed } = await setup();
    const project = await projects.create(alice, ws, home);
    await projects.delete(alice, ws, project.id, false, '"1"');
    await expect(projects.get(ws, project.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(feed()).toEqual(["project CREATED", "project DELETED"]);
    expect(uow.data.changes.at(-1)?.snapshot).toEqual({ type: "project", project });
  });

  it("needs force while tasks are open, and then changes nothing", async () => {
    const { projects, tasks, ws, uow } = await setup();
    const project = await projects.create(alice, ws, home);
    await tasks.create(alice, ws, taskFields({ title: "open", projectId: project.id }), null);
    const before = structuredClone(uow.data);
    expect(await reasonOf(projects.delete(alice, ws, project.id, false))).toBe(
      "PROJECT_HAS_OPEN_TASKS",
    );
    expect(uow.data).toEqual(before);
  });

  it("with force, soft-deletes its tasks, moves them out, then deletes it — one change each", async () => {
    const { projects, tasks, ws, uow, feed } = await setup();
    const project = await projects.create(alice, ws, home);
    const open = await tasks.create(
      alice,
      ws,
      taskFields({ title: "open", projectId: project.id }),
      null,
    );
    const done = await tasks.create(
      alice,
      ws,
      taskFields({ title: "done", projectId: project.id }),
      null,
    );
    await tasks.complete(alice, ws, done.id);
    const gone = await tasks.create(
      alice,
      ws,
      taskFields({ title: "gone", projectId: project.id }),
      null,
    );
    const deletedAt = (await tasks.delete(alice, ws, gone.id)).deleteTime;
    const outside = await tasks.create(alice, ws, taskFields({ title: "outside" }), null);
    const mark = uow.data.changes.length;

    await projects.delete(alice, ws, project.id, true);

    expect(feed().slice(mark)).toEqual([
      "task open DELETED",
      "task done DELETED",
      "task gone UPDATED",
      "project DELETED",
    ]);
    for (const id of [open.id, done.id, gone.id]) {
      const task = await tasks.get(ws, id);
      expect(task.projectId).toBeNull();
      expect(task.deleteTime).not.toBeNull();
    }
    expect((await tasks.get(ws, gone.id)).deleteTime).toEqual(deletedAt);
    expect(await tasks.get(ws, outside.id)).toEqual(outside);
  });

  it("checks the etag and the project's existence", async () => {
    const { projects, ws } = await setup();
    const project = await projects.create(alice, ws, home);
    await expect(projects.delete(alice, ws, project.id, true, '"5"')).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    await projects.delete(alice, ws, project.id, true);
    await expect(projects.delete(alice, ws, project.id, true)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
