import { Code, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { rpcError } from "./rpc-error.js";

/** Who is calling: the end user, and the service calling on their behalf, if any. */
export interface Principal {
  /** The user id (`sub` of the user token). */
  user: string;
  /** The calling service's name when a service calls on the user's behalf. */
  service?: string;
}

export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "the authenticated caller",
});

/** The authenticated caller; authentication runs before every handler, so one is always set. */
export function principalOf(ctx: Pick<HandlerContext, "values">): Principal {
  const principal = ctx.values.get(principalKey);
  if (!principal) {
    throw rpcError("runtime.glidepath", {
      code: Code.Unauthenticated,
      reason: "UNAUTHENTICATED",
      message: "authentication required",
    });
  }
  return principal;
}

/**
 * The calling service, when the call carries a valid service token: set both for calls on a
 * user's behalf (then also `Principal.service`) and for calls a service makes as itself (then no
 * principal is set, and only the callee's internal-only methods accept the call).
 */
export const callerServiceKey = createContextKey<string | undefined>(undefined, {
  description: "the authenticated calling service",
});
