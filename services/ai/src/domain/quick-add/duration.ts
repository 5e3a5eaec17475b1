/**
 * Durations: "for 45 min", "for 2h", "for 1.5 hours", "for 1h30", "for an hour and a half".
 * "for" counts only when a number and a unit follow ("for 8 people" stays in the title).
 */
import { element } from "./element.js";
import { CARDINAL_SOURCE, isTokenEnd, isTokenStart, readCardinal } from "./text.js";
import type { Element } from "./types.js";

const HOUR_UNIT = "(?:hours?|hrs?|h)(?![\\p{L}])";
const MINUTE_UNIT = "(?:minutes?|mins?|m)(?![\\p{L}])";

// "for [about] <amount> <unit> [[and] <amount> <unit>]", with "half an hour" and "an hour
// and a half" as fixed forms; "1h30" is an hour amount followed directly by minutes.
const DURATION = new RegExp(
  `for\\s+(?:about\\s+|around\\s+|approx\\.?\\s+|~\\s*)?` +
    `(?:(half\\s+an?\\s+hour)|` +
    `(${CARDINAL_SOURCE})(\\s+and\\s+a\\s+half)?\\s*(${HOUR_UNIT}|${MINUTE_UNIT})` +
    `(?:(\\s+and\\s+a\\s+half)|(?<=h)(\\d{1,2})(?:${MINUTE_UNIT})?|\\s*,?\\s*(?:and\\s+)?(\\d{1,2})\\s*${MINUTE_UNIT})?)`,
  "giu",
);

const MAX_MINUTES = 24 * 60;

export interface DurationHit {
  element: Element;
  minutes: number;
}

export function findDurations(scan: string): DurationHit[] {
  const hits: DurationHit[] = [];
  for (const match of scan.matchAll(DURATION)) {
    const [text, halfHour, amountWord, andAHalfBefore, unit, andAHalfAfter, attached, spaced] =
      match;
    const extraMinutes = attached ?? spaced;
    const end = match.index + text.length;
    if (!isTokenStart(scan, match.index) || !isTokenEnd(scan, end)) continue;
    let minutes: number;
    if (halfHour !== undefined) {
      minutes = 30;
    } else {
      const amount = readCardinal(amountWord ?? "");
      if (!Number.isFinite(amount)) continue;
      const isHours = /^h/iu.test(unit ?? "");
      const half = andAHalfBefore !== undefined || andAHalfAfter !== undefined ? 0.5 : 0;
      minutes = (amount + half) * (isHours ? 60 : 1);
      if (extraMinutes !== undefined) {
        if (!isHours) continue;
        const extra = Number(extraMinutes);
        if (extra >= 60) continue;
        minutes += extra;
      }
    }
    minutes = Math.round(minutes);
    if (minutes <= 0 || minutes > MAX_MINUTES) continue;
    hits.push({
      minutes,
      element: element("duration", match.index, text, `${minutes} min`, 0.95),
    });
  }
  return hits;
}
