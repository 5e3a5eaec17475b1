/**
 * Turns date phrases and recurrence rules into concrete wall-clock dates, following the
 * conventions in /work/shared/eval/README.md. Recurrences use the rrule library for the first
 * occurrence and for the RRULE text.
 */
import * as rruleModule from "rrule";
import {
  addDays,
  addMinutes,
  addMonths,
  compareDates,
  compareTimes,
  daysInMonth,
  fromFloatingDate,
  isValidDate,
  type LocalDate,
  type LocalDateTime,
  type LocalTime,
  toFloatingDate,
  weekdayOf,
} from "./calendar.js";
import type { DatePhrase, DateSpec } from "./dates.js";
import type { ByDay, RecurrenceRule } from "./recurrence.js";
import { weekdayCode } from "./text.js";
import type { Recurrence } from "./types.js";

// rrule ships a CommonJS bundle for Node: loaded from ESM its exports sit on `default`,
// loaded from CommonJS (or a bundler) they are named exports.
const RRule =
  rruleModule.RRule ?? (rruleModule as unknown as { default: typeof rruleModule }).default.RRule;
type RRuleOptions = NonNullable<ConstructorParameters<typeof RRule>[0]>;

const RRULE_FREQ = {
  DAILY: RRule.DAILY,
  WEEKLY: RRule.WEEKLY,
  MONTHLY: RRule.MONTHLY,
  YEARLY: RRule.YEARLY,
} as const;

const RRULE_WEEKDAYS = [RRule.SU, RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA];

function dateOnly(dt: LocalDateTime): LocalDate {
  return { year: dt.year, month: dt.month, day: dt.day };
}

/** The date a date phrase names, seen from `today`. */
export function resolveDateSpec(spec: DateSpec, today: LocalDate): LocalDate | null {
  const todayWeekday = weekdayOf(today);
  switch (spec.kind) {
    case "ymd":
      return isValidDate(spec.date.year, spec.date.month, spec.date.day) ? spec.date : null;
    case "month-day": {
      // The next such date, today included; Feb 29 waits for a leap year.
      for (let year = today.year; year <= today.year + 8; year++) {
        const candidate = { year, month: spec.month, day: spec.day };
        if (isValidDate(year, spec.month, spec.day) && compareDates(candidate, today) >= 0) {
          return candidate;
        }
      }
      return null;
    }
    case "weekday": {
      const ahead = (spec.weekday - todayWeekday + 7) % 7;
      switch (spec.modifier) {
        case "coming":
          return addDays(today, ahead);
        case "next":
          // The first such weekday after today ("next friday" on a Friday is in 7 days).
          return addDays(today, ahead === 0 ? 7 : ahead);
        case "last": {
          const back = (todayWeekday - spec.weekday + 7) % 7;
          return addDays(today, -(back === 0 ? 7 : back));
        }
        case "this-week":
        case "next-week": {
          // Weeks start on Monday.
          const monday = addDays(today, -((todayWeekday + 6) % 7));
          const offset = (spec.weekday + 6) % 7;
          return addDays(monday, offset + (spec.modifier === "next-week" ? 7 : 0));
        }
      }
      return null;
    }
    case "days":
      return addDays(today, spec.days);
    case "months":
      return addMonths(today, spec.months);
    case "day-of-month": {
      // The next such day after today; months without it are skipped.
      let month = { year: today.year, month: today.month, day: 1 };
      for (let i = 0; i < 14; i++) {
        const fits = spec.day <= daysInMonth(month.year, month.month);
        const candidate = { ...month, day: spec.day };
        if (fits && compareDates(candidate, today) > 0) return candidate;
        month = addMonths(month, 1);
      }
      return null;
    }
    case "day-of-next-month": {
      const month = addMonths({ ...today, day: 1 }, 1);
      return isValidDate(month.year, month.month, spec.day) ? { ...month, day: spec.day } : null;
    }
    case "end-of-month": {
      const month = addMonths({ ...today, day: 1 }, spec.monthsAhead);
      return { ...month, day: daysInMonth(month.year, month.month) };
    }
    case "end-of-year":
      return { year: today.year, month: 12, day: 31 };
    case "end-of-week":
      return addDays(today, (5 - todayWeekday + 7) % 7);
    case "weekend": {
      const ahead = (6 - todayWeekday + 7) % 7;
      return addDays(today, spec.next && ahead === 0 ? 7 : ahead);
    }
    case "start-of":
      if (spec.unit === "week") return addDays(today, 7 - ((todayWeekday + 6) % 7));
      if (spec.unit === "month") return addMonths({ ...today, day: 1 }, 1);
      return { year: today.year + 1, month: 1, day: 1 };
  }
}

export interface Resolved {
  date: LocalDate;
  time?: LocalTime;
}

/** The due date and time of a one-off task. */
export function resolvePhrases(
  datePhrase: DatePhrase | undefined,
  timePhrase: DatePhrase | undefined,
  ref: LocalDateTime,
): Resolved | null {
  const today = dateOnly(ref);
  if (datePhrase?.offsetMinutes !== undefined) {
    const moved = addMinutes(today, ref, datePhrase.offsetMinutes);
    return { date: moved.date, time: moved.time };
  }
  const time = datePhrase?.time ?? timePhrase?.time;
  if (datePhrase?.date) {
    const date = resolveDateSpec(datePhrase.date, today);
    if (!date) return null;
    return time ? { date, time } : { date };
  }
  if (time) {
    // A bare time already past today means tomorrow ("this evening" stays today).
    const fixed = datePhrase?.todayFixed ?? timePhrase?.todayFixed ?? false;
    const passed = compareTimes(time, ref) < 0;
    return { date: passed && !fixed ? addDays(today, 1) : today, time };
  }
  return null;
}

function toRRuleWeekday(day: ByDay) {
  const weekday = RRULE_WEEKDAYS[day.weekday] ?? RRule.MO;
  return day.nth === undefined ? weekday : weekday.nth(day.nth);
}

function ruleOptions(rule: RecurrenceRule, interval: number): Partial<RRuleOptions> {
  const options: Partial<RRuleOptions> = { freq: RRULE_FREQ[rule.freq], interval };
  if (rule.byDay) options.byweekday = rule.byDay.map(toRRuleWeekday);
  if (rule.byMonthDay) options.bymonthday = [...rule.byMonthDay];
  return options;
}

/**
 * The first occurrence at or after the reference time (or after `notBefore`, the date of
 * "starting monday" / "every year on jan 5"). Uses interval 1 for the search: "every other
 * friday" starts on the coming Friday, not on the one the interval grid would pick.
 */
export function firstOccurrence(
  rule: RecurrenceRule,
  ref: LocalDateTime,
  time: LocalTime | undefined,
  notBefore: LocalDate | undefined,
): Resolved | null {
  const today = dateOnly(ref);
  const anchor = notBefore && compareDates(notBefore, today) > 0 ? notBefore : today;
  const options: Partial<RRuleOptions> = {
    ...ruleOptions(rule, 1),
    dtstart: toFloatingDate(anchor),
  };
  if (time) {
    options.byhour = [time.hour];
    options.byminute = [time.minute];
    options.bysecond = [0];
  }
  const lowerBound =
    time && compareDates(anchor, today) === 0
      ? toFloatingDate(today, { hour: ref.hour, minute: ref.minute })
      : toFloatingDate(anchor);
  const next = new RRule(options).after(lowerBound, true);
  if (!next) return null;
  const found = fromFloatingDate(next);
  return time ? { date: found.date, time: found.time } : { date: found.date };
}

function byDayCode(day: ByDay): string {
  return `${day.nth === undefined ? "" : String(day.nth)}${weekdayCode(day.weekday)}`;
}

export function toRecurrence(rule: RecurrenceRule): Recurrence {
  const rrule = RRule.optionsToString(ruleOptions(rule, rule.interval)).replace(/^RRULE:/u, "");
  const recurrence: Recurrence = { freq: rule.freq, interval: rule.interval, rrule };
  if (rule.byDay) recurrence.byDay = rule.byDay.map(byDayCode);
  if (rule.byMonthDay) recurrence.byMonthDay = [...rule.byMonthDay];
  return recurrence;
}

/** A readable rendering of the rule ("every 2 weeks on Friday"), courtesy of rrule. */
export function describeRecurrence(rule: RecurrenceRule): string {
  return new RRule(ruleOptions(rule, rule.interval)).toText();
}
