import rrule from "rrule";
import type { Due } from "./due.js";
import { InvalidInputError } from "./errors.js";

const { RRule } = rrule;

const allowedFrequencies = new Set([RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY]);
const allowedParts = new Set([
  "FREQ",
  "INTERVAL",
  "COUNT",
  "UNTIL",
  "BYDAY",
  "BYMONTHDAY",
  "BYMONTH",
  "BYSETPOS",
  "WKST",
]);

/** Checks an RFC 5545 RRULE value (no `RRULE:` prefix, no DTSTART) and returns it normalised. */
export function parseRecurrence(value: string, field: string): string {
  const rule = value
    .trim()
    .replace(/^RRULE:/i, "")
    .toUpperCase();
  const parts = rule.split(";").filter(Boolean);
  for (const part of parts) {
    const key = part.split("=")[0] ?? "";
    if (!allowedParts.has(key)) {
      throw InvalidInputError.field(field, `unsupported RRULE part ${key.slice(0, 20)}`);
    }
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
