import type { Sql } from "@glidepath/runtime";
import type { ProjectRepository } from "../../app/ports.js";
import { type ProjectRow, projectFromRow } from "./rows.js";
import type { CoreEncryption } from "./sealed-fields.js";

/** Projects in SQL; descriptions are stored encrypted. */
export function createProjectRepository(sql: Sql, encryption: CoreEncryption): ProjectRepository {
  const fields = encryption.on(sql);
  const open = (row: ProjectRow) => fields.openProject(projectFromRow(row));
  const one = async (workspaceId: string, id: string, lock: boolean) => {
    const rows = await sql.query<ProjectRow>(
      `select * from core.projects where workspace_id = $1 and id = $2${lock ? " for update" : ""}`,
      [workspaceId, id],
    );
    return rows[0] ? open(rows[0]) : undefined;
  };
  return {
    get: (workspaceId, id) => one(workspaceId, id, false),
    getForUpdate: (workspaceId, id) => one(workspaceId, id, true),
    async list(workspaceId, showArchived, page) {
      const rows = await sql.query<ProjectRow>(
        `select * from core.projects
         where workspace_id = $1 and ($2 or state = 'ACTIVE')
           and ($3::timestamptz is null or (create_time, id) > ($3::timestamptz, $4::uuid))
         order by create_time, id limit $5`,
        [
          workspaceId,
          showArchived,
          page.after?.createTime ?? null,
          page.after?.id ?? null,
          page.limit,
        ],
      );
      return Promise.all(rows.map(open));
    },
    async insert(project) {
      const p = await fields.sealProject(project);
      await sql.execute(
        `insert into core.projects (workspace_id, id, display_name, description, state, archive_time, create_time, update_time, version)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          p.workspaceId,
          p.id,
          p.displayName,
          p.description,
          p.state,
          p.archiveTime,
          p.createTime,
          p.updateTime,
          p.version,
        ],
      );
    },
    async update(project) {
      const p = await fields.sealProject(project);
      await sql.execute(
        `update core.projects set display_name = $3, description = $4, state = $5, archive_time = $6,
           update_time = $7, version = $8 where workspace_id = $1 and id = $2`,
        [
          p.workspaceId,
          p.id,
          p.displayName,
          p.description,
          p.state,
          p.archiveTime,
          p.updateTime,
          p.version,
        ],
      );
    },
    async delete(workspaceId, id) {
      await sql.execute(`delete from core.projects where workspace_id = $1 and id = $2`, [
        workspaceId,
        id,
      ]);
    },
    async countOpenTasks(workspaceId, id) {
      const rows = await sql.query<{ n: number }>(
        `select count(*)::int as n from core.tasks
         where workspace_id = $1 and project_id = $2 and state = 'OPEN' and delete_time is null`,
        [workspaceId, id],
      );
      return rows[0]?.n ?? 0;
    },
  };
}
