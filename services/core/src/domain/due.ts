import { InvalidInputError } from "./errors.js";

/** A due date: a whole day, or a wall-clock time on it in an IANA time zone. */
export interface Due {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:MM:SS`, absent for an all-day due date. */
  time?: string;
  /** IANA zone of `time`. */
  timeZone?: string;
}

const zoneCache = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let formatter = zoneCache.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      formatter = null;
    }
    if (zoneCache.size < 1000) zoneCache.set(timeZone, formatter);
  }
  return formatter;
}

export function isTimeZone(timeZone: string): boolean {
  return timeZone.length <= 64 && /^[A-Za-z0-9_+\-/]+$/.test(timeZone) && !!formatterFor(timeZone);
}

/** Wall-clock fields of `instant` in `timeZone`. */
function wallClock(instant: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of (formatterFor(timeZone) as Intl.DateTimeFormat).formatToParts(instant)) {
    parts[p.type] = Number(p.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `time`, read as RFC 5545
 * (3.3.5) reads local times: in a fold the first occurrence, in a gap the offset before the gap.
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
  const [h, mi, s] = time.split(":").map(Number) as [number, number, number?];
  const local = Date.UTC(y, mo - 1, d, h, mi, s ?? 0);
  // The offsets a day either side bracket any transition near `local`; each gives a candidate.
  const day = 86_400_000;
  const before = wallClock(local - day, timeZone) - (local - day);
  const after = wallClock(local + day, timeZone) - (local + day);
  const exact = [local - before, local - after].filter((t) => wallClock(t, timeZone) === local);
  return new Date(exact.length > 0 ? Math.min(...exact) : local - before);
}

export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Builds a validated Due from its parts; `field` names the request field for errors. */
export function makeDue(
  parts: {
    date: { year: number; month: number; day: number };
    time?: { hours: number; minutes: number; seconds: number };
    timeZone: string;
  },
  field: string,
): Due {
  const { year, month, day } = parts.date;
  if (!isCalendarDate(year, month, day)) {
    throw InvalidInputError.field(`${field}.date`, "must be a real calendar date");
  }
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (!parts.time) {
    if (parts.timeZone) {
      throw InvalidInputError.field(`${field}.time_zone`, "is only allowed with a time");
    }
    return { date };
  }
  const { hours, minutes, seconds } = parts.time;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) {
    throw InvalidInputError.field(`${field}.time`, "must be a time of day");
  }
  if (!parts.timeZone)
    throw InvalidInputError.field(`${field}.time_zone`, "is required with a time");
  if (!isTimeZone(parts.timeZone)) {
    throw InvalidInputError.field(`${field}.time_zone`, "must be an IANA time zone");
  }
  return { date, time: `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`, timeZone: parts.timeZone };
}

/** The instant of a timed due date; undefined for an all-day one. */
export function dueInstant(due: Due): Date | undefined {
  return due.time && due.timeZone ? zonedInstant(due.date, due.time, due.timeZone) : undefined;
}
