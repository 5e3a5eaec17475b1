import type { Actor } from "./actor.js";
import type { Project } from "./project.js";
import type { Task } from "./task.js";

export type ChangeKind =
  | "CREATED"
  | "UPDATED"
  | "DELETED"
  | "UNDELETED"
  | "COMPLETED"
  | "REOPENED"
  | "CANCELLED"
  | "ARCHIVED"
  | "UNARCHIVED";

export type ChangeSnapshot = { type: "task"; task: Task } | { type: "project"; project: Project };

/** A change as written, in the same transaction as the change itself (transactional outbox). */
export interface NewChange {
  workspaceId: string;
  kind: ChangeKind;
  snapshot: ChangeSnapshot;
  actor: Actor;
}

/** A change as read from the feed, in commit order. */
export interface Change extends NewChange {
  /** Position in the feed: strictly increasing within a workspace. */
  position: bigint;
  changeTime: Date;
}

export const taskChange = (kind: ChangeKind, task: Task, actor: Actor): NewChange => ({
  workspaceId: task.workspaceId,
  kind,
  snapshot: { type: "task", task },
  actor,
});

export const projectChange = (kind: ChangeKind, project: Project, actor: Actor): NewChange => ({
  workspaceId: project.workspaceId,
  kind,
  snapshot: { type: "project", project },
  actor,
});
