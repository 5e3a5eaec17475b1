/** Who made a change: the user directly, or a Glidepath service on the user's behalf. */
export interface Actor {
  kind: "USER" | "AI" | "AUTONOMY";
  /** The user on whose behalf the change was made. */
  user: string;
  /** The acting service, when not the user directly. */
  service?: string;
}

/** The actor of a call: services known to act autonomously or as AI are labelled as such. */
export function actorFor(principal: { user: string; service?: string }): Actor {
  if (principal.service === "autonomy")
    return { kind: "AUTONOMY", user: principal.user, service: "autonomy" };
  if (principal.service) return { kind: "AI", user: principal.user, service: principal.service };
  return { kind: "USER", user: principal.user };
}
