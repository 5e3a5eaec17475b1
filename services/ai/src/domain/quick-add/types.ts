/** Public shapes of the quick-add parser (see index.ts for the entry point). */

export interface ParseInput {
  text: string;
  /** Local wall-clock time "YYYY-MM-DDTHH:MM:SS" in `timeZone`. */
  referenceTime: string;
  /** IANA time zone name. */
  timeZone: string;
}

export type Due =
  | { kind: "date"; date: string }
  | { kind: "datetime"; date: string; time: string; timeZone: string };

export type Frequency = "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";

export interface Recurrence {
  freq: Frequency;
  interval: number;
  byDay?: string[];
  byMonthDay?: number[];
  /** RFC 5545 RRULE value, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR". */
  rrule: string;
}

export type ElementKind =
  | "due"
  | "recurrence"
  | "priority"
  | "label"
  | "project"
  | "duration"
  | "lead_in";

export interface Alternative {
  value: string;
  confidence: number;
}

/**
 * One part of the text the parser looked at. Elements whose `value` is
 * {@link KEPT_IN_TITLE} were considered (e.g. "May" as a month) but left in the title;
 * their `alternatives` carry the rejected readings.
 */
export interface Element {
  kind: ElementKind;
  /** UTF-16 offsets into the original text. */
  start: number;
  end: number;
  text: string;
  value: string;
  confidence: number;
  alternatives: Alternative[];
}

export type Priority = 1 | 2 | 3 | 4;

export interface TaskDraft {
  title: string;
  due: Due | null;
  recurrence: Recurrence | null;
  priority: Priority;
  labels: string[];
  project: string | null;
  durationMinutes: number | null;
  elements: Element[];
}

/** `Element.value` of a date-like word that was left in the title. */
export const KEPT_IN_TITLE = "kept in title";
