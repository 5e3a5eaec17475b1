import type { Actor } from "../domain/actor.js";
import type { Role } from "../domain/roles.js";

/** The authenticated caller, and their role in the workspace the call addresses. */
export interface Caller {
  actor: Actor;
  /** Set for calls addressed to a workspace; authorization checked it before the use case. */
  role?: Role;
}

export function callerRole(caller: Caller): Role {
  if (!caller.role) throw new Error("use case called without an authorized role");
  return caller.role;
}
