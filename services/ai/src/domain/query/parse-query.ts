/**
 * Questions about tasks → a ListTasks filter and order. Pure: no I/O, no clock.
 *
 * A question is read like a quick-add sentence: recognisers take the parts they know (blanking
 * them so nothing is read twice), the quick-add parser reads whatever date is left, and words
 * nobody took are reported back as ignored. Choices (each has a test):
 * - weeks start on Monday; "this week" is Monday-Sunday of the reference date, "the weekend" the
 *   coming Saturday and Sunday, "this month" the calendar month;
 * - questions are about open tasks unless they say otherwise ("done", "cancelled", "any state");
 *   "overdue" means open and due before today;
 * - "before X" is `due < X`, "by/until X" `due <= X`, "after X" `due > X`, "since/from X"
 *   `due >= X`, a bare date `due = X`; "in N days" is that day, "within/in the next N days"
 *   today through today + N;
 * - "urgent"/"critical"/"top priority" mean P1; "high priority"/"important" P1-P2; "low
 *   priority" P3-P4;
 * - "#Project" and "in <project name>" match the workspace's projects ignoring case; an unknown
 *   project is reported, never guessed;
 * - a question with nothing recognised but a few words searches titles for them.
 */
import { InvalidInputError } from "../errors.js";
import {
  addDays,
  addMonths,
  daysInMonth,
  formatDate,
  type LocalDate,
  weekdayOf,
} from "../quick-add/calendar.js";
import { KEPT_IN_TITLE, MAX_TEXT_LENGTH, parseQuickAdd } from "../quick-add/index.js";
import { checkTimeZone, parseReferenceTime } from "../quick-add/time-zone.js";
import type { ProjectRef } from "../task-from-text.js";
import {
  type Comparison,
  type Condition,
  renderCondition,
  renderFilter,
  type TaskStateName,
} from "./conditions.js";

export interface QueryInput {
  text: string;
  /** Local wall clock "YYYY-MM-DDTHH:MM[:SS]" of the asker. */
  referenceTime: string;
  /** IANA time zone of the asker. */
  timeZone: string;
  /** The workspace asked about: project conditions name its projects. */
  workspaceId: string;
  /** The workspace's projects (active and archived), for "#Project" and "in <name>". */
  projects: readonly ProjectRef[];
  /** The asker's user id, for "assigned to me". */
  user: string;
}

export interface QueryTerm {
  /** UTF-16 offsets into the question; 0/0 for a default nobody typed. */
  start: number;
  end: number;
  text: string;
  /** The filter condition (or `order_by ...`) the words became. */
  condition: string;
  confidence: number;
}

export interface TaskQuery {
  filter: string;
  orderBy: string;
  terms: QueryTerm[];
  notices: string[];
  confidence: number;
}

/** True when the question may name a project (the caller then passes the projects in). */
export function mayNameProject(text: string): boolean {
  return /#|\b(?:in|from|for|under|project|inbox)\b/iu.test(text);
}

const WORD = "[\\p{L}\\p{N}_]+(?:[-./][\\p{L}\\p{N}_]+)*";
/** Word boundaries that know Unicode letters (and that `@x`/`#x` are tokens of their own). */
const B = "(?<![\\p{L}\\p{N}_@#])";
const E = "(?![\\p{L}\\p{N}_])";
const rx = (source: string) => new RegExp(`${B}(?:${source})${E}`, "giu");

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
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
  fourteen: 14,
  thirty: 30,
};
const NUMBER = `(\\d{1,3}|${Object.keys(NUMBER_WORDS).join("|")})`;
const readNumber = (word: string) => NUMBER_WORDS[word.toLowerCase()] ?? Number(word);

/** Words that carry no condition of their own; anything else left over is reported. */
const STOPWORDS = new Set(
  (
    "what whats what's which who show list find get give me my mine i i'm im do does did have has " +
    "had is are was were be been am there any all every everything anything something tasks task " +
    "todos to-dos items item things thing stuff the a an in on at for of to with and or that " +
    "those these this it its they them please can could would you let see view display need " +
    "needs should still left now currently up where when how many much due deadline deadlines " +
    "date dates ones one just also only some our we us here got gotta want looking look check " +
    "tell is there's theres else more"
  ).split(" "),
);

interface Term {
  start: number;
  end: number;
  conditions: Condition[];
  orderBy?: string;
  confidence: number;
  /** A term that sets (or clears) the state, so no default state is added. */
  setsState?: boolean;
  note?: string;
}

class Reading {
  scan: string;
  readonly terms: Term[] = [];
  readonly notices: string[] = [];
  anyState = false;
  constructor(readonly text: string) {
    // Control characters read as spaces (same length: offsets stay valid).
    this.scan = text.replace(/\p{Cc}/gu, " ");
  }
  take(start: number, end: number, term: Omit<Term, "start" | "end">): void {
    this.terms.push({ start, end, ...term });
    this.blank(start, end);
  }
  blank(start: number, end: number): void {
    if (end > start)
      this.scan = this.scan.slice(0, start) + " ".repeat(end - start) + this.scan.slice(end);
  }
  /** Runs `pattern` over what is left; `handle` returns a term, or undefined to leave the match. */
  each(pattern: RegExp, handle: (m: RegExpExecArray) => Omit<Term, "start" | "end"> | undefined) {
    for (const m of [...this.scan.matchAll(pattern)] as RegExpExecArray[]) {
      // A previous match of this pass may have blanked part of this one.
      if (this.scan.slice(m.index, m.index + m[0].length) !== m[0]) continue;
      const term = handle(m);
      if (term) this.take(m.index, m.index + m[0].length, term);
    }
  }
  get hasDue(): boolean {
    return this.terms.some((t) => t.conditions.some((c) => c.field === "due"));
  }
  get hasState(): boolean {
    return this.anyState || this.terms.some((t) => t.setsState);
  }
}

function checkInput(input: QueryInput): { today: LocalDate } {
  const text: unknown = input.text;
  if (typeof text !== "string" || text.replace(/\p{Cc}/gu, " ").trim() === "") {
    throw InvalidInputError.field("query", "is empty");
  }
  if (text.length > MAX_TEXT_LENGTH) {
    throw InvalidInputError.field("query", `must be at most ${MAX_TEXT_LENGTH} characters`);
  }
  let ref: ReturnType<typeof parseReferenceTime>;
  try {
    checkTimeZone(input.timeZone);
  } catch (e) {
    throw InvalidInputError.field("time_zone", (e as Error).message);
  }
  try {
    ref = parseReferenceTime(input.referenceTime);
  } catch (e) {
    throw InvalidInputError.field("reference_time", (e as Error).message);
  }
  return { today: { year: ref.year, month: ref.month, day: ref.day } };
}

const day = (d: LocalDate) => formatDate(d);

/** `from`-`to` inclusive as due conditions (one `=` when they are the same day). */
function dueRange(from: LocalDate, to: LocalDate): Condition[] {
  if (day(from) === day(to)) return [{ field: "due", op: "=", value: day(from) }];
  return [
    { field: "due", op: ">=", value: day(from) },
    { field: "due", op: "<=", value: day(to) },
  ];
}

function weekOf(d: LocalDate): [LocalDate, LocalDate] {
  const monday = addDays(d, -((weekdayOf(d) + 6) % 7));
  return [monday, addDays(monday, 6)];
}

function comingWeekend(d: LocalDate): [LocalDate, LocalDate] {
  const wd = weekdayOf(d);
  if (wd === 0) return [d, d];
  const saturday = addDays(d, 6 - wd);
  return [saturday, addDays(saturday, 1)];
}

function monthOf(d: LocalDate): [LocalDate, LocalDate] {
  return [
    { year: d.year, month: d.month, day: 1 },
    { year: d.year, month: d.month, day: daysInMonth(d.year, d.month) },
  ];
}

function span(today: LocalDate, n: number, unit: string, sign: 1 | -1): LocalDate {
  const u = unit.toLowerCase();
  if (u.startsWith("week")) return addDays(today, sign * 7 * n);
  if (u.startsWith("month")) return addMonths(today, sign * n);
  return addDays(today, sign * n);
}

const PREFIX = "(?:(?:due|for|during|in|within|over|from)\\s+)?";

function readRanges(r: Reading, today: LocalDate): void {
  const ranges: [string, (m: RegExpExecArray) => [LocalDate, LocalDate], number][] = [
    [
      `(?:the\\s+)?(?:next|coming|following|upcoming)\\s+${NUMBER}\\s+(days?|weeks?|months?)`,
      (m) => [today, span(today, readNumber(m[1] ?? "1"), m[2] ?? "days", 1)],
      0.9,
    ],
    [
      `within\\s+(?:the\\s+next\\s+)?${NUMBER}\\s+(days?|weeks?|months?)`,
      (m) => [today, span(today, readNumber(m[1] ?? "1"), m[2] ?? "days", 1)],
      0.9,
    ],
    [
      `(?:the\\s+)?(?:past|last|previous)\\s+${NUMBER}\\s+(days?|weeks?|months?)`,
      (m) => [span(today, readNumber(m[1] ?? "1"), m[2] ?? "days", -1), today],
      0.85,
    ],
    [`(?:the\\s+)?rest\\s+of\\s+(?:the|this)\\s+week`, () => [today, weekOf(today)[1]], 0.9],
    [`(?:the\\s+)?rest\\s+of\\s+(?:the|this)\\s+month`, () => [today, monthOf(today)[1]], 0.9],
    [`next\\s+weekend`, () => comingWeekend(addDays(today, 7)), 0.8],
    [`(?:this|the)\\s+weekend|weekend`, () => comingWeekend(today), 0.85],
    [`(?:this|the|current)\\s+week`, () => weekOf(today), 0.9],
    [`next\\s+week`, () => weekOf(addDays(today, 7)), 0.9],
    [`(?:last|previous)\\s+week`, () => weekOf(addDays(today, -7)), 0.85],
    [`(?:this|the|current)\\s+month`, () => monthOf(today), 0.9],
    [`next\\s+month`, () => monthOf(addMonths({ ...today, day: 1 }, 1)), 0.9],
    [`(?:last|previous)\\s+month`, () => monthOf(addMonths({ ...today, day: 1 }, -1)), 0.85],
    [
      `(?:this|the|current)\\s+year`,
      () => [
        { year: today.year, month: 1, day: 1 },
        { year: today.year, month: 12, day: 31 },
      ],
      0.9,
    ],
    [
      `next\\s+year`,
      () => [
        { year: today.year + 1, month: 1, day: 1 },
        { year: today.year + 1, month: 12, day: 31 },
      ],
      0.9,
    ],
    [`today|tonight|this\\s+(?:morning|afternoon|evening)`, () => [today, today], 0.95],
    [`tomorrow|tmrw|tmr`, () => [addDays(today, 1), addDays(today, 1)], 0.95],
    [`yesterday`, () => [addDays(today, -1), addDays(today, -1)], 0.95],
    [`upcoming|coming\\s+up|soon`, () => [today, addDays(today, 7)], 0.7],
  ];
  for (const [source, resolve, confidence] of ranges) {
    r.each(rx(`${PREFIX}(?:${source})`), (m) => {
      const [from, to] = resolve(m);
      return { conditions: dueRange(from, to), confidence };
    });
  }
}

function readState(r: Reading): void {
  r.each(
    rx(
      "(?:in\\s+)?(?:any|all|every)\\s+(?:states?|status(?:es)?)|including\\s+(?:the\\s+)?(?:done|completed|finished|closed|cancell?ed)(?:\\s+(?:ones|tasks))?|(?:done|completed|finished)\\s+or\\s+not|whether\\s+(?:done|completed|finished)\\s+or\\s+not",
    ),
    () => {
      r.anyState = true;
      return { conditions: [], confidence: 0.85, setsState: true, note: "any state" };
    },
  );
  const state = (value: TaskStateName): Condition => ({ field: "state", op: "=", value });
  r.each(
    rx(
      "not\\s+(?:yet\\s+)?(?:done|completed|finished)|unfinished|incomplete|uncompleted|open|pending|remaining|outstanding|left\\s+to\\s+do|to\\s+do|todo",
    ),
    () => ({ conditions: [state("OPEN")], confidence: 0.9, setsState: true }),
  );
  r.each(
    rx(
      "done|completed|complete|finished|closed|checked\\s+off|ticked\\s+off|did\\s+i\\s+(?:finish|complete|do)",
    ),
    () => ({ conditions: [state("DONE")], confidence: 0.9, setsState: true }),
  );
  r.each(rx("cancell?ed|dropped|abandoned"), () => ({
    conditions: [state("CANCELLED")],
    confidence: 0.9,
    setsState: true,
  }));
}

function readOrder(r: Reading): void {
  const orders: [string, string][] = [
    [
      "(?:(?:sorted|ordered|sort|order)\\s+)?by\\s+priority|(?:most\\s+)?(?:urgent|important)\\s+(?:ones\\s+)?first|highest\\s+priority\\s+first|in\\s+(?:order\\s+of\\s+)?priority(?:\\s+order)?",
      "priority",
    ],
    ["latest\\s+due(?:\\s+first)?|furthest\\s+(?:due|out)(?:\\s+first)?", "due desc"],
    [
      "(?:(?:sorted|ordered|sort|order)\\s+)?by\\s+(?:due\\s+date|deadline|due|date)|soonest(?:\\s+due)?\\s+first|earliest(?:\\s+due)?\\s+first|in\\s+(?:due\\s+)?date\\s+order",
      "due",
    ],
    [
      "recently\\s+(?:updated|changed|modified|edited)|last\\s+(?:updated|changed|modified|edited)|(?:(?:sorted|ordered)\\s+)?by\\s+(?:last\\s+)?update",
      "update_time desc",
    ],
    [
      "newest(?:\\s+first)?|latest(?:\\s+first)?|most\\s+recent(?:ly\\s+(?:created|added))?|recently\\s+(?:created|added)|just\\s+added",
      "create_time desc",
    ],
    [
      "oldest(?:\\s+first)?|(?:(?:sorted|ordered)\\s+)?by\\s+(?:creation|created|date\\s+created)",
      "create_time",
    ],
  ];
  for (const [source, orderBy] of orders) {
    r.each(rx(source), () => ({ conditions: [], orderBy, confidence: 0.9 }));
  }
}

type Priority = 1 | 2 | 3 | 4;

function priorityCondition(levels: Set<Priority>): Condition {
  const sorted = [...levels].sort();
  const first = sorted[0] ?? 1;
  const last = sorted[sorted.length - 1] ?? 4;
  if (sorted.length === 1) return { field: "priority", op: "=", value: first };
  // A run of levels is one comparison: {1,2} is `priority <= 2`, {3,4} `priority >= 3`.
  if (last - first + 1 === sorted.length) {
    if (first === 1) return { field: "priority", op: "<=", value: last };
    if (last === 4) return { field: "priority", op: ">=", value: first };
  }
  return {
    field: "or",
    items: sorted.map((value) => ({ field: "priority", op: "=", value })),
  };
}

function readPriorities(r: Reading): void {
  const token = "(?:p|priority\\s*:?\\s*|prio\\s*|!!)([1-4])";
  r.each(
    new RegExp(
      `${B}${token}((?:\\s*(?:,|/|or|and|\\+)\\s*(?:p|priority\\s*|prio\\s*|!!)?[1-4])*)${E}`,
      "giu",
    ),
    (m) => {
      const levels = new Set<Priority>(
        [...m[0].matchAll(/[1-4](?![\p{L}\p{N}])/gu)].map((d) => Number(d[0]) as Priority),
      );
      return { conditions: [priorityCondition(levels)], confidence: 0.97 };
    },
  );
  const words: [string, Priority[], number][] = [
    ["(?:no|without(?:\\s+a)?)\\s+priority|unprioriti[sz]ed|not\\s+prioriti[sz]ed", [4], 0.85],
    [
      "(?:highest|top)(?:[\\s-]+priority)?|urgent|critical|asap|most\\s+urgent|p(?:riority)?\\s*one",
      [1],
      0.85,
    ],
    ["high(?:er)?[\\s-]+prio(?:rity)?|important", [1, 2], 0.85],
    ["medium[\\s-]+prio(?:rity)?|normal[\\s-]+priority", [2, 3], 0.7],
    ["(?:lowest)[\\s-]+prio(?:rity)?", [4], 0.8],
    ["low(?:er)?[\\s-]+prio(?:rity)?|unimportant|not\\s+important", [3, 4], 0.85],
  ];
  for (const [source, levels, confidence] of words) {
    r.each(rx(`${source}(?:\\s+(?:tasks?|ones|items))?`), () => ({
      conditions: [priorityCondition(new Set(levels))],
      confidence,
    }));
  }
}

/** The first value of a list ("@a or @b, @c") and the rest, read from the list's tail. */
function listValues(first: string, tail: string, item: RegExp): string[] {
  return [first, ...[...tail.matchAll(item)].map((x) => x[1] ?? "")].filter(Boolean);
}

function labelConditions(labels: string[], op: "=" | "!=", any: boolean): Condition[] {
  const unique = [...new Set(labels.map((l) => l.toLowerCase()))];
  const items: Condition[] = unique
    .filter((l) => l.length <= 64)
    .map((value) => ({ field: "label", op, value }));
  if (any && items.length > 1) return [{ field: "or", items }];
  return items;
}

function readLabels(r: Reading): void {
  const more = new RegExp(`\\s*(?:,|/|or|and|&)\\s*@?(${WORD})`, "giu");
  const hasOr = (s: string) => /\bor\b|\//iu.test(s);
  r.each(
    new RegExp(
      `${B}(?:not|without|excluding|except|minus|but\\s+not)\\s+(?:(?:labell?ed|tagged)\\s+|(?:the\\s+)?(?:labels?|tags?)\\s+)?@(${WORD})${E}|${B}(?:not|without|excluding|except)\\s+(?:labell?ed|tagged|(?:the\\s+)?(?:labels?|tags?))\\s+(${WORD})${E}`,
      "giu",
    ),
    (m) => ({
      conditions: labelConditions([m[1] ?? m[2] ?? ""], "!=", false),
      confidence: 0.9,
    }),
  );
  r.each(
    new RegExp(
      `${B}(?:labell?ed|tagged|with\\s+(?:the\\s+)?(?:labels?|tags?)|under\\s+(?:the\\s+)?(?:label|tag))\\s+@?(${WORD})((?:\\s*(?:,|/|or|and|&)\\s*@?${WORD})*)${E}`,
      "giu",
    ),
    (m) => {
      const labels = listValues(m[1] ?? "", m[2] ?? "", more);
      return {
        conditions: labelConditions(labels, "=", hasOr(m[2] ?? "")),
        confidence: 0.95,
      };
    },
  );
  r.each(
    new RegExp(
      `(?<![^\\s(\\[{,;"'\\u201c\\u2018])@(${WORD})((?:\\s*(?:,|/|or)\\s*@${WORD})*)${E}`,
      "giu",
    ),
    (m) => ({
      conditions: labelConditions(
        listValues(m[1] ?? "", m[2] ?? "", new RegExp(`\\s*(?:,|/|or)\\s*@(${WORD})`, "giu")),
        "=",
        hasOr(m[2] ?? ""),
      ),
      confidence: 0.98,
    }),
  );
  r.each(rx("(?:no|without(?:\\s+any)?)\\s+(?:labels?|tags?)|unlabell?ed|untagged"), () => ({
    conditions: [],
    confidence: 0.3,
    note: "tasks without labels can't be searched for yet",
  }));
}

const projectKey = (name: string) =>
  name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[_\s]+/gu, " ")
    .trim();
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");

function readProjects(r: Reading, input: QueryInput): void {
  const projectFor = (name: string) => {
    const key = projectKey(name);
    const named = input.projects.filter((p) => projectKey(p.displayName) === key);
    // An archived project's tasks are still tasks: it may be searched.
    const pick = named.find((p) => !p.archived) ?? named[0];
    return pick ? `workspaces/${input.workspaceId}/projects/${pick.id}` : undefined;
  };
  const unknown = (name: string) => {
    r.notices.push(`no project named "${name.slice(0, 64)}" in this workspace: not filtered by it`);
    return { conditions: [], confidence: 0.4 };
  };
  const oneOrMany = (names: string[], op: "=" | "!=") => {
    const found = names.map((n) => ({ n, name: projectFor(n) }));
    for (const f of found.filter((x) => !x.name)) unknown(f.n);
    const items: Condition[] = found
      .filter((x): x is { n: string; name: string } => x.name !== undefined)
      .map((x) => ({ field: "project", op, value: x.name }));
    const conditions: Condition[] =
      op === "=" && items.length > 1 ? [{ field: "or", items }] : items;
    return { conditions, confidence: found.every((x) => x.name) ? 0.97 : 0.4 };
  };

  r.each(
    new RegExp(
      `${B}(?:not\\s+in|outside(?:\\s+of)?|except(?:\\s+in)?|excluding|but\\s+not(?:\\s+in)?)\\s+#(${WORD})${E}`,
      "giu",
    ),
    (m) => oneOrMany([m[1] ?? ""], "!="),
  );
  r.each(
    new RegExp(
      `(?<![^\\s(\\[{,;"'\\u201c\\u2018])#(${WORD})((?:\\s*(?:,|/|or)\\s*#${WORD})*)${E}`,
      "giu",
    ),
    (m) => {
      if (!/\p{L}/u.test(m[1] ?? "")) return undefined; // "#12" is a ticket number
      const names = listValues(
        m[1] ?? "",
        m[2] ?? "",
        new RegExp(`\\s*(?:,|/|or)\\s*#(${WORD})`, "giu"),
      );
      return oneOrMany(names, "=");
    },
  );
  r.each(
    rx(
      "inbox|in\\s+the\\s+inbox|(?:no|without(?:\\s+a)?)\\s+project|not\\s+in\\s+(?:a|any)\\s+project",
    ),
    () => ({ conditions: [{ field: "project", op: "=", value: null }], confidence: 0.9 }),
  );
  // Project names as written: "in Home Renovation", "the Work project". Longest names first,
  // so "Work" doesn't take the first word of "Work Trips".
  const byLength = [...input.projects].sort((a, b) => b.displayName.length - a.displayName.length);
  for (const project of byLength) {
    const words = project.displayName
      .trim()
      .split(/[\s_]+/u)
      .filter(Boolean)
      .map(escapeRegex);
    if (words.length === 0 || words.join("").length > 200) continue;
    const name = words.join("[\\s_]+");
    r.each(
      rx(
        `(?:not\\s+in|outside(?:\\s+of)?)\\s+(?:the\\s+)?(?:project\\s+)?${name}(?:\\s+project)?|((?:in|from|for|under|of)\\s+(?:the\\s+)?(?:project\\s+)?${name}(?:\\s+project)?|(?:the\\s+)?project\\s+${name}|${name}\\s+project)`,
      ),
      (m) => {
        const value = projectFor(project.displayName);
        if (!value) return undefined;
        const op = m[1] === undefined ? "!=" : "=";
        return { conditions: [{ field: "project", op, value }], confidence: 0.85 };
      },
    );
  }
  // "in project X" naming no project: say so rather than search everything.
  r.each(
    new RegExp(
      `${B}(?:(?:in|from|for|under)\\s+(?:the\\s+)?project\\s+(${WORD})|(?:in|from|for|under)\\s+(?:the\\s+)?(${WORD})\\s+project)${E}`,
      "giu",
    ),
    (m) => unknown(m[1] ?? m[2] ?? ""),
  );
}

function readAssignee(r: Reading, user: string): void {
  r.each(rx("assigned\\s+to\\s+(?:me|myself)|my\\s+assigned"), () => ({
    conditions: [{ field: "assignee", op: "=", value: user }],
    confidence: 0.95,
  }));
  r.each(
    rx(
      "unassigned|not\\s+assigned(?:\\s+to\\s+any(?:one|body))?|assigned\\s+to\\s+(?:no\\s*one|nobody)",
    ),
    () => ({ conditions: [{ field: "assignee", op: "=", value: null }], confidence: 0.9 }),
  );
  r.each(
    new RegExp(`${B}(not\\s+)?assigned\\s+to\\s+@?([A-Za-z0-9][A-Za-z0-9._:|@+-]{0,127})`, "giu"),
    (m) => ({
      conditions: [{ field: "assignee", op: m[1] ? "!=" : "=", value: m[2] ?? "" }],
      confidence: 0.9,
    }),
  );
}

function readQuoted(r: Reading): void {
  r.each(/"([^"\n]{1,200})"|\u201c([^\u201d\n]{1,200})\u201d/gu, (m) => {
    const value = (m[1] ?? m[2] ?? "").trim();
    if (!value) return undefined;
    return { conditions: [{ field: "text", value }], confidence: 0.95 };
  });
}

/** Words that end an "about ..." phrase: the start of another part of the question. */
const PHRASE_END = new Set(
  (
    "due by before after until till since on in for with labelled labeled tagged this next today " +
    "tomorrow and or that which assigned sorted ordered overdue from within between"
  ).split(" "),
);

function readAbout(r: Reading): void {
  r.each(
    rx(
      "about|containing|mentioning|regarding|titled|called|named|with\\s+(?:the\\s+)?(?:words?|text|title)",
    ),
    (m) => {
      const after = r.scan.slice(m.index + m[0].length);
      const words: string[] = [];
      let end = m.index + m[0].length;
      const wordPattern = /^(\s+)([\p{L}\p{N}][\p{L}\p{N}'\u2019_.-]*)/u;
      let rest = after;
      for (let i = 0; i < 4; i++) {
        const w = wordPattern.exec(rest);
        if (!w?.[2] || PHRASE_END.has(w[2].toLowerCase()) || /^p[1-4]$/iu.test(w[2])) break;
        words.push(w[2]);
        end += w[0].length;
        rest = rest.slice(w[0].length);
      }
      if (words.length === 0) return undefined;
      const value = words.join(" ").replace(/[.,;:!?]+$/u, "");
      const start = m.index;
      r.take(start, end, { conditions: [{ field: "text", value }], confidence: 0.8 });
      return undefined;
    },
  );
}

const OPS: [RegExp, Comparison][] = [
  [/(?:before|earlier\s+than|prior\s+to)\s*$/iu, "<"],
  [/(?:after|later\s+than)\s*$/iu, ">"],
  [/(?:since|from|starting|on\s+or\s+after)\s*$/iu, ">="],
  [/(?:by|until|till|til|no\s+later\s+than|on\s+or\s+before|up\s+to)\s*$/iu, "<="],
];

/** One date phrase in `scan[from, to)`, read by the quick-add parser, or undefined. */
function readDateIn(
  scan: string,
  from: number,
  to: number,
  input: QueryInput,
): { start: number; end: number; date: string; confidence: number } | undefined {
  const piece = scan.slice(from, to);
  if (piece.trim() === "") return undefined;
  let draft: ReturnType<typeof parseQuickAdd>;
  try {
    draft = parseQuickAdd({
      text: piece,
      referenceTime: input.referenceTime,
      timeZone: input.timeZone,
    });
  } catch {
    return undefined;
  }
  const used = draft.elements.filter((e) => e.kind === "due" && e.value !== KEPT_IN_TITLE);
  if (!draft.due || used.length === 0) return undefined;
  const start = Math.min(...used.map((e) => e.start));
  const end = Math.max(...used.map((e) => e.end));
  const confidence = Math.min(...used.map((e) => e.confidence));
  return { start: from + start, end: from + end, date: draft.due.date, confidence };
}

function readDates(r: Reading, input: QueryInput): void {
  r.each(
    new RegExp(
      `${B}(?:due\\s+)?between\\s+(.+?)\\s+and\\s+(.+?)(?=$|[,.?!;]|\\s+(?:in|with|labell?ed|tagged|for|assigned|sorted)${E})`,
      "giud",
    ),
    (m) => {
      const [a, b] = (m as RegExpExecArray & { indices: [number, number][] }).indices.slice(1);
      if (!a || !b) return undefined;
      const first = readDateIn(r.scan, a[0], a[1], input);
      const second = readDateIn(r.scan, b[0], b[1], input);
      if (!first || !second) return undefined;
      const [lo, hi] = first.date <= second.date ? [first, second] : [second, first];
      return {
        conditions: [
          { field: "due", op: ">=", value: lo.date },
          { field: "due", op: "<=", value: hi.date },
        ],
        confidence: Math.min(first.confidence, second.confidence, 0.9),
      };
    },
  );
  // Then single dates, one at a time, until none is left.
  for (let i = 0; i < 4; i++) {
    const found = readDateIn(r.scan, 0, r.scan.length, input);
    if (!found) return;
    let start = found.start;
    let op: Comparison = "=";
    const before = r.scan.slice(0, start);
    for (const [pattern, comparison] of OPS) {
      const m = pattern.exec(before);
      if (m) {
        op = comparison;
        start = m.index;
        break;
      }
    }
    // The quick-add parser keeps "by"/"due"/"on" with its date: read the operator from there.
    const lead = /^(?:due\s+)?(by|until|till|before|after|since|from)\s/iu.exec(
      r.text.slice(found.start, found.end),
    );
    if (lead?.[1] && op === "=") {
      op = (OPS.find(([p]) => p.test(`${lead[1]} `))?.[1] ?? "=") as Comparison;
    }
    r.take(start, found.end, {
      conditions: [{ field: "due", op, value: found.date }],
      confidence: found.confidence,
    });
  }
}

function leftoverWords(r: Reading): { words: string[]; start: number; end: number } {
  const words: string[] = [];
  let start = -1;
  let end = -1;
  for (const m of r.scan.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'\u2019_.-]*/gu)) {
    const word = m[0].replace(/[.'\u2019-]+$/u, "");
    const lower = word.toLowerCase().replace(/['\u2019]s$/u, "");
    if (STOPWORDS.has(lower) || STOPWORDS.has(word.toLowerCase())) continue;
    words.push(word);
    if (start < 0) start = m.index;
    end = m.index + m[0].length;
  }
  return { words, start, end };
}

/** Reads a question into a ListTasks filter and order (see the module comment). */
export function parseTaskQuery(input: QueryInput): TaskQuery {
  const { today } = checkInput(input);
  const r = new Reading(input.text);

  readQuoted(r);
  readOrder(r);
  readState(r);
  r.each(rx("overdue|past[\\s-]+due|late|behind(?:\\s+schedule)?"), () => ({
    conditions: [{ field: "due", op: "<", value: day(today) }],
    confidence: 0.95,
  }));
  r.each(
    rx(
      "(?:with\\s+no|without(?:\\s+a)?|no|missing(?:\\s+a)?|lacking(?:\\s+a)?)\\s+(?:due\\s+dates?|deadlines?|dates?|due)|undated|unscheduled",
    ),
    () => ({ conditions: [{ field: "due", op: "=", value: null }], confidence: 0.9 }),
  );
  r.each(rx("with\\s+(?:a\\s+)?(?:due\\s+dates?|deadlines?)|scheduled|dated"), () => ({
    conditions: [{ field: "due", op: "!=", value: null }],
    confidence: 0.85,
  }));
  readRanges(r, today);
  readPriorities(r);
  readLabels(r);
  readProjects(r, input);
  readAssignee(r, input.user);
  readAbout(r);
  const mentionsDue = /(?<![\p{L}\p{N}_])(?:due|deadlines?)(?![\p{L}\p{N}_])/iu.test(r.scan);
  readDates(r, input);

  let { words, start, end } = leftoverWords(r);
  const recognised = r.terms.some((t) => t.conditions.length > 0 || t.orderBy);
  const terms: QueryTerm[] = [];
  const conditions: Condition[] = [];
  if (!recognised && words.length > 0 && words.length <= 5) {
    // Nothing but a few words: search titles for them.
    const value = input.text.slice(start, end).replace(/\s+/gu, " ").trim().slice(0, 200);
    r.take(start, end, { conditions: [{ field: "text", value }], confidence: 0.5 });
    words = [];
  }
  if (mentionsDue && !r.hasDue) {
    r.terms.push({
      start: 0,
      end: 0,
      conditions: [{ field: "due", op: "!=", value: null }],
      confidence: 0.7,
    });
  }
  const overdue = r.terms.some((t) =>
    t.conditions.some((c) => c.field === "due" && c.op === "<" && c.value === day(today)),
  );
  if (!r.hasState) {
    r.terms.push({
      start: 0,
      end: 0,
      conditions: [{ field: "state", op: "=", value: "OPEN" }],
      confidence: overdue ? 0.95 : 0.9,
      setsState: true,
    });
  }

  let orderBy = "";
  for (const term of [...r.terms].sort((a, b) => a.start - b.start || a.end - b.end)) {
    conditions.push(...term.conditions);
    if (term.orderBy && !orderBy) orderBy = term.orderBy;
    if (term.note) r.notices.push(term.note);
    const condition = term.orderBy
      ? `order_by ${term.orderBy}`
      : term.conditions.length > 0
        ? term.conditions.map(renderCondition).join(" AND ")
        : (term.note ?? "");
    terms.push({
      start: term.start,
      end: term.end,
      text: input.text.slice(term.start, term.end),
      condition,
      confidence: term.confidence,
    });
  }
  if (!orderBy) orderBy = "due";

  const { filter, dropped } = renderFilter(conditions);
  if (dropped > 0) {
    r.notices.push(`${dropped} condition(s) left out: a filter holds at most 50 comparisons`);
  }
  if (words.length > 0) {
    const shown = words.slice(0, 8).map((w) => `"${w.slice(0, 40)}"`);
    r.notices.push(
      `ignored: ${shown.join(", ")}${words.length > 8 ? ` and ${words.length - 8} more` : ""}`,
    );
  }
  const base = Math.min(1, ...r.terms.map((t) => t.confidence));
  const confidence = Math.max(0.1, base * 0.85 ** Math.min(words.length, 10));
  return {
    filter,
    orderBy,
    terms,
    notices: r.notices,
    confidence: Math.round(confidence * 1000) / 1000,
  };
}
