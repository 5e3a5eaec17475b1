import type { Element } from "./types.js";

/** Builds an element; `text` is refreshed from the original text before the draft is returned. */
export function element(
  kind: Element["kind"],
  start: number,
  text: string,
  value: string,
  confidence: number,
  alternatives: Element["alternatives"] = [],
): Element {
  return { kind, start, end: start + text.length, text, value, confidence, alternatives };
}
