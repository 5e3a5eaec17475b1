import type { TaskCursor, TaskListQuery } from "../../app/ports.js";
import type { FilterNode } from "../../domain/task-query.js";

// Turns a parsed filter and order into SQL. Every value is a bound parameter.

const sortExpressions = {
  create_time: "t.create_time",
  update_time: "t.update_time",
  due: "coalesce(t.due_date, 'infinity'::date)",
  priority: "t.priority",
} as const;

const sortCasts = {
  create_time: "timestamptz",
  update_time: "timestamptz",
  due: "date",
  priority: "smallint",
} as const;

export function compileTaskQuery(
  query: TaskListQuery,
  after: TaskCursor | undefined,
  params: unknown[],
): { where: string; orderBy: string } {
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const node = (n: FilterNode): string => {
    switch (n.kind) {
      case "and":
        return `(${n.items.map(node).join(" and ")})`;
      case "or":
        return `(${n.items.map(node).join(" or ")})`;
      case "not":
        return `(not ${node(n.item)})`;
      case "state":
        return `t.state ${n.op === "=" ? "=" : "<>"} ${bind(n.value)}`;
      case "priority":
        return `t.priority ${n.op === "!=" ? "<>" : n.op} ${bind(n.value)}`;
      case "label": {
        const exists = `exists (select 1 from core.task_labels l where l.workspace_id = t.workspace_id and l.task_id = t.id and lower(l.label) = lower(${bind(n.value)}))`;
        return n.op === "=" ? exists : `not ${exists}`;
      }
      case "project":
      case "assignee": {
        const column = n.kind === "project" ? "t.project_id" : "t.assignee";
        if (n.value === null) return `${column} is ${n.op === "=" ? "" : "not "}null`;
        const cast = n.kind === "project" ? "::uuid" : "";
        return n.op === "="
          ? `${column} = ${bind(n.value)}${cast}`
          : `${column} is distinct from ${bind(n.value)}${cast}`;
      }
      case "due":
        if (n.value === null) return `t.due_date is ${n.op === "=" ? "" : "not "}null`;
        return `t.due_date ${n.op === "!=" ? "<>" : n.op} ${bind(n.value)}::date`;
      case "text":
        return `t.title ilike ${bind(`%${n.value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`;
    }
  };

  const conditions: string[] = [];
  if (!query.showDeleted) conditions.push("t.delete_time is null");
  if (query.filter) conditions.push(node(query.filter));
  const { field, descending } = query.order;
  const sort = sortExpressions[field];
  if (after) {
    const cmp = descending ? "<" : ">";
    conditions.push(
      `(${sort}, t.id) ${cmp} (${bind(after.key)}::${sortCasts[field]}, ${bind(after.id)}::uuid)`,
    );
  }
  const direction = descending ? "desc" : "asc";
  return {
    where: conditions.length ? conditions.join(" and ") : "true",
    orderBy: `${sort} ${direction}, t.id ${direction}`,
  };
}
