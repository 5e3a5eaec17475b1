import {
  type FieldPath,
  ViolationsSchema,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@glidepath/contracts/google";
import { trace } from "@opentelemetry/api";
import { databaseFailure } from "../database-errors.js";
import type { Logger } from "../logger.js";
import { defaultReason, rpcError } from "../rpc-error.js";

export interface ErrorMappingOptions {
  /** `ErrorInfo.domain`, e.g. `core.glidepath`. */
  domain: string;
  /** The service's table from domain errors to RPC errors; undefined for unknown errors. */
  mapError: (error: unknown) => ConnectError | undefined;
  logger: Logger;
}

function fieldPath(path: FieldPath | undefined): string {
  if (!path) return "";
  let out = "";
  for (const element of path.elements) {
    out += out ? `.${element.fieldName}` : element.fieldName;
    switch (element.subscript.case) {
      case "index":
        out += `[${element.subscript.value}]`;
        break;
      case "stringKey":
        out += `["${element.subscript.value}"]`;
        break;
      case undefined:
        break;
      default:
        out += `[${String(element.subscript.value)}]`;
    }
  }
  return out;
}

/**
 * Gives every error that leaves the service one shape (AIP-193): known errors keep their code
 * with exactly one ErrorInfo; protovalidate failures gain BadRequest field violations; a failing
 * database becomes a retryable code (database-errors.ts); anything else becomes an opaque
 * INTERNAL whose cause is logged with the trace id, never sent.
 */
export function createErrorInterceptor(options: ErrorMappingOptions): Interceptor {
  const normalize = (error: unknown, method: string): ConnectError => {
    if (error instanceof ConnectError) {
      if (error.findDetails(ErrorInfoSchema).length > 0) return error;
      const violations = error.findDetails(ViolationsSchema)[0];
      if (error.code === Code.InvalidArgument && violations) {
        const fieldViolations = violations.violations.map((v) => ({
          field: fieldPath(v.field),
          description: v.message,
        }));
        return rpcError(options.domain, {
          code: Code.InvalidArgument,
          reason: "INVALID_ARGUMENT",
          message: `invalid request: ${fieldViolations.map((v) => `${v.field}: ${v.description}`).join("; ")}`,
          fieldViolations,
        });
      }
      if (error.code === Code.Internal || error.code === Code.Unknown) {
        return opaque(error, method);
      }
      return rpcError(options.domain, {
        code: error.code,
        reason: defaultReason(error.code),
        message: error.rawMessage,
      });
    }
    const mapped = options.mapError(error);
    if (mapped) return mapped;
    const failure = databaseFailure(error);
    if (failure) {
      options.logger.warn({ err: error, method, event: "database_failure" }, failure.message);
      return rpcError(options.domain, failure);
    }
    return opaque(error, method);
  };
  const opaque = (cause: unknown, method: string): ConnectError => {
    const traceId = trace.getActiveSpan()?.spanContext().traceId;
    options.logger.error({ err: cause, method, event: "internal_error" }, "internal error");
    return rpcError(options.domain, {
      code: Code.Internal,
      reason: "INTERNAL",
      message: "internal error",
      metadata: traceId ? { trace_id: traceId } : undefined,
    });
  };

  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
          } catch (e) {
            throw normalize(e, method);
          }
        })(),
      };
    } catch (e) {
      throw normalize(e, method);
    }
  };
}
