import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Duration, type FieldMask, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  Actor as ActorProto,
  ChangeKind as ChangeKindProto,
  type Change as ChangeProto,
  type ChangeSchema,
  type Due as DueProto,
  type MemberSchema,
  Priority as PriorityProto,
  ProjectSchema,
  ProjectState,
  Role as RoleProto,
  type Task as TaskProto,
  TaskSchema,
  TaskState as TaskStateProto,
  type WorkspaceSchema,
} from "@glidepath/contracts/core/v1";
import type { Actor } from "../../domain/actor.js";
import type { Change } from "../../domain/change.js";
import { type Due, dueInstant, makeDue } from "../../domain/due.js";
import { InvalidInputError } from "../../domain/errors.js";
import {
  memberName,
  parseChildName,
  projectName,
  taskName,
  workspaceName,
} from "../../domain/names.js";
import type { Project, ProjectFields } from "../../domain/project.js";
import type { Role } from "../../domain/roles.js";
import type { Priority, Task, TaskFields, TaskSource } from "../../domain/task.js";
import type { Member, Workspace } from "../../domain/workspace.js";

// Proto ⇄ domain. Generated types stop here: use cases see domain values only.

const etag = (version: number) => `"${version}"`;

export const roleToProto: Record<Role, RoleProto> = {
  OWNER: RoleProto.OWNER,
  ADMIN: RoleProto.ADMIN,
  MEMBER: RoleProto.MEMBER,
  VIEWER: RoleProto.VIEWER,
};

export function roleFromProto(role: RoleProto, field: string): Role {
  const found = (Object.entries(roleToProto) as [Role, RoleProto][]).find(([, p]) => p === role);
  if (!found) throw InvalidInputError.field(field, "must be OWNER, ADMIN, MEMBER or VIEWER");
  return found[0];
}

export const workspaceToProto = (
  w: Workspace,
  callerRole: Role | undefined,
): MessageInitShape<typeof WorkspaceSchema> => ({
  name: workspaceName(w.id),
  displayName: w.displayName,
  callerRole: callerRole ? roleToProto[callerRole] : RoleProto.UNSPECIFIED,
  createTime: timestampFromDate(w.createTime),
  updateTime: timestampFromDate(w.updateTime),
  etag: etag(w.version),
});

export const memberToProto = (m: Member): MessageInitShape<typeof MemberSchema> => ({
  name: memberName(m.workspaceId, m.user),
  user: m.user,
  role: roleToProto[m.role],
  createTime: timestampFromDate(m.createTime),
  updateTime: timestampFromDate(m.updateTime),
  etag: etag(m.version),
});

export const projectToProto = (p: Project): MessageInitShape<typeof ProjectSchema> => ({
  name: projectName(p.workspaceId, p.id),
  displayName: p.displayName,
  description: p.description,
  state: p.state === "ACTIVE" ? ProjectState.ACTIVE : ProjectState.ARCHIVED,
  createTime: timestampFromDate(p.createTime),
  updateTime: timestampFromDate(p.updateTime),
  archiveTime: p.archiveTime ? timestampFromDate(p.archiveTime) : undefined,
  etag: etag(p.version),
});

const actorToProto = (a: Actor) => ({
  actor: { USER: ActorProto.USER, AI: ActorProto.AI, AUTONOMY: ActorProto.AUTONOMY }[a.kind],
  user: a.user,
  service: a.service ?? "",
});

const stateToProto = {
  OPEN: TaskStateProto.OPEN,
  DONE: TaskStateProto.DONE,
  CANCELLED: TaskStateProto.CANCELLED,
} as const;

function dueToProto(due: Due) {
  const [year, month, day] = due.date.split("-").map(Number) as [number, number, number];
  const instant = dueInstant(due);
  if (!due.time) return { date: { year, month, day } };
  const [hours, minutes, seconds] = due.time.split(":").map(Number) as [number, number, number];
  return {
    date: { year, month, day },
    time: { hours, minutes, seconds },
    timeZone: due.timeZone ?? "",
    instant: instant ? timestampFromDate(instant) : undefined,
  };
}

export const taskToProto = (t: Task): TaskProto =>
  create(TaskSchema, {
    name: taskName(t.workspaceId, t.id),
    title: t.title,
    notes: t.notes,
    state: stateToProto[t.state],
    priority: t.priority as PriorityProto,
    due: t.due ? dueToProto(t.due) : undefined,
    recurrence: t.recurrence ?? "",
    labels: t.labels,
    project: t.projectId ? projectName(t.workspaceId, t.projectId) : "",
    duration: t.durationMinutes ? { seconds: BigInt(t.durationMinutes * 60) } : undefined,
    assignee: t.assignee ?? "",
    provenance: actorToProto(t.provenance),
    source: t.source ?? undefined,
    createTime: timestampFromDate(t.createTime),
    updateTime: timestampFromDate(t.updateTime),
    completeTime: t.completeTime ? timestampFromDate(t.completeTime) : undefined,
    deleteTime: t.deleteTime ? timestampFromDate(t.deleteTime) : undefined,
    etag: etag(t.version),
    completionCount: t.completionCount,
  });

const changeKinds = {
  CREATED: ChangeKindProto.CREATED,
  UPDATED: ChangeKindProto.UPDATED,
  DELETED: ChangeKindProto.DELETED,
  UNDELETED: ChangeKindProto.UNDELETED,
  COMPLETED: ChangeKindProto.COMPLETED,
  REOPENED: ChangeKindProto.REOPENED,
  CANCELLED: ChangeKindProto.CANCELLED,
  ARCHIVED: ChangeKindProto.ARCHIVED,
  UNARCHIVED: ChangeKindProto.UNARCHIVED,
} as const;

export function changeToProto(c: Change): MessageInitShape<typeof ChangeSchema> {
  const snapshot: ChangeProto["snapshot"] =
    c.snapshot.type === "task"
      ? { case: "task", value: taskToProto(c.snapshot.task) }
      : { case: "project", value: create(ProjectSchema, projectToProto(c.snapshot.project)) };
  return {
    cursor: c.position.toString(),
    kind: changeKinds[c.kind],
    resource:
      c.snapshot.type === "task"
        ? taskName(c.workspaceId, c.snapshot.task.id)
        : projectName(c.workspaceId, c.snapshot.project.id),
    snapshot,
    changeTime: timestampFromDate(c.changeTime),
    provenance: actorToProto(c.actor),
  };
}

// Requests → domain.

function dueFromProto(due: DueProto | undefined, field: string): Due | null {
  if (!due?.date) return null;
  return makeDue(
    {
      date: due.date,
      time: due.time
        ? { hours: due.time.hours, minutes: due.time.minutes, seconds: due.time.seconds }
        : undefined,
      timeZone: due.timeZone,
    },
    field,
  );
}

function durationFromProto(duration: Duration | undefined, field: string): number | null {
  if (!duration) return null;
  const seconds = Number(duration.seconds);
  if (duration.nanos !== 0 || seconds % 60 !== 0) {
    throw InvalidInputError.field(field, "must be a whole number of minutes");
  }
  return seconds / 60;
}

function projectIdFromProto(project: string, workspaceId: string, field: string): string | null {
  if (!project) return null;
  const parsed = parseChildName(project, "projects", field);
  if (parsed.workspaceId !== workspaceId) {
    throw InvalidInputError.field(field, "no such project in this workspace");
  }
  return parsed.id;
}

const priorityFromProto = (p: PriorityProto): Priority =>
  p === PriorityProto.UNSPECIFIED ? 4 : (p as number as Priority);

/** Every client-settable field of a task, read from a request's Task. */
export function taskFieldsFromProto(task: TaskProto, workspaceId: string): TaskFields {
  return {
    title: task.title,
    notes: task.notes,
    priority: priorityFromProto(task.priority),
    due: dueFromProto(task.due, "task.due"),
    recurrence: task.recurrence || null,
    labels: task.labels,
    projectId: projectIdFromProto(task.project, workspaceId, "task.project"),
    durationMinutes: durationFromProto(task.duration, "task.duration"),
    assignee: task.assignee || null,
  };
}

export function taskSourceFromProto(task: TaskProto): TaskSource | null {
  if (!task.source?.text) return null;
  return {
    text: task.source.text,
    referenceTime: task.source.referenceTime,
    timeZone: task.source.timeZone,
    parserVersion: task.source.parserVersion,
  };
}

const taskMaskFields: Record<string, keyof TaskFields> = {
  title: "title",
  notes: "notes",
  priority: "priority",
  due: "due",
  recurrence: "recurrence",
  labels: "labels",
  project: "projectId",
  duration: "durationMinutes",
  assignee: "assignee",
};

/** The fields an update changes: those named by `update_mask`, or all when it is empty. */
export function taskPatchFromProto(
  task: TaskProto,
  mask: FieldMask | undefined,
  workspaceId: string,
): Partial<TaskFields> {
  const all = taskFieldsFromProto(task, workspaceId);
  const paths = mask?.paths.length ? mask.paths : Object.keys(taskMaskFields);
  const patch: Partial<TaskFields> = {};
  for (const path of paths) {
    const key = taskMaskFields[path];
    if (!key) throw InvalidInputError.field("update_mask", `can't update ${path.slice(0, 40)}`);
    (patch as Record<string, unknown>)[key] = all[key];
  }
  return patch;
}

export function projectPatchFromProto(
  project: { displayName: string; description: string },
  mask: FieldMask | undefined,
): Partial<ProjectFields> {
  const paths = mask?.paths.length ? mask.paths : ["display_name", "description"];
  const patch: Partial<ProjectFields> = {};
  for (const path of paths) {
    if (path === "display_name") patch.displayName = project.displayName;
    else if (path === "description") patch.description = project.description;
    else throw InvalidInputError.field("update_mask", `can't update ${path.slice(0, 40)}`);
  }
  return patch;
}
