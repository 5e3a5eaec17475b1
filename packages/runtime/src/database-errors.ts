import { Code } from "@connectrpc/connect";
import type { RpcErrorInit } from "./rpc-error.js";

/** Socket errors that mean the database could not be reached, not that the request was wrong. */
const networkErrors = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

const unavailable = {
  code: Code.Unavailable,
  reason: "DATABASE_UNAVAILABLE",
  message: "the database is unavailable; retry with backoff",
  retryDelayMs: 200,
} satisfies RpcErrorInit;

const conflict = {
  code: Code.Aborted,
  reason: "TRANSACTION_CONFLICT",
  message: "the transaction conflicted with another; retry",
  retryDelayMs: 50,
} satisfies RpcErrorInit;

const timeout = {
  code: Code.DeadlineExceeded,
  reason: "DATABASE_TIMEOUT",
  message: "the database did not answer in time",
} satisfies RpcErrorInit;

/**
 * What the caller hears when the database, not the request, failed: a full connection table,
 * a restart, a dropped connection or a full pool is UNAVAILABLE; a serialization failure or
 * deadlock is ABORTED; a statement timeout is DEADLINE_EXCEEDED — all retryable, none INTERNAL.
 * Anything else is undefined. Reads node-postgres errors (SQLSTATE in `code`), the same fields
 * MikroORM copies onto its exceptions, socket errors, and knex's pool timeout.
 */
export function databaseFailure(error: unknown): RpcErrorInit | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (networkErrors.has(code)) return unavailable;
    if (code.startsWith("08") || code.startsWith("53")) return unavailable; // connection, resources
    if (code === "57P01" || code === "57P02" || code === "57P03") return unavailable; // shutdown
    if (code === "40001" || code === "40P01" || code === "55P03") return conflict;
    if (code === "57014") return timeout; // statement_timeout
  }
  if (error.name === "KnexTimeoutError") return unavailable; // no connection free in the pool
  if (error.message.startsWith("Connection terminated")) return unavailable; // node-postgres
  return error.cause === undefined ? undefined : databaseFailure(error.cause);
}
