/** Shared helpers for the quick-add tests (not part of the public API). */
import { parseQuickAdd } from "./parse.js";
import type { TaskDraft } from "./types.js";

/** Wednesday 2026-03-11, 10:00 local time. */
export const WEDNESDAY_10AM = "2026-03-11T10:00:00";

export function parse(text: string, referenceTime = WEDNESDAY_10AM, timeZone = "Europe/Berlin") {
  return parseQuickAdd({ text, referenceTime, timeZone });
}

/** "2026-03-12" or "2026-03-12T09:00", or null. */
export function dueOf(draft: TaskDraft): string | null {
  if (!draft.due) return null;
  return draft.due.kind === "date" ? draft.due.date : `${draft.due.date}T${draft.due.time}`;
}
