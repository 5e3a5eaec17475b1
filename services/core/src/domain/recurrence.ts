import rrule from "rrule";
import type { Due } from "./due.js";
import { InvalidInputError } from "./errors.js";

const { RRule } = rrule;

const allowedFrequencies = new Set([RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY]);
// RFC 5545 (3.3.10) value syntax of each part we support. rrule accepts malformed values
// (INTERVAL=abc becomes NaN and never finishes; BYDAY=XX throws later), so check them first.
const list = (item: string) => new RegExp(`^${item}(,${item})*$`);
const weekday = "(MO|TU|WE|TH|FR|SA|SU)";
const allowedParts: Record<string, RegExp> = {
  FREQ: /^[A-Z]+$/,
  INTERVAL: /^-?[0-9]{1,4}$/,
  COUNT: /^-?[0-9]{1,6}$/,
  UNTIL: /^[0-9]{8}(T[0-9]{6}Z?)?$/,
  BYDAY: list(`([+-]?([1-9]|[1-4][0-9]|5[0-3]))?${weekday}`),
  BYMONTHDAY: list("[+-]?([1-9]|[12][0-9]|3[01])"),
  BYMONTH: list("([1-9]|1[0-2])"),
  BYSETPOS: list("[+-]?([1-9]|[1-9][0-9]|[12][0-9]{2}|3[0-5][0-9]|36[0-6])"),
  WKST: new RegExp(`^${weekday}$`),
};
const monthLength = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Checks an RFC 5545 RRULE value (no `RRULE:` prefix, no DTSTART) and returns it normalised. */
export function parseRecurrence(value: string, field: string): string {
  const rule = value
    .trim()
    .replace(/^RRULE:/i, "")
    .toUpperCase();
  const parts = rule.split(";").filter(Boolean);
  const seen = new Set<string>();
  for (const part of parts) {
    const [key = "", partValue, ...rest] = part.split("=");
    const syntax = Object.hasOwn(allowedParts, key) ? allowedParts[key] : undefined;
    if (!syntax) {
      throw InvalidInputError.field(field, `unsupported RRULE part ${key.slice(0, 20)}`);
    }
    if (seen.has(key) || partValue === undefined || rest.length > 0 || !syntax.test(partValue)) {
      throw InvalidInputError.field(field, `${key} has an invalid value`);
    }
    seen.add(key);
  }
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(rule);
  } catch {
    throw InvalidInputError.field(field, "must be an RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO");
  }
  if (options.freq === undefined || !allowedFrequencies.has(options.freq)) {
    throw InvalidInputError.field(field, "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY");
  }
  if (options.interval !== undefined && (options.interval < 1 || options.interval > 1000)) {
    throw InvalidInputError.field(field, "INTERVAL must be between 1 and 1000");
  }
  if (options.count !== undefined && options.count !== null && options.count < 1) {
    throw InvalidInputError.field(field, "COUNT must be at least 1");
  }
  // A day of month no listed month has (BYMONTH=2;BYMONTHDAY=30) never occurs, and finding
  // that out means searching every day up to the year 9999.
  const days = [options.bymonthday ?? []].flat();
  const months = [options.bymonth ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]].flat();
  if (
    days.length > 0 &&
    !months.some((m) => days.some((d) => Math.abs(d) <= (monthLength[m - 1] ?? 0)))
  ) {
    throw InvalidInputError.field(field, "BYMONTHDAY never falls in BYMONTH");
  }
  return rule;
}

/**
 * The occurrence after `due` (in its own wall clock), or undefined when the rule has ended.
 * Wall-clock times are computed as floating UTC so DST never shifts a 9:00 task to 10:00.
 */
export function nextOccurrence(
  rule: string,
  due: Due,
  completedOccurrences: number,
): Due | undefined {
  const [y, m, d] = due.date.split("-").map(Number) as [number, number, number];
  const [hh, mm, ss] = (due.time ?? "00:00:00").split(":").map(Number) as [number, number, number];
  const start = new Date(Date.UTC(y, m - 1, d, hh, mm, ss));
  const options = RRule.parseString(rule);
  // COUNT counts from the first occurrence; we only know the current one, so count what's left.
  if (options.count) options.count = Math.max(options.count - completedOccurrences, 0);
  if (options.count === 0) return undefined;
  const next = new RRule({ ...options, dtstart: start }).after(start, false);
  if (!next) return undefined;
  const date = next.toISOString().slice(0, 10);
  return due.time ? { ...due, date } : { date };
}
