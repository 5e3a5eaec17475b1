import { createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { principalKey } from "@glidepath/runtime";
import { LRUCache } from "lru-cache";
import type { Caller } from "../../app/ports.js";
import { PermissionDeniedError } from "../../domain/errors.js";
import { workspaceOf } from "../../domain/names.js";
import type { CoreCredentials, Role } from "../clients/core-gateway.js";

// Authorization of the ai service, in one place. The runtime has verified the caller's token;
// here the caller's role in the workspace a request addresses is read from core (which owns
// memberships) with the caller's own token, cached briefly, and checked against the method's
// permission before anything else runs: permission before existence, like core.

export const roles = ["OWNER", "ADMIN", "MEMBER", "VIEWER"] as const satisfies readonly Role[];

/** What each role may do through the ai service. docs/security.md renders this table. */
export const permissions = {
  "task.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
  "task.write": ["OWNER", "ADMIN", "MEMBER"],
  "suggestion.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
  "model.read": ["OWNER", "ADMIN", "MEMBER", "VIEWER"],
  "model.train": ["OWNER", "ADMIN", "MEMBER"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}

/** What each method needs in the workspace it addresses. A method missing here is denied. */
export const methodPermissions: Record<string, Permission> = {
  "glidepath.ai.v1.QuickAddService/ParseTask": "task.read",
  "glidepath.ai.v1.QuickAddService/CreateTaskFromText": "task.write",
  "glidepath.ai.v1.TaskSearchService/ParseQuery": "task.read",
  "glidepath.ai.v1.TaskSearchService/SearchTasks": "task.read",
  "glidepath.ai.v1.SuggestionService/SuggestTaskChanges": "suggestion.read",
  "glidepath.ai.v1.SuggestionService/SuggestWorkspaceActions": "suggestion.read",
  "glidepath.ai.v1.ModelService/TrainModels": "model.train",
  "glidepath.ai.v1.ModelService/GetModel": "model.read",
  "glidepath.ai.v1.ModelService/ListModels": "model.read",
};

/** The authorised call: who, in which workspace, with which role, and their credentials. */
interface AuthorizedCall {
  user: string;
  workspaceId: string;
  role: Role;
  authorization: string;
}

const callKey = createContextKey<AuthorizedCall | undefined>(undefined, {
  description: "the authorised ai call",
});

/** The caller of a handler, ready to call core on their behalf within their deadline. */
export function callerOf(ctx: Pick<HandlerContext, "values" | "timeoutMs">): Caller & {
  role: Role;
} {
  const call = ctx.values.get(callKey);
  if (!call) throw new PermissionDeniedError();
  const left = ctx.timeoutMs();
  const credentials: CoreCredentials = {
    authorization: call.authorization,
    deadline: left === undefined ? undefined : Date.now() + left,
  };
  return { user: call.user, workspaceId: call.workspaceId, role: call.role, credentials };
}

/** The workspace named by a request: its `parent` or `name`. */
function addressedWorkspace(message: Record<string, unknown>): string | undefined {
  for (const field of ["parent", "name"]) {
    const value = message[field];
    if (typeof value === "string" && value) return workspaceOf(value);
  }
  return undefined;
}

export type RoleLookup = (
  workspaceId: string,
  credentials: CoreCredentials,
) => Promise<Role | undefined>;

/**
 * Roles read from core, kept `ttlMs` per (workspace, user): a membership change in core takes
 * effect here within that time. Lookups of the same key in flight are shared.
 */
export function createRoleCache(lookup: RoleLookup, ttlMs: number) {
  const cache = new LRUCache<string, { role: Role | null }>({
    max: 50_000,
    ttl: Math.max(1, ttlMs),
  });
  const pending = new Map<string, Promise<Role | undefined>>();
  return {
    async role(workspaceId: string, user: string, credentials: CoreCredentials) {
      const key = `${workspaceId}\u0000${user}`;
      const hit = ttlMs > 0 ? cache.get(key) : undefined;
      if (hit) return hit.role ?? undefined;
      let inFlight = pending.get(key);
      if (!inFlight) {
        inFlight = lookup(workspaceId, credentials).finally(() => pending.delete(key));
        pending.set(key, inFlight);
      }
      const role = await inFlight;
      if (ttlMs > 0) cache.set(key, { role: role ?? null });
      return role;
    },
  };
}

/**
 * Checks every ai method against `methodPermissions` before its handler runs: the caller must be
 * a member of the addressed workspace with a role that has the method's permission.
 */
export function createAuthorizationInterceptor(
  roleCache: ReturnType<typeof createRoleCache>,
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
      onDenied(method, reason, { principal: principal?.user, workspace });
      return new PermissionDeniedError();
    };
    if (!required || !principal || req.stream) throw deny("NOT_ALLOWED");
    const workspaceId = addressedWorkspace(req.message as unknown as Record<string, unknown>);
    if (!workspaceId) throw deny("NO_WORKSPACE");
    const authorization = req.header.get("authorization") ?? "";
    const role = await roleCache.role(workspaceId, principal.user, { authorization });
    if (!role) throw deny("NOT_A_MEMBER", workspaceId);
    if (!can(role, required)) throw deny("ROLE", workspaceId);
    req.contextValues.set(callKey, { user: principal.user, workspaceId, role, authorization });
    return next(req);
  };
}
