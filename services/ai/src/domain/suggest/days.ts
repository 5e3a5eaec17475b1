/**
 * Days as integers (days since 1970-01-01 on the workspace's wall clock): habits such as "due two
 * days after it is written down" or "due on Fridays" are about local days, not instants.
 */
import {
  formatDate,
  fromDayNumber,
  isValidDate,
  toDayNumber,
  weekdayOf,
} from "../quick-add/calendar.js";

const MS_PER_DAY = 86_400_000;
const WEEKDAY_NAMES = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];

// Intl formatters cost ~50 µs to build; one per zone is kept (they hold no per-call state).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local day of an instant (ms since the epoch) in an IANA zone. */
export function dayOfInstant(ms: number, timeZone: string): number {
  if (timeZone === "UTC") return Math.floor(ms / MS_PER_DAY);
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type === "year") year = Number(part.value);
    else if (part.type === "month") month = Number(part.value);
    else if (part.type === "day") day = Number(part.value);
  }
  return toDayNumber({ year, month, day });
}

/** Today on the workspace's wall clock. */
export function todayOf(now: Date, timeZone: string): number {
  return dayOfInstant(now.getTime(), timeZone);
}

/** Throws RangeError for an unknown zone. */
export function checkTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day of a "YYYY-MM-DD" date, or null when it is not a valid date. */
export function parseDay(date: string): number | null {
  const match = DATE.exec(date);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isValidDate(year, month, day) ? toDayNumber({ year, month, day }) : null;
}

export function formatDay(day: number): string {
  return formatDate(fromDayNumber(day));
}

/** 0 = Sunday .. 6 = Saturday. */
export function weekdayOfDay(day: number): number {
  return weekdayOf(fromDayNumber(day));
}

export function weekdayName(weekday: number): string {
  return WEEKDAY_NAMES[weekday] ?? "?";
}

/** "Fri 2025-06-06". */
export function describeDay(day: number): string {
  return `${weekdayName(weekdayOfDay(day)).slice(0, 3)} ${formatDay(day)}`;
}
