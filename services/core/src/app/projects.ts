import { projectChange, taskChange } from "../domain/change.js";
import { NotFoundError } from "../domain/errors.js";
import {
  archiveProject,
  checkProjectDeletion,
  checkProjectEtag,
  newProject,
  type Project,
  type ProjectFields,
  unarchiveProject,
  updateProject,
} from "../domain/project.js";
import { removeFromDeletedProject } from "../domain/task.js";
import type { Caller } from "./caller.js";
import {
  decodePageToken,
  encodePageToken,
  isTimestampKey,
  isUuidKey,
  pageSize,
} from "./page-token.js";
import type { Clock, IdGenerator, ProjectRepository, UnitOfWork } from "./ports.js";
import { replay, requestFingerprint } from "./request-ids.js";

export interface ProjectDeps {
  uow: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

async function requireProject(
  projects: ProjectRepository,
  workspaceId: string,
  id: string,
  lock: boolean,
) {
  const project = lock
    ? await projects.getForUpdate(workspaceId, id)
    : await projects.get(workspaceId, id);
  if (!project) throw new NotFoundError("project");
  return project;
}

const isKey = (k: unknown): k is { createTime: string; id: string } =>
  typeof k === "object" &&
  k !== null &&
  isUuidKey((k as { id?: unknown }).id) &&
  isTimestampKey((k as { createTime?: unknown }).createTime);

export function createProjectUseCases({ uow, clock, ids }: ProjectDeps) {
  const mutate = (
    caller: Caller,
    workspaceId: string,
    id: string,
    etag: string | undefined,
    kind: "UPDATED" | "ARCHIVED" | "UNARCHIVED",
    change: (project: Project, now: Date) => Project,
  ) =>
    uow.run(async (repos) => {
      const project = await requireProject(repos.projects, workspaceId, id, true);
      checkProjectEtag(project, etag);
      const next = change(project, clock.now());
      if (next === project) return project;
      await repos.projects.update(next);
      await repos.changes.append(projectChange(kind, next, caller.actor));
      return next;
    });

  return {
    create: (caller: Caller, workspaceId: string, fields: ProjectFields, requestId?: string) =>
      uow.run(async (repos) => {
        const principal = caller.actor.user;
        const fingerprint = requestFingerprint("CreateProject", fields);
        if (requestId) {
          const record = await repos.requests.find(workspaceId, principal, requestId);
          if (record) {
            const response = replay(record, fingerprint);
            if (response.type === "project") return response.project;
          }
        }
        const project = newProject({ workspaceId, id: ids.next(), now: clock.now() }, fields);
        if (requestId) {
          const first = await repos.requests.insert({
            workspaceId,
            principal,
            requestId,
            fingerprint,
            response: { type: "project", project },
          });
          if (!first) {
            // Lost a race with the same id: the winner has committed by now.
            const record = await uow.repos.requests.find(workspaceId, principal, requestId);
            const response = record && replay(record, fingerprint);
            if (response?.type === "project") return response.project;
          }
        }
        await repos.projects.insert(project);
        await repos.changes.append(projectChange("CREATED", project, caller.actor));
        return project;
      }),

    get: (workspaceId: string, id: string) =>
      requireProject(uow.repos.projects, workspaceId, id, false),

    async list(
      workspaceId: string,
      request: { showArchived: boolean; pageSize: number; pageToken: string },
    ) {
      const signature = [request.showArchived];
      const after = decodePageToken(request.pageToken, workspaceId, signature, isKey);
      const limit = pageSize(request.pageSize);
      const rows = await uow.repos.projects.list(workspaceId, request.showArchived, {
        limit: limit + 1,
        after,
      });
      const projects = rows.slice(0, limit);
      const last = projects[projects.length - 1];
      const nextPageToken =
        rows.length > limit && last
          ? encodePageToken(workspaceId, signature, {
              createTime: last.createTime.toISOString(),
              id: last.id,
            })
          : "";
      return { projects, nextPageToken };
    },

    update: (
      caller: Caller,
      workspaceId: string,
      id: string,
      patch: Partial<ProjectFields>,
      etag?: string,
    ) => mutate(caller, workspaceId, id, etag, "UPDATED", (p, now) => updateProject(p, patch, now)),

    archive: (caller: Caller, workspaceId: string, id: string, etag?: string) =>
      mutate(caller, workspaceId, id, etag, "ARCHIVED", archiveProject),

    unarchive: (caller: Caller, workspaceId: string, id: string, etag?: string) =>
      mutate(caller, workspaceId, id, etag, "UNARCHIVED", unarchiveProject),

    /** Deletes the project; its remaining tasks are soft-deleted and moved out of it. */
    delete: (caller: Caller, workspaceId: string, id: string, force: boolean, etag?: string) =>
      uow.run(async (repos) => {
        const project = await requireProject(repos.projects, workspaceId, id, true);
        checkProjectEtag(project, etag);
        checkProjectDeletion(await repos.projects.countOpenTasks(workspaceId, id), force);
        const now = clock.now();
        for (const task of await repos.tasks.listProjectTasksForUpdate(workspaceId, id)) {
          const outcome = removeFromDeletedProject(task, now, caller.actor);
          await repos.tasks.update(outcome.task);
          await repos.changes.append(taskChange(outcome.kind, outcome.task, caller.actor));
        }
        await repos.projects.delete(workspaceId, id);
        await repos.changes.append(projectChange("DELETED", project, caller.actor));
      }),
  };
}

export type ProjectUseCases = ReturnType<typeof createProjectUseCases>;
