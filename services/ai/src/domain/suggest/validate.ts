/** Guards on what the models are given: the domain checks even what the contract checked. */
import { checkTimeZone, parseDay } from "./days.js";
import { SuggestInputError } from "./errors.js";
import type { HistoryTask } from "./types.js";

const LABEL = /^[^\s@#,\u0000-\u001f\u007f]{1,64}$/u;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const STATES = new Set(["OPEN", "DONE", "CANCELLED"]);
const MAX_DURATION_MINUTES = 30 * 24 * 60;

function fail(field: string, message: string): never {
  throw new SuggestInputError("INVALID_TASK", field, message);
}

function checkInstant(value: unknown, field: string): void {
  if (typeof value !== "string" || !RFC3339.test(value) || !Number.isFinite(Date.parse(value))) {
    fail(field, `${field} must be an RFC 3339 instant`);
  }
}

export function checkTask(task: HistoryTask, field: string): void {
  if (typeof task !== "object" || task === null) fail(field, `${field} must be a task`);
  if (typeof task.id !== "string" || task.id.length === 0 || task.id.length > 200) {
    fail(`${field}.id`, "a task id must be 1-200 characters");
  }
  if (typeof task.title !== "string" || task.title.length > 500) {
    fail(`${field}.title`, "a title must be a string of at most 500 characters");
  }
  if (task.notes !== undefined && (typeof task.notes !== "string" || task.notes.length > 20_000)) {
    fail(`${field}.notes`, "notes must be a string of at most 20,000 characters");
  }
  if (
    !Array.isArray(task.labels) ||
    task.labels.length > 20 ||
    !task.labels.every((l) => typeof l === "string" && LABEL.test(l))
  ) {
    fail(`${field}.labels`, "at most 20 labels of 1-64 characters without spaces, @, # or ,");
  }
  if (task.projectId !== null && (typeof task.projectId !== "string" || task.projectId === "")) {
    fail(`${field}.projectId`, "a project id must be a non-empty string or null");
  }
  if (![1, 2, 3, 4].includes(task.priority)) fail(`${field}.priority`, "priority must be 1-4");
  if (task.due !== null) {
    if (
      typeof task.due !== "object" ||
      typeof task.due.date !== "string" ||
      parseDay(task.due.date) === null
    ) {
      fail(`${field}.due.date`, "a due date must be a valid YYYY-MM-DD date");
    }
    if (
      task.due.time !== undefined &&
      (typeof task.due.time !== "string" || !TIME.test(task.due.time))
    ) {
      fail(`${field}.due.time`, "a due time must be HH:MM");
    }
  }
  if (
    task.durationMinutes !== null &&
    (!Number.isInteger(task.durationMinutes) ||
      task.durationMinutes < 1 ||
      task.durationMinutes > MAX_DURATION_MINUTES)
  ) {
    fail(`${field}.durationMinutes`, "a duration must be a whole number of minutes, 1 to 30 days");
  }
  if (!STATES.has(task.state)) fail(`${field}.state`, "state must be OPEN, DONE or CANCELLED");
  checkInstant(task.createTime, `${field}.createTime`);
  checkInstant(task.updateTime, `${field}.updateTime`);
  if (task.completeTime !== null) checkInstant(task.completeTime, `${field}.completeTime`);
}

export function checkTasks(tasks: readonly HistoryTask[], field: string): void {
  if (!Array.isArray(tasks)) fail(field, `${field} must be a list of tasks`);
  const ids = new Set<string>();
  tasks.forEach((task, i) => {
    checkTask(task, `${field}[${i}]`);
    if (ids.has(task.id))
      fail(`${field}[${i}].id`, `task id "${task.id.slice(0, 64)}" appears twice`);
    ids.add(task.id);
  });
}

export function checkNow(now: unknown): Date {
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) {
    throw new SuggestInputError("INVALID_OPTION", "now", "now must be a valid Date");
  }
  return now;
}

export function checkZone(timeZone: string): string {
  try {
    checkTimeZone(timeZone);
    return timeZone;
  } catch {
    throw new SuggestInputError(
      "INVALID_OPTION",
      "timeZone",
      `unknown time zone "${String(timeZone).slice(0, 64)}"`,
    );
  }
}

export function checkCount(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SuggestInputError(
      "INVALID_OPTION",
      field,
      `${field} must be a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

export function checkSeed(seed: unknown): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new SuggestInputError("INVALID_OPTION", "seed", "seed must be a whole number");
  }
  return seed;
}
