import { RE2JS } from "@bufbuild/re2";

/**
 * protovalidate's `string.pattern` matcher. RE2 in JavaScript allocates as it walks each
 * character (measured: a sixth of everything core allocated per CreateTask, for a title and a
 * resource name). Patterns that cannot backtrack badly — anchored, no alternation, no repeat of
 * a group that varies, at most one wide repeat — run on V8's RegExp, rewritten to mean what RE2
 * means; every other pattern, and any pattern built from input by a CEL rule, stays on RE2
 * (protovalidate's own engine).
 * No npm package does this translation, so it is kept small and tested against RE2.
 */
export function createRegexMatcher(): (pattern: string, against: string) => boolean {
  const compiled = new Map<string, { test(s: string): boolean }>();
  return (pattern, against) => {
    let regex = compiled.get(pattern);
    if (regex === undefined) {
      // A bounded cache: CEL rules may build patterns from input.
      if (compiled.size >= 1024) compiled.clear();
      regex = toPlatformRegex(pattern) ?? RE2JS.compile(pattern);
      compiled.set(pattern, regex);
    }
    return regex.test(against);
  };
}

/** The pattern as an equivalent, backtracking-safe RegExp; null when it is not one. */
export function toPlatformRegex(pattern: string): RegExp | null {
  try {
    // Anchored, so V8 tries one start position; backtracking then stays within
    // (input length) x (choices of the narrow repeats).
    if (!pattern.startsWith("^")) return null;
    const parsed = parseSequence(pattern, 0, 0);
    if (!parsed || parsed.end !== pattern.length || parsed.wide > 1 || parsed.choices > 1024)
      return null;
    return new RegExp(parsed.source, "u");
  } catch {
    return null;
  }
}

interface Parsed {
  source: string;
  end: number;
  /** Repeats that are unbounded or span more than 16 counts. */
  wide: number;
  /** Product of the spans (+1) of the other varying repeats. */
  choices: number;
  /** Whether anything inside repeats a variable number of times. */
  varies: boolean;
}

/** Every literal is written as a code point escape: nothing depends on JS escaping rules. */
const literal = (c: string) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`;

// RE2's Perl classes are ASCII; JavaScript's \s would also take Unicode spaces.
const perlClasses: Record<string, string> = {
  d: "0-9",
  w: "0-9A-Za-z_",
  s: ["\t", "\n", "\f", "\r", " "].map(literal).join(""),
};
const controlEscapes: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f", v: "\v" };
const punctuation = new Set("\\.+*?()|[]{}^$/-#&~!@%=:;,<>'\"`_ ");

/** The escape whose backslash is at `i`: [source, whether it is a class's body, next index]. */
function parseEscape(pattern: string, i: number): [string, boolean, number] | null {
  const c = pattern[i + 1];
  if (c === undefined) return null;
  if (c in perlClasses) return [perlClasses[c] as string, true, i + 2];
  if (c in controlEscapes) return [literal(controlEscapes[c] as string), false, i + 2];
  if (c === "x") {
    const hex = /^[0-9a-fA-F]{2}/.exec(pattern.slice(i + 2))?.[0];
    return hex ? [literal(String.fromCharCode(Number.parseInt(hex, 16))), false, i + 4] : null;
  }
  return punctuation.has(c) ? [literal(c), false, i + 2] : null;
}

/** A bracket class starting at `i` ("[..."). */
function parseClass(pattern: string, start: number): [string, number] | null {
  let i = start + 1;
  let body = "";
  if (pattern[i] === "^") {
    body = "^";
    i++;
  }
  if (pattern[i] === "]") return null; // RE2 and JS disagree on a leading ]
  const opening = body.length;
  // "-" is a range only between two single characters; elsewhere it is taken literally.
  let afterCharacter = false;
  let closingRange = false;
  for (; i < pattern.length; ) {
    const c = pattern[i] as string;
    if (c === "]") return body.length > opening ? [`[${body}]`, i + 1] : null;
    if (c === "[") return null; // POSIX classes ([:alpha:]) are RE2's only
    if (c === "\\") {
      const escaped = parseEscape(pattern, i);
      if (!escaped) return null;
      body += escaped[0];
      afterCharacter = !escaped[1] && !closingRange;
      closingRange = false;
      i = escaped[2];
    } else if (c === "-" && afterCharacter && pattern[i + 1] !== "]") {
      if (pattern[i + 1] === "\\" && /^\\[dws]/.test(pattern.slice(i + 1))) return null;
      body += "-";
      afterCharacter = false;
      closingRange = true;
      i++;
    } else {
      afterCharacter = !closingRange;
      closingRange = false;
      const cp = pattern.codePointAt(i) as number;
      const char = String.fromCodePoint(cp);
      body += literal(char);
      i += char.length;
    }
  }
  return null;
}

/** A quantifier at `i`: [source, span (max - min), next index], or none. */
function parseQuantifier(pattern: string, i: number): [string, number, number] | null {
  const c = pattern[i];
  if (c === "*" || c === "+") return [c, Number.POSITIVE_INFINITY, i + 1];
  if (c === "?") return ["?", 1, i + 1];
  if (c !== "{") return null;
  const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(pattern.slice(i));
  if (!m) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
  if (max < min || min > 1000 || (Number.isFinite(max) && max > 1000)) return null;
  return [m[0], max - min, i + m[0].length];
}

function parseSequence(pattern: string, start: number, depth: number): Parsed | null {
  let source = "";
  let wide = 0;
  let choices = 1;
  let varies = false;
  let i = start;
  if (depth === 0 && pattern[i] === "^") {
    source += "^";
    i++;
  }
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === ")") {
      if (depth === 0) return null;
      break;
    }
    if (c === "$") {
      if (depth > 0 || i !== pattern.length - 1) return null;
      source += "$";
      i++;
      break;
    }
    let atom: string;
    let inner: Parsed | null = null;
    if (c === "(") {
      if (pattern[i + 1] === "?") return null;
      inner = parseSequence(pattern, i + 1, depth + 1);
      if (!inner || pattern[inner.end] !== ")") return null;
      atom = `(?:${inner.source})`;
      wide += inner.wide;
      choices *= inner.choices;
      varies ||= inner.varies;
      i = inner.end + 1;
    } else if (c === "[") {
      const cls = parseClass(pattern, i);
      if (!cls) return null;
      [atom, i] = cls;
    } else if (c === "\\") {
      const escaped = parseEscape(pattern, i);
      if (!escaped) return null;
      atom = escaped[1] ? `[${escaped[0]}]` : escaped[0];
      i = escaped[2];
    } else if ("|.^*+?{}]".includes(c)) {
      // Alternation, RE2's "." (which differs from JS on line breaks) and stray syntax.
      return null;
    } else {
      const char = String.fromCodePoint(pattern.codePointAt(i) as number);
      atom = literal(char);
      i += char.length;
    }
    const quantifier = parseQuantifier(pattern, i);
    if (quantifier) {
      const [q, span, next] = quantifier;
      if (pattern[next] === "?" || pattern[next] === "+") return null; // lazy or possessive
      if (inner?.varies) return null; // a repeat of a repeat can backtrack exponentially
      atom += q;
      if (span > 16) wide++;
      else choices *= span + 1;
      varies ||= span > 0;
      i = next;
    }
    source += atom;
  }
  return { source, end: i, wide, choices, varies };
}
