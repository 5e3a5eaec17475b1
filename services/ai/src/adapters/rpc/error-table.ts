import { Code, type ConnectError } from "@connectrpc/connect";
import { rpcError } from "@glidepath/runtime";
import {
  AbortedError,
  DependencyUnavailableError,
  type DomainError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
} from "../../domain/errors.js";
import { QuickAddInputError } from "../../domain/quick-add/index.js";
import { ModelFormatError, SuggestInputError } from "../../domain/suggest/index.js";

export const errorDomain = "ai.glidepath";

/** Domain error class → canonical code (AIP-193). The one place the ai service chooses codes. */
const codes: [new (...args: never[]) => DomainError, Code][] = [
  [InvalidInputError, Code.InvalidArgument],
  [NotFoundError, Code.NotFound],
  [PermissionDeniedError, Code.PermissionDenied],
  [FailedPreconditionError, Code.FailedPrecondition],
  [AbortedError, Code.Aborted],
  [DependencyUnavailableError, Code.Unavailable],
];

/** How long a caller should wait before retrying when core is unavailable. */
const retryDelayMs = 1_000;

export function mapAiError(error: unknown): ConnectError | undefined {
  // The quick-add parser's own input errors name the request field they are about.
  if (error instanceof QuickAddInputError) {
    return rpcError(errorDomain, {
      code: Code.InvalidArgument,
      reason: "INVALID_ARGUMENT",
      message: `${error.field}: ${error.message}`,
      fieldViolations: [{ field: error.field, description: error.message }],
    });
  }
  // The suggestion models check what they are given; a bad option is the request's
  // (e.g. `time_zone`), a bad task is core's data and a bug of ours: INTERNAL.
  if (error instanceof SuggestInputError && error.reason === "INVALID_OPTION") {
    const field = error.field === "timeZone" ? "time_zone" : error.field;
    return rpcError(errorDomain, {
      code: Code.InvalidArgument,
      reason: "INVALID_ARGUMENT",
      message: `${field}: ${error.message}`,
      fieldViolations: [{ field, description: error.message }],
    });
  }
  if (error instanceof ModelFormatError) return undefined;
  for (const [type, code] of codes) {
    if (error instanceof type) {
      const e = error as DomainError;
      return rpcError(errorDomain, {
        code,
        reason: e.reason,
        message: e.message,
        fieldViolations: e instanceof InvalidInputError ? e.violations : undefined,
        retryDelayMs: e instanceof DependencyUnavailableError ? retryDelayMs : undefined,
      });
    }
  }
  return undefined;
}
