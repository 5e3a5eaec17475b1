import { createHash } from "node:crypto";
import { InvalidInputError } from "../domain/errors.js";

// Page tokens are opaque to clients, bound to the workspace and the query they came from:
// one taken from another workspace or another filter is refused, never reinterpreted.

interface TokenBody<K> {
  w: string;
  q: string;
  k: K;
}

const fingerprint = (query: unknown) =>
  createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 16);

export function encodePageToken<K>(scope: string, query: unknown, key: K): string {
  const body: TokenBody<K> = { w: scope, q: fingerprint(query), k: key };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

export function decodePageToken<K>(
  token: string,
  scope: string,
  query: unknown,
  isKey: (k: unknown) => k is K,
): K | undefined {
  if (!token) return undefined;
  let body: Partial<TokenBody<unknown>>;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw InvalidInputError.field("page_token", "is not a page token from this list");
  }
  if (body?.w !== scope || body.q !== fingerprint(query) || !isKey(body.k)) {
    throw InvalidInputError.field("page_token", "is not a page token from this list");
  }
  return body.k;
}

// Clients can forge a token's body (it is base64 JSON): keys are checked for the exact shape
// the list wrote, so nothing else ever reaches a query as a bound value.

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isUuidKey = (k: unknown): k is string => typeof k === "string" && uuidPattern.test(k);

/** An instant as `Date.toISOString()` writes it (and only a real one). */
export function isTimestampKey(k: unknown): k is string {
  if (typeof k !== "string" || k.length !== 24) return false;
  const date = new Date(k);
  return !Number.isNaN(date.getTime()) && date.toISOString() === k;
}

/** A calendar day, `YYYY-MM-DD` (and only a real one). */
export function isDateKey(k: unknown): k is string {
  return (
    typeof k === "string" && /^\d{4}-\d{2}-\d{2}$/.test(k) && isTimestampKey(`${k}T00:00:00.000Z`)
  );
}

export function pageSize(requested: number, defaultSize = 50, max = 1000): number {
  if (requested <= 0) return defaultSize;
  return Math.min(requested, max);
}
