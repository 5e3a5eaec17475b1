import { createServiceImplSpec, type ServiceImpl, type ServiceImplSpec } from "@connectrpc/connect";
import {
  ChangeService,
  InternalChangeService,
  MemberService,
  ProjectService,
  TaskService,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import type { ChangeUseCases } from "../../app/changes.js";
import type { ProjectUseCases } from "../../app/projects.js";
import type { TaskUseCases } from "../../app/tasks.js";
import type { WorkspaceUseCases } from "../../app/workspaces.js";
import { InvalidInputError } from "../../domain/errors.js";
import { parseChildName, parseMemberName, parseWorkspaceName } from "../../domain/names.js";
import { authorizedCall, callerOf, internalCallerOf } from "./authorization.js";
import {
  changeToProto,
  memberToProto,
  projectPatchFromProto,
  projectToProto,
  roleFromProto,
  taskFieldsFromProto,
  taskPatchFromProto,
  taskSourceFromProto,
  taskToProto,
  workspaceToProto,
} from "./mapping.js";

export interface CoreUseCases {
  workspaces: WorkspaceUseCases;
  projects: ProjectUseCases;
  tasks: TaskUseCases;
  changes: ChangeUseCases;
}

/** Handlers: parse the request, call one use case, map the result. Nothing else. */
export function createCoreServices(uc: CoreUseCases, stopping: AbortSignal): ServiceImplSpec[] {
  const workspaces: ServiceImpl<typeof WorkspaceService> = {
    async createWorkspace(req, ctx) {
      const caller = callerOf(ctx);
      const { workspace, role } = await uc.workspaces.create(
        caller,
        req.workspace?.displayName ?? "",
        req.requestId || undefined,
      );
      return { workspace: workspaceToProto(workspace, role) };
    },
    async getWorkspace(_req, ctx) {
      const call = authorizedCall(ctx);
      return { workspace: workspaceToProto(await uc.workspaces.get(call.workspaceId), call.role) };
    },
    async listWorkspaces(req, ctx) {
      const page = await uc.workspaces.listMine(callerOf(ctx), req);
      return {
        workspaces: page.workspaces.map((w) => workspaceToProto(w.workspace, w.role)),
        nextPageToken: page.nextPageToken,
      };
    },
    async updateWorkspace(req, ctx) {
      const call = authorizedCall(ctx);
      const paths = req.updateMask?.paths ?? [];
      const workspace = await uc.workspaces.get(call.workspaceId);
      const renamed =
        paths.length === 0 || paths.includes("display_name")
          ? await uc.workspaces.rename(
              call.workspaceId,
              req.workspace?.displayName ?? "",
              req.workspace?.etag || undefined,
            )
          : workspace;
      return { workspace: workspaceToProto(renamed, call.role) };
    },
  };

  const members: ServiceImpl<typeof MemberService> = {
    async createMember(req, ctx) {
      const call = authorizedCall(ctx);
      const member = req.member;
      if (!member?.user) throw InvalidInputError.field("member.user", "is required");
      const role = roleFromProto(member.role, "member.role");
      return {
        member: memberToProto(
          await uc.workspaces.addMember(call, call.workspaceId, member.user, role),
        ),
      };
    },
    async getMember(req, ctx) {
      const call = authorizedCall(ctx);
      const { user } = parseMemberName(req.name, "name");
      return { member: memberToProto(await uc.workspaces.getMember(call.workspaceId, user)) };
    },
    async listMembers(req, ctx) {
      const call = authorizedCall(ctx);
      const page = await uc.workspaces.listMembers(call.workspaceId, req);
      return { members: page.members.map(memberToProto), nextPageToken: page.nextPageToken };
    },
    async updateMember(req, ctx) {
      const call = authorizedCall(ctx);
      const { user } = parseMemberName(req.member?.name ?? "", "member.name");
      const role = roleFromProto(req.member?.role ?? 0, "member.role");
      const member = await uc.workspaces.changeRole(
        call,
        call.workspaceId,
        user,
        role,
        req.member?.etag || undefined,
      );
      return { member: memberToProto(member) };
    },
    async deleteMember(req, ctx) {
      const call = authorizedCall(ctx);
      const { user } = parseMemberName(req.name, "name");
      await uc.workspaces.removeMember(call, call.workspaceId, user, req.etag || undefined);
      return {};
    },
  };

  const projectId = (name: string, field = "name") => parseChildName(name, "projects", field).id;
  const projects: ServiceImpl<typeof ProjectService> = {
    async createProject(req, ctx) {
      const call = authorizedCall(ctx);
      const project = await uc.projects.create(
        call,
        call.workspaceId,
        {
          displayName: req.project?.displayName ?? "",
          description: req.project?.description ?? "",
        },
        req.requestId || undefined,
      );
      return { project: projectToProto(project) };
    },
    async getProject(req, ctx) {
      const call = authorizedCall(ctx);
      return {
        project: projectToProto(await uc.projects.get(call.workspaceId, projectId(req.name))),
      };
    },
    async listProjects(req, ctx) {
      const call = authorizedCall(ctx);
      const page = await uc.projects.list(call.workspaceId, req);
      return { projects: page.projects.map(projectToProto), nextPageToken: page.nextPageToken };
    },
    async updateProject(req, ctx) {
      const call = authorizedCall(ctx);
      const input = req.project ?? { name: "", displayName: "", description: "", etag: "" };
      const patch = projectPatchFromProto(input, req.updateMask);
      const project = await uc.projects.update(
        call,
        call.workspaceId,
        projectId(input.name, "project.name"),
        patch,
        input.etag || undefined,
      );
      return { project: projectToProto(project) };
    },
    async archiveProject(req, ctx) {
      const call = authorizedCall(ctx);
      const project = await uc.projects.archive(
        call,
        call.workspaceId,
        projectId(req.name),
        req.etag || undefined,
      );
      return { project: projectToProto(project) };
    },
    async unarchiveProject(req, ctx) {
      const call = authorizedCall(ctx);
      const project = await uc.projects.unarchive(
        call,
        call.workspaceId,
        projectId(req.name),
        req.etag || undefined,
      );
      return { project: projectToProto(project) };
    },
    async deleteProject(req, ctx) {
      const call = authorizedCall(ctx);
      await uc.projects.delete(
        call,
        call.workspaceId,
        projectId(req.name),
        req.force,
        req.etag || undefined,
      );
      return {};
    },
  };

  const taskId = (name: string, field = "name") => parseChildName(name, "tasks", field).id;
  const tasks: ServiceImpl<typeof TaskService> = {
    async createTask(req, ctx) {
      const call = authorizedCall(ctx);
      const input = req.task;
      if (!input) throw InvalidInputError.field("task", "is required");
      const task = await uc.tasks.create(
        call,
        call.workspaceId,
        taskFieldsFromProto(input, call.workspaceId),
        taskSourceFromProto(input),
        req.requestId || undefined,
      );
      return { task: taskToProto(task) };
    },
    async getTask(req, ctx) {
      const call = authorizedCall(ctx);
      return { task: taskToProto(await uc.tasks.get(call.workspaceId, taskId(req.name))) };
    },
    async batchGetTasks(req, ctx) {
      const call = authorizedCall(ctx);
      const ids = req.names.map((name, i) => {
        const parsed = parseChildName(name, "tasks", `names[${i}]`);
        if (parsed.workspaceId !== call.workspaceId) {
          throw InvalidInputError.field(`names[${i}]`, "must be in the parent workspace");
        }
        return parsed.id;
      });
      return { tasks: (await uc.tasks.batchGet(call.workspaceId, ids)).map(taskToProto) };
    },
    async listTasks(req, ctx) {
      const call = authorizedCall(ctx);
      const page = await uc.tasks.list(call.workspaceId, req);
      return { tasks: page.tasks.map(taskToProto), nextPageToken: page.nextPageToken };
    },
    async updateTask(req, ctx) {
      const call = authorizedCall(ctx);
      const input = req.task;
      if (!input) throw InvalidInputError.field("task", "is required");
      const patch = taskPatchFromProto(input, req.updateMask, call.workspaceId);
      const task = await uc.tasks.update(
        call,
        call.workspaceId,
        taskId(input.name, "task.name"),
        patch,
        input.etag || undefined,
      );
      return { task: taskToProto(task) };
    },
    async completeTask(req, ctx) {
      const call = authorizedCall(ctx);
      return {
        task: taskToProto(
          await uc.tasks.complete(call, call.workspaceId, taskId(req.name), req.etag || undefined),
        ),
      };
    },
    async reopenTask(req, ctx) {
      const call = authorizedCall(ctx);
      return {
        task: taskToProto(
          await uc.tasks.reopen(call, call.workspaceId, taskId(req.name), req.etag || undefined),
        ),
      };
    },
    async cancelTask(req, ctx) {
      const call = authorizedCall(ctx);
      return {
        task: taskToProto(
          await uc.tasks.cancel(call, call.workspaceId, taskId(req.name), req.etag || undefined),
        ),
      };
    },
    async deleteTask(req, ctx) {
      const call = authorizedCall(ctx);
      return {
        task: taskToProto(
          await uc.tasks.delete(call, call.workspaceId, taskId(req.name), req.etag || undefined),
        ),
      };
    },
    async undeleteTask(req, ctx) {
      const call = authorizedCall(ctx);
      return {
        task: taskToProto(
          await uc.tasks.undelete(call, call.workspaceId, taskId(req.name), req.etag || undefined),
        ),
      };
    },
  };

  const changes: ServiceImpl<typeof ChangeService> = {
    async listChanges(req, ctx) {
      const call = authorizedCall(ctx);
      const page = await uc.changes.list(call.workspaceId, req.startAfter, req.pageSize);
      return { changes: page.changes.map(changeToProto), nextCursor: page.nextCursor };
    },
    async *watchChanges(req, ctx) {
      const call = authorizedCall(ctx);
      parseWorkspaceName(req.parent, "parent");
      const signal = AbortSignal.any([ctx.signal, stopping]);
      for await (const change of uc.changes.watch(call.workspaceId, req.startAfter, signal)) {
        yield { change: changeToProto(change) };
      }
    },
  };

  // Internal-only: the authorization interceptor let only an allowed service through.
  const internalChanges: ServiceImpl<typeof InternalChangeService> = {
    async listAllChanges(req, ctx) {
      internalCallerOf(ctx);
      const page = await uc.changes.listAll(req.startAfter, req.pageSize);
      return { changes: page.changes.map(changeToProto), nextCursor: page.nextCursor };
    },
  };

  return [
    createServiceImplSpec<typeof WorkspaceService>(WorkspaceService, workspaces),
    createServiceImplSpec<typeof MemberService>(MemberService, members),
    createServiceImplSpec<typeof ProjectService>(ProjectService, projects),
    createServiceImplSpec<typeof TaskService>(TaskService, tasks),
    createServiceImplSpec<typeof ChangeService>(ChangeService, changes),
    createServiceImplSpec<typeof InternalChangeService>(InternalChangeService, internalChanges),
  ];
}
