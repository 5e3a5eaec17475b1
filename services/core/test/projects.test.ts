import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import {
  MemberService,
  ProjectSchema,
  ProjectService,
  ProjectState,
  Role,
  TaskService,
  TaskState,
} from "@glidepath/contracts/core/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import { type Db, errorStats, expectRpcError, openDb, wire } from "./rpc-expect.js";

describe("core ProjectService", () => {
  let core: CoreHarness;
  let db: Db;
  beforeAll(async () => {
    core = await startCoreHarness();
    db = await openDb(core.databaseUrl);
  });
  afterAll(async () => {
    console.log(
      `projects: ${errorStats.checked} errors checked for leaks, ${errorStats.leaked} leaked`,
    );
    await db?.close();
    await core?.stop();
  });

  const projects = (user: string) => core.client(ProjectService, user);
  const tasks = (user: string) => core.client(TaskService, user);
  const idOf = (name: string) => name.split("/")[3] as string;

  async function setup(owner: string) {
    const ws = await core.workspace(owner);
    return {
      ws,
      parent: `workspaces/${ws}`,
      projects: await projects(owner),
      tasks: await tasks(owner),
    };
  }

  it("creates a project (output-only fields ignored) and gets it", async () => {
    const { ws, parent, projects } = await setup("p-create");
    const { project } = await projects.createProject({
      parent,
      project: {
        displayName: "  Garden  ",
        description: "Beds and\nborders",
        state: ProjectState.ARCHIVED,
        name: `workspaces/${ws}/projects/${randomUUID()}`,
        etag: '"42"',
      },
    });
    expect(project?.name).toMatch(new RegExp(`^workspaces/${ws}/projects/[0-9a-f-]{36}$`));
    expect(project?.displayName).toBe("Garden");
    expect(project?.description).toBe("Beds and\nborders");
    expect(project?.state).toBe(ProjectState.ACTIVE);
    expect(project?.etag).toBe('"1"');
    expect(project?.archiveTime).toBeUndefined();
    expect(project?.createTime).toBeDefined();

    const got = await projects.getProject({ name: project?.name ?? "" });
    expect(wire(ProjectSchema, got.project)).toEqual(wire(ProjectSchema, project));
    await expectRpcError(
      projects.getProject({ name: `${parent}/projects/${randomUUID()}` }),
      Code.NotFound,
      "PROJECT_NOT_FOUND",
    );
  });

  it("replays CreateProject with the same request_id; a different request is refused", async () => {
    const { ws, parent, projects } = await setup("p-replay");
    const requestId = randomUUID();
    const request = { parent, project: { displayName: "Once", description: "d" }, requestId };
    const first = await projects.createProject(request);
    const again = await projects.createProject(request);
    expect(wire(ProjectSchema, again.project)).toEqual(wire(ProjectSchema, first.project));
    await expectRpcError(
      projects.createProject({ ...request, project: { displayName: "Other" } }),
      Code.FailedPrecondition,
      "REQUEST_ID_REUSED",
    );
    // Concurrent copies create one project.
    const concurrentId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        projects.createProject({
          parent,
          project: { displayName: "Racy" },
          requestId: concurrentId,
        }),
      ),
    );
    expect(new Set(results.map((r) => r.project?.name)).size).toBe(1);
    expect(await db.count(`select count(*) from core.projects where workspace_id = $1`, [ws])).toBe(
      2,
    );
    expect(
      await db.count(
        `select count(*) from core.changes where workspace_id = $1 and resource_type = 'project' and kind = 'CREATED'`,
        [ws],
      ),
    ).toBe(2);
  });

  it("lists active projects in creation order; archived ones only with show_archived", async () => {
    const { parent, projects } = await setup("p-list");
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { project } = await projects.createProject({
        parent,
        project: { displayName: `P${i}` },
      });
      names.push(project?.name ?? "");
    }
    await projects.archiveProject({ name: names[1] as string });
    await projects.archiveProject({ name: names[4] as string });

    const active = await projects.listProjects({ parent });
    expect(active.projects.map((p) => p.displayName)).toEqual(["P0", "P2", "P3", "P5", "P6"]);
    expect(active.nextPageToken).toBe("");

    const pageThrough = async (showArchived: boolean) => {
      const seen: string[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await projects.listProjects({ parent, pageSize: 2, pageToken, showArchived });
        expect(page.projects.length).toBeLessThanOrEqual(2);
        seen.push(...page.projects.map((p) => p.name));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken && pages < 10);
      return { seen, pages };
    };
    const all = await pageThrough(true);
    expect(all.seen).toEqual(names);
    expect(all.pages).toBe(4);
    const onlyActive = await pageThrough(false);
    expect(onlyActive.seen).toEqual(active.projects.map((p) => p.name));
    expect(onlyActive.pages).toBe(3);

    // A token from the list without archived projects is refused for the one with them.
    const first = await projects.listProjects({ parent, pageSize: 2 });
    const err = await expectRpcError(
      projects.listProjects({
        parent,
        pageSize: 2,
        pageToken: first.nextPageToken,
        showArchived: true,
      }),
      Code.InvalidArgument,
    );
    expect(err.rawMessage).toContain("page_token");
  });

  it("updates with update_mask and etag; a stale etag is ABORTED", async () => {
    const { parent, projects } = await setup("p-update");
    const { project } = await projects.createProject({
      parent,
      project: { displayName: "Before", description: "old" },
    });
    const name = project?.name ?? "";

    const renamed = await projects.updateProject({
      project: { name, displayName: "After", description: "ignored", etag: '"1"' },
      updateMask: { paths: ["display_name"] },
    });
    expect(renamed.project?.displayName).toBe("After");
    expect(renamed.project?.description).toBe("old");
    expect(renamed.project?.etag).toBe('"2"');

    const described = await projects.updateProject({
      project: { name, displayName: "ignored", description: "new" },
      updateMask: { paths: ["description"] },
    });
    expect(described.project?.displayName).toBe("After");
    expect(described.project?.description).toBe("new");
    expect(described.project?.etag).toBe('"3"');

    // Empty mask: both fields.
    const both = await projects.updateProject({
      project: { name, displayName: "Both", description: "", etag: '"3"' },
    });
    expect(both.project?.displayName).toBe("Both");
    expect(both.project?.description).toBe("");
    expect(both.project?.etag).toBe('"4"');

    await expectRpcError(
      projects.updateProject({
        project: { name, displayName: "Lost update", etag: '"3"' },
        updateMask: { paths: ["display_name"] },
      }),
      Code.Aborted,
      "ETAG_MISMATCH",
    );
    const got = await projects.getProject({ name });
    expect(got.project?.displayName).toBe("Both");
    expect(got.project?.etag).toBe('"4"');
    await expectRpcError(
      projects.updateProject({
        project: { name: `${parent}/projects/${randomUUID()}`, displayName: "x" },
      }),
      Code.NotFound,
      "PROJECT_NOT_FOUND",
    );
  });

  it("archives and unarchives; an archived project is read-only", async () => {
    const { ws, parent, projects, tasks } = await setup("p-archive");
    const { project } = await projects.createProject({ parent, project: { displayName: "Old" } });
    const name = project?.name ?? "";
    const { task } = await tasks.createTask({ parent, task: { title: "inside", project: name } });

    await expectRpcError(
      projects.archiveProject({ name, etag: '"7"' }),
      Code.Aborted,
      "ETAG_MISMATCH",
    );
    const archived = await projects.archiveProject({ name, etag: '"1"' });
    expect(archived.project?.state).toBe(ProjectState.ARCHIVED);
    expect(archived.project?.archiveTime).toBeDefined();
    expect(archived.project?.etag).toBe('"2"');
    // Archiving again changes nothing.
    const twice = await projects.archiveProject({ name });
    expect(twice.project?.etag).toBe('"2"');

    // No new tasks in it, no task moved into it, and the project itself can't be edited.
    const before = await db.snapshot();
    await expectRpcError(
      tasks.createTask({ parent, task: { title: "refused", project: name } }),
      Code.FailedPrecondition,
      "PROJECT_ARCHIVED",
    );
    await expectRpcError(
      tasks.createTask({
        parent,
        task: { title: "refused too", project: name },
        requestId: randomUUID(),
      }),
      Code.FailedPrecondition,
      "PROJECT_ARCHIVED",
    );
    const { task: loose } = await tasks.createTask({ parent, task: { title: "loose" } });
    await expectRpcError(
      tasks.updateTask({
        task: { name: loose?.name, project: name },
        updateMask: { paths: ["project"] },
      }),
      Code.FailedPrecondition,
      "PROJECT_ARCHIVED",
    );
    await expectRpcError(
      projects.updateProject({ project: { name, displayName: "Renamed" } }),
      Code.FailedPrecondition,
      "PROJECT_ARCHIVED",
    );
    expect(
      await db.count(
        `select count(*) from core.tasks where workspace_id = $1 and project_id = $2`,
        [ws, idOf(name)],
      ),
    ).toBe(1);
    const after = await db.snapshot();
    // Only the loose task was written.
    expect(after.tasks).toBe((before.tasks ?? 0) + 1);
    expect(after.request_ids).toBe(before.request_ids);
    expect(after.projects).toBe(before.projects);

    // Its tasks can't be changed either while it is archived.
    await expectRpcError(
      tasks.updateTask({
        task: { name: task?.name, title: "edited" },
        updateMask: { paths: ["title"] },
      }),
      Code.FailedPrecondition,
      "PROJECT_ARCHIVED",
    );
    await expectRpcError(
      tasks.completeTask({ name: task?.name ?? "" }),
      Code.FailedPrecondition,
      "PROJECT_ARCHIVED",
    );
    expect((await tasks.getTask({ name: task?.name ?? "" })).task?.etag).toBe('"1"');

    // Listed only with show_archived.
    expect((await projects.listProjects({ parent })).projects).toEqual([]);
    expect((await projects.listProjects({ parent, showArchived: true })).projects).toHaveLength(1);

    await expectRpcError(
      projects.unarchiveProject({ name, etag: '"1"' }),
      Code.Aborted,
      "ETAG_MISMATCH",
    );
    const active = await projects.unarchiveProject({ name, etag: '"2"' });
    expect(active.project?.state).toBe(ProjectState.ACTIVE);
    expect(active.project?.archiveTime).toBeUndefined();
    expect(active.project?.etag).toBe('"3"');
    expect((await projects.unarchiveProject({ name })).project?.etag).toBe('"3"');
    const created = await tasks.createTask({ parent, task: { title: "allowed", project: name } });
    expect(created.task?.project).toBe(name);
    const edited = await tasks.updateTask({
      task: { name: task?.name, title: "edited" },
      updateMask: { paths: ["title"] },
    });
    expect(edited.task?.title).toBe("edited");
  });

  it("refuses to delete a project with open tasks unless forced", async () => {
    const { ws, parent, projects, tasks } = await setup("p-delete");
    const { project } = await projects.createProject({
      parent,
      project: { displayName: "Doomed" },
    });
    const name = project?.name ?? "";
    const created = [];
    for (const title of ["open 1", "open 2", "done", "deleted"]) {
      created.push((await tasks.createTask({ parent, task: { title, project: name } })).task);
    }
    await tasks.completeTask({ name: created[2]?.name ?? "" });
    await tasks.deleteTask({ name: created[3]?.name ?? "" });

    const err = await expectRpcError(
      projects.deleteProject({ name }),
      Code.FailedPrecondition,
      "PROJECT_HAS_OPEN_TASKS",
    );
    expect(err.rawMessage).toContain("2 open task");
    expect((await projects.getProject({ name })).project?.displayName).toBe("Doomed");
    expect(
      await db.count(
        `select count(*) from core.tasks where workspace_id = $1 and project_id = $2 and delete_time is null`,
        [ws, idOf(name)],
      ),
    ).toBe(3);

    await expectRpcError(
      projects.deleteProject({ name, force: true, etag: '"2"' }),
      Code.Aborted,
      "ETAG_MISMATCH",
    );
    // Only OWNER and ADMIN delete projects.
    await (await core.client(MemberService, "p-delete")).createMember({
      parent,
      member: { user: "p-delete-member", role: Role.MEMBER },
    });
    await expectRpcError(
      (await core.client(ProjectService, "p-delete-member")).deleteProject({ name, force: true }),
      Code.PermissionDenied,
    );

    await projects.deleteProject({ name, force: true, etag: '"1"' });
    await expectRpcError(projects.getProject({ name }), Code.NotFound, "PROJECT_NOT_FOUND");
    await expectRpcError(
      projects.deleteProject({ name, force: true }),
      Code.NotFound,
      "PROJECT_NOT_FOUND",
    );

    // Every task of it is soft-deleted and out of the project.
    expect((await tasks.listTasks({ parent })).tasks).toEqual([]);
    const deleted = await tasks.listTasks({ parent, showDeleted: true });
    expect(deleted.tasks.map((t) => t.title).sort()).toEqual([
      "deleted",
      "done",
      "open 1",
      "open 2",
    ]);
    for (const t of deleted.tasks) {
      expect(t.project).toBe("");
      expect(t.deleteTime).toBeDefined();
    }
    expect(deleted.tasks.find((t) => t.title === "done")?.state).toBe(TaskState.DONE);
    expect(
      await db.count(
        `select count(*) from core.tasks where workspace_id = $1 and (project_id is not null or delete_time is null)`,
        [ws],
      ),
    ).toBe(0);
    expect(await db.count(`select count(*) from core.projects where workspace_id = $1`, [ws])).toBe(
      0,
    );
    // A task of the deleted project can be restored, into the inbox.
    const restored = await tasks.undeleteTask({ name: created[0]?.name ?? "" });
    expect(restored.task?.deleteTime).toBeUndefined();
    expect(restored.task?.project).toBe("");
  });

  it("deletes an archived project with open tasks only with force", async () => {
    const { ws, parent, projects, tasks } = await setup("p-delete-archived");
    const { project } = await projects.createProject({ parent, project: { displayName: "Old" } });
    const name = project?.name ?? "";
    const { task } = await tasks.createTask({
      parent,
      task: { title: "still open", project: name },
    });
    await projects.archiveProject({ name });
    await expectRpcError(
      projects.deleteProject({ name }),
      Code.FailedPrecondition,
      "PROJECT_HAS_OPEN_TASKS",
    );
    await projects.deleteProject({ name, force: true });
    const gone = await tasks.getTask({ name: task?.name ?? "" });
    expect(gone.task?.project).toBe("");
    expect(gone.task?.deleteTime).toBeDefined();
    expect(gone.task?.state).toBe(TaskState.OPEN);
    // In one transaction with the deletion: the task's and the project's feed entries.
    const kinds = await db.client.query<{ kind: string; resource_type: string }>(
      `select kind, resource_type from core.changes where workspace_id = $1 order by id`,
      [ws],
    );
    expect(kinds.rows.map((r) => `${r.resource_type}:${r.kind}`)).toEqual([
      "project:CREATED",
      "task:CREATED",
      "project:ARCHIVED",
      "task:DELETED",
      "project:DELETED",
    ]);
  });

  it("deletes a project without open tasks without force", async () => {
    const { ws, parent, projects, tasks } = await setup("p-delete-done");
    const { project: empty } = await projects.createProject({
      parent,
      project: { displayName: "E" },
    });
    await projects.deleteProject({ name: empty?.name ?? "" });
    await expectRpcError(projects.getProject({ name: empty?.name ?? "" }), Code.NotFound);

    const { project } = await projects.createProject({ parent, project: { displayName: "Done" } });
    const name = project?.name ?? "";
    const { task } = await tasks.createTask({ parent, task: { title: "finished", project: name } });
    await tasks.completeTask({ name: task?.name ?? "" });
    await projects.deleteProject({ name });
    const gone = await tasks.getTask({ name: task?.name ?? "" });
    expect(gone.task?.project).toBe("");
    expect(gone.task?.deleteTime).toBeDefined();
    expect(gone.task?.state).toBe(TaskState.DONE);
    expect(await db.count(`select count(*) from core.projects where workspace_id = $1`, [ws])).toBe(
      0,
    );
  });
});
