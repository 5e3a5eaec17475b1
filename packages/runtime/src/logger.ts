import { trace } from "@opentelemetry/api";
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Paths whose values never reach a log line: credentials, and user free text (task notes, raw
 * sentences) that may hold personal data.
 */
export const redactedPaths = [
  "authorization",
  "token",
  "password",
  "secret",
  "notes",
  "text",
  "source_text",
  "*.authorization",
  "*.token",
  "*.password",
  "*.secret",
  "*.notes",
  "*.text",
  "*.source_text",
  "headers.authorization",
  "headers.cookie",
  "config.DATABASE_URL",
];

/** A JSON logger that stamps each line with the active trace and span ids. */
export function createLogger(
  service: string,
  level: string,
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service },
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    destination,
  );
}
