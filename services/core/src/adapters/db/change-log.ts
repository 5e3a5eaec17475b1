import { prepare, type Sql } from "@glidepath/runtime";
import type { ChangeLog } from "../../app/ports.js";
import type { NewChange } from "../../domain/change.js";
import { type ChangeRow, changeFromRow } from "./rows.js";
import type { CoreEncryption } from "./sealed-fields.js";

/** workspace_id, kind, snapshot, actor, actor_user, actor_service. */
export function changeValues(change: NewChange): unknown[] {
  return [
    change.workspaceId,
    change.kind,
    change.snapshot,
    change.actor.kind,
    change.actor.user,
    change.actor.service ?? null,
  ];
}

export function createChangeLog(sql: Sql, encryption: CoreEncryption): ChangeLog {
  const fields = encryption.on(sql);
  // Snapshots are stored with their sensitive text encrypted, bound to the resource's row.
  const opened = (rows: ChangeRow[]) =>
    Promise.all(
      rows.map(async (row) => {
        const change = changeFromRow(row);
        return {
          ...change,
          snapshot: await fields.openSnapshot(change.snapshot, row.workspace_id),
        };
      }),
    );
  return {
    async append(change) {
      const resource =
        change.snapshot.type === "task" ? change.snapshot.task : change.snapshot.project;
      const [workspaceId, kind, snapshot, actor, actorUser, actorService] = changeValues({
        ...change,
        snapshot: await fields.sealSnapshot(change.snapshot),
      });
      await sql.execute(
        `insert into core.changes (workspace_id, kind, resource_type, resource_id, snapshot, actor, actor_user, actor_service)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          workspaceId,
          kind,
          change.snapshot.type,
          resource.id,
          snapshot,
          actor,
          actorUser,
          actorService,
        ],
      );
    },

    async list(workspaceId, afterPosition, limit) {
      // `c.position`, not `position`: that would sort by the text column of the select list.
      const rows = await sql.query<ChangeRow>(
        `select c.workspace_id, c.position::text as position, c.kind, c.snapshot, c.actor, c.actor_user, c.actor_service, c.change_time
         from core.changes c where c.workspace_id = $1 and c.position > $2 order by c.position limit $3`,
        [workspaceId, afterPosition.toString(), limit],
      );
      return opened(rows);
    },

    async listAll(afterPosition, limit) {
      const rows = await sql.query<ChangeRow>(
        `select c.workspace_id, c.position::text as position, c.kind, c.snapshot, c.actor, c.actor_user, c.actor_service, c.change_time
         from core.changes c where c.position > $1 order by c.position limit $2`,
        [afterPosition.toString(), limit],
      );
      return opened(rows);
    },
  };
}

/**
 * The relay: gives unpositioned changes their feed positions, oldest id first, once no older
 * transaction can still commit (txid below the snapshot's xmin). One relay at a time per
 * database (advisory lock), so positions grow in the order readers will see them.
 * It stops before the first committed change it must still hold back: a transaction can take
 * its id early (locking a row) and write a resource's next change after one with a later id
 * committed, so publishing past a held-back change could put a resource's versions out of order.
 * Returns the workspaces that got new changes.
 */
export async function relayChanges(sql: Sql, batch = 5_000): Promise<string[]> {
  // One statement, one round trip. The lock is taken inside it; should a second relay's
  // snapshot predate the first's commit, the unique index on position refuses its numbers.
  const rows = await sql.query<{ workspace_id: string }>(relayStatement, [batch]);
  return [...new Set(rows.map((r) => r.workspace_id))];
}

const relayStatement = prepare(
  "core_relay_changes",
  `with relay as (select pg_try_advisory_xact_lock(hashtext('core.changes.relay')) as ok),
     horizon as (select pg_snapshot_xmin(pg_current_snapshot()) as xmin from relay where relay.ok),
     held as (
       select min(c.id) as id from core.changes c, horizon
       where c.position is null and c.txid >= horizon.xmin
     ), pending as (
       select c.workspace_id, c.id, row_number() over (order by c.id) as n
       from core.changes c, horizon, held
       where c.position is null and c.txid < horizon.xmin and (held.id is null or c.id < held.id)
       order by c.id limit $1
     ), base as (select coalesce(max(position), 0) as p from core.changes)
     update core.changes c set position = base.p + pending.n
     from pending, base
     where c.workspace_id = pending.workspace_id and c.id = pending.id
     returning c.workspace_id`,
);
