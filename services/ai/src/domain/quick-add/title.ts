/** Title assembly: the original text minus the parts that were read, tidied up. */
import type { Span } from "./text.js";

// C0/C1 control characters become spaces (same length, so offsets stay valid).
export const CONTROL_CHARS = /\p{Cc}/gu;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const LEADING_JUNK = /^[\s,;:|\-\u2013\u2014]+/u;
const TRAILING_JUNK = /[\s,;:|\-\u2013\u2014]+$/u;
const EMPTY_BRACKETS = /\(\s*\)|\[\s*\]|\{\s*\}/gu;
const STARTS_WITH_CLOSING = /^\s*[,.;:!?)\]}]/u;

function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ start: span.start, end: span.end });
  }
  return merged;
}

export function assembleTitle(original: string, removed: readonly Span[]): string {
  let title = "";
  let cursor = 0;
  const spans = mergeSpans(removed);
  for (const span of [...spans, { start: original.length, end: original.length }]) {
    let piece = original.slice(cursor, span.start);
    // "Pay rent tomorrow." -> "Pay rent": a full stop orphaned by a removal is dropped.
    if (cursor > 0 && span.start === original.length && /^\s*\.\s*$/u.test(piece)) piece = "";
    if (title === "" || STARTS_WITH_CLOSING.test(piece)) {
      // "Call mom tomorrow, then ..." must not become "Call mom , then ...".
      title = title.trimEnd() + piece.trimStart();
    } else {
      title = `${title} ${piece}`;
    }
    cursor = Math.max(cursor, span.end);
  }
  title = title
    .replace(CONTROL_CHARS, " ")
    .replace(LONE_SURROGATE, "\ufffd")
    .replace(EMPTY_BRACKETS, " ")
    .replace(/\s+/gu, " ");
  return title.replace(LEADING_JUNK, "").replace(TRAILING_JUNK, "");
}
