/** Builders for the suggestion tests. */
import type { HistoryTask } from "./types.js";

let counter = 0;

/** An open inbox task added at `createTime`, overridable field by field. */
export function aTask(overrides: Partial<HistoryTask> = {}): HistoryTask {
  counter++;
  const createTime = overrides.createTime ?? "2025-05-01T10:00:00Z";
  return {
    id: `task-${counter}`,
    title: "Untitled",
    labels: [],
    projectId: null,
    priority: 4,
    due: null,
    durationMinutes: null,
    state: "OPEN",
    createTime,
    updateTime: createTime,
    completeTime: null,
    ...overrides,
  };
}

/** "2025-05-01T10:00:00Z" plus `days`. */
export function dayAfter(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();
}
