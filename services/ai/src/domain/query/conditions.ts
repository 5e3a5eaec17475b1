// The conditions a question becomes, and how they are written as a ListTasks filter (core's
// AIP-160 subset: state, priority, label, project, assignee, due, text; AND, OR, NOT).

export type TaskStateName = "OPEN" | "DONE" | "CANCELLED";
export type Comparison = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Condition =
  | { field: "state"; op: "=" | "!="; value: TaskStateName }
  | { field: "priority"; op: Comparison; value: 1 | 2 | 3 | 4 }
  | { field: "label"; op: "=" | "!="; value: string }
  /** `value` is a project resource name, or null for the inbox. */
  | { field: "project"; op: "=" | "!="; value: string | null }
  | { field: "assignee"; op: "=" | "!="; value: string | null }
  /** `value` is `YYYY-MM-DD`, or null for "no due date". */
  | { field: "due"; op: Comparison; value: string | null }
  | { field: "text"; value: string }
  | { field: "or"; items: Condition[] };

/** Core's limits on a filter (services/core/src/domain/task-query.ts, task_service.proto). */
export const filterLimits = { length: 2048, terms: 50, label: 64 };

/** A filter string literal: `"` and `\` escaped; NUL (which PostgreSQL can't hold) dropped. */
export function quote(value: string): string {
  return `"${value.replace(/\u0000/gu, "").replace(/[\\"]/gu, (c) => `\\${c}`)}"`;
}

export function renderCondition(c: Condition): string {
  switch (c.field) {
    case "state":
      return `state ${c.op} ${c.value}`;
    case "priority":
      return `priority ${c.op} ${c.value}`;
    case "label":
      return `label ${c.op} ${quote(c.value)}`;
    case "project":
    case "assignee":
      return `${c.field} ${c.op} ${c.value === null ? "NULL" : quote(c.value)}`;
    case "due":
      return `due ${c.op} ${c.value === null ? "NULL" : quote(c.value)}`;
    case "text":
      return `text = ${quote(c.value)}`;
    case "or":
      return `(${c.items.map(renderCondition).join(" OR ")})`;
  }
}

/** How many comparisons a condition counts as against core's term limit. */
export function termCount(c: Condition): number {
  return c.field === "or" ? c.items.reduce((n, item) => n + termCount(item), 0) : 1;
}

const fieldOrder: Record<Condition["field"], number> = {
  state: 0,
  due: 1,
  priority: 2,
  label: 3,
  project: 4,
  assignee: 5,
  text: 6,
  or: 7,
};

/** Conditions in a stable, readable order (state, due, priority, label, project, ...). */
export function sortConditions(conditions: readonly Condition[]): Condition[] {
  const field = (c: Condition) => (c.field === "or" ? (c.items[0]?.field ?? "or") : c.field);
  return conditions
    .map((c, i) => ({ c, i }))
    .sort((a, b) => fieldOrder[field(a.c)] - fieldOrder[field(b.c)] || a.i - b.i)
    .map(({ c }) => c);
}

/** Joins conditions with AND; conditions that would break core's limits are left out. */
export function renderFilter(conditions: readonly Condition[]): {
  filter: string;
  dropped: number;
} {
  const parts: string[] = [];
  let terms = 0;
  let length = 0;
  let dropped = 0;
  for (const c of sortConditions(conditions)) {
    const text = renderCondition(c);
    const extra = text.length + (parts.length > 0 ? 5 : 0);
    if (terms + termCount(c) > filterLimits.terms || length + extra > filterLimits.length) {
      dropped++;
      continue;
    }
    parts.push(text);
    terms += termCount(c);
    length += extra;
  }
  return { filter: parts.join(" AND "), dropped };
}
