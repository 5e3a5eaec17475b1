/**
 * Explicit markers: @labels, #projects, priorities (p1, !!2, "urgent", "asap", "important")
 * and lead-ins ("remind me to"). They are read before dates so that their words never
 * reach the date parser.
 */

import { element } from "./element.js";
import { isTokenEnd, isTokenStart } from "./text.js";
import type { Element, Priority } from "./types.js";

/** A marker may only start where a new word starts (not inside "bob@x.org" or "a#b"). */
const MARKER_START = /[\s([{,;"'\u201c\u2018]/u;

function isMarkerStart(text: string, index: number): boolean {
  if (index === 0) return true;
  const prev = text[index - 1];
  return prev !== undefined && MARKER_START.test(prev);
}

const LABEL = /@([\p{L}\p{N}_]+(?:[-./][\p{L}\p{N}_]+)*)/gu;
const PROJECT = /#([\p{L}\p{N}_]+(?:[-./][\p{L}\p{N}_]+)*)/gu;
const HAS_LETTER = /\p{L}/u;

export interface LabelHit {
  element: Element;
  label: string;
}

export function findLabels(scan: string): LabelHit[] {
  const hits: LabelHit[] = [];
  for (const match of scan.matchAll(LABEL)) {
    const name = match[1] ?? "";
    if (!isMarkerStart(scan, match.index)) continue;
    const label = name.toLowerCase();
    hits.push({
      label,
      element: element("label", match.index, match[0], label, 0.99),
    });
  }
  return hits;
}

export interface ProjectHit {
  element: Element;
  project: string;
}

export function findProjects(scan: string): ProjectHit[] {
  const hits: ProjectHit[] = [];
  for (const match of scan.matchAll(PROJECT)) {
    const name = match[1] ?? "";
    // "#12" is an issue or ticket number, not a project.
    if (!isMarkerStart(scan, match.index) || !HAS_LETTER.test(name)) continue;
    hits.push({ project: name, element: element("project", match.index, match[0], name, 0.99) });
  }
  return hits;
}

export interface PriorityHit {
  element: Element;
  priority: Priority;
  /**
   * "urgent"/"important" used without a colon are only a priority when nothing but other
   * markers follows them ("Call the bank urgent"), not as adjectives ("urgent care form").
   */
  needsEmptyTail: boolean;
}

const PRIORITY_TOKEN = /(?:[pP]([1-4])|!!([1-4])|(?:priority|prio)\s*:?\s*([1-4]))/gu;
const PRIORITY_WORD = /(a\.s\.a\.p\.?|asap|urgent|important)(\s*[:!]+)?/giu;

export function findPriorities(scan: string): PriorityHit[] {
  const hits: PriorityHit[] = [];
  for (const match of scan.matchAll(PRIORITY_TOKEN)) {
    const end = match.index + match[0].length;
    if (!isTokenStart(scan, match.index) || !isTokenEnd(scan, end)) continue;
    // "!!" is not a word character, so the boundary check above does not see "x!!1".
    if (match[2] !== undefined && match.index > 0 && !/\s/u.test(scan[match.index - 1] ?? " ")) {
      continue;
    }
    const priority = Number(match[1] ?? match[2] ?? match[3]) as Priority;
    hits.push({
      priority,
      needsEmptyTail: false,
      element: element("priority", match.index, match[0], `p${priority}`, 0.98),
    });
  }
  for (const match of scan.matchAll(PRIORITY_WORD)) {
    const word = match[1] ?? "";
    const suffix = match[2];
    const end = match.index + match[0].length;
    if (!isTokenStart(scan, match.index)) continue;
    if (suffix === undefined && !isTokenEnd(scan, end)) continue;
    const lower = word.toLowerCase();
    const isAsap = lower.startsWith("a");
    const priority: Priority = lower === "important" ? 2 : 1;
    const shouted = word.length > 1 && word === word.toUpperCase();
    const needsEmptyTail = !isAsap && suffix === undefined && !shouted;
    hits.push({
      priority,
      needsEmptyTail,
      element: element(
        "priority",
        match.index,
        match[0],
        `p${priority}`,
        needsEmptyTail ? 0.8 : 0.95,
        needsEmptyTail ? [{ value: "title word", confidence: 0.2 }] : [],
      ),
    });
  }
  return hits;
}

const LEAD_IN =
  /^(?:remind\s+me\s+to|remember\s+to|don['\u2019]?t\s+forget\s+to|do\s+not\s+forget\s+to|i\s+need\s+to|i\s+have\s+to|i\s+must|i\s+should|i(?:['\u2019]ve|\s+have)\s+got\s+to|i\s+gotta|i\s+want\s+to|(?:todo|to-do|to\s+do|reminder|note\s+to\s+self)\s*:)(?=\s|$)\s*/iu;

/** A lead-in at `from` (the first character not taken by another element). */
export function findLeadIn(scan: string, from: number): Element | null {
  const match = LEAD_IN.exec(scan.slice(from));
  if (!match) return null;
  const text = match[0].trimEnd();
  return element("lead_in", from, text, text.toLowerCase().replace(/\s+/gu, " "), 0.95);
}
