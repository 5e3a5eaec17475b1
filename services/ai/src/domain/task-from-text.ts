import { InvalidInputError } from "./errors.js";
import type { TaskDraft } from "./quick-add/index.js";

// Turning a parsed sentence into the task core creates: which project `#Project` names, the
// limits core holds a task to (checked here so the caller hears about its own field, `text`),
// and the source record that lets anyone reproduce the parse later.

export interface ProjectRef {
  id: string;
  displayName: string;
  archived: boolean;
}

export type ProjectResolution = "NONE" | "MATCHED" | "NOT_FOUND" | "ARCHIVED" | "AMBIGUOUS";

/** Project names compare without case, width variants or the `_` a `#token` needs for spaces. */
const projectKey = (name: string) =>
  name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[_\s]+/gu, " ")
    .trim();

/**
 * The project `displayName` (from `#Project`) names among the workspace's projects. Only an
 * active project can take a new task; several active projects of that name are a guess we
 * don't make.
 */
export function resolveProject(
  displayName: string | null,
  projects: readonly ProjectRef[],
): { resolution: ProjectResolution; projectId: string | null } {
  if (!displayName) return { resolution: "NONE", projectId: null };
  const key = projectKey(displayName);
  const named = projects.filter((p) => projectKey(p.displayName) === key);
  const active = named.filter((p) => !p.archived);
  if (active.length === 1) return { resolution: "MATCHED", projectId: active[0]?.id ?? null };
  if (active.length > 1) return { resolution: "AMBIGUOUS", projectId: null };
  if (named.length > 0) return { resolution: "ARCHIVED", projectId: null };
  return { resolution: "NOT_FOUND", projectId: null };
}

/** What core accepts for a task (services/core/src/domain/task.ts). */
export const coreTaskLimits = { title: 500, labels: 20, label: 64, durationMinutes: 43_200 };

/**
 * Checks a draft against core's limits and answers in terms of the caller's request: every
 * problem is the sentence's (`text`), not a field of a request the caller never sent.
 */
export function checkDraftForCreate(draft: TaskDraft): void {
  const problems: string[] = [];
  const title = draft.title.trim();
  if (title === "") {
    problems.push("leaves no title once its date, labels and other parts are taken out");
  } else if (title.length > coreTaskLimits.title) {
    problems.push(`gives a title longer than ${coreTaskLimits.title} characters`);
  }
  if (draft.labels.length > coreTaskLimits.labels) {
    problems.push(`has more than ${coreTaskLimits.labels} labels`);
  }
  const long = draft.labels.find((l) => l.length > coreTaskLimits.label);
  if (long) problems.push(`has a label longer than ${coreTaskLimits.label} characters`);
  const minutes = draft.durationMinutes;
  if (minutes !== null && (minutes < 1 || minutes > coreTaskLimits.durationMinutes)) {
    problems.push("gives a duration outside 1 minute to 30 days");
  }
  if (problems.length > 0) {
    throw new InvalidInputError(problems.map((description) => ({ field: "text", description })));
  }
}

export interface TaskSourceRecord {
  text: string;
  referenceTime: string;
  timeZone: string;
  parserVersion: string;
}

// Core stores the sentence as text, where only tab and line breaks of the C0 controls may go;
// the parser reads every control character as a space, so spaces keep the parse reproducible.
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/gu;

export function sourceRecord(
  text: string,
  referenceTime: string,
  timeZone: string,
  parserVersion: string,
): TaskSourceRecord {
  return { text: text.replace(UNSTORABLE, " "), referenceTime, timeZone, parserVersion };
}
