/** A task with what every head needs computed once. */
import { dayOfInstant, parseDay } from "./days.js";
import { modelTokens } from "./text.js";
import type { HistoryTask } from "./types.js";

export interface PreparedTask {
  task: HistoryTask;
  text: string[];
  createMs: number;
  updateMs: number;
  /** When it was done or cancelled; null while open. */
  closeMs: number | null;
  createDay: number;
  updateDay: number;
  closeDay: number | null;
  dueDay: number | null;
}

export function prepareTask(task: HistoryTask, timeZone: string): PreparedTask {
  const createMs = Date.parse(task.createTime);
  const updateMs = Date.parse(task.updateTime);
  const closeMs =
    task.state === "OPEN"
      ? null
      : task.state === "DONE" && task.completeTime
        ? Date.parse(task.completeTime)
        : updateMs;
  return {
    task,
    text: modelTokens(task.title, task.notes),
    createMs,
    updateMs,
    closeMs,
    createDay: dayOfInstant(createMs, timeZone),
    updateDay: dayOfInstant(updateMs, timeZone),
    closeDay: closeMs === null ? null : dayOfInstant(closeMs, timeZone),
    dueDay: task.due ? parseDay(task.due.date) : null,
  };
}
