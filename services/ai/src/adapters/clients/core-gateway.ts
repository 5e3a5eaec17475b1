import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";
import {
  Priority,
  ProjectService,
  ProjectState,
  Role as RoleProto,
  type Task,
  TaskSchema,
  TaskService,
  TaskState,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import { ErrorInfoSchema } from "@glidepath/contracts/google";
import { type ClientTls, createServiceClient } from "@glidepath/runtime";
import type { Caller, CoreGateway, NewTask, TaskPage } from "../../app/ports.js";
import {
  AbortedError,
  DependencyUnavailableError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
} from "../../domain/errors.js";
import { projectName, taskName, workspaceName } from "../../domain/names.js";
import type { HistoryTask } from "../../domain/suggest/index.js";
import type { ProjectRef } from "../../domain/task-from-text.js";

// Core, called on behalf of the caller: the caller's own bearer token is forwarded, so core
// applies its own authorization to every read and write, and ai's own service token travels
// beside it (`x-glidepath-service-token`), so core knows ai made the call and records ai's
// writes as made by AI for that user.

/**
 * How to call core as the caller: their token and their deadline. Not their cancellation: a
 * read may be shared by concurrent calls of the same workspace (caches, a first training), and
 * one caller going away must not fail the others; the deadline still bounds the work.
 */
export interface CoreCredentials {
  authorization: string;
  /** When the caller's deadline passes (epoch ms), if it has one. */
  deadline?: number;
}

export type Role = "OWNER" | "ADMIN" | "MEMBER" | "VIEWER";

const roles: Partial<Record<RoleProto, Role>> = {
  [RoleProto.OWNER]: "OWNER",
  [RoleProto.ADMIN]: "ADMIN",
  [RoleProto.MEMBER]: "MEMBER",
  [RoleProto.VIEWER]: "VIEWER",
};

const credentialsOf = (caller: Caller) => caller.credentials as CoreCredentials;

export interface CoreClients {
  tasks: Client<typeof TaskService>;
  projects: Client<typeof ProjectService>;
  workspaces: Client<typeof WorkspaceService>;
  timeoutMs: number;
}

/** `tls`: for an https:// `baseUrl`, the CA to verify core against and ai's client certificate. */
export function createCoreClients(
  baseUrl: string,
  timeoutMs: number,
  tls?: ClientTls,
  /** ai's own token for core (its service identity), sent with every call. */
  serviceToken?: () => Promise<string>,
): CoreClients {
  const options = { baseUrl, timeoutMs, tls, serviceToken };
  return {
    tasks: createServiceClient(TaskService, options),
    projects: createServiceClient(ProjectService, options),
    workspaces: createServiceClient(WorkspaceService, options),
    timeoutMs,
  };
}

/** Call options: the caller's token, and the shorter of their deadline and ours. */
function callOptions(credentials: CoreCredentials, defaultTimeoutMs: number): CallOptions {
  const left = credentials.deadline === undefined ? undefined : credentials.deadline - Date.now();
  if (left !== undefined && left <= 0) throw new DependencyUnavailableError(true);
  return {
    headers: { authorization: credentials.authorization },
    // A timeout of 0 would mean none: keep at least 1 ms.
    timeoutMs: Math.max(1, Math.min(left ?? defaultTimeoutMs, defaultTimeoutMs)),
  };
}

interface Translation {
  /** The caller's request field that core's INVALID_ARGUMENT is about. */
  invalidField?: string;
  notFound?: NotFoundError["resource"];
}

/** Core's answer, in the ai service's terms: its caller never sees core's field names. */
export function translateCoreError(error: unknown, context: Translation = {}): unknown {
  if (!(error instanceof ConnectError)) return error;
  const reason = error.findDetails(ErrorInfoSchema)[0]?.reason;
  switch (error.code) {
    case Code.InvalidArgument:
      return context.invalidField
        ? InvalidInputError.field(context.invalidField, error.rawMessage.slice(0, 300))
        : new Error(`core refused a request ai built: ${error.rawMessage}`);
    case Code.NotFound:
      return context.notFound ? new NotFoundError(context.notFound) : error;
    case Code.PermissionDenied:
    case Code.Unauthenticated:
      return new PermissionDeniedError();
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
      return new FailedPreconditionError(reason ?? "FAILED_PRECONDITION", error.rawMessage);
    case Code.Aborted:
      return new AbortedError(reason ?? "ABORTED", error.rawMessage);
    case Code.Unavailable:
    case Code.ResourceExhausted:
      return new DependencyUnavailableError(false);
    case Code.DeadlineExceeded:
      return new DependencyUnavailableError(true);
    case Code.Canceled:
      return error;
    default:
      // INTERNAL and the like: ours becomes an opaque INTERNAL, the cause logged.
      return new Error(`core failed: ${Code[error.code]} ${error.rawMessage}`);
  }
}

/** Runs a call that has no side effects; one retry (after a short, jittered pause) when core is
 * momentarily unavailable. */
async function read<R>(call: () => Promise<R>, context: Translation = {}): Promise<R> {
  try {
    return await call();
  } catch (first) {
    if (!(first instanceof ConnectError) || first.code !== Code.Unavailable) {
      throw translateCoreError(first, context);
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
    try {
      return await call();
    } catch (second) {
      throw translateCoreError(second, context);
    }
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Core's task as the history the suggestion models learn from. */
export function historyTaskOf(task: Task): HistoryTask {
  const id = task.name.split("/")[3] ?? "";
  const date = task.due?.date;
  const time = task.due?.time;
  const deleted = task.deleteTime !== undefined;
  const state =
    task.state === TaskState.DONE
      ? "DONE"
      : task.state === TaskState.CANCELLED
        ? "CANCELLED"
        : "OPEN";
  const iso = (t: Task["createTime"]) => (t ? timestampDate(t).toISOString() : null);
  return {
    id,
    title: task.title,
    notes: task.notes,
    labels: [...task.labels],
    projectId: task.project ? (task.project.split("/")[3] ?? null) : null,
    priority: (task.priority === Priority.UNSPECIFIED
      ? 4
      : task.priority) as HistoryTask["priority"],
    due: date
      ? {
          date: `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`,
          ...(time ? { time: `${pad(time.hours)}:${pad(time.minutes)}` } : {}),
        }
      : null,
    durationMinutes: task.duration ? Number(task.duration.seconds) / 60 : null,
    // A task deleted while open was given up on: to the models it was cancelled.
    state: deleted && state === "OPEN" ? "CANCELLED" : state,
    createTime: iso(task.createTime) ?? new Date(0).toISOString(),
    updateTime: iso(task.updateTime) ?? new Date(0).toISOString(),
    completeTime: iso(task.completeTime),
  };
}

function toProtoTask(task: NewTask, workspaceId: string) {
  const [year, month, day] = (task.due?.date ?? "0-0-0").split("-").map(Number) as number[];
  const [hours, minutes] = (task.due?.time ?? "0:0").split(":").map(Number) as number[];
  return create(TaskSchema, {
    title: task.title,
    priority: task.priority as Priority,
    due: task.due
      ? {
          date: { year, month, day },
          ...(task.due.time ? { time: { hours, minutes }, timeZone: task.due.timeZone ?? "" } : {}),
        }
      : undefined,
    recurrence: task.recurrence ?? "",
    labels: task.labels,
    project: task.projectId ? projectName(workspaceId, task.projectId) : "",
    duration: task.durationMinutes ? { seconds: BigInt(task.durationMinutes * 60) } : undefined,
    source: {
      text: task.source.text,
      referenceTime: task.source.referenceTime,
      timeZone: task.source.timeZone,
      parserVersion: task.source.parserVersion,
    },
  });
}

/** The core gateway of the use cases, over core's gRPC clients. */
export function createCoreGateway(clients: CoreClients): CoreGateway<Task> {
  const opts = (caller: Caller) => callOptions(credentialsOf(caller), clients.timeoutMs);
  const parent = (caller: Caller) => workspaceName(caller.workspaceId);

  return {
    async listProjects(caller) {
      const projects: ProjectRef[] = [];
      let pageToken = "";
      do {
        const page = await read(() =>
          clients.projects.listProjects(
            { parent: parent(caller), pageSize: 1000, pageToken, showArchived: true },
            opts(caller),
          ),
        );
        for (const p of page.projects) {
          projects.push({
            id: p.name.split("/")[3] ?? "",
            displayName: p.displayName,
            archived: p.state === ProjectState.ARCHIVED,
          });
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      return projects;
    },

    async createTask(caller, task, requestId) {
      const request = {
        parent: parent(caller),
        task: toProtoTask(task, caller.workspaceId),
        requestId: requestId ?? "",
      };
      const call = () => clients.tasks.createTask(request, opts(caller));
      // Only a create with a request id is safe to send twice.
      const response = requestId
        ? await read(call, { invalidField: "text" })
        : await call().catch((e) => {
            throw translateCoreError(e, { invalidField: "text" });
          });
      if (!response.task) throw new Error("core answered CreateTask without a task");
      return response.task;
    },

    async listTasks(caller, query): Promise<TaskPage<Task>> {
      const page = await read(
        () =>
          clients.tasks.listTasks(
            {
              parent: parent(caller),
              filter: query.filter,
              orderBy: query.orderBy,
              pageSize: query.pageSize,
              pageToken: query.pageToken,
            },
            opts(caller),
          ),
        // The filter is ours; only the page token is the caller's.
        { invalidField: "page_token" },
      );
      return { tasks: page.tasks, nextPageToken: page.nextPageToken };
    },

    async getTask(caller, taskId) {
      const { task } = await read(
        () => clients.tasks.getTask({ name: taskName(caller.workspaceId, taskId) }, opts(caller)),
        { notFound: "task" },
      );
      if (!task) throw new NotFoundError("task");
      return { task: historyTaskOf(task), etag: task.etag };
    },

    async readTasks(caller, options) {
      const tasks: HistoryTask[] = [];
      const etags = new Map<string, string>();
      let pageToken = "";
      do {
        const page = await read(() =>
          clients.tasks.listTasks(
            {
              parent: parent(caller),
              pageSize: 1000,
              pageToken,
              showDeleted: options.showDeleted,
              filter: options.filter ?? "",
            },
            opts(caller),
          ),
        );
        for (const t of page.tasks) {
          const history = historyTaskOf(t);
          tasks.push(history);
          etags.set(history.id, t.etag);
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      return { tasks, etags };
    },
  };
}

/**
 * The caller's role in a workspace, as core sees it (GetWorkspace answers with the caller's
 * role; a non-member, or a workspace that doesn't exist, is PERMISSION_DENIED there).
 */
export function createCoreRoleLookup(clients: CoreClients) {
  return async (workspaceId: string, credentials: CoreCredentials): Promise<Role | undefined> => {
    try {
      const { workspace } = await read(() =>
        clients.workspaces.getWorkspace(
          { name: workspaceName(workspaceId) },
          callOptions(credentials, clients.timeoutMs),
        ),
      );
      return workspace ? roles[workspace.callerRole] : undefined;
    } catch (e) {
      if (e instanceof PermissionDeniedError || e instanceof NotFoundError) return undefined;
      if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
      throw e;
    }
  };
}
