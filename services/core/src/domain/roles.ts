import { FailedPreconditionError, PermissionDeniedError } from "./errors.js";

export const roles = ["OWNER", "ADMIN", "MEMBER", "VIEWER"] as const;
export type Role = (typeof roles)[number];

/** What a role may do in its workspace. docs/security.md renders this table. */
export const permissions = {
  "workspace.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
  "workspace.update": ["OWNER", "ADMIN"],
  "member.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
  "member.manage": ["OWNER", "ADMIN"],
  "project.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
  "project.write": ["OWNER", "ADMIN", "MEMBER"],
  "project.delete": ["OWNER", "ADMIN"],
  "task.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
  "task.write": ["OWNER", "ADMIN", "MEMBER"],
  "change.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}

export interface Membership {
  user: string;
  role: Role;
}

/**
 * Member management rules beyond the table: only an OWNER grants, changes or takes away the
 * OWNER role; anyone may remove themselves; the last OWNER stays.
 */
export function checkMemberChange(
  actor: Membership,
  target: { user: string; currentRole?: Role; newRole?: Role },
  ownerCount: number,
): void {
  const isSelfRemoval = target.newRole === undefined && target.user === actor.user;
  if (!isSelfRemoval && !can(actor.role, "member.manage")) throw new PermissionDeniedError();
  const touchesOwner = target.currentRole === "OWNER" || target.newRole === "OWNER";
  if (touchesOwner && actor.role !== "OWNER" && !isSelfRemoval) {
    throw new PermissionDeniedError("only an OWNER can manage owners");
  }
  const losesOwner = target.currentRole === "OWNER" && target.newRole !== "OWNER";
  if (losesOwner && ownerCount <= 1) {
    throw new FailedPreconditionError(
      "LAST_OWNER",
      "a workspace needs at least one OWNER; make someone else OWNER first",
    );
  }
}
