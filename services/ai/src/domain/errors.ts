/** A broken rule of the ai service. `reason` is stable (UPPER_SNAKE_CASE) and part of the API. */
export abstract class DomainError extends Error {
  abstract readonly reason: string;
}

export interface Violation {
  /** Request field path, e.g. `time_zone`. */
  field: string;
  description: string;
}

/** Input that breaks a rule: the request can't succeed as sent. */
export class InvalidInputError extends DomainError {
  readonly reason = "INVALID_ARGUMENT";
  constructor(readonly violations: Violation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  static field(field: string, description: string): InvalidInputError {
    return new InvalidInputError([{ field, description }]);
  }
}

/** The resource doesn't exist in this workspace (or is another workspace's: same answer). */
export class NotFoundError extends DomainError {
  readonly reason: string;
  constructor(readonly resource: "task" | "model" | "workspace") {
    super(`${resource} not found`);
    this.reason = `${resource.toUpperCase()}_NOT_FOUND`;
  }
}

/** The caller's role doesn't allow this, or the caller isn't a member of the workspace. */
export class PermissionDeniedError extends DomainError {
  readonly reason = "PERMISSION_DENIED";
  constructor(message = "the caller may not do this") {
    super(message);
  }
}

/** The request can't be carried out in the current state (e.g. a reused request id). */
export class FailedPreconditionError extends DomainError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The resource changed since the caller read it. */
export class AbortedError extends DomainError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A service this one depends on (core) didn't answer in time: retrying may help. */
export class DependencyUnavailableError extends DomainError {
  readonly reason = "CORE_UNAVAILABLE";
  constructor(readonly timedOut = false) {
    super(
      timedOut ? "core did not answer in time; retry later" : "core is unavailable; retry later",
    );
  }
}
