import { AlreadyExistsError, NotFoundError } from "../domain/errors.js";
import { userIdPattern } from "../domain/names.js";
import { checkMemberChange, type Role } from "../domain/roles.js";
import {
  checkVersionEtag,
  type Member,
  newMember,
  newWorkspace,
  renameWorkspace,
  type Workspace,
} from "../domain/workspace.js";
import { type Caller, callerRole } from "./caller.js";
import { decodePageToken, encodePageToken, isUuidKey, pageSize } from "./page-token.js";
import type { Clock, IdGenerator, UnitOfWork } from "./ports.js";
import { replay, requestFingerprint } from "./request-ids.js";

export interface WorkspaceDeps {
  uow: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
  /** Called after a membership change commits, so cached roles are dropped at once. */
  onMembershipChanged?: (workspaceId: string, user: string) => void;
}

/** Request ids of CreateWorkspace are scoped to the caller alone (there's no workspace yet). */
const noWorkspace = "00000000-0000-0000-0000-000000000000";
const isUserKey = (k: unknown): k is string => typeof k === "string" && userIdPattern.test(k);

export function createWorkspaceUseCases({ uow, clock, ids, onMembershipChanged }: WorkspaceDeps) {
  const requireWorkspace = async (id: string) => {
    const workspace = await uow.repos.workspaces.get(id);
    if (!workspace) throw new NotFoundError("workspace");
    return workspace;
  };

  return {
    /** Creates a workspace with the caller as its OWNER. */
    create: (caller: Caller, displayName: string, requestId?: string) =>
      uow.run(async (repos): Promise<{ workspace: Workspace; role: Role }> => {
        const principal = caller.actor.user;
        const fingerprint = requestFingerprint("CreateWorkspace", displayName);
        const earlier = requestId
          ? await repos.requests.find(noWorkspace, principal, requestId)
          : undefined;
        if (earlier) {
          const response = replay(earlier, fingerprint);
          if (response.type === "workspace")
            return { workspace: response.workspace, role: "OWNER" };
        }
        const now = clock.now();
        const workspace = newWorkspace(ids.next(), displayName, now);
        if (requestId) {
          const first = await repos.requests.insert({
            workspaceId: noWorkspace,
            principal,
            requestId,
            fingerprint,
            response: { type: "workspace", workspace },
          });
          if (!first) {
            const record = await uow.repos.requests.find(noWorkspace, principal, requestId);
            const response = record && replay(record, fingerprint);
            if (response?.type === "workspace")
              return { workspace: response.workspace, role: "OWNER" };
          }
        }
        await repos.workspaces.insert(workspace);
        await repos.members.insert(newMember(workspace.id, caller.actor.user, "OWNER", now));
        return { workspace, role: "OWNER" };
      }),

    get: requireWorkspace,

    async listMine(caller: Caller, request: { pageSize: number; pageToken: string }) {
      const scope = `user:${caller.actor.user}`;
      const after = decodePageToken(request.pageToken, scope, [], isUuidKey);
      const limit = pageSize(request.pageSize);
      const rows = await uow.repos.workspaces.listForUser(caller.actor.user, {
        limit: limit + 1,
        after,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        workspaces: page,
        nextPageToken:
          rows.length > limit && last ? encodePageToken(scope, [], last.workspace.id) : "",
      };
    },

    rename: (workspaceId: string, displayName: string, etag?: string) =>
      uow.run(async (repos) => {
        const workspace = await repos.workspaces.getForUpdate(workspaceId);
        if (!workspace) throw new NotFoundError("workspace");
        checkVersionEtag(workspace, etag);
        const next = renameWorkspace(workspace, displayName, clock.now());
        await repos.workspaces.update(next);
        return next;
      }),

    async getMember(workspaceId: string, user: string): Promise<Member> {
      const member = await uow.repos.members.get(workspaceId, user);
      if (!member) throw new NotFoundError("member");
      return member;
    },

    async listMembers(workspaceId: string, request: { pageSize: number; pageToken: string }) {
      const after = decodePageToken(request.pageToken, workspaceId, ["members"], isUserKey);
      const limit = pageSize(request.pageSize);
      const rows = await uow.repos.members.list(workspaceId, { limit: limit + 1, after });
      const members = rows.slice(0, limit);
      const last = members[members.length - 1];
      return {
        members,
        nextPageToken:
          rows.length > limit && last ? encodePageToken(workspaceId, ["members"], last.user) : "",
      };
    },

    addMember: async (caller: Caller, workspaceId: string, user: string, role: Role) => {
      const actor = { user: caller.actor.user, role: callerRole(caller) };
      checkMemberChange(actor, { user, newRole: role }, Number.POSITIVE_INFINITY);
      const member = newMember(workspaceId, user, role, clock.now());
      if (!(await uow.repos.members.insert(member))) {
        throw new AlreadyExistsError("MEMBER_EXISTS", "the user is already a member");
      }
      onMembershipChanged?.(workspaceId, user);
      return member;
    },

    changeRole: async (
      caller: Caller,
      workspaceId: string,
      user: string,
      role: Role,
      etag?: string,
    ) => {
      const result = await uow.run(async (repos) => {
        const owners = await repos.members.countOwnersForUpdate(workspaceId);
        const member = await repos.members.getForUpdate(workspaceId, user);
        if (!member) throw new NotFoundError("member");
        checkVersionEtag(member, etag);
        checkMemberChange(
          { user: caller.actor.user, role: callerRole(caller) },
          { user, currentRole: member.role, newRole: role },
          owners,
        );
        if (member.role === role) return member;
        const next = { ...member, role, updateTime: clock.now(), version: member.version + 1 };
        await repos.members.update(next);
        return next;
      });
      onMembershipChanged?.(workspaceId, user);
      return result;
    },

    removeMember: async (caller: Caller, workspaceId: string, user: string, etag?: string) => {
      await uow.run(async (repos) => {
        const owners = await repos.members.countOwnersForUpdate(workspaceId);
        const member = await repos.members.getForUpdate(workspaceId, user);
        if (!member) throw new NotFoundError("member");
        checkVersionEtag(member, etag);
        checkMemberChange(
          { user: caller.actor.user, role: callerRole(caller) },
          { user, currentRole: member.role },
          owners,
        );
        await repos.members.delete(workspaceId, user);
      });
      onMembershipChanged?.(workspaceId, user);
    },

    /** The caller's role in a workspace, or undefined when not a member. */
    roleOf: (workspaceId: string, user: string) => uow.repos.members.role(workspaceId, user),
  };
}

export type WorkspaceUseCases = ReturnType<typeof createWorkspaceUseCases>;
