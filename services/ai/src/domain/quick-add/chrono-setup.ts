/**
 * The chrono-node configuration used by the quick-add parser: a hand-picked subset of chrono's
 * English parsers (no slash dates, no bare month names, no time zone abbreviations), three small
 * extra parsers for the quick-add conventions, and a refiner that drops matches people do not
 * mean as dates ("Apollo 13", "Monday.com") before chrono merges dates with times.
 *
 * Everything here is built once at module load; a parse only reads it.
 */

import type { Parser, ParsingContext, ParsingResult, Refiner } from "chrono-node";
import * as chrono from "chrono-node";
import { isTokenEnd, isTokenStart, ORDINAL_SOURCE, readOrdinal } from "./text.js";

export const TAG = {
  dayOfMonth: "quick-add/day-of-month",
  dayOfNextMonth: "quick-add/day-of-next-month",
  endOfMonth: "quick-add/end-of-month",
  endOfNextMonth: "quick-add/end-of-next-month",
  endOfYear: "quick-add/end-of-year",
  endOfWeek: "quick-add/end-of-week",
  theWeekend: "quick-add/the-weekend",
  dayAfterTomorrow: "quick-add/day-after-tomorrow",
} as const;

const WORD_END = "(?![\\p{L}\\p{N}_])";
const WORD_START = "(?<![\\p{L}\\p{N}_])";

/** Words that may follow "on the 15th" without making it a noun phrase ("on the 3rd floor"). */
const AFTER_ORDINAL_OK = new Set([
  "at",
  "by",
  "for",
  "in",
  "on",
  "and",
  "or",
  "from",
  "until",
  "till",
  "to",
  "every",
  "each",
  "next",
  "this",
  "morning",
  "afternoon",
  "evening",
  "night",
  "noon",
  "midnight",
  "please",
  "asap",
  "urgent",
  "important",
]);

const NEXT_WORD = /^\s*([\p{L}]+)/u;

/** "on the 15th", "by the 1st": the next such day of a month. */
const dayOfMonthParser: Parser = {
  pattern: () =>
    new RegExp(
      `${WORD_START}(?:on|by|due(?:\\s+on|\\s+by)?)\\s+the\\s+(${ORDINAL_SOURCE})` +
        `(?:\\s+of\\s+(?:the\\s+|this\\s+|(next)\\s+)month)?${WORD_END}`,
      "iu",
    ),
  extract(context: ParsingContext, match: RegExpMatchArray) {
    const day = readOrdinal(match[1] ?? "");
    if (!(day >= 1 && day <= 31)) return null;
    const after = context.text.slice((match.index ?? 0) + match[0].length);
    // "on the 15th of March" is chrono's; "on the 3rd floor" is not a date.
    const next = NEXT_WORD.exec(after)?.[1]?.toLowerCase();
    if (next !== undefined && !AFTER_ORDINAL_OK.has(next)) return null;
    const tag = match[2] === undefined ? TAG.dayOfMonth : TAG.dayOfNextMonth;
    return context.createParsingComponents({ day }).addTag(tag);
  },
};

const END_OF_PATTERN = new RegExp(
  `${WORD_START}(?:the\\s+)?(?:end|last\\s+day)\\s+of\\s+(?:the\\s+|this\\s+)?(next\\s+)?(month|year|week)${WORD_END}`,
  "iu",
);

/** "end of (the) month", "end of next month", "end of the year", "end of the week". */
const endOfPeriodParser: Parser = {
  pattern: () => END_OF_PATTERN,
  extract(context: ParsingContext, match: RegExpMatchArray) {
    const next = match[1] !== undefined;
    const unit = (match[2] ?? "").toLowerCase();
    let tag: string;
    if (unit === "month") tag = next ? TAG.endOfNextMonth : TAG.endOfMonth;
    else if (unit === "year" && !next) tag = TAG.endOfYear;
    else if (unit === "week" && !next) tag = TAG.endOfWeek;
    else return null;
    // A certain "day" makes chrono treat the result as a date it may join with a time.
    return context.createParsingComponents({ day: 1 }).addTag(tag);
  },
};

const THE_WEEKEND_PATTERN = new RegExp(
  `${WORD_START}(?:on|at|over|during)\\s+the\\s+weekend${WORD_END}`,
  "iu",
);

/** "on the weekend", "over the weekend" (chrono itself reads "this/next weekend"). */
const theWeekendParser: Parser = {
  pattern: () => THE_WEEKEND_PATTERN,
  extract: (context: ParsingContext) =>
    context.createParsingComponents({ weekday: 6 }).addTag(TAG.theWeekend),
};

const DAY_AFTER_TOMORROW_PATTERN = new RegExp(
  `${WORD_START}(?:the\\s+)?day\\s+after\\s+tomorrow${WORD_END}`,
  "iu",
);

const dayAfterTomorrowParser: Parser = {
  pattern: () => DAY_AFTER_TOMORROW_PATTERN,
  extract: (context: ParsingContext) =>
    context.createParsingComponents({ day: 1 }).addTag(TAG.dayAfterTomorrow),
};

/** Time expressions need a clear sign of being a time: am/pm, minutes, "at", "o'clock". */
const CLEAR_TIME =
  /(?:\d\s*(?:a\.?m\.?|p\.?m\.?)(?![\p{L}])|\d:\d\d|o['\u2019]?\s*clock|^(?:at|from)\s|in\s+the\s+(?:morning|afternoon)|at\s+night)/iu;
/** A year-month-day with spaces ("2026 12 3") is more likely a list of numbers. */
const SPACED_YMD = /^\d{4}\s/u;
const ALLOWED_RELATIVE = /^(?:next\s+(?:week|month|year)|(?:within|in)\s.+|.+\sfrom\s+now)$/iu;

/**
 * Runs first, on the raw matches: drops matches inside other words and numbers that only
 * look like times, before chrono's merge step can glue them to a real date ("13 tonight").
 */
const conservativeFilter: Refiner = {
  refine(context: ParsingContext, results: ParsingResult[]): ParsingResult[] {
    const text = context.text;
    let previousEnd = -1;
    return results.filter((result) => {
      const kept = keepResult(text, result, previousEnd);
      if (kept) previousEnd = result.index + result.text.length;
      return kept;
    });
  },
};

/** "morning", "night" alone: only right after a date ("friday night") or as "in the morning". */
const BARE_PART_OF_DAY = /^(?:morning|afternoon|evening|night)$/u;
const PART_OF_DAY_LEAD = /(?:in\s+the|at)\s+$/iu;

function keepResult(text: string, result: ParsingResult, previousEnd: number): boolean {
  const trimmed = result.text.trimEnd();
  if (trimmed.length !== result.text.length) result.text = trimmed;
  const start = result.index;
  const end = start + result.text.length;
  if (!isTokenStart(text, start) || !isTokenEnd(text, end)) return false;
  const tags = result.start.tags();
  const lower = result.text.toLowerCase();
  if (tags.has("parser/ENTimeExpressionParser") && !CLEAR_TIME.test(lower)) return false;
  if (tags.has("casualReference/now") || /^last\s*night$/u.test(lower)) return false;
  if (SPACED_YMD.test(lower)) return false;
  if (tags.has("result/relativeDate") && !ALLOWED_RELATIVE.test(lower)) return false;
  if (
    /^(?:this|last|past)\s/u.test(lower) &&
    /(?:week|month|year|quarter|day|hour)s?$/u.test(lower)
  ) {
    return false;
  }
  if (/(?:^|\s)weekday$/u.test(lower)) return false;
  if (BARE_PART_OF_DAY.test(lower)) {
    const afterDate = previousEnd >= 0 && text.slice(previousEnd, start).trim() === "";
    const lead = PART_OF_DAY_LEAD.test(text.slice(Math.max(0, start - 8), start));
    if (!afterDate && !lead) return false;
  }
  return true;
}

type Named = { constructor: { name: string } };

function pick<T extends Named>(list: readonly T[], name: string): T {
  const found = list.find((item) => item.constructor.name === name);
  // Guards against a chrono upgrade renaming its classes: fail loudly at load, not silently.
  if (!found) throw new Error(`chrono-node component ${name} not found`);
  return found;
}

function buildChrono(): chrono.Chrono {
  const casual = chrono.en.configuration.createCasualConfiguration(false);
  const strict = chrono.en.configuration.createConfiguration(true, false);
  const parsers: Parser[] = [
    pick(strict.parsers, "ISOFormatParser"),
    pick(strict.parsers, "ENYearMonthDayParser"),
    pick(casual.parsers, "ENMonthNameLittleEndianParser"),
    pick(casual.parsers, "ENMonthNameMiddleEndianParser"),
    pick(casual.parsers, "ENWeekdayParser"),
    pick(casual.parsers, "ENTimeExpressionParser"),
    pick(casual.parsers, "ENCasualDateParser"),
    pick(casual.parsers, "ENCasualTimeParser"),
    pick(casual.parsers, "ENTimeUnitWithinFormatParser"),
    pick(casual.parsers, "ENTimeUnitLaterFormatParser"),
    pick(casual.parsers, "ENRelativeDateFormatParser"),
    dayOfMonthParser,
    endOfPeriodParser,
    theWeekendParser,
    dayAfterTomorrowParser,
  ];
  const refiners: Refiner[] = [
    conservativeFilter,
    pick(casual.refiners, "OverlapRemovalRefiner"),
    pick(casual.refiners, "MergeWeekdayComponentRefiner"),
    pick(casual.refiners, "ENMergeDateTimeRefiner"),
    pick(casual.refiners, "OverlapRemovalRefiner"),
  ];
  return new chrono.Chrono({ parsers, refiners });
}

/** The single chrono instance; its parsers cache their compiled patterns between calls. */
const QUICK_ADD_CHRONO: chrono.Chrono = buildChrono();

// chrono knows "tue." and "wed." but not "tues"/"weds"; same-length rewrites keep offsets.
const WEEKDAY_SPELLINGS = /(?<![\p{L}\p{N}_])(tue|wed)s(?![\p{L}\p{N}_])/giu;

export function runChrono(scan: string, reference: Date): ParsingResult[] {
  const text = scan.replace(WEEKDAY_SPELLINGS, "$1.");
  return QUICK_ADD_CHRONO.parse(text, reference) as ParsingResult[];
}
