import {
  Code,
  ConnectError,
  createContextKey,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { callerServiceKey, principalKey } from "@glidepath/runtime";
import { LRUCache } from "lru-cache";
import type { Caller } from "../../app/caller.js";
import { actorFor } from "../../domain/actor.js";
import { PermissionDeniedError } from "../../domain/errors.js";
import { workspaceOf } from "../../domain/names.js";
import { can, type Permission, type Role } from "../../domain/roles.js";

/**
 * What each method needs: a permission in the addressed workspace, or only a signed-in caller
 * (methods not addressed to a workspace). A method missing here is denied to everyone.
 */
export const methodPermissions: Record<string, Permission | "signed-in"> = {
  "glidepath.core.v1.WorkspaceService/CreateWorkspace": "signed-in",
  "glidepath.core.v1.WorkspaceService/ListWorkspaces": "signed-in",
  "glidepath.core.v1.WorkspaceService/GetWorkspace": "workspace.read",
  "glidepath.core.v1.WorkspaceService/UpdateWorkspace": "workspace.update",
  "glidepath.core.v1.MemberService/CreateMember": "member.manage",
  "glidepath.core.v1.MemberService/GetMember": "member.read",
  "glidepath.core.v1.MemberService/ListMembers": "member.read",
  "glidepath.core.v1.MemberService/UpdateMember": "member.manage",
  // Anyone may leave; removing others needs member.manage (checked by the domain).
  "glidepath.core.v1.MemberService/DeleteMember": "member.read",
  "glidepath.core.v1.ProjectService/CreateProject": "project.write",
  "glidepath.core.v1.ProjectService/GetProject": "project.read",
  "glidepath.core.v1.ProjectService/ListProjects": "project.read",
  "glidepath.core.v1.ProjectService/UpdateProject": "project.write",
  "glidepath.core.v1.ProjectService/ArchiveProject": "project.write",
  "glidepath.core.v1.ProjectService/UnarchiveProject": "project.write",
  "glidepath.core.v1.ProjectService/DeleteProject": "project.delete",
  "glidepath.core.v1.TaskService/CreateTask": "task.write",
  "glidepath.core.v1.TaskService/GetTask": "task.read",
  "glidepath.core.v1.TaskService/BatchGetTasks": "task.read",
  "glidepath.core.v1.TaskService/ListTasks": "task.read",
  "glidepath.core.v1.TaskService/UpdateTask": "task.write",
  "glidepath.core.v1.TaskService/CompleteTask": "task.write",
  "glidepath.core.v1.TaskService/ReopenTask": "task.write",
  "glidepath.core.v1.TaskService/CancelTask": "task.write",
  "glidepath.core.v1.TaskService/DeleteTask": "task.write",
  "glidepath.core.v1.TaskService/UndeleteTask": "task.write",
  "glidepath.core.v1.ChangeService/ListChanges": "change.read",
  "glidepath.core.v1.ChangeService/WatchChanges": "change.read",
};

/**
 * Internal-only methods: callable only by the services listed, each with its own service token
 * and no user token (the call acts as the service, on nobody's behalf). Everyone else — users,
 * services not listed, a service carrying a user's token — gets PERMISSION_DENIED. These methods
 * are not in `methodPermissions`: no user role opens them.
 */
export const internalMethods: Record<string, readonly string[]> = {
  // One cursor over every workspace's changes: autonomy reacts to them, learning learns from them.
  "glidepath.core.v1.InternalChangeService/ListAllChanges": ["autonomy", "learning"],
};

const internalCallKey = createContextKey<string | undefined>(undefined);

/** The service calling an internal-only method; set only once the table allowed it. */
export function internalCallerOf(ctx: Pick<HandlerContext, "values">): string {
  const service = ctx.values.get(internalCallKey);
  if (!service) throw new PermissionDeniedError();
  return service;
}

/** The caller and the workspace a call addresses, for handlers. */
export interface AuthorizedCall extends Caller {
  workspaceId: string;
}

const callKey = createContextKey<AuthorizedCall | undefined>(undefined);

export function authorizedCall(ctx: Pick<HandlerContext, "values">): AuthorizedCall {
  const call = ctx.values.get(callKey);
  if (!call) throw new PermissionDeniedError();
  return call;
}

export function callerOf(ctx: Pick<HandlerContext, "values">): Caller {
  const principal = ctx.values.get(principalKey);
  if (!principal) throw new PermissionDeniedError();
  return { actor: actorFor(principal) };
}

/** The workspace named by a request: its parent, name, or its resource's name. */
function addressedWorkspace(message: Record<string, unknown>): string | undefined {
  for (const field of ["parent", "name"]) {
    const value = message[field];
    if (typeof value === "string" && value) return workspaceOf(value);
  }
  for (const field of ["task", "project", "member", "workspace"]) {
    const resource = message[field] as { name?: unknown } | undefined;
    if (typeof resource?.name === "string") return workspaceOf(resource.name);
  }
  return undefined;
}

/** Roles are read on every call; a short-lived cache, dropped on membership changes. */
export function createRoleCache(
  lookup: (workspaceId: string, user: string) => Promise<Role | undefined>,
) {
  const cache = new LRUCache<string, { role: Role | null }>({ max: 50_000, ttl: 2_000 });
  // Bumped on every invalidation, so a lookup that started before it can't cache a stale role.
  let generation = 0;
  return {
    async role(workspaceId: string, user: string): Promise<Role | undefined> {
      const key = `${workspaceId}\u0000${user}`;
      const hit = cache.get(key);
      if (hit) return hit.role ?? undefined;
      const started = generation;
      const role = await lookup(workspaceId, user);
      if (started === generation) cache.set(key, { role: role ?? null });
      return role;
    },
    invalidate(workspaceId: string, user: string) {
      generation++;
      cache.delete(`${workspaceId}\u0000${user}`);
    },
  };
}

/**
 * Authorization, in one place: checks the method's permission against the caller's role in
 * the addressed workspace before the handler runs. Permission comes before existence: a caller
 * outside a workspace is denied whether or not it exists.
 */
export function createAuthorizationInterceptor(
  roles: { role(workspaceId: string, user: string): Promise<Role | undefined> },
  onDenied: (
    method: string,
    reason: string,
    who: { principal: string | undefined; workspace: string | undefined },
  ) => void,
): Interceptor {
  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const required = methodPermissions[method];
    const principal = req.contextValues.get(principalKey);
    const deny = (reason: string, workspace?: string) => {
      const caller = req.contextValues.get(callerServiceKey);
      const who = principal?.user ?? (caller ? `service/${caller}` : undefined);
      onDenied(method, reason, { principal: who, workspace });
      return new PermissionDeniedError();
    };
    const internal = internalMethods[method];
    if (internal) {
      const service = req.contextValues.get(callerServiceKey);
      if (!service) throw deny("SERVICE_REQUIRED");
      if (principal) throw deny("ON_BEHALF_NOT_ALLOWED");
      if (!internal.includes(service)) throw deny("SERVICE_NOT_ALLOWED");
      req.contextValues.set(internalCallKey, service);
      return next(req);
    }
    if (!required || !principal) throw deny("NOT_ALLOWED");
    if (required === "signed-in") return next(req);

    let message: Record<string, unknown>;
    let forward = req;
    if (req.stream) {
      const it = req.message[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done) throw new ConnectError("missing request message", Code.InvalidArgument);
      message = first.value as unknown as Record<string, unknown>;
      forward = {
        ...req,
        message: (async function* () {
          yield first.value;
          for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
        })(),
      };
    } else {
      message = req.message as unknown as Record<string, unknown>;
    }
    const workspaceId = addressedWorkspace(message);
    if (!workspaceId) throw deny("NO_WORKSPACE");
    const role = await roles.role(workspaceId, principal.user);
    if (!role) throw deny("NOT_A_MEMBER", workspaceId);
    if (!can(role, required)) throw deny("ROLE", workspaceId);
    req.contextValues.set(callKey, { actor: actorFor(principal), role, workspaceId });
    return next(forward);
  };
}
