import { EtagMismatchError } from "./errors.js";
import type { Role } from "./roles.js";
import { requireName } from "./text.js";

export interface Workspace {
  id: string;
  displayName: string;
  createTime: Date;
  updateTime: Date;
  version: number;
}

export interface Member {
  workspaceId: string;
  user: string;
  role: Role;
  createTime: Date;
  updateTime: Date;
  version: number;
}

export const workspaceEtag = (w: Pick<Workspace, "version">) => `"${w.version}"`;
export const memberEtag = workspaceEtag;

export function checkVersionEtag(current: { version: number }, etag: string | undefined): void {
  if (etag && etag !== `"${current.version}"`) throw new EtagMismatchError();
}

export function newWorkspace(id: string, displayName: string, now: Date): Workspace {
  return {
    id,
    displayName: requireName(displayName, "workspace.display_name", 200),
    createTime: now,
    updateTime: now,
    version: 1,
  };
}

export function renameWorkspace(workspace: Workspace, displayName: string, now: Date): Workspace {
  return {
    ...workspace,
    displayName: requireName(displayName, "workspace.display_name", 200),
    updateTime: now,
    version: workspace.version + 1,
  };
}

export function newMember(workspaceId: string, user: string, role: Role, now: Date): Member {
  return { workspaceId, user, role, createTime: now, updateTime: now, version: 1 };
}
