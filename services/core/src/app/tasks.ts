import { taskChange } from "../domain/change.js";
import { InvalidInputError, NotFoundError } from "../domain/errors.js";
import { requireActiveProject } from "../domain/project.js";
import {
  cancelTask,
  checkEtag,
  completeTask,
  deleteTask,
  newTask,
  reopenTask,
  type Task,
  type TaskFields,
  type TaskSource,
  undeleteTask,
  updateTask,
} from "../domain/task.js";
import { type OrderField, parseTaskFilter, parseTaskOrder } from "../domain/task-query.js";
import type { Caller } from "./caller.js";
import {
  decodePageToken,
  encodePageToken,
  isDateKey,
  isTimestampKey,
  isUuidKey,
  pageSize,
} from "./page-token.js";
import type {
  Clock,
  IdGenerator,
  Repositories,
  TaskCursor,
  TaskRepository,
  UnitOfWork,
} from "./ports.js";
import { replay, requestFingerprint } from "./request-ids.js";

export interface TaskDeps {
  uow: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

/** A cursor exactly as `cursorOf` writes it for `field` (tokens come back from clients). */
const isCursorFor =
  (field: OrderField) =>
  (k: unknown): k is TaskCursor => {
    if (typeof k !== "object" || k === null || !isUuidKey((k as TaskCursor).id)) return false;
    const { key } = k as TaskCursor;
    switch (field) {
      case "create_time":
      case "update_time":
        return isTimestampKey(key);
      case "due":
        return key === "infinity" || isDateKey(key);
      case "priority":
        return Number.isInteger(key) && (key as number) >= 1 && (key as number) <= 4;
    }
  };

/** Checks references to other resources: the project (active, same workspace), the assignee. */
async function checkReferences(
  repos: Repositories,
  workspaceId: string,
  fields: Partial<Pick<TaskFields, "projectId" | "assignee">>,
) {
  if (fields.projectId) {
    const project = await repos.projects.get(workspaceId, fields.projectId);
    if (!project)
      throw InvalidInputError.field("task.project", "no such project in this workspace");
    requireActiveProject(project, "task.project");
  }
  if (fields.assignee && !(await repos.members.role(workspaceId, fields.assignee))) {
    throw InvalidInputError.field("task.assignee", "must be a member of the workspace");
  }
}

/** An archived project is read-only: its tasks can't be changed until it is unarchived. */
async function requireWritableProject(repos: Repositories, task: Task) {
  if (!task.projectId) return;
  requireActiveProject(await repos.projects.get(task.workspaceId, task.projectId), "task.project");
}

async function requireTask(tasks: TaskRepository, workspaceId: string, id: string, lock: boolean) {
  const task = lock ? await tasks.getForUpdate(workspaceId, id) : await tasks.get(workspaceId, id);
  if (!task) throw new NotFoundError("task");
  return task;
}

export function createTaskUseCases({ uow, clock, ids }: TaskDeps) {
  /** Read, change with `change`, write with its feed entry: one transaction, row locked. */
  const mutate = (
    caller: Caller,
    workspaceId: string,
    id: string,
    etag: string | undefined,
    change: (
      task: Task,
      now: Date,
    ) => { task: Task; kind: Parameters<typeof taskChange>[0] } | undefined,
  ) =>
    uow.run(async (repos) => {
      const task = await requireTask(repos.tasks, workspaceId, id, true);
      checkEtag(task, etag);
      await requireWritableProject(repos, task);
      const now = clock.now();
      const result = change(task, now);
      if (!result || result.task === task) return task;
      await repos.tasks.update(result.task);
      await repos.changes.append(taskChange(result.kind, result.task, caller.actor));
      return result.task;
    });

  return {
    async create(
      caller: Caller,
      workspaceId: string,
      fields: TaskFields,
      source: TaskSource | null,
      requestId?: string,
    ): Promise<Task> {
      const principal = caller.actor.service
        ? `${caller.actor.service}:${caller.actor.user}`
        : caller.actor.user;
      // Only idempotent calls need the fingerprint (hashing costs more than the rest of a call).
      const fingerprint = requestId ? requestFingerprint("CreateTask", { fields, source }) : "";
      const replayed = async () => {
        const record =
          requestId && (await uow.repos.requests.find(workspaceId, principal, requestId));
        if (!record) return undefined;
        const response = replay(record, fingerprint);
        return response.type === "task" ? response.task : undefined;
      };
      if (requestId) {
        const previous = await replayed();
        if (previous) return previous;
      }
      await checkReferences(uow.repos, workspaceId, fields);
      const task = newTask(
        { workspaceId, id: ids.next(), now: clock.now(), actor: caller.actor, source },
        fields,
      );
      const request = requestId
        ? {
            workspaceId,
            principal,
            requestId,
            fingerprint,
            response: { type: "task" as const, task },
          }
        : undefined;
      const inserted = await uow.repos.tasks.insert(
        task,
        taskChange("CREATED", task, caller.actor),
        request,
      );
      if (inserted) return task;
      // A concurrent call with the same request id won: answer as it did.
      const winner = await replayed();
      if (!winner) throw new Error("request id conflict without a record");
      return winner;
    },

    async get(workspaceId: string, id: string): Promise<Task> {
      return requireTask(uow.repos.tasks, workspaceId, id, false);
    },

    /** All or nothing, in the order asked (AIP-231). */
    async batchGet(workspaceId: string, requested: string[]): Promise<Task[]> {
      const found = new Map(
        (await uow.repos.tasks.getMany(workspaceId, [...new Set(requested)])).map((t) => [t.id, t]),
      );
      return requested.map((id) => {
        const task = found.get(id);
        if (!task) throw new NotFoundError("task");
        return task;
      });
    },

    async list(
      workspaceId: string,
      request: {
        filter: string;
        orderBy: string;
        showDeleted: boolean;
        pageSize: number;
        pageToken: string;
      },
    ): Promise<{ tasks: Task[]; nextPageToken: string }> {
      const query = {
        filter: parseTaskFilter(request.filter),
        order: parseTaskOrder(request.orderBy),
        showDeleted: request.showDeleted,
      };
      const signature = [request.filter, request.orderBy, request.showDeleted];
      const after = decodePageToken(
        request.pageToken,
        workspaceId,
        signature,
        isCursorFor(query.order.field),
      );
      const limit = pageSize(request.pageSize);
      const rows = await uow.repos.tasks.list(workspaceId, query, { limit: limit + 1, after });
      const tasks = rows.slice(0, limit);
      const last = tasks[tasks.length - 1];
      const nextPageToken =
        rows.length > limit && last
          ? encodePageToken(workspaceId, signature, cursorOf(last, query.order.field))
          : "";
      return { tasks, nextPageToken };
    },

    async update(
      caller: Caller,
      workspaceId: string,
      id: string,
      patch: Partial<TaskFields>,
      etag?: string,
    ) {
      await checkReferences(uow.repos, workspaceId, patch);
      return mutate(caller, workspaceId, id, etag, (task, now) => ({
        task: updateTask(task, patch, now, caller.actor),
        kind: "UPDATED",
      }));
    },

    complete: (caller: Caller, workspaceId: string, id: string, etag?: string) =>
      uow.run(async (repos) => {
        const task = await requireTask(repos.tasks, workspaceId, id, true);
        checkEtag(task, etag);
        await requireWritableProject(repos, task);
        const now = clock.now();
        const outcome = completeTask(task, now, caller.actor);
        await repos.tasks.update(outcome.task);
        await repos.tasks.recordCompletion(outcome.task, task.due?.date ?? null, now);
        await repos.changes.append(taskChange("COMPLETED", outcome.task, caller.actor));
        return outcome.task;
      }),

    reopen: (caller: Caller, workspaceId: string, id: string, etag?: string) =>
      mutate(caller, workspaceId, id, etag, (task, now) => ({
        task: reopenTask(task, now, caller.actor),
        kind: "REOPENED",
      })),

    cancel: (caller: Caller, workspaceId: string, id: string, etag?: string) =>
      mutate(caller, workspaceId, id, etag, (task, now) => ({
        task: cancelTask(task, now, caller.actor),
        kind: "CANCELLED",
      })),

    delete: (caller: Caller, workspaceId: string, id: string, etag?: string) =>
      mutate(caller, workspaceId, id, etag, (task, now) => ({
        task: deleteTask(task, now, caller.actor),
        kind: "DELETED",
      })),

    undelete: (caller: Caller, workspaceId: string, id: string, etag?: string) =>
      mutate(caller, workspaceId, id, etag, (task, now) => ({
        task: undeleteTask(task, now, caller.actor),
        kind: "UNDELETED",
      })),
  };
}

function cursorOf(
  task: Task,
  field: "create_time" | "update_time" | "due" | "priority",
): TaskCursor {
  switch (field) {
    case "create_time":
      return { key: task.createTime.toISOString(), id: task.id };
    case "update_time":
      return { key: task.updateTime.toISOString(), id: task.id };
    case "due":
      return { key: task.due?.date ?? "infinity", id: task.id };
    case "priority":
      return { key: task.priority, id: task.id };
  }
}

export type TaskUseCases = ReturnType<typeof createTaskUseCases>;
