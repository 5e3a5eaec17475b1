import { Code, type ConnectError } from "@connectrpc/connect";
import { rpcError } from "@glidepath/runtime";
import {
  AlreadyExistsError,
  type DomainError,
  EtagMismatchError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
} from "../../domain/errors.js";

export const errorDomain = "core.glidepath";

/** Domain error class → canonical code (AIP-193). The one place core chooses codes. */
const codes: [new (...args: never[]) => DomainError, Code][] = [
  [InvalidInputError, Code.InvalidArgument],
  [NotFoundError, Code.NotFound],
  [PermissionDeniedError, Code.PermissionDenied],
  [EtagMismatchError, Code.Aborted],
  [FailedPreconditionError, Code.FailedPrecondition],
  [AlreadyExistsError, Code.AlreadyExists],
];

export function mapCoreError(error: unknown): ConnectError | undefined {
  for (const [type, code] of codes) {
    if (error instanceof type) {
      const e = error as DomainError;
      return rpcError(errorDomain, {
        code,
        reason: e.reason,
        message: e.message,
        fieldViolations: e instanceof InvalidInputError ? e.violations : undefined,
      });
    }
  }
  return undefined;
}
