/**
 * Recurrence phrases: "every other friday", "every 2 weeks on monday", "every weekday",
 * "every 15th", "every 1st of the month", "every first monday of the month", "daily",
 * "every morning", "on mondays". chrono has no notion of repetition, so these are read
 * here; the times and dates around them ("at 9am", "on jan 5") are left to the date reader.
 */
import type { LocalTime } from "./calendar.js";
import { element } from "./element.js";
import {
  CARDINAL_SOURCE,
  isTokenEnd,
  isTokenStart,
  MONTH_WORDS,
  ORDINAL_SOURCE,
  readCardinal,
  readOrdinal,
  readWeekday,
  WEEKDAY_SOURCE,
  weekdayCode,
} from "./text.js";
import type { Element, Frequency } from "./types.js";

export interface ByDay {
  weekday: number;
  /** 1..5 or -1 for "last": the nth such weekday of the month. */
  nth?: number;
}

export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  byDay?: readonly ByDay[];
  byMonthDay?: readonly number[];
  /** "every morning" carries a time of day. */
  timeOfDay?: Readonly<LocalTime>;
  /** "every jan 5": a month and day must follow; the date reader supplies them. */
  needsMonthDay?: boolean;
}

export interface RecurrenceHit {
  element: Element;
  rule: RecurrenceRule;
}

const END = "(?![\\p{L}\\p{N}_])";
const WD_ITEM = `${WEEKDAY_SOURCE}s?${END}`;
const LIST_SEP = `(?:\\s*,\\s*(?:and\\s+)?|\\s+and\\s+|\\s*&\\s*|\\s*\\/\\s*)`;
const WD_LIST = `${WD_ITEM}(?:${LIST_SEP}${WD_ITEM})*`;
const ORD_ITEM = `(?:${ORDINAL_SOURCE}|last)${END}`;
const ORD_LIST = `${ORD_ITEM}(?:${LIST_SEP}${ORD_ITEM})*`;
const OF_MONTH = `(?:\\s+of\\s+(?:the|each|every)\\s+month${END})?`;
const PART_OF_DAY = `(?:morning|afternoon|evening|night)${END}`;
const MONTH_WORD =
  "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

// Each is anchored and tried on the text right after "every " (no sticky lastIndex state).
const anchored = (source: string) => new RegExp(`^(?:${source})`, "iu");
const EVERY_INTERVAL = anchored(
  `(other|${CARDINAL_SOURCE}|${ORDINAL_SOURCE})\\s+(days?|weeks?|months?|years?|quarters?|fortnights?|mornings?|afternoons?|evenings?|nights?)${END}`,
);
const EVERY_OTHER_WEEKDAYS = anchored(`other\\s+(${WD_LIST})`);
const EVERY_NTH_WEEKDAY = anchored(`(${ORD_ITEM})\\s+(${WEEKDAY_SOURCE})${END}(${OF_MONTH})`);
const EVERY_UNIT = anchored(
  `(day|week|month|year|quarter|fortnight|weekdays?|workdays?|work\\s+days?|business\\s+days?|weekends?|morning|afternoon|evening|night)${END}`,
);
const EVERY_WEEKDAYS = anchored(`(${WD_LIST})`);
const EVERY_MONTH_DAYS = anchored(`(${ORD_LIST})(?:\\s+days?)?(${OF_MONTH})`);
const EVERY_MONTH_DAY_AHEAD = anchored(
  `(?=${MONTH_WORD}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?${END}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_WORD}${END})`,
);
const ON_WEEKDAYS = anchored(`\\s+on\\s+(${WD_LIST})`);
const ON_WEEKDAY_SET = anchored(`\\s+on\\s+(weekdays|weekends)${END}`);
const ON_NTH_WEEKDAY = anchored(`\\s+on\\s+the\\s+(${ORD_ITEM})\\s+(${WEEKDAY_SOURCE})${END}`);
const ON_MONTH_DAYS = anchored(`\\s+on\\s+the\\s+(${ORD_LIST})(?:\\s+days?)?${OF_MONTH}`);
const THEN_PART_OF_DAY = anchored(`\\s+(${PART_OF_DAY})`);

const EVERY = /(?:every|each)\s+/giu;
const ADVERB =
  /(daily|weekly|monthly|yearly|annually|bi-?weekly|fortnightly|quarterly|weekdays|on\s+weekdays|on\s+weekends)(?![\p{L}\p{N}_])/giu;
const ON_PLURAL_WEEKDAYS = new RegExp(
  `on\\s+((?:${WEEKDAY_SOURCE})s${END}(?:${LIST_SEP}(?:${WEEKDAY_SOURCE})s${END})*)`,
  "giu",
);

const WORKWEEK: readonly ByDay[] = Object.freeze([1, 2, 3, 4, 5].map((weekday) => ({ weekday })));
const WEEKEND: readonly ByDay[] = Object.freeze([6, 0].map((weekday) => ({ weekday })));
const PART_OF_DAY_TIMES: Readonly<Record<string, Readonly<LocalTime>>> = Object.freeze({
  morning: { hour: 9, minute: 0 },
  afternoon: { hour: 15, minute: 0 },
  evening: { hour: 19, minute: 0 },
  night: { hour: 20, minute: 0 },
});

function matchAt(re: RegExp, text: string, index: number): RegExpExecArray | null {
  return re.exec(text.slice(index));
}

function readWeekdayList(list: string): ByDay[] {
  const days: ByDay[] = [];
  for (const word of list.split(/[\s,&/]+|\band\b/iu)) {
    if (word === "") continue;
    const weekday = readWeekday(word);
    if (weekday >= 0 && !days.some((d) => d.weekday === weekday)) days.push({ weekday });
  }
  return days;
}

function readOrdinalList(list: string): number[] {
  const days: number[] = [];
  for (const word of list.split(/[\s,&/]+|\band\b/iu)) {
    if (word === "") continue;
    const day = word.toLowerCase() === "last" ? -1 : readOrdinal(word);
    if (Number.isNaN(day) || day === 0 || day > 31) return [];
    if (!days.includes(day)) days.push(day);
  }
  return days;
}

function readInterval(word: string): number {
  const lower = word.toLowerCase();
  if (lower === "other") return 2;
  const cardinal = readCardinal(lower);
  if (Number.isInteger(cardinal)) return cardinal;
  return readOrdinal(lower);
}

interface Reading {
  rule: RecurrenceRule;
  end: number;
  confidence: number;
  alternatives: Element["alternatives"];
}

function ruleFromUnit(unit: string, interval: number): RecurrenceRule | null {
  const u = unit.toLowerCase().replace(/\s+/gu, " ");
  if (u.startsWith("day")) return { freq: "DAILY", interval };
  if (u.startsWith("week") && !u.startsWith("weekday") && !u.startsWith("weekend")) {
    return { freq: "WEEKLY", interval };
  }
  if (u.startsWith("fortnight")) return { freq: "WEEKLY", interval: 2 * interval };
  if (u.startsWith("month")) return { freq: "MONTHLY", interval };
  if (u.startsWith("quarter")) return { freq: "MONTHLY", interval: 3 * interval };
  if (u.startsWith("year")) return { freq: "YEARLY", interval };
  if (u.startsWith("weekday") || u.startsWith("workday") || u.startsWith("work day")) {
    return { freq: "WEEKLY", interval, byDay: WORKWEEK };
  }
  if (u.startsWith("business day")) return { freq: "WEEKLY", interval, byDay: WORKWEEK };
  if (u.startsWith("weekend")) return { freq: "WEEKLY", interval, byDay: WEEKEND };
  const time = PART_OF_DAY_TIMES[u.endsWith("s") ? u.slice(0, -1) : u];
  if (time) return { freq: "DAILY", interval, timeOfDay: time };
  return null;
}

/** Reads what follows "every " at `p`. */
function readEverySpec(scan: string, p: number): Reading | null {
  let m = matchAt(EVERY_MONTH_DAY_AHEAD, scan, p);
  if (m) {
    // Only "every" is taken here; the date reader must find the month and day right after.
    return sure({ freq: "YEARLY", interval: 1, needsMonthDay: true }, p);
  }
  m = matchAt(EVERY_OTHER_WEEKDAYS, scan, p);
  if (m) {
    const byDay = readWeekdayList(m[1] ?? "");
    if (byDay.length > 0) {
      return sure({ freq: "WEEKLY", interval: 2, byDay }, p + m[0].length);
    }
  }
  m = matchAt(EVERY_INTERVAL, scan, p);
  if (m) {
    const interval = readInterval(m[1] ?? "");
    const rule = Number.isInteger(interval) && interval >= 1 && interval <= 999;
    const built = rule ? ruleFromUnit(m[2] ?? "", interval) : null;
    if (built) return sure(built, p + m[0].length);
  }
  m = matchAt(EVERY_NTH_WEEKDAY, scan, p);
  if (m) {
    const ordinalWord = (m[1] ?? "").toLowerCase();
    const nth = ordinalWord === "last" ? -1 : readOrdinal(ordinalWord);
    const weekday = readWeekday(m[2] ?? "");
    if (weekday >= 0 && (nth === -1 || (nth >= 1 && nth <= 5))) {
      const saysMonth = (m[3] ?? "") !== "";
      // "every second tuesday" is also read as "every other tuesday" by many people.
      const alternatives =
        !saysMonth && nth === 2
          ? [{ value: `FREQ=WEEKLY;INTERVAL=2;BYDAY=${weekdayCode(weekday)}`, confidence: 0.35 }]
          : [];
      return {
        rule: { freq: "MONTHLY", interval: 1, byDay: [{ weekday, nth }] },
        end: p + m[0].length,
        confidence: alternatives.length > 0 ? 0.65 : 0.9,
        alternatives,
      };
    }
  }
  m = matchAt(EVERY_UNIT, scan, p);
  if (m) {
    const built = ruleFromUnit(m[1] ?? "", 1);
    if (built) return sure(built, p + m[0].length);
  }
  m = matchAt(EVERY_WEEKDAYS, scan, p);
  if (m) {
    const byDay = readWeekdayList(m[1] ?? "");
    if (byDay.length > 0) return sure({ freq: "WEEKLY", interval: 1, byDay }, p + m[0].length);
  }
  m = matchAt(EVERY_MONTH_DAYS, scan, p);
  if (m) {
    const byMonthDay = readOrdinalList(m[1] ?? "");
    if (byMonthDay.length > 0) {
      return sure({ freq: "MONTHLY", interval: 1, byMonthDay }, p + m[0].length);
    }
  }
  return null;
}

function sure(rule: RecurrenceRule, end: number): Reading {
  return { rule, end, confidence: 0.95, alternatives: [] };
}

/** "every 2 weeks on monday", "monthly on the 15th", "every week on the last friday". */
function readContinuation(scan: string, reading: Reading): void {
  const { rule } = reading;
  if (rule.byDay || rule.byMonthDay || rule.timeOfDay || rule.needsMonthDay) return;
  if (rule.freq === "WEEKLY" || rule.freq === "DAILY") {
    const set = matchAt(ON_WEEKDAY_SET, scan, reading.end);
    if (set && rule.freq === "WEEKLY") {
      rule.byDay = (set[1] ?? "").toLowerCase() === "weekdays" ? WORKWEEK : WEEKEND;
      reading.end += set[0].length;
      return;
    }
    const m = matchAt(ON_WEEKDAYS, scan, reading.end);
    if (m && rule.freq === "WEEKLY") {
      const byDay = readWeekdayList(m[1] ?? "");
      if (byDay.length > 0) {
        rule.byDay = byDay;
        reading.end += m[0].length;
      }
    }
    return;
  }
  if (rule.freq === "MONTHLY") {
    const nth = matchAt(ON_NTH_WEEKDAY, scan, reading.end);
    if (nth) {
      const word = (nth[1] ?? "").toLowerCase();
      const n = word === "last" ? -1 : readOrdinal(word);
      const weekday = readWeekday(nth[2] ?? "");
      if (weekday >= 0 && (n === -1 || (n >= 1 && n <= 5))) {
        rule.byDay = [{ weekday, nth: n }];
        reading.end += nth[0].length;
        return;
      }
    }
    const days = matchAt(ON_MONTH_DAYS, scan, reading.end);
    if (days) {
      const byMonthDay = readOrdinalList(days[1] ?? "");
      if (byMonthDay.length > 0) {
        rule.byMonthDay = byMonthDay;
        reading.end += days[0].length;
      }
    }
  }
}

/** "every monday morning", "every weekday evening". */
function readPartOfDay(scan: string, reading: Reading): void {
  const { rule } = reading;
  if (rule.timeOfDay || !(rule.byDay || rule.freq === "DAILY")) return;
  const m = matchAt(THEN_PART_OF_DAY, scan, reading.end);
  if (!m) return;
  const time = PART_OF_DAY_TIMES[(m[1] ?? "").toLowerCase()];
  if (!time) return;
  rule.timeOfDay = time;
  reading.end += m[0].length;
}

/** Words that may follow "weekly" etc. without making it an adjective ("Weekly report"). */
const AFTER_ADVERB_OK = new Set([
  "at",
  "on",
  "in",
  "from",
  "starting",
  "beginning",
  "until",
  "till",
  "by",
  "before",
  "after",
  "for",
  "and",
  "then",
  "around",
  "this",
  "next",
  "today",
  "tomorrow",
  "tonight",
  "morning",
  "afternoon",
  "evening",
  "night",
  "noon",
  "midnight",
  "please",
]);

const NEXT_WORD = /^[\s,]*([\p{L}]+)/u;

function isAdjectiveUse(scan: string, end: number): boolean {
  const next = NEXT_WORD.exec(scan.slice(end))?.[1]?.toLowerCase();
  if (next === undefined) return false;
  if (AFTER_ADVERB_OK.has(next) || readWeekday(next) >= 0 || MONTH_WORDS.has(next)) return false;
  return true;
}

function adverbRule(word: string): RecurrenceRule | null {
  const w = word.toLowerCase().replace(/\s+/gu, " ");
  switch (w) {
    case "daily":
      return { freq: "DAILY", interval: 1 };
    case "weekly":
      return { freq: "WEEKLY", interval: 1 };
    case "biweekly":
    case "bi-weekly":
    case "fortnightly":
      return { freq: "WEEKLY", interval: 2 };
    case "monthly":
      return { freq: "MONTHLY", interval: 1 };
    case "quarterly":
      return { freq: "MONTHLY", interval: 3 };
    case "yearly":
    case "annually":
      return { freq: "YEARLY", interval: 1 };
    case "weekdays":
    case "on weekdays":
      return { freq: "WEEKLY", interval: 1, byDay: WORKWEEK };
    case "on weekends":
      return { freq: "WEEKLY", interval: 1, byDay: WEEKEND };
    default:
      return null;
  }
}

/** Finds the first recurrence phrase in `scan` (blanked text), or null. */
const MAYBE_RECURRING = /every|each|ly\b|weekends|days\b/iu;

export function findRecurrence(scan: string): RecurrenceHit | null {
  if (!MAYBE_RECURRING.test(scan)) return null;
  const candidates: { start: number; reading: Reading }[] = [];
  for (const m of scan.matchAll(EVERY)) {
    if (!isTokenStart(scan, m.index)) continue;
    const reading = readEverySpec(scan, m.index + m[0].length);
    if (!reading) continue;
    candidates.push({ start: m.index, reading });
  }
  for (const m of scan.matchAll(ADVERB)) {
    if (!isTokenStart(scan, m.index)) continue;
    const rule = adverbRule(m[1] ?? "");
    if (!rule || isAdjectiveUse(scan, m.index + m[0].length)) continue;
    candidates.push({ start: m.index, reading: sure(rule, m.index + m[0].length) });
  }
  for (const m of scan.matchAll(ON_PLURAL_WEEKDAYS)) {
    if (!isTokenStart(scan, m.index)) continue;
    const byDay = readWeekdayList(m[1] ?? "");
    if (byDay.length === 0 || isAdjectiveUse(scan, m.index + m[0].length)) continue;
    candidates.push({
      start: m.index,
      reading: {
        rule: { freq: "WEEKLY", interval: 1, byDay },
        end: m.index + m[0].length,
        confidence: 0.8,
        alternatives: [],
      },
    });
  }
  candidates.sort((a, b) => a.start - b.start);
  for (const { start, reading } of candidates) {
    readContinuation(scan, reading);
    readPartOfDay(scan, reading);
    if (!reading.rule.needsMonthDay && !isTokenEnd(scan, reading.end)) continue;
    const text = scan.slice(start, reading.end).trimEnd();
    return {
      rule: reading.rule,
      element: element("recurrence", start, text, "", reading.confidence, reading.alternatives),
    };
  }
  return null;
}
