/**
 * Quick-add parsing (phase-3 domain logic of the ai service): turns one typed sentence into a
 * task draft, Todoist style, following /work/shared/eval/README.md. Pure: no I/O, no clock, no
 * mutable global state (chrono-node's parser instances are built once and only cache patterns).
 *
 * Choices where the README is silent (each has a test):
 * - a bare weekday that is today means today ("friday" on a Friday), even if its time has passed;
 * - "next week" / "next month" / "next year" are next Monday / the 1st / Jan 1; "end of the week"
 *   is the coming Friday; "next weekend" follows "next <weekday>";
 * - "at 5" / "5:30" without am/pm read hours 1-6 as afternoon ("05:30" stays morning);
 * - "by", "due" and "coming" go with their date phrase like "on" and "at";
 * - "urgent" / "important" without a colon are a priority only at the end of the sentence (or in
 *   capitals); elsewhere they are adjectives ("Urgent care appointment");
 * - "weekly", "daily", ... before a noun are adjectives ("Weekly report"), not recurrences;
 * - slash dates ("12/03") are not read: their order depends on the locale;
 * - a time range ("2-4pm") gives the duration when no "for ..." does;
 * - the title may be empty when the sentence was nothing but structure ("tomorrow p1").
 */
export { QuickAddInputError, type QuickAddInputField } from "./errors.js";
export { MAX_TEXT_LENGTH, PARSER_VERSION, parseQuickAdd } from "./parse.js";
export {
  type Alternative,
  type Due,
  type Element,
  type ElementKind,
  type Frequency,
  KEPT_IN_TITLE,
  type ParseInput,
  type Priority,
  type Recurrence,
  type TaskDraft,
} from "./types.js";
