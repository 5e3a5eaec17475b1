/** Low-level text helpers shared by the recognisers: spans, blanking, word boundaries, numbers. */

export interface Span {
  start: number;
  end: number;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;
/** Characters that glue a token to a neighbour ("bob@x.org", "#tag", "a/b"). */
const GLUE = new Set(["@", "#", "/", "\\", "_", "$", "€", "£", "%", "&", "+", "="]);
/** Characters that glue only when a word character is on their other side ("Monday.com"). */
const INNER_GLUE = new Set([".", "-", "'", "\u2019", ":", "\u2010", "\u2011"]);

export function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/** True when a token starting at `i` is not the tail of a longer token. */
export function isTokenStart(text: string, i: number): boolean {
  if (i <= 0) return true;
  const prev = text[i - 1];
  if (prev === undefined) return true;
  if (isWordChar(prev) || GLUE.has(prev)) return false;
  if (INNER_GLUE.has(prev) && isWordChar(text[i - 2])) return false;
  return true;
}

/** True when a token ending at `j` (exclusive) is not the head of a longer token. */
export function isTokenEnd(text: string, j: number): boolean {
  if (j >= text.length) return true;
  const next = text[j];
  if (next === undefined) return true;
  if (isWordChar(next) || GLUE.has(next)) return false;
  if (INNER_GLUE.has(next) && isWordChar(text[j + 1])) return false;
  return true;
}

/** Replaces text[start, end) by `fill` characters, so that offsets stay valid. */
export function blank(text: string, start: number, end: number, fill = " "): string {
  if (end <= start) return text;
  return text.slice(0, start) + fill.repeat(end - start) + text.slice(end);
}

// URLs and e-mail addresses are taken verbatim into the title: nothing inside them is read.
const URL_PATTERN = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"]+/giu;
const EMAIL_PATTERN = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"\u2019\u201d]+$/u;

export function findProtectedSpans(text: string): Span[] {
  const spans: Span[] = [];
  // Cheap guard: most sentences have neither, and the patterns are not free.
  const patterns = [
    ...(text.includes("://") || /www\./iu.test(text) ? [URL_PATTERN] : []),
    ...(text.includes("@") ? [EMAIL_PATTERN] : []),
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const raw = match[0];
      const trimmed = raw.replace(TRAILING_PUNCTUATION, "");
      if (trimmed.length === 0) continue;
      spans.push({ start: match.index, end: match.index + trimmed.length });
    }
  }
  return spans;
}

const SMALL_NUMBERS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  "forty-five": 45,
  fifty: 50,
  sixty: 60,
  ninety: 90,
};

/** Regex source for a cardinal: digits (decimal point or comma allowed) or a number word. */
export const CARDINAL_SOURCE = `(?:\\d+(?:[.,]\\d+)?|${Object.keys(SMALL_NUMBERS)
  .sort((a, b) => b.length - a.length)
  .join("|")})`;

/** Reads a cardinal matched by CARDINAL_SOURCE; NaN when it is not one. */
export function readCardinal(word: string): number {
  const lower = word.toLowerCase();
  const small = SMALL_NUMBERS[lower];
  if (small !== undefined) return small;
  if (/^\d+(?:[.,]\d+)?$/.test(lower)) return Number(lower.replace(",", "."));
  return Number.NaN;
}

const ORDINAL_WORDS_LIST = [
  "first",
  "second",
  "third",
  "fourth",
  "fifth",
  "sixth",
  "seventh",
  "eighth",
  "ninth",
  "tenth",
  "eleventh",
  "twelfth",
  "thirteenth",
  "fourteenth",
  "fifteenth",
  "sixteenth",
  "seventeenth",
  "eighteenth",
  "nineteenth",
  "twentieth",
] as const;

const ORDINAL_WORDS: ReadonlyMap<string, number> = new Map<string, number>([
  ...ORDINAL_WORDS_LIST.map((word, i): [string, number] => [word, i + 1]),
  ...ORDINAL_WORDS_LIST.slice(0, 9).map((word, i): [string, number] => [`twenty-${word}`, 21 + i]),
  ["thirtieth", 30],
  ["thirty-first", 31],
]);

/** Regex source for a day ordinal: "1st".."31st" or a word ("first".."thirty-first"). */
export const ORDINAL_SOURCE = `(?:\\d{1,2}(?:st|nd|rd|th)|${[...ORDINAL_WORDS.keys()]
  .sort((a, b) => b.length - a.length)
  .join("|")})`;

/** Reads an ordinal matched by ORDINAL_SOURCE; NaN when it is not one. */
export function readOrdinal(word: string): number {
  const lower = word.toLowerCase();
  const fromWord = ORDINAL_WORDS.get(lower);
  if (fromWord !== undefined) return fromWord;
  const match = /^(\d{1,2})(st|nd|rd|th)$/.exec(lower);
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  // "1th" or "2rd" are typos rather than ordinals, but harmless to accept.
  return n;
}

const WEEKDAY_CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
export type WeekdayCode = (typeof WEEKDAY_CODES)[number];

export function weekdayCode(weekday: number): WeekdayCode {
  return WEEKDAY_CODES[((weekday % 7) + 7) % 7] as WeekdayCode;
}

/** Weekday words (and plurals) to 0 = Sunday .. 6 = Saturday. */
export const WEEKDAY_WORDS: ReadonlyMap<string, number> = new Map([
  ["sunday", 0],
  ["sun", 0],
  ["monday", 1],
  ["mon", 1],
  ["tuesday", 2],
  ["tues", 2],
  ["tue", 2],
  ["wednesday", 3],
  ["wed", 3],
  ["thursday", 4],
  ["thurs", 4],
  ["thur", 4],
  ["thu", 4],
  ["friday", 5],
  ["fri", 5],
  ["saturday", 6],
  ["sat", 6],
]);

/** Abbreviations that are ordinary English words too ("sat down", "the sun", "got wed"). */
export const AMBIGUOUS_WEEKDAY_WORDS: ReadonlySet<string> = new Set(["sun", "sat", "wed"]);

export const WEEKDAY_SOURCE = `(?:${[...WEEKDAY_WORDS.keys()].sort((a, b) => b.length - a.length).join("|")})`;

/** Reads a weekday word, allowing a plural "s" ("mondays"); -1 when it is not one. */
export function readWeekday(word: string): number {
  const lower = word.toLowerCase();
  const direct = WEEKDAY_WORDS.get(lower);
  if (direct !== undefined) return direct;
  if (lower.endsWith("s")) {
    const singular = WEEKDAY_WORDS.get(lower.slice(0, -1));
    if (singular !== undefined) return singular;
  }
  return -1;
}

export const MONTH_WORDS: ReadonlyMap<string, number> = new Map([
  ["january", 1],
  ["jan", 1],
  ["february", 2],
  ["feb", 2],
  ["march", 3],
  ["mar", 3],
  ["april", 4],
  ["apr", 4],
  ["may", 5],
  ["june", 6],
  ["jun", 6],
  ["july", 7],
  ["jul", 7],
  ["august", 8],
  ["aug", 8],
  ["september", 9],
  ["sept", 9],
  ["sep", 9],
  ["october", 10],
  ["oct", 10],
  ["november", 11],
  ["nov", 11],
  ["december", 12],
  ["dec", 12],
]);

/** Month names that are also common given names or verbs, so a bare one is not a date. */
export const NAME_LIKE_MONTHS: ReadonlySet<string> = new Set([
  "may",
  "june",
  "april",
  "august",
  "march",
]);

export function isCapitalized(word: string): boolean {
  const first = word[0];
  return first !== undefined && first !== first.toLowerCase() && first === first.toUpperCase();
}
