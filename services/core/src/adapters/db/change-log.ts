import type { Sql } from "@glidepath/runtime";
import type { ChangeLog } from "../../app/ports.js";
import type { NewChange } from "../../domain/change.js";
import { type ChangeRow, changeFromRow } from "./rows.js";

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

export function createChangeLog(sql: Sql): ChangeLog {
  return {
    async append(change) {
      const resource =
        change.snapshot.type === "task" ? change.snapshot.task : change.snapshot.project;
      const [workspaceId, kind, snapshot, actor, actorUser, actorService] = changeValues(change);
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
      const rows = await sql.query<ChangeRow>(
        `select workspace_id, position::text as position, kind, snapshot, actor, actor_user, actor_service, change_time
         from core.changes where workspace_id = $1 and position > $2 order by position limit $3`,
        [workspaceId, afterPosition.toString(), limit],
      );
      return rows.map(changeFromRow);
    },
  };
}

/**
 * The relay: gives unpositioned changes their feed positions, oldest id first, once no older
 * transaction can still commit (txid below the snapshot's xmin). One relay at a time per
 * database (advisory lock), so positions grow in the order readers will see them.
 * Returns the workspaces that got new changes.
 */
export async function relayChanges(sql: Sql, batch = 5_000): Promise<string[]> {
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>(
      `select pg_try_advisory_xact_lock(hashtext('core.changes.relay')) as ok`,
    );
    if (!lock?.ok) return [];
    const rows = await tx.query<{ workspace_id: string }>(
      `with pending as (
         select workspace_id, id, row_number() over (order by id) as n
         from core.changes
         where position is null and txid < pg_snapshot_xmin(pg_current_snapshot())
         order by id limit $1
       ), base as (select coalesce(max(position), 0) as p from core.changes)
       update core.changes c set position = base.p + pending.n
       from pending, base
       where c.workspace_id = pending.workspace_id and c.id = pending.id
       returning c.workspace_id`,
      [batch],
    );
    return [...new Set(rows.map((r) => r.workspace_id))];
  });
}
