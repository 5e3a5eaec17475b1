import type { Sql } from "@glidepath/runtime";
import type { RequestRecord, TaskCursor, TaskListQuery, TaskRepository } from "../../app/ports.js";
import type { NewChange } from "../../domain/change.js";
import { dueInstant, type Task } from "../../domain/task.js";
import { changeValues } from "./change-log.js";
import { type TaskRow, taskColumns, taskFromRow } from "./rows.js";
import { compileTaskQuery } from "./task-filter-sql.js";

/** Values of every column of core.tasks, in table order ($1..$29 from `offset`). */
function taskValues(task: Task): unknown[] {
  return [
    task.workspaceId,
    task.id,
    task.title,
    task.notes,
    task.state,
    task.priority,
    task.due?.date ?? null,
    task.due?.time ?? null,
    task.due?.timeZone ?? null,
    task.due ? (dueInstant(task.due) ?? null) : null,
    task.recurrence,
    task.projectId,
    task.durationMinutes,
    task.assignee,
    task.provenance.kind,
    task.provenance.user,
    task.provenance.service ?? null,
    task.source?.text ?? null,
    task.source?.referenceTime ?? null,
    task.source?.timeZone ?? null,
    task.source?.parserVersion ?? null,
    task.createTime,
    task.updateTime,
    task.completeTime,
    task.deleteTime,
    task.completionCount,
    task.version,
  ];
}

const taskInsertColumns = `workspace_id, id, title, notes, state, priority, due_date, due_time,
  due_time_zone, due_instant, recurrence, project_id, duration_minutes, assignee, actor,
  actor_user, actor_service, source_text, source_reference_time, source_time_zone,
  source_parser_version, create_time, update_time, complete_time, delete_time,
  completion_count, version`;
const placeholders = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `$${from + i}`).join(", ");

// One statement writes the request record (when given), the task, its labels and its change:
// a single round trip, atomic on its own. A taken request id makes every part write nothing.
const insertSql = (withRequest: boolean) => `
  with ${
    withRequest
      ? `request as (
    insert into core.request_ids (workspace_id, principal, request_id, fingerprint, response)
    values ($1, $34, $35, $36, $37) on conflict do nothing returning 1
  ),`
      : ""
  }
  task as (
    insert into core.tasks (${taskInsertColumns})
    select ${placeholders(1, 27)} ${withRequest ? "where exists (select 1 from request)" : ""}
    returning workspace_id, id
  ),
  labels as (
    insert into core.task_labels (workspace_id, task_id, label)
    select task.workspace_id, task.id, l from task, unnest($28::text[]) as l
  ),
  change as (
    insert into core.changes (workspace_id, kind, resource_type, resource_id, snapshot, actor, actor_user, actor_service)
    select task.workspace_id, $29, 'task', task.id, $30, $31, $32, $33 from task
  )
  select count(*)::int as inserted from task`;

export function createTaskRepository(sql: Sql): TaskRepository {
  const selectOne = async (workspaceId: string, id: string, lock: boolean) => {
    const rows = await sql.query<TaskRow>(
      `select ${taskColumns} from core.tasks t where t.workspace_id = $1 and t.id = $2${lock ? " for update of t" : ""}`,
      [workspaceId, id],
    );
    return rows[0] ? taskFromRow(rows[0]) : undefined;
  };

  return {
    get: (workspaceId, id) => selectOne(workspaceId, id, false),
    getForUpdate: (workspaceId, id) => selectOne(workspaceId, id, true),

    async getMany(workspaceId, ids) {
      const rows = await sql.query<TaskRow>(
        `select ${taskColumns} from core.tasks t where t.workspace_id = $1 and t.id = any($2::uuid[])`,
        [workspaceId, ids],
      );
      return rows.map(taskFromRow);
    },

    async list(
      workspaceId: string,
      query: TaskListQuery,
      page: { limit: number; after?: TaskCursor },
    ) {
      const params: unknown[] = [workspaceId];
      const { where, orderBy } = compileTaskQuery(query, page.after, params);
      params.push(page.limit);
      const rows = await sql.query<TaskRow>(
        `select ${taskColumns} from core.tasks t where t.workspace_id = $1 and ${where}
         order by ${orderBy} limit $${params.length}`,
        params,
      );
      return rows.map(taskFromRow);
    },

    async listProjectTasksForUpdate(workspaceId, projectId) {
      const rows = await sql.query<TaskRow>(
        `select ${taskColumns} from core.tasks t where t.workspace_id = $1 and t.project_id = $2
         order by t.id for update of t`,
        [workspaceId, projectId],
      );
      return rows.map(taskFromRow);
    },

    async insert(task: Task, change: NewChange, request?: RequestRecord) {
      const values = [...taskValues(task), task.labels, ...changeValues(change).slice(1)];
      if (request) {
        values.push(request.principal, request.requestId, request.fingerprint, request.response);
      }
      const rows = await sql.query<{ inserted: number }>(insertSql(!!request), values);
      return rows[0]?.inserted === 1;
    },

    async update(task: Task) {
      const values = taskValues(task);
      const assignments = taskInsertColumns
        .split(",")
        .map((c, i) => `${c.trim()} = $${i + 1}`)
        .slice(2)
        .join(", ");
      await sql.execute(
        `update core.tasks set ${assignments} where workspace_id = $1 and id = $2`,
        values,
      );
      await sql.execute(
        `delete from core.task_labels where workspace_id = $1 and task_id = $2 and label <> all($3::text[])`,
        [task.workspaceId, task.id, task.labels],
      );
      await sql.execute(
        `insert into core.task_labels (workspace_id, task_id, label)
         select $1, $2, unnest($3::text[]) on conflict do nothing`,
        [task.workspaceId, task.id, task.labels],
      );
    },

    async recordCompletion(task, occurrence, at) {
      await sql.execute(
        `insert into core.task_completions (workspace_id, task_id, completion, occurrence_date, complete_time)
         values ($1, $2, $3, $4, $5)`,
        [task.workspaceId, task.id, task.completionCount, occurrence, at],
      );
    },
  };
}
