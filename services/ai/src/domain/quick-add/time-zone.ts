import type { LocalDateTime } from "./calendar.js";
import { isValidDate } from "./calendar.js";
import { QuickAddInputError } from "./errors.js";

function acceptedByIntl(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

// Common aliases that Intl accepts but does not list (notably "UTC"); checked once at load.
const COMMON_ALIASES = [
  "UTC",
  "Etc/UTC",
  "Etc/UCT",
  "Etc/Universal",
  "Etc/Zulu",
  "Etc/GMT",
  "GMT",
  "UCT",
  "Universal",
  "Zulu",
  "Asia/Kolkata",
  "Asia/Ho_Chi_Minh",
  "Asia/Kathmandu",
  "Asia/Yangon",
  "Europe/Kyiv",
  "America/Nuuk",
  "America/Argentina/Buenos_Aires",
  "Atlantic/Faroe",
  "Pacific/Kanton",
  "US/Eastern",
  "US/Central",
  "US/Mountain",
  "US/Pacific",
  "US/Alaska",
  "US/Hawaii",
  ...Array.from({ length: 27 }, (_, i) => i - 12)
    .filter((offset) => offset !== 0)
    .map((offset) => `Etc/GMT${offset > 0 ? "+" : ""}${offset}`),
];

// Zone names known to this runtime, read once (Intl construction costs ~50 µs per call);
// anything else falls back to asking Intl directly.
const KNOWN_ZONES: ReadonlySet<string> = new Set([
  ...(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : []),
  ...COMMON_ALIASES.filter(acceptedByIntl),
]);

/** Returns the zone name to report back, or throws for an unknown IANA zone. */
export function checkTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== "string" || timeZone.trim() === "") {
    throw new QuickAddInputError("time_zone", "time zone is missing");
  }
  if (KNOWN_ZONES.has(timeZone)) return timeZone;
  // Intl also accepts offsets such as "+01:00", which are not IANA names.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) {
    throw new QuickAddInputError("time_zone", `unknown time zone "${timeZone.slice(0, 64)}"`);
  }
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new QuickAddInputError("time_zone", `unknown time zone "${timeZone.slice(0, 64)}"`);
  }
}

const REFERENCE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?$/;

/** Parses the local wall-clock reference time "YYYY-MM-DDTHH:MM:SS" (seconds optional). */
export function parseReferenceTime(referenceTime: unknown): LocalDateTime {
  const match = typeof referenceTime === "string" ? REFERENCE_TIME.exec(referenceTime) : null;
  if (!match) {
    throw new QuickAddInputError(
      "reference_time",
      'reference time must look like "YYYY-MM-DDTHH:MM:SS" (local wall clock)',
    );
  }
  const [year, month, day, hour, minute, second] = match
    .slice(1, 7)
    .map((part) => (part === undefined ? 0 : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1 || !isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) {
    throw new QuickAddInputError(
      "reference_time",
      `reference time "${referenceTime}" is not a valid date and time`,
    );
  }
  return { year, month, day, hour, minute, second };
}
