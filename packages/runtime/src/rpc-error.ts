import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequest_FieldViolationSchema,
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "@glidepath/contracts/google";

export interface FieldViolation {
  /** Dotted path of the request field, e.g. `task.due.time_zone`. */
  field: string;
  description: string;
}

export interface RpcErrorInit {
  code: Code;
  /** Stable UPPER_SNAKE_CASE reason (AIP-193), e.g. `TASK_NOT_FOUND`. */
  reason: string;
  message: string;
  metadata?: Record<string, string>;
  fieldViolations?: FieldViolation[];
  retryDelayMs?: number;
}

/**
 * An AIP-193 error: a canonical code, exactly one `google.rpc.ErrorInfo` (reason + domain), and
 * `BadRequest` / `RetryInfo` details where they apply.
 */
export function rpcError(domain: string, init: RpcErrorInit): ConnectError {
  const details: ConstructorParameters<typeof ConnectError>[3] = [
    {
      desc: ErrorInfoSchema,
      value: create(ErrorInfoSchema, { reason: init.reason, domain, metadata: init.metadata }),
    },
  ];
  if (init.fieldViolations?.length) {
    details.push({
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: init.fieldViolations.map((v) =>
          create(BadRequest_FieldViolationSchema, {
            field: v.field,
            description: v.description,
            reason: init.reason,
          }),
        ),
      }),
    });
  }
  if (init.retryDelayMs !== undefined) {
    details.push({
      desc: RetryInfoSchema,
      value: create(RetryInfoSchema, { retryDelay: durationFromMs(init.retryDelayMs) }),
    });
  }
  return new ConnectError(init.message, init.code, undefined, details);
}

/** The reason used when a ConnectError arrives without an ErrorInfo of its own. */
export function defaultReason(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
