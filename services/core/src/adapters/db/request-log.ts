import type { Sql } from "@glidepath/runtime";
import type { RecordedResponse, RequestLog, RequestRecord } from "../../app/ports.js";
import { reviveDates } from "./rows.js";
import type { CoreEncryption } from "./sealed-fields.js";

/** Request records; the response's text and the fingerprint are stored encrypted. */
export function createRequestLog(sql: Sql, encryption: CoreEncryption): RequestLog {
  const fields = encryption.on(sql);
  return {
    async find(workspaceId, principal, requestId) {
      const rows = await sql.query<{ fingerprint: string; response: unknown }>(
        `select fingerprint, response from core.request_ids
         where workspace_id = $1 and principal = $2 and request_id = $3`,
        [workspaceId, principal, requestId],
      );
      const row = rows[0];
      if (!row) return undefined;
      const stored: RequestRecord = {
        workspaceId,
        principal,
        requestId,
        fingerprint: row.fingerprint,
        response: reviveDates<RecordedResponse>(row.response),
      };
      const [fingerprint, response] = await Promise.all([
        fields.openFingerprint(stored),
        fields.openSnapshot(stored.response, workspaceId),
      ]);
      return { ...stored, fingerprint, response };
    },
    async insert(record) {
      const [fingerprint, response] = await Promise.all([
        fields.sealFingerprint(record),
        fields.sealSnapshot(record.response),
      ]);
      const inserted = await sql.execute(
        `insert into core.request_ids (workspace_id, principal, request_id, fingerprint, response)
         values ($1, $2, $3, $4, $5) on conflict do nothing`,
        [record.workspaceId, record.principal, record.requestId, fingerprint, response],
      );
      return inserted === 1;
    },
  };
}

/** Request ids are kept at least 24 hours (AIP-155); older ones are dropped in batches. */
export async function purgeRequestIds(sql: Sql, olderThanHours = 48): Promise<number> {
  return sql.execute(
    `delete from core.request_ids where ctid in (
       select ctid from core.request_ids where create_time < now() - make_interval(hours => $1) limit 10000)`,
    [olderThanHours],
  );
}
