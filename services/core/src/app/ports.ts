import type { Change, NewChange } from "../domain/change.js";
import type { Project } from "../domain/project.js";
import type { Role } from "../domain/roles.js";
import type { Task } from "../domain/task.js";
import type { FilterNode, TaskOrder } from "../domain/task-query.js";
import type { Member, Workspace } from "../domain/workspace.js";

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new time-ordered UUID. */
  next(): string;
}

/** A page of keyset pagination: rows after `after` in the query's order. */
export interface PageRequest<K> {
  limit: number;
  after?: K;
}

export interface WorkspaceRepository {
  get(id: string): Promise<Workspace | undefined>;
  getForUpdate(id: string): Promise<Workspace | undefined>;
  /** The caller's workspaces with the caller's role, ordered by id. */
  listForUser(
    user: string,
    page: PageRequest<string>,
  ): Promise<{ workspace: Workspace; role: Role }[]>;
  insert(workspace: Workspace): Promise<void>;
  update(workspace: Workspace): Promise<void>;
}

export interface MemberRepository {
  role(workspaceId: string, user: string): Promise<Role | undefined>;
  get(workspaceId: string, user: string): Promise<Member | undefined>;
  getForUpdate(workspaceId: string, user: string): Promise<Member | undefined>;
  list(workspaceId: string, page: PageRequest<string>): Promise<Member[]>;
  /** Locks the workspace's owners (so two demotions can't both pass) and counts them. */
  countOwnersForUpdate(workspaceId: string): Promise<number>;
  /** False when the user is already a member. */
  insert(member: Member): Promise<boolean>;
  update(member: Member): Promise<void>;
  delete(workspaceId: string, user: string): Promise<void>;
}

export interface ProjectRepository {
  get(workspaceId: string, id: string): Promise<Project | undefined>;
  getForUpdate(workspaceId: string, id: string): Promise<Project | undefined>;
  list(
    workspaceId: string,
    showArchived: boolean,
    page: PageRequest<{ createTime: string; id: string }>,
  ): Promise<Project[]>;
  insert(project: Project): Promise<void>;
  update(project: Project): Promise<void>;
  delete(workspaceId: string, id: string): Promise<void>;
  countOpenTasks(workspaceId: string, id: string): Promise<number>;
}

export interface TaskListQuery {
  filter?: FilterNode;
  order: TaskOrder;
  showDeleted: boolean;
}

/** Where a page ended: the sort key of its last row and its id. */
export interface TaskCursor {
  /** ISO time, `YYYY-MM-DD` or `infinity` (no due date), or a priority. */
  key: string | number;
  id: string;
}

export interface TaskRepository {
  get(workspaceId: string, id: string): Promise<Task | undefined>;
  getForUpdate(workspaceId: string, id: string): Promise<Task | undefined>;
  getMany(workspaceId: string, ids: string[]): Promise<Task[]>;
  list(workspaceId: string, query: TaskListQuery, page: PageRequest<TaskCursor>): Promise<Task[]>;
  /** Every task of the project, deleted ones included, locked for update. */
  listProjectTasksForUpdate(workspaceId: string, projectId: string): Promise<Task[]>;
  /**
   * Inserts a task with its change (and request record) in one atomic write. With a request
   * record whose id is already taken, writes nothing and returns false.
   */
  insert(task: Task, change: NewChange, request?: RequestRecord): Promise<boolean>;
  update(task: Task): Promise<void>;
  recordCompletion(task: Task, occurrence: string | null, at: Date): Promise<void>;
}

export interface ChangeLog {
  append(change: NewChange): Promise<void>;
  /** Changes of a workspace after `position`, in feed order. */
  list(workspaceId: string, afterPosition: bigint, limit: number): Promise<Change[]>;
  /** Changes of every workspace after `position`, in feed order (for services only). */
  listAll(afterPosition: bigint, limit: number): Promise<Change[]>;
}

export type RecordedResponse =
  | { type: "task"; task: Task }
  | { type: "project"; project: Project }
  | { type: "workspace"; workspace: Workspace };

/** AIP-155: what a request id was first used for, and what it answered. */
export interface RequestRecord {
  workspaceId: string;
  principal: string;
  requestId: string;
  /** Hash of the request's content: a retry must match it. */
  fingerprint: string;
  /** The original response. */
  response: RecordedResponse;
}

export interface RequestLog {
  find(
    workspaceId: string,
    principal: string,
    requestId: string,
  ): Promise<RequestRecord | undefined>;
  /** False when the id is already recorded (a concurrent first use won). */
  insert(record: RequestRecord): Promise<boolean>;
}

export interface Repositories {
  workspaces: WorkspaceRepository;
  members: MemberRepository;
  projects: ProjectRepository;
  tasks: TaskRepository;
  changes: ChangeLog;
  requests: RequestLog;
}

/** Runs `work` in one ACID transaction; every repository it gets writes inside it. */
export interface UnitOfWork {
  readonly repos: Repositories;
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}
