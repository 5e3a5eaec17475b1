/** The quick-add entry point: one sentence in, one task draft out. Pure and synchronous. */
import {
  formatDate,
  formatTime,
  type LocalDate,
  type LocalDateTime,
  type LocalTime,
  toFloatingDate,
} from "./calendar.js";
import { type DatePhrase, readDates } from "./dates.js";
import { findDurations } from "./duration.js";
import { element } from "./element.js";
import { QuickAddInputError } from "./errors.js";
import {
  findLabels,
  findLeadIn,
  findPriorities,
  findProjects,
  type PriorityHit,
} from "./markers.js";
import { findRecurrence, type RecurrenceRule } from "./recurrence.js";
import {
  describeRecurrence,
  firstOccurrence,
  type Resolved,
  resolveDateSpec,
  resolvePhrases,
  toRecurrence,
} from "./schedule.js";
import { blank, findProtectedSpans } from "./text.js";
import { checkTimeZone, parseReferenceTime } from "./time-zone.js";
import { assembleTitle, CONTROL_CHARS } from "./title.js";
import {
  type Due,
  type Element,
  KEPT_IN_TITLE,
  type ParseInput,
  type Priority,
  type Recurrence,
  type TaskDraft,
} from "./types.js";

export const PARSER_VERSION = "quick-add/1";
export const MAX_TEXT_LENGTH = 2000;

const TAIL_IS_EMPTY = /^[\s\p{P}\p{S}]*$/u;

function checkText(text: unknown): string {
  if (typeof text !== "string") throw new QuickAddInputError("text", "text must be a string");
  if (text.length > MAX_TEXT_LENGTH) {
    throw new QuickAddInputError(
      "text",
      `text is ${text.length} characters long; the limit is ${MAX_TEXT_LENGTH}`,
    );
  }
  if (text.replace(CONTROL_CHARS, " ").trim() === "") {
    throw new QuickAddInputError("text", "text is empty");
  }
  return text;
}

export function parseQuickAdd(input: ParseInput): TaskDraft {
  if (input === null || typeof input !== "object") {
    throw new QuickAddInputError("text", "input must be an object");
  }
  const text = checkText(input.text);
  const timeZone = checkTimeZone(input.timeZone);
  const ref = parseReferenceTime(input.referenceTime);

  // `scan` is the text the recognisers see: controls are spaces, URLs and e-mail addresses are
  // opaque, and every part already read is blanked so later stages cannot read it again.
  let scan = text.replace(CONTROL_CHARS, " ");
  for (const span of findProtectedSpans(scan)) scan = blank(scan, span.start, span.end, "_");

  const applied: Element[] = [];
  const notes: Element[] = [];
  const take = (el: Element) => {
    applied.push(el);
    scan = blank(scan, el.start, el.end);
  };

  const labels: string[] = [];
  for (const hit of findLabels(scan)) {
    take(hit.element);
    if (!labels.includes(hit.label)) labels.push(hit.label);
  }

  let project: string | null = null;
  const projects = findProjects(scan);
  for (const hit of projects) {
    if (project === null) {
      project = hit.project;
      hit.element.alternatives = projects
        .filter((other) => other !== hit)
        .map((other) => ({ value: other.project, confidence: 0.3 }));
    } else {
      hit.element.confidence = 0.3;
      hit.element.alternatives = [{ value: project, confidence: 0.7 }];
    }
    take(hit.element);
  }

  let priority: Priority = 4;
  const pendingPriorities: PriorityHit[] = [];
  for (const hit of findPriorities(scan)) {
    if (hit.needsEmptyTail) {
      pendingPriorities.push(hit);
      scan = blank(scan, hit.element.start, hit.element.end);
    } else {
      take(hit.element);
      priority = Math.min(priority, hit.priority) as Priority;
    }
  }

  let durationMinutes: number | null = null;
  const duration = findDurations(scan)[0];
  if (duration) {
    take(duration.element);
    durationMinutes = duration.minutes;
  }

  const recurrenceHit = findRecurrence(scan);
  if (recurrenceHit) scan = blank(scan, recurrenceHit.element.start, recurrenceHit.element.end);

  const reading = readDates(scan, text, toFloatingDate(ref, ref), recurrenceHit !== null);
  const phrases = reading.phrases;
  let datePhrase = phrases.find((p) => p.date !== undefined || p.offsetMinutes !== undefined);
  let timePhrase =
    datePhrase?.time === undefined && datePhrase?.offsetMinutes === undefined
      ? phrases.find((p) => p !== datePhrase && !p.date && p.offsetMinutes === undefined && p.time)
      : undefined;

  let rule: RecurrenceRule | null = recurrenceHit?.rule ?? null;
  if (rule?.needsMonthDay && recurrenceHit) {
    // "every jan 5" needs its month and day right after "every".
    const anchor = phrases.find(
      (p) =>
        p.date?.kind === "month-day" &&
        scan.slice(recurrenceHit.element.start, p.start).trim() === "",
    );
    if (anchor) {
      datePhrase = anchor;
    } else {
      // Nothing to anchor on: "every" stays in the title.
      rule = null;
    }
  }

  let due: Due | null = null;
  let recurrence: Recurrence | null = null;
  // "in 99999 years" is not a date anyone can store: such phrases stay in the title.
  const inRange = (r: Resolved | null) => r !== null && r.date.year >= 1 && r.date.year <= 9999;
  let resolved: Resolved | null = null;
  if (rule && recurrenceHit) {
    resolved = scheduleRecurrence(rule, datePhrase, timePhrase, ref);
    if (!inRange(resolved)) resolved = null;
    if (resolved) {
      recurrence = toRecurrence(rule);
      const el = recurrenceHit.element;
      el.value = describeRecurrence(rule);
      take(el);
    } else {
      datePhrase = undefined;
      timePhrase = undefined;
    }
  } else {
    resolved = resolvePhrases(datePhrase, timePhrase, ref);
    if (!inRange(resolved)) resolved = null;
    if (!resolved) {
      datePhrase = undefined;
      timePhrase = undefined;
    }
  }
  if (resolved) due = toDue(resolved, timeZone);

  for (const phrase of [datePhrase, timePhrase]) {
    if (!phrase || !due) continue;
    take(
      element(
        "due",
        phrase.start,
        text.slice(phrase.start, phrase.end),
        dueValue(due),
        phrase.confidence,
        phrase.alternatives,
      ),
    );
    if (durationMinutes === null && phrase.rangeMinutes !== undefined) {
      durationMinutes = phrase.rangeMinutes;
    }
  }
  for (const phrase of phrases) {
    if (phrase === datePhrase || phrase === timePhrase) continue;
    // A second date in one sentence is more likely part of the title ("move from monday").
    notes.push(
      element("due", phrase.start, text.slice(phrase.start, phrase.end), KEPT_IN_TITLE, 0.6, [
        { value: phrase.label, confidence: 0.4 },
      ]),
    );
  }
  for (const word of reading.kept) {
    notes.push(
      element(
        "due",
        word.start,
        text.slice(word.start, word.end),
        KEPT_IN_TITLE,
        word.confidence,
        word.alternatives,
      ),
    );
  }

  // "urgent"/"important" without a colon count only when nothing else follows them.
  for (const hit of pendingPriorities) {
    if (TAIL_IS_EMPTY.test(scan.slice(hit.element.end))) {
      take(hit.element);
      priority = Math.min(priority, hit.priority) as Priority;
    } else {
      hit.element.value = KEPT_IN_TITLE;
      hit.element.alternatives = [{ value: `p${hit.priority}`, confidence: 0.2 }];
      notes.push(hit.element);
    }
  }

  // Lead-ins count only at the start of what is left.
  const rest = applied.reduce(
    (acc, el) => blank(acc, el.start, el.end),
    text.replace(CONTROL_CHARS, " "),
  );
  const firstWord = rest.search(/\S/u);
  const leadIn = firstWord >= 0 ? findLeadIn(rest, firstWord) : null;
  if (leadIn) applied.push(leadIn);

  const elements = [...applied, ...notes]
    .map((el) => ({ ...el, text: text.slice(el.start, el.end) }))
    .sort((a, b) => a.start - b.start || a.end - b.end);

  return {
    title: assembleTitle(text, applied),
    due,
    recurrence,
    priority,
    labels,
    project,
    durationMinutes,
    elements,
  };
}

function scheduleRecurrence(
  rule: RecurrenceRule,
  datePhrase: DatePhrase | undefined,
  timePhrase: DatePhrase | undefined,
  ref: LocalDateTime,
): Resolved | null {
  let time: LocalTime | undefined = datePhrase?.time ?? timePhrase?.time ?? rule.timeOfDay;
  if (time && rule.timeOfDay && rule.timeOfDay.hour >= 12 && time.hour < 12 && time.hour > 0) {
    // "every evening at 7" is 19:00.
    time = { hour: time.hour + 12, minute: time.minute };
  }
  let notBefore: LocalDate | undefined;
  const spec = datePhrase?.date;
  const said = spec && !datePhrase?.isStart;
  if (said && spec.kind === "weekday" && spec.modifier === "coming" && isBare(rule, "WEEKLY")) {
    // "every 2 weeks on monday": the weekday belongs to the rule.
    rule.byDay = [{ weekday: spec.weekday }];
  } else if (said && spec.kind === "day-of-month" && isBare(rule, "MONTHLY")) {
    rule.byMonthDay = [spec.day];
  } else if (spec) {
    // Any other date ("every year on jan 5", "starting monday") is where the series starts.
    notBefore = resolveDateSpec(spec, ref) ?? undefined;
  }
  return firstOccurrence(rule, ref, time, notBefore);
}

function isBare(rule: RecurrenceRule, freq: RecurrenceRule["freq"]): boolean {
  return rule.freq === freq && !rule.byDay && !rule.byMonthDay;
}

function toDue(resolved: Resolved, timeZone: string): Due {
  const date = formatDate(resolved.date);
  if (!resolved.time) return { kind: "date", date };
  return { kind: "datetime", date, time: formatTime(resolved.time), timeZone };
}

function dueValue(due: Due): string {
  return due.kind === "date" ? due.date : `${due.date}T${due.time}`;
}
