import { prepare, type Sql } from "@glidepath/runtime";
import type { MemberRepository, WorkspaceRepository } from "../../app/ports.js";
import type { Role } from "../../domain/roles.js";
import { type MemberRow, memberFromRow, type WorkspaceRow, workspaceFromRow } from "./rows.js";

export function createWorkspaceRepository(sql: Sql): WorkspaceRepository {
  const one = async (id: string, lock: boolean) => {
    const rows = await sql.query<WorkspaceRow>(
      `select * from core.workspaces where workspace_id = $1${lock ? " for update" : ""}`,
      [id],
    );
    return rows[0] ? workspaceFromRow(rows[0]) : undefined;
  };
  return {
    get: (id) => one(id, false),
    getForUpdate: (id) => one(id, true),
    async listForUser(user, page) {
      const rows = await sql.query<WorkspaceRow & { role: Role }>(
        `select w.*, m.role from core.members m
         join core.workspaces w on w.workspace_id = m.workspace_id
         where m.user_id = $1 and ($2::uuid is null or m.workspace_id > $2::uuid)
         order by m.workspace_id limit $3`,
        [user, page.after ?? null, page.limit],
      );
      return rows.map((r) => ({ workspace: workspaceFromRow(r), role: r.role }));
    },
    async insert(w) {
      await sql.execute(
        `insert into core.workspaces (workspace_id, display_name, create_time, update_time, version)
         values ($1, $2, $3, $4, $5)`,
        [w.id, w.displayName, w.createTime, w.updateTime, w.version],
      );
    },
    async update(w) {
      await sql.execute(
        `update core.workspaces set display_name = $2, update_time = $3, version = $4 where workspace_id = $1`,
        [w.id, w.displayName, w.updateTime, w.version],
      );
    },
  };
}

const roleStatement = prepare(
  "core_member_role",
  "select role from core.members where workspace_id = $1 and user_id = $2",
);

export function createMemberRepository(sql: Sql): MemberRepository {
  const one = async (workspaceId: string, user: string, lock: boolean) => {
    const rows = await sql.query<MemberRow>(
      `select * from core.members where workspace_id = $1 and user_id = $2${lock ? " for update" : ""}`,
      [workspaceId, user],
    );
    return rows[0] ? memberFromRow(rows[0]) : undefined;
  };
  return {
    async role(workspaceId, user) {
      const rows = await sql.query<{ role: Role }>(roleStatement, [workspaceId, user]);
      return rows[0]?.role;
    },
    get: (workspaceId, user) => one(workspaceId, user, false),
    getForUpdate: (workspaceId, user) => one(workspaceId, user, true),
    async list(workspaceId, page) {
      const rows = await sql.query<MemberRow>(
        `select * from core.members where workspace_id = $1 and ($2::text is null or user_id > $2)
         order by user_id limit $3`,
        [workspaceId, page.after ?? null, page.limit],
      );
      return rows.map(memberFromRow);
    },
    async countOwnersForUpdate(workspaceId) {
      const rows = await sql.query<{ user_id: string }>(
        `select user_id from core.members where workspace_id = $1 and role = 'OWNER' for update`,
        [workspaceId],
      );
      return rows.length;
    },
    async insert(m) {
      const inserted = await sql.execute(
        `insert into core.members (workspace_id, user_id, role, create_time, update_time, version)
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
        [m.workspaceId, m.user, m.role, m.createTime, m.updateTime, m.version],
      );
      return inserted === 1;
    },
    async update(m) {
      await sql.execute(
        `update core.members set role = $3, update_time = $4, version = $5 where workspace_id = $1 and user_id = $2`,
        [m.workspaceId, m.user, m.role, m.updateTime, m.version],
      );
    },
    async delete(workspaceId, user) {
      await sql.execute(`delete from core.members where workspace_id = $1 and user_id = $2`, [
        workspaceId,
        user,
      ]);
    },
  };
}
