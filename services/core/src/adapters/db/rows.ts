import type { Actor } from "../../domain/actor.js";
import type { Change, ChangeKind, ChangeSnapshot } from "../../domain/change.js";
import type { Project } from "../../domain/project.js";
import type { Role } from "../../domain/roles.js";
import type { Priority, Task, TaskState } from "../../domain/task.js";
import type { Member, Workspace } from "../../domain/workspace.js";

/** node-postgres hands timestamps over as text here (MikroORM's type parsers). */
const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const toDateOrNull = (value: Date | string | null) => (value === null ? null : toDate(value));

// Rows ⇄ domain objects. Dates and times are selected as text (`::text`) so no time zone of
// this process ever shifts a calendar date.

export const taskColumns = `
  t.workspace_id, t.id, t.title, t.notes, t.state, t.priority,
  t.due_date::text as due_date, t.due_time::text as due_time, t.due_time_zone,
  t.recurrence, t.project_id, t.duration_minutes, t.assignee,
  t.actor, t.actor_user, t.actor_service,
  t.source_text, t.source_reference_time, t.source_time_zone, t.source_parser_version,
  t.create_time, t.update_time, t.complete_time, t.delete_time, t.completion_count, t.version,
  array(select l.label from core.task_labels l
        where l.workspace_id = t.workspace_id and l.task_id = t.id order by l.label) as labels`;

export interface TaskRow {
  workspace_id: string;
  id: string;
  title: string;
  notes: string;
  state: TaskState;
  priority: number;
  due_date: string | null;
  due_time: string | null;
  due_time_zone: string | null;
  recurrence: string | null;
  project_id: string | null;
  duration_minutes: number | null;
  assignee: string | null;
  actor: Actor["kind"];
  actor_user: string;
  actor_service: string | null;
  source_text: string | null;
  source_reference_time: string | null;
  source_time_zone: string | null;
  source_parser_version: string | null;
  create_time: Date;
  update_time: Date;
  complete_time: Date | null;
  delete_time: Date | null;
  completion_count: number;
  version: number;
  labels: string[];
}

export const actorOf = (kind: Actor["kind"], user: string, service: string | null): Actor =>
  service ? { kind, user, service } : { kind, user };

export function taskFromRow(row: TaskRow): Task {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    title: row.title,
    notes: row.notes,
    state: row.state,
    priority: row.priority as Priority,
    due: row.due_date
      ? row.due_time && row.due_time_zone
        ? { date: row.due_date, time: row.due_time, timeZone: row.due_time_zone }
        : { date: row.due_date }
      : null,
    recurrence: row.recurrence,
    labels: row.labels,
    projectId: row.project_id,
    durationMinutes: row.duration_minutes,
    assignee: row.assignee,
    provenance: actorOf(row.actor, row.actor_user, row.actor_service),
    source:
      row.source_text === null
        ? null
        : {
            text: row.source_text,
            referenceTime: row.source_reference_time ?? "",
            timeZone: row.source_time_zone ?? "",
            parserVersion: row.source_parser_version ?? "",
          },
    createTime: toDate(row.create_time),
    updateTime: toDate(row.update_time),
    completeTime: toDateOrNull(row.complete_time),
    deleteTime: toDateOrNull(row.delete_time),
    completionCount: row.completion_count,
    version: row.version,
  };
}

export interface ProjectRow {
  workspace_id: string;
  id: string;
  display_name: string;
  description: string;
  state: Project["state"];
  archive_time: Date | null;
  create_time: Date;
  update_time: Date;
  version: number;
}

export const projectFromRow = (row: ProjectRow): Project => ({
  workspaceId: row.workspace_id,
  id: row.id,
  displayName: row.display_name,
  description: row.description,
  state: row.state,
  archiveTime: toDateOrNull(row.archive_time),
  createTime: toDate(row.create_time),
  updateTime: toDate(row.update_time),
  version: row.version,
});

export interface WorkspaceRow {
  workspace_id: string;
  display_name: string;
  create_time: Date;
  update_time: Date;
  version: number;
}

export const workspaceFromRow = (row: WorkspaceRow): Workspace => ({
  id: row.workspace_id,
  displayName: row.display_name,
  createTime: toDate(row.create_time),
  updateTime: toDate(row.update_time),
  version: row.version,
});

export interface MemberRow {
  workspace_id: string;
  user_id: string;
  role: Role;
  create_time: Date;
  update_time: Date;
  version: number;
}

export const memberFromRow = (row: MemberRow): Member => ({
  workspaceId: row.workspace_id,
  user: row.user_id,
  role: row.role,
  createTime: toDate(row.create_time),
  updateTime: toDate(row.update_time),
  version: row.version,
});

// Snapshots (change feed, request records) are JSON; these bring their dates back.

const dateKeys = new Set(["createTime", "updateTime", "completeTime", "deleteTime", "archiveTime"]);

export function reviveDates<T>(json: unknown): T {
  return JSON.parse(JSON.stringify(json), (key, value) =>
    dateKeys.has(key) && typeof value === "string" ? new Date(value) : value,
  ) as T;
}

export interface ChangeRow {
  workspace_id: string;
  position: string;
  kind: ChangeKind;
  snapshot: ChangeSnapshot;
  actor: Actor["kind"];
  actor_user: string;
  actor_service: string | null;
  change_time: Date;
}

export const changeFromRow = (row: ChangeRow): Change => ({
  workspaceId: row.workspace_id,
  position: BigInt(row.position),
  kind: row.kind,
  snapshot: reviveDates<ChangeSnapshot>(row.snapshot),
  actor: actorOf(row.actor, row.actor_user, row.actor_service),
  changeTime: toDate(row.change_time),
});
