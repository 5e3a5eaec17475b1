/**
 * The evaluation format of /work/shared/eval/README.md: reading cases, turning a draft into the
 * `expect` shape, and per-field scoring. Used by the dev-set tests and scripts/eval-parse.ts.
 */
import { parseQuickAdd } from "./parse.js";
import type { TaskDraft } from "./types.js";

export interface ExpectedRecurrence {
  freq: string;
  interval: number;
  by_day?: string[];
  by_month_day?: number[];
}

export interface Expected {
  title: string;
  due: { date: string } | { datetime: string } | null;
  recurrence: ExpectedRecurrence | null;
  priority: number;
  labels: string[];
  project: string | null;
  duration_minutes: number | null;
}

export interface EvalCase {
  text: string;
  reference_time: string;
  time_zone: string;
  expect: Expected;
}

export const FIELDS = [
  "title",
  "due",
  "recurrence",
  "priority",
  "labels",
  "project",
  "duration_minutes",
] as const;
export type Field = (typeof FIELDS)[number];

export function readCases(jsonl: string): EvalCase[] {
  return jsonl
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as EvalCase);
}

export function toExpected(draft: TaskDraft): Expected {
  let due: Expected["due"] = null;
  if (draft.due?.kind === "date") due = { date: draft.due.date };
  else if (draft.due?.kind === "datetime")
    due = { datetime: `${draft.due.date}T${draft.due.time}` };
  let recurrence: ExpectedRecurrence | null = null;
  if (draft.recurrence) {
    recurrence = { freq: draft.recurrence.freq, interval: draft.recurrence.interval };
    if (draft.recurrence.byDay) recurrence.by_day = [...draft.recurrence.byDay];
    if (draft.recurrence.byMonthDay) recurrence.by_month_day = [...draft.recurrence.byMonthDay];
  }
  return {
    title: draft.title,
    due,
    recurrence,
    priority: draft.priority,
    labels: [...draft.labels],
    project: draft.project,
    duration_minutes: draft.durationMinutes,
  };
}

/** Runs the parser on one case; an input error yields null (every field counts as wrong). */
export function predict(c: EvalCase): Expected | null {
  try {
    return toExpected(
      parseQuickAdd({ text: c.text, referenceTime: c.reference_time, timeZone: c.time_zone }),
    );
  } catch {
    return null;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function sortedCopy<T>(values: readonly T[] | undefined): T[] | undefined {
  return values ? [...values].sort() : undefined;
}

export function fieldMatches(field: Field, expected: Expected, predicted: Expected): boolean {
  switch (field) {
    case "labels": {
      const a = new Set(expected.labels);
      const b = new Set(predicted.labels);
      return a.size === b.size && [...a].every((label) => b.has(label));
    }
    case "recurrence": {
      const norm = (r: ExpectedRecurrence | null) =>
        r && { ...r, by_day: sortedCopy(r.by_day), by_month_day: sortedCopy(r.by_month_day) };
      return canonical(norm(expected.recurrence)) === canonical(norm(predicted.recurrence));
    }
    default:
      return canonical(expected[field]) === canonical(predicted[field]);
  }
}

export interface Score {
  total: number;
  perField: Record<Field, number>;
  allFieldsRight: number;
  misses: { text: string; fields: Field[]; expected: Expected; predicted: Expected | null }[];
}

export function score(
  cases: readonly EvalCase[],
  predictions: readonly (Expected | null)[],
): Score {
  const right = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  let allRight = 0;
  const misses: Score["misses"] = [];
  cases.forEach((c, i) => {
    const predicted = predictions[i] ?? null;
    const wrong = FIELDS.filter((f) => !(predicted && fieldMatches(f, c.expect, predicted)));
    for (const f of FIELDS) if (!wrong.includes(f)) right[f] += 1;
    if (wrong.length === 0) allRight += 1;
    else misses.push({ text: c.text, fields: wrong, expected: c.expect, predicted });
  });
  const total = cases.length;
  const share = (n: number) => (total === 0 ? 0 : n / total);
  return {
    total,
    perField: Object.fromEntries(FIELDS.map((f) => [f, share(right[f])])) as Record<Field, number>,
    allFieldsRight: share(allRight),
    misses,
  };
}
