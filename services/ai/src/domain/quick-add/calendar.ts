/**
 * Floating (zone-less) calendar arithmetic. The parser works on the local wall clock of the
 * caller's time zone, and the conventions ("in 2 hours" = wall clock + 2h) are wall-clock
 * based, so no UTC offsets are involved: JS Dates are only used as UTC day counters.
 */

export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

export interface LocalTime {
  hour: number;
  minute: number;
}

export interface LocalDateTime extends LocalDate, LocalTime {
  second: number;
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 (negative before). */
export function toDayNumber(d: LocalDate): number {
  const date = new Date(0);
  // setUTCFullYear keeps years 0..99 literal (Date.UTC would map them to 19xx).
  date.setUTCFullYear(d.year, d.month - 1, d.day);
  return Math.floor(date.getTime() / MS_PER_DAY);
}

export function fromDayNumber(n: number): LocalDate {
  const date = new Date(n * MS_PER_DAY);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function addDays(d: LocalDate, days: number): LocalDate {
  return fromDayNumber(toDayNumber(d) + days);
}

/** 0 = Sunday .. 6 = Saturday. */
export function weekdayOf(d: LocalDate): number {
  return (((toDayNumber(d) + 4) % 7) + 7) % 7;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}

export function isValidDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Adds calendar months, clamping the day ("Jan 31 + 1 month" = Feb 28/29). */
export function addMonths(d: LocalDate, months: number): LocalDate {
  const index = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return { year, month, day: Math.min(d.day, daysInMonth(year, month)) };
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function compareTimes(a: LocalTime, b: LocalTime): number {
  return a.hour - b.hour || a.minute - b.minute;
}

/** Adds minutes to a wall-clock date and time (no DST: the wall clock simply moves on). */
export function addMinutes(
  d: LocalDate,
  t: LocalTime,
  minutes: number,
): { date: LocalDate; time: LocalTime } {
  const total = toDayNumber(d) * 1440 + t.hour * 60 + t.minute + Math.round(minutes);
  const dayNumber = Math.floor(total / 1440);
  const minuteOfDay = total - dayNumber * 1440;
  return {
    date: fromDayNumber(dayNumber),
    time: { hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 },
  };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

export function formatDate(d: LocalDate): string {
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}

export function formatTime(t: LocalTime): string {
  return `${pad(t.hour, 2)}:${pad(t.minute, 2)}`;
}

/** A JS Date whose UTC fields equal the given wall clock (the form rrule expects). */
export function toFloatingDate(d: LocalDate, t: LocalTime = { hour: 0, minute: 0 }): Date {
  const date = new Date(0);
  date.setUTCFullYear(d.year, d.month - 1, d.day);
  date.setUTCHours(t.hour, t.minute, 0, 0);
  return date;
}

export function fromFloatingDate(date: Date): { date: LocalDate; time: LocalTime } {
  return {
    date: { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() },
    time: { hour: date.getUTCHours(), minute: date.getUTCMinutes() },
  };
}
