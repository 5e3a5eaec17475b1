/**
 * Date and time phrases. chrono-node finds them (see chrono-setup.ts); this module turns each
 * chrono result into a phrase with quick-add meaning (README conventions), applies the
 * conservative rules that need the whole sentence (name-like capitals, "sun"/"sat"/"wed",
 * bare "morning"), and records the readings it turned down.
 */
import type { ParsingResult } from "chrono-node";
import type { LocalDate, LocalTime } from "./calendar.js";
import { runChrono, TAG } from "./chrono-setup.js";
import {
  AMBIGUOUS_WEEKDAY_WORDS,
  CARDINAL_SOURCE,
  isCapitalized,
  isTokenEnd,
  isTokenStart,
  MONTH_WORDS,
  NAME_LIKE_MONTHS,
  readCardinal,
  type Span,
} from "./text.js";
import type { Alternative } from "./types.js";

export type WeekdayModifier = "coming" | "next" | "last" | "this-week" | "next-week";

export type DateSpec =
  | { kind: "ymd"; date: LocalDate }
  | { kind: "month-day"; month: number; day: number }
  | { kind: "weekday"; weekday: number; modifier: WeekdayModifier }
  | { kind: "days"; days: number }
  | { kind: "months"; months: number }
  | { kind: "day-of-month"; day: number }
  | { kind: "day-of-next-month"; day: number }
  | { kind: "end-of-month"; monthsAhead: number }
  | { kind: "end-of-year" }
  | { kind: "end-of-week" }
  | { kind: "weekend"; next: boolean }
  | { kind: "start-of"; unit: "week" | "month" | "year" };

export type PartOfDay = "morning" | "afternoon" | "evening" | "night";

export interface DatePhrase extends Span {
  date?: DateSpec;
  /** Clock time or a part of the day ("tomorrow morning"). */
  time?: LocalTime;
  /** "this evening", "tonight": today even when that time has passed. */
  todayFixed?: boolean;
  /** "in 2 hours": wall clock plus this many minutes. */
  offsetMinutes?: number;
  /** "from 2pm to 4pm". */
  rangeMinutes?: number;
  partOfDay?: PartOfDay;
  /** "starting monday" (with a recurrence): the first occurrence is not before this date. */
  isStart?: boolean;
  confidence: number;
  alternatives: Alternative[];
  /** A readable description, e.g. "next friday 14:00". */
  label: string;
}

/** A date-like word that was left in the title, with the date reading it could have had. */
export interface KeptWord extends Span {
  confidence: number;
  alternatives: Alternative[];
}

export interface DateReading {
  phrases: DatePhrase[];
  kept: KeptWord[];
}

const PART_OF_DAY_TIME: Readonly<Record<PartOfDay, Readonly<LocalTime>>> = Object.freeze({
  morning: { hour: 9, minute: 0 },
  afternoon: { hour: 15, minute: 0 },
  evening: { hour: 19, minute: 0 },
  night: { hour: 20, minute: 0 },
});

// Connectors that belong to the date phrase that follows them ("on friday", "by the 15th").
const PREFIX =
  /(?:^|[^\p{L}\p{N}_])((?:due\s+(?:on|by|at)|due|on|at|by|this\s+coming|the\s+coming|coming)\s+)$/iu;
/** "(on) the 4th of July": the article goes with a date that starts with its day. */
const THE_PREFIX = /(?:^|[^\p{L}\p{N}_])((?:(?:on|by|due)\s+)?the\s+)$/iu;
const PART_OF_DAY_PREFIX = /(?:^|[^\p{L}\p{N}_])((?:in\s+the|at)\s+)$/iu;
const START_PREFIX =
  /(?:^|[^\p{L}\p{N}_])((?:starting|beginning|from|effective|starting\s+(?:on|from))\s+)$/iu;

/** Words after a capitalised date word that still read as a date ("Friday At 5"). */
const DATEISH_FOLLOWERS = new Set([
  "at",
  "on",
  "by",
  "for",
  "in",
  "and",
  "or",
  "to",
  "from",
  "until",
  "morning",
  "afternoon",
  "evening",
  "night",
  "noon",
  "midnight",
  "next",
  "this",
  "every",
]);

/** "Black Friday", "Good Friday", "Cyber Monday": names, not the coming weekday. */
const NAMED_DAY_PREFIXES = new Set([
  "black",
  "good",
  "cyber",
  "easter",
  "ash",
  "super",
  "palm",
  "holy",
  "maundy",
  "blue",
  "whit",
  "shrove",
  "giving",
]);

const UNIT_PART = new RegExp(
  `(?<![\\p{L}\\p{N}_])(${CARDINAL_SOURCE}|half\\s+an?)\\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|months?|mos?|mon|quarters?|qtr|years?|yrs?|y)(?![\\p{L}])`,
  "giu",
);

interface Offset {
  minutes: number;
  days: number;
  months: number;
}

/** Reads "2 days", "an hour", "half an hour", "1 week and 2 days" inside a relative phrase. */
function readOffset(text: string): Offset | null {
  const offset: Offset = { minutes: 0, days: 0, months: 0 };
  let found = false;
  for (const match of text.matchAll(UNIT_PART)) {
    const amountWord = (match[1] ?? "").toLowerCase();
    const amount = amountWord.startsWith("half") ? 0.5 : readCardinal(amountWord);
    if (!Number.isFinite(amount)) return null;
    const unit = (match[2] ?? "").toLowerCase();
    found = true;
    if (unit.startsWith("mi") || unit === "m") offset.minutes += amount;
    else if (unit.startsWith("h")) offset.minutes += amount * 60;
    else if (unit.startsWith("d")) offset.days += amount;
    else if (unit.startsWith("w")) offset.days += amount * 7;
    else if (unit.startsWith("q")) offset.months += amount * 3;
    else if (unit.startsWith("mo")) offset.months += amount;
    else if (unit.startsWith("y")) offset.months += amount * 12;
  }
  if (!found) return null;
  // Fractions of days or months ("in 1.5 weeks") have no clear calendar meaning.
  if (!Number.isInteger(offset.days) || !Number.isInteger(offset.months)) return null;
  return offset;
}

function weekdayModifier(lowerText: string): WeekdayModifier {
  if (/\bnext\s+week\b/u.test(lowerText)) return "next-week";
  if (/\bthis\s+week\b/u.test(lowerText)) return "this-week";
  if (/\bnext\s/u.test(lowerText)) return "next";
  if (/\b(?:last|past)\s/u.test(lowerText)) return "last";
  return "coming";
}

function readPartOfDay(tags: Set<string>, lowerText: string): PartOfDay | undefined {
  if (tags.has("casualReference/tonight") || /\bnight\b/u.test(lowerText)) return "night";
  if (tags.has("casualReference/evening")) return "evening";
  if (tags.has("casualReference/afternoon")) return "afternoon";
  if (tags.has("casualReference/morning")) return "morning";
  return undefined;
}

function readDateSpec(result: ParsingResult, lowerText: string): DateSpec | undefined | null {
  const tags = result.start.tags();
  const start = result.start;
  if (tags.has(TAG.dayOfMonth)) return { kind: "day-of-month", day: start.get("day") ?? 1 };
  if (tags.has(TAG.dayOfNextMonth)) {
    return { kind: "day-of-next-month", day: start.get("day") ?? 1 };
  }
  if (tags.has(TAG.endOfMonth)) return { kind: "end-of-month", monthsAhead: 0 };
  if (tags.has(TAG.endOfNextMonth)) return { kind: "end-of-month", monthsAhead: 1 };
  if (tags.has(TAG.endOfYear)) return { kind: "end-of-year" };
  if (tags.has(TAG.endOfWeek)) return { kind: "end-of-week" };
  if (tags.has(TAG.theWeekend)) return { kind: "weekend", next: false };
  if (tags.has(TAG.dayAfterTomorrow)) return { kind: "days", days: 2 };
  if (tags.has("casualReference/today") || tags.has("casualReference/tonight")) {
    return { kind: "days", days: 0 };
  }
  if (tags.has("casualReference/tomorrow")) return { kind: "days", days: 1 };
  if (tags.has("casualReference/yesterday")) return { kind: "days", days: -1 };
  if (/\bovermorrow\b/u.test(lowerText)) return { kind: "days", days: 2 };
  if (tags.has("result/relativeDate")) {
    const unit = /^next\s+(week|month|year)$/u.exec(lowerText)?.[1];
    if (unit === "week" || unit === "month" || unit === "year") return { kind: "start-of", unit };
    // Relative offsets are handled by the caller (they may carry minutes).
    return undefined;
  }
  if (start.isCertain("day") && start.isCertain("month")) {
    const day = start.get("day") ?? 1;
    const month = start.get("month") ?? 1;
    if (start.isCertain("year")) {
      return { kind: "ymd", date: { year: start.get("year") ?? 1970, month, day } };
    }
    return { kind: "month-day", month, day };
  }
  if (start.isCertain("weekday")) {
    const weekday = start.get("weekday") ?? 0;
    if (/\bweekend\b/u.test(lowerText)) {
      // A bare "weekend" ("weekend trip") is a noun; "this/next/on the weekend" are dates.
      if (lowerText === "weekend" || /\b(?:last|past)\s/u.test(lowerText)) return null;
      return { kind: "weekend", next: /\bnext\s/u.test(lowerText) };
    }
    return { kind: "weekday", weekday, modifier: weekdayModifier(lowerText) };
  }
  return undefined;
}

function wordAfter(text: string, end: number): { word: string; start: number } | null {
  const match = /^[\s,]*([\p{L}][\p{L}'\u2019-]*)/u.exec(text.slice(end));
  if (!match?.[1]) return null;
  return { word: match[1], start: end + match[0].length - match[1].length };
}

function wordBefore(text: string, start: number): string | null {
  const match = /([\p{L}]+)\s+$/u.exec(text.slice(Math.max(0, start - 40), start));
  return match?.[1] ?? null;
}

/**
 * True for a capitalised date word inside a name: "Watch Friday Night Lights",
 * "Black Friday sale", "The Tonight Show".
 */
function looksLikeName(original: string, start: number, end: number): boolean {
  const phrase = original.slice(start, end);
  const words = phrase.split(/\s+/u).filter((w) => /\p{L}/u.test(w));
  const first = words[0];
  if (first === undefined || !isCapitalized(first)) return false;
  const before = wordBefore(original, start);
  if (before && NAMED_DAY_PREFIXES.has(before.toLowerCase()) && isCapitalized(before)) return true;
  if (/\d/u.test(phrase)) return false;
  if (!words.every((w) => isCapitalized(w) || DATEISH_FOLLOWERS.has(w.toLowerCase()))) return false;
  // "The Day After Tomorrow": small words in capitals mark a title, not a date.
  if (words.slice(1).some((w) => isCapitalized(w) && TITLE_CASE_SMALL_WORDS.has(w.toLowerCase()))) {
    return true;
  }
  if (before === "The" && !/^\s*$/u.test(original.slice(0, Math.max(0, start - 4)))) return true;
  const after = wordAfter(original, end);
  if (!after || !isCapitalized(after.word)) return false;
  return !DATEISH_FOLLOWERS.has(after.word.toLowerCase());
}

const TITLE_CASE_SMALL_WORDS = new Set(["after", "of", "the"]);

const DATE_WORD_IN_TEXT = /\p{L}+/gu;
const ABBREVIATED_WEEKDAY = /(?:^|\s)(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?$/u;

/** The weekday word of a weekday-only phrase, when it is one of "sun", "sat", "wed". */
function ambiguousWeekdayWord(lowerText: string): string | null {
  for (const match of lowerText.matchAll(DATE_WORD_IN_TEXT)) {
    const word = match[0];
    if (AMBIGUOUS_WEEKDAY_WORDS.has(word)) return word;
  }
  return null;
}

function describe(phrase: DatePhrase): string {
  const parts: string[] = [];
  const d = phrase.date;
  if (d) {
    switch (d.kind) {
      case "ymd":
        parts.push(`${d.date.year}-${d.date.month}-${d.date.day}`);
        break;
      case "month-day":
        parts.push(`month ${d.month} day ${d.day}`);
        break;
      case "weekday":
        parts.push(`${d.modifier} weekday ${d.weekday}`);
        break;
      case "days":
        parts.push(`today + ${d.days} days`);
        break;
      case "months":
        parts.push(`today + ${d.months} months`);
        break;
      case "day-of-month":
        parts.push(`day ${d.day} of a month`);
        break;
      case "day-of-next-month":
        parts.push(`day ${d.day} of next month`);
        break;
      case "end-of-month":
        parts.push(d.monthsAhead === 0 ? "end of month" : "end of next month");
        break;
      case "end-of-year":
        parts.push("end of year");
        break;
      case "end-of-week":
        parts.push("end of week");
        break;
      case "weekend":
        parts.push(d.next ? "next weekend" : "this weekend");
        break;
      case "start-of":
        parts.push(`next ${d.unit}`);
        break;
    }
  }
  if (phrase.offsetMinutes !== undefined) parts.push(`now + ${phrase.offsetMinutes} min`);
  if (phrase.time) {
    parts.push(
      `${String(phrase.time.hour).padStart(2, "0")}:${String(phrase.time.minute).padStart(2, "0")}`,
    );
  }
  return parts.join(" ");
}

/**
 * Reads date phrases in `scan` (the text with markers blanked out); `original` is only used for
 * capitalisation, which the blanking keeps.
 */
export function readDates(
  scan: string,
  original: string,
  reference: Date,
  hasRecurrence: boolean,
): DateReading {
  const phrases: DatePhrase[] = [];
  const kept: KeptWord[] = [];
  for (const result of runChrono(scan, reference)) {
    const phrase = toPhrase(result, scan, original, hasRecurrence, kept);
    if (phrase) phrases.push(phrase);
  }
  findBareMonths(scan, original, phrases, kept);
  return { phrases, kept };
}

function toPhrase(
  result: ParsingResult,
  scan: string,
  original: string,
  hasRecurrence: boolean,
  kept: KeptWord[],
): DatePhrase | null {
  let start = result.index;
  const end = start + result.text.length;
  const lowerText = result.text.toLowerCase();
  const tags = result.start.tags();
  let confidence = 0.95;
  const alternatives: Alternative[] = [];

  const dateSpec = readDateSpec(result, lowerText);
  if (dateSpec === null) return null;
  const phrase: DatePhrase = { start, end, confidence, alternatives, label: "" };
  if (dateSpec) phrase.date = dateSpec;

  if (tags.has("result/relativeDate") && !dateSpec) {
    const offset = readOffset(lowerText);
    if (!offset) return null;
    if (offset.minutes !== 0) {
      phrase.offsetMinutes = offset.minutes + offset.days * 1440;
      if (offset.months !== 0) return null;
    } else if (offset.months !== 0) {
      if (offset.days !== 0) return null;
      phrase.date = { kind: "months", months: offset.months };
    } else {
      phrase.date = { kind: "days", days: offset.days };
    }
  }

  const partOfDay = readPartOfDay(tags, lowerText);
  const hasClock = result.start.isCertain("hour") && phrase.offsetMinutes === undefined;
  if (hasClock) {
    let hour = result.start.get("hour") ?? 0;
    const minute = result.start.get("minute") ?? 0;
    // "at 5" or "5:30" with no am/pm: 1-6 are afternoon hours for most tasks ("05:30" is not).
    const bareHour =
      !result.start.isCertain("meridiem") &&
      !partOfDay &&
      !/(?:^|\D)0\d[:.]\d/u.test(lowerText) &&
      !tags.has("casualReference/noon") &&
      !tags.has("casualReference/midnight") &&
      hour >= 1 &&
      hour <= 6;
    if (bareHour) {
      alternatives.push({
        value: `${String(hour).padStart(2, "0")}:${pad2(minute)}`,
        confidence: 0.3,
      });
      hour += 12;
      confidence = 0.7;
    }
    phrase.time = { hour, minute };
    if (result.end?.isCertain("hour") && tags.has("parser/ENTimeExpressionParser")) {
      const endMinutes = (result.end.get("hour") ?? 0) * 60 + (result.end.get("minute") ?? 0);
      let range = endMinutes - (hour * 60 + minute);
      if (range <= 0) range += 1440;
      phrase.rangeMinutes = range;
    }
  } else if (partOfDay) {
    phrase.time = PART_OF_DAY_TIME[partOfDay];
    phrase.partOfDay = partOfDay;
    if (!phrase.date) {
      // "this evening" is today; a bare "morning" or "evening" is too vague to read.
      if (/^this\s/u.test(lowerText)) {
        phrase.date = { kind: "days", days: 0 };
        phrase.todayFixed = true;
      } else if (!PART_OF_DAY_PREFIX.test(scan.slice(Math.max(0, start - 10), start))) {
        return null;
      }
    } else if (tags.has("casualReference/tonight")) {
      phrase.todayFixed = true;
    }
  }
  if (!phrase.date && !phrase.time && phrase.offsetMinutes === undefined) return null;

  // Names: "Watch Friday Night Lights", "Black Friday deals".
  if (!tags.has("result/relativeDate") && looksLikeName(original, start, end)) {
    kept.push({
      start,
      end,
      confidence: 0.75,
      alternatives: [{ value: `date: ${result.text}`, confidence: 0.25 }],
    });
    return null;
  }

  // Connectors that belong to the phrase ("on", "at", "by", "due", "coming").
  const before = scan.slice(Math.max(0, start - 24), start);
  const prefix =
    (/^\d/u.test(lowerText) ? THE_PREFIX.exec(before)?.[1] : undefined) ??
    PREFIX.exec(before)?.[1] ??
    (phrase.partOfDay && !phrase.date ? PART_OF_DAY_PREFIX.exec(before)?.[1] : undefined);
  if (prefix) start -= prefix.length;
  if (hasRecurrence) {
    const startPrefix = START_PREFIX.exec(scan.slice(Math.max(0, start - 24), start))?.[1];
    if (startPrefix) {
      start -= startPrefix.length;
      phrase.isStart = true;
    }
  }
  phrase.start = start;

  // "sun", "sat", "wed" alone are words; read them as days only with a clear date context.
  // Other abbreviations ("Mon cheri") need context too unless nothing but date words follow.
  const weekdayOnly = phrase.date?.kind === "weekday" && !phrase.time;
  const ambiguous = weekdayOnly ? ambiguousWeekdayWord(lowerText) : null;
  const abbreviated = weekdayOnly && ABBREVIATED_WEEKDAY.test(lowerText);
  const hasContext =
    prefix !== undefined || /^(?:on|next|this|last|past)\s/u.test(lowerText) || hasRecurrence;
  if (abbreviated && !ambiguous && !hasContext) {
    const next = wordAfter(scan, end)?.word.toLowerCase();
    if (next !== undefined && !DATEISH_FOLLOWERS.has(next)) {
      kept.push({
        start: result.index,
        end,
        confidence: 0.6,
        alternatives: [{ value: `weekday: ${result.text}`, confidence: 0.4 }],
      });
      return null;
    }
  }
  if (ambiguous) {
    if (!hasContext) {
      kept.push({
        start: result.index,
        end,
        confidence: 0.7,
        alternatives: [{ value: `weekday: ${result.text}`, confidence: 0.3 }],
      });
      return null;
    }
    confidence = Math.min(confidence, 0.7);
    alternatives.push({ value: "title word", confidence: 0.3 });
  }

  // Capitalised month names that are also names or verbs ("May 5", "March 3").
  const monthWord = /^(?:on\s+)?(\p{L}+)/u.exec(original.slice(result.index, end))?.[1];
  if (
    monthWord &&
    (phrase.date?.kind === "month-day" || phrase.date?.kind === "ymd") &&
    NAME_LIKE_MONTHS.has(monthWord.toLowerCase()) &&
    isCapitalized(monthWord)
  ) {
    confidence = Math.min(confidence, 0.85);
    alternatives.push({ value: "title word", confidence: 0.15 });
  }

  phrase.confidence = confidence;
  phrase.label = describe(phrase);
  return phrase;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

const MONTH_NAME = /\p{L}+/gu;

/** Month names left without a day ("Call May about the lease"): kept, with the month reading. */
function findBareMonths(
  scan: string,
  original: string,
  phrases: DatePhrase[],
  kept: KeptWord[],
): void {
  for (const match of scan.matchAll(MONTH_NAME)) {
    const word = match[0];
    const month = MONTH_WORDS.get(word.toLowerCase());
    // Abbreviations ("mar", "dec") are too short to be worth a note on their own.
    if (
      month === undefined ||
      word.length < 3 ||
      (word.length === 3 && word.toLowerCase() !== "may")
    ) {
      continue;
    }
    const start = match.index;
    const end = start + word.length;
    if (!isTokenStart(scan, start) || !isTokenEnd(scan, end)) continue;
    if (phrases.some((p) => p.start <= start && end <= p.end)) continue;
    if (kept.some((k) => k.start <= start && end <= k.end)) continue;
    const nameLike =
      NAME_LIKE_MONTHS.has(word.toLowerCase()) && isCapitalized(original.slice(start, end));
    kept.push({
      start,
      end,
      confidence: nameLike ? 0.8 : 0.6,
      alternatives: [{ value: `month: ${word}`, confidence: nameLike ? 0.2 : 0.4 }],
    });
  }
}
