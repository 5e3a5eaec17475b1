/** A broken business rule. `reason` is stable (UPPER_SNAKE_CASE) and part of the API. */
export abstract class DomainError extends Error {
  abstract readonly reason: string;
}

export interface Violation {
  /** Request field path, e.g. `task.due.time_zone`. */
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
  constructor(readonly resource: "workspace" | "member" | "project" | "task") {
    super(`${resource} not found`);
    this.reason = `${resource.toUpperCase()}_NOT_FOUND`;
  }
}

/** The caller's role doesn't allow this. */
export class PermissionDeniedError extends DomainError {
  readonly reason = "PERMISSION_DENIED";
  constructor(message = "the caller may not do this") {
    super(message);
  }
}

/** The caller's etag is stale: someone changed the resource since. */
export class EtagMismatchError extends DomainError {
  readonly reason = "ETAG_MISMATCH";
  constructor() {
    super("the resource changed since the given etag; read it again and retry");
  }
}

/** The resource is in a state that doesn't allow this (e.g. completing a cancelled task). */
export class FailedPreconditionError extends DomainError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Something with the same identity already exists. */
export class AlreadyExistsError extends DomainError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
