import { isSpanContextValid, trace } from "@opentelemetry/api";
import type { Logger } from "./logger.js";
import type { ServiceMetrics } from "./metrics.js";

/**
 * The security events every service writes. Each is one log line (level `warn`, message
 * `security event`) with exactly these fields, `null` where a field is not known, and one count
 * in `glidepath_security_events_total{event, reason}`.
 */
export type SecurityEventName =
  | "authentication_failed"
  | "permission_denied"
  | "rate_limited"
  | "key_rotated"
  | "decryption_failed"
  | "consent_changed";

export interface SecurityEvent {
  event: SecurityEventName;
  /** Stable UPPER_SNAKE_CASE reason, e.g. `CREDENTIALS_INVALID`, `NOT_A_MEMBER`. */
  reason: string;
  /** The authenticated caller (user id; a service calling as itself: `service/<name>`, which no user id can be); unknown → null. */
  principal?: string | null;
  /** The workspace id the call addressed, when known. */
  workspace?: string | null;
  /** `package.Service/Method`, or the command (e.g. `rotate-keys`) outside an RPC. */
  method?: string | null;
  /**
   * A short, fixed vocabulary word on why (e.g. a jose error class name): never a token,
   * a header value, a secret or user text.
   */
  detail?: string;
}

/** The fields of every security event's log line (besides the logger's own). */
export const securityEventFields = [
  "event",
  "principal",
  "workspace",
  "method",
  "reason",
  "trace_id",
] as const;

/** The active trace id, or null outside a (sampled or not) valid span. */
export function activeTraceId(): string | null {
  const span = trace.getActiveSpan();
  if (!span) return null;
  const context = span.spanContext();
  return isSpanContextValid(context) ? context.traceId : null;
}

/**
 * Writes a security event: one structured log line with a stable shape, one metrics count.
 * `metrics` may be omitted outside a service (e.g. a command-line key rotation).
 */
export function securityEvent(
  logger: Logger,
  metrics: Pick<ServiceMetrics, "recordSecurityEvent"> | undefined,
  e: SecurityEvent,
): void {
  metrics?.recordSecurityEvent(e.event, e.reason);
  const line: Record<string, string | null> = {
    event: e.event,
    principal: e.principal ?? null,
    workspace: e.workspace ?? null,
    method: e.method ?? null,
    reason: e.reason,
    trace_id: activeTraceId(),
  };
  if (e.detail !== undefined) line.detail = e.detail;
  logger.warn(line, "security event");
}
