import type { CalibrationReport, HistoryTask } from "../domain/suggest/index.js";
import type { ProjectRef, TaskSourceRecord } from "../domain/task-from-text.js";

// What the use cases need from the world. Adapters implement these: core over gRPC
// (adapters/clients), the ai schema over SQL (adapters/db).

export interface Clock {
  now(): Date;
}

/**
 * Who is calling and how to call core as them: the caller's own bearer token is forwarded
 * (on behalf of), with the caller's deadline and cancellation. Opaque to the use cases.
 */
export interface Caller {
  user: string;
  workspaceId: string;
  /** Passed through to the core gateway untouched. */
  credentials: unknown;
}

/** A task to create in core, in domain terms. */
export interface NewTask {
  title: string;
  priority: 1 | 2 | 3 | 4;
  due: { date: string; time?: string; timeZone?: string } | null;
  recurrence: string | null;
  labels: string[];
  projectId: string | null;
  durationMinutes: number | null;
  source: TaskSourceRecord;
}

export interface TaskPage<T> {
  tasks: T[];
  nextPageToken: string;
}

/**
 * Core, called on behalf of the caller. `T` is core's task as the transport carries it: the
 * use cases hand it back to the caller unread (CreateTaskFromText, SearchTasks).
 */
export interface CoreGateway<T> {
  /**
   * Every project of the workspace, archived ones included. May come from a cache a couple of
   * seconds old unless `fresh`.
   */
  listProjects(caller: Caller, options?: { fresh?: boolean }): Promise<ProjectRef[]>;
  /** Creates a task; `requestId` makes it idempotent in core (AIP-155). */
  createTask(caller: Caller, task: NewTask, requestId: string | undefined): Promise<T>;
  /** One page of ListTasks. */
  listTasks(
    caller: Caller,
    query: { filter: string; orderBy: string; pageSize: number; pageToken: string },
  ): Promise<TaskPage<T>>;
  /** One task, as history; NotFoundError when it isn't in the workspace. */
  getTask(caller: Caller, taskId: string): Promise<{ task: HistoryTask; etag: string }>;
  /** Every task of the workspace (deleted ones included when `showDeleted`), as history. */
  readTasks(
    caller: Caller,
    options: { showDeleted: boolean; filter?: string },
  ): Promise<{ tasks: HistoryTask[]; etags: Map<string, string> }>;
}

export interface ModelRecord {
  workspaceId: string;
  version: number;
  createTime: Date;
  /** Tasks the model learned from. */
  exampleCount: number;
  /** The engine's content version, e.g. `suggest/1-1a2b3c4d5e6f`. */
  modelVersion: string;
  /** The IANA zone whose days the model counts in. */
  timeZone: string;
  trainedBy: string;
  trainingMillis: number;
  /** Said to the user when the history is too thin; null when it isn't. */
  historyNote: string | null;
  /** The engine's per-kind calibration reports, kept verbatim. */
  reports: CalibrationReport[];
}

export interface NewModelRecord extends Omit<ModelRecord, "version" | "createTime"> {
  /** The serialised model. */
  payload: string;
  requestId: string | null;
}

export interface ModelRepository {
  /** The newest version's number, or undefined when the workspace has no model. */
  latestVersion(workspaceId: string): Promise<number | undefined>;
  get(workspaceId: string, version: number): Promise<ModelRecord | undefined>;
  /** The serialised model of a version. */
  payload(workspaceId: string, version: number): Promise<string | undefined>;
  /** Newest first, versions below `before` when given. */
  list(workspaceId: string, limit: number, before?: number): Promise<ModelRecord[]>;
  /** The model a (user, request id) pair trained, when it is still kept. */
  findByRequest(
    workspaceId: string,
    user: string,
    requestId: string,
  ): Promise<ModelRecord | undefined>;
  /**
   * Stores a new version (the next number) in one transaction, pruning versions beyond the
   * newest `keep`. With a request id a concurrent duplicate returns the stored one instead.
   */
  insert(record: NewModelRecord, keep: number): Promise<ModelRecord>;
}
