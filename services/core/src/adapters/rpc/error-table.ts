import { Code, type ConnectError } from "@connectrpc/connect";
import { DataCorruptedError, rpcError } from "@glidepath/runtime";
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
  // A stored value that fails to decrypt (tampered with, moved to another row): the resource
  // can't be read, and only an operator's restore can fix it. Which value and why is in the log.
  if (error instanceof DataCorruptedError) {
    return rpcError(errorDomain, {
      code: Code.DataLoss,
      reason: "DATA_CORRUPTED",
      message: "the stored data of this resource is damaged and can't be read",
    });
  }
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
