import type { Sql } from "../sql.js";
import { type DataKeyRow, unwrapDataKey, wrapDataKey } from "./data-keys.js";
import { DecryptionError } from "./envelope.js";
import type { MasterKeys } from "./master-keys.js";

export interface RewrapResult {
  schema: string;
  /** The master key every re-wrapped data key now uses. */
  masterKeyId: string;
  /** Data keys re-wrapped, by the master key that wrapped them before. */
  rewrapped: Record<string, number>;
  /** Data keys that could not be unwrapped (master key not configured, or damaged), by id. */
  unreadable: Record<string, number>;
  /** Data keys not under the current master key when the pass ended (0 unless some failed). */
  remaining: number;
  batches: number;
}

/**
 * Re-wraps every data key of `schema` that isn't under the current master key, `batchSize` at a
 * time, one short statement per batch: online, since a running service unwraps with any
 * configured master key, and the data itself is untouched (only the 60-byte wrapped keys
 * change). A row changed meanwhile by someone else is left for its next pass.
 */
export async function rewrapDataKeys(options: {
  sql: Pick<Sql, "query">;
  schema: string;
  masterKeys: MasterKeys;
  batchSize?: number;
}): Promise<RewrapResult> {
  const { sql, schema, masterKeys } = options;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const current = masterKeys.current();
  const result: RewrapResult = {
    schema,
    masterKeyId: current.id,
    rewrapped: {},
    unreadable: {},
    remaining: 0,
    batches: 0,
  };
  let after = { workspace: "00000000-0000-0000-0000-000000000000", version: 0 };
  for (;;) {
    const rows = await sql.query<DataKeyRow>(
      `select workspace_id, version, wrapped_key, master_key_id from ${schema}.data_keys
       where master_key_id <> $1 and (workspace_id, version) > ($2::uuid, $3::int)
       order by workspace_id, version limit $4`,
      [current.id, after.workspace, after.version, options.batchSize ?? 500],
    );
    const last = rows.at(-1);
    if (!last) break;
    after = { workspace: last.workspace_id, version: last.version };
    const updates: { workspace: string; version: number; wrapped: Buffer; old: string }[] = [];
    for (const row of rows) {
      let key: ReturnType<typeof unwrapDataKey>;
      try {
        key = unwrapDataKey(schema, masterKeys, row);
      } catch (e) {
        if (!(e instanceof DecryptionError)) throw e;
        result.unreadable[row.master_key_id] = (result.unreadable[row.master_key_id] ?? 0) + 1;
        continue;
      }
      const raw = key.export();
      const { wrapped } = wrapDataKey(schema, masterKeys, row.workspace_id, row.version, raw);
      raw.fill(0);
      updates.push({
        workspace: row.workspace_id,
        version: row.version,
        wrapped,
        old: row.master_key_id,
      });
    }
    if (updates.length > 0) {
      const done = await sql.query<{ old: string }>(
        `update ${schema}.data_keys d
         set wrapped_key = x.wrapped, master_key_id = $5, update_time = now()
         from unnest($1::uuid[], $2::int[], $3::bytea[], $4::text[]) as x(workspace_id, version, wrapped, old)
         where d.workspace_id = x.workspace_id and d.version = x.version and d.master_key_id = x.old
         returning x.old`,
        [
          updates.map((u) => u.workspace),
          updates.map((u) => u.version),
          updates.map((u) => u.wrapped),
          updates.map((u) => u.old),
          current.id,
        ],
      );
      for (const { old } of done) result.rewrapped[old] = (result.rewrapped[old] ?? 0) + 1;
    }
    result.batches++;
  }
  // Keys another process created under an older master key while this pass ran, behind its
  // cursor, show up here: run it again (services wrap new keys with their current master key).
  const [left] = await sql.query<{ n: number }>(
    `select count(*)::int as n from ${schema}.data_keys where master_key_id <> $1`,
    [current.id],
  );
  result.remaining = left?.n ?? 0;
  return result;
}
