import { createHash } from "node:crypto";
import { FailedPreconditionError } from "../domain/errors.js";
import type { RecordedResponse, RequestRecord } from "./ports.js";

/** A stable hash of a request's content: a retry with the same request id must match it. */
export function requestFingerprint(method: string, content: unknown): string {
  return createHash("sha256")
    .update(method)
    .update("\0")
    .update(JSON.stringify(content))
    .digest("base64url");
}

/** AIP-155: same id and request → the original response; same id, other request → refused. */
export function replay(record: RequestRecord, fingerprint: string): RecordedResponse {
  if (record.fingerprint !== fingerprint) {
    throw new FailedPreconditionError(
      "REQUEST_ID_REUSED",
      "this request_id was already used for a different request",
    );
  }
  return record.response;
}
