import { isCalendarDate } from "./due.js";
import { InvalidInputError } from "./errors.js";
import { parseChildName } from "./names.js";

// The `filter` and `order_by` of ListTasks: an AIP-160 subset, parsed and checked here;
// the database adapter turns the tree into SQL.

export type FilterField = "state" | "priority" | "label" | "project" | "assignee" | "due" | "text";
export type Operator = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":";

export type FilterNode =
  | { kind: "and"; items: FilterNode[] }
  | { kind: "or"; items: FilterNode[] }
  | { kind: "not"; item: FilterNode }
  | { kind: "state"; op: "=" | "!="; value: "OPEN" | "DONE" | "CANCELLED" }
  | { kind: "priority"; op: Exclude<Operator, ":">; value: number }
  | { kind: "label"; op: "=" | "!="; value: string }
  | { kind: "project"; op: "=" | "!="; value: string | null }
  | { kind: "assignee"; op: "=" | "!="; value: string | null }
  | { kind: "due"; op: Exclude<Operator, ":">; value: string | null }
  | { kind: "text"; value: string };

type Token =
  | { t: "word"; v: string }
  | { t: "string"; v: string }
  | { t: "op"; v: Operator }
  | { t: "("; v: "(" }
  | { t: ")"; v: ")" };

const limits = { terms: 50, depth: 12 };
const fail = (description: string) => InvalidInputError.field("filter", description);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      tokens.push({ t: c, v: c } as Token);
      i++;
    } else if (c === '"') {
      let value = "";
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === "\\" && i + 1 < input.length) i++;
        value += input[i];
        i++;
      }
      if (i >= input.length) throw fail("unterminated string");
      // PostgreSQL text can't hold NUL: refuse it here rather than fail in the query.
      if (value.includes("\u0000")) throw fail("strings can't contain NUL characters");
      tokens.push({ t: "string", v: value });
      i++;
    } else {
      const op = /^(<=|>=|!=|=|<|>|:)/.exec(input.slice(i));
      if (op?.[1]) {
        tokens.push({ t: "op", v: op[1] as Operator });
        i += op[1].length;
        continue;
      }
      const word = /^[A-Za-z0-9_.\-/@|+]+/.exec(input.slice(i));
      if (!word) throw fail(`unexpected character at position ${i + 1}`);
      tokens.push({ t: "word", v: word[0] });
      i += word[0].length;
    }
  }
  return tokens;
}

function comparison(field: string, op: Operator, raw: Token): FilterNode {
  const value = raw.v;
  const isNull = raw.t === "word" && value.toUpperCase() === "NULL";
  const equality = (o: Operator): "=" | "!=" => {
    if (o === "=" || o === ":") return "=";
    if (o === "!=") return "!=";
    throw fail(`${field} supports only = and !=`);
  };
  const ordered = (o: Operator) => (o === ":" ? "=" : o) as Exclude<Operator, ":">;
  switch (field) {
    case "state": {
      const state = value.toUpperCase().replace(/^TASK_STATE_/, "");
      if (state !== "OPEN" && state !== "DONE" && state !== "CANCELLED") {
        throw fail("state must be OPEN, DONE or CANCELLED");
      }
      return { kind: "state", op: equality(op), value: state };
    }
    case "priority": {
      const n = Number(value.toUpperCase().replace(/^(PRIORITY_)?P/, ""));
      if (!Number.isInteger(n) || n < 1 || n > 4) throw fail("priority must be 1-4 (or P1-P4)");
      return { kind: "priority", op: ordered(op), value: n };
    }
    case "label":
    case "labels":
      if (!value || value.length > 64) throw fail("label must be 1-64 characters");
      return { kind: "label", op: equality(op), value };
    case "project":
      if (isNull || value === "") return { kind: "project", op: equality(op), value: null };
      return {
        kind: "project",
        op: equality(op),
        value: parseChildName(value, "projects", "filter").id,
      };
    case "assignee":
      if (isNull || value === "") return { kind: "assignee", op: equality(op), value: null };
      return { kind: "assignee", op: equality(op), value };
    case "due": {
      if (isNull || value === "") {
        return { kind: "due", op: equality(op), value: null };
      }
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
        throw fail("due must be compared with a date, YYYY-MM-DD, or NULL");
      }
      return { kind: "due", op: ordered(op), value };
    }
    case "text":
    case "title":
      if (op !== "=" && op !== ":") throw fail("text supports only = and :");
      return { kind: "text", value };
    default:
      throw fail(
        `unknown field ${field.slice(0, 32)}; use state, priority, label, project, assignee, due or text`,
      );
  }
}

/** Parses an AIP-160 filter: AND binds loosest, then OR, then NOT; juxtaposition means AND. */
export function parseTaskFilter(input: string): FilterNode | undefined {
  const tokens = tokenize(input);
  if (tokens.length === 0) return undefined;
  let pos = 0;
  let terms = 0;
  const peek = () => tokens[pos];
  const isWord = (w: string) => {
    const t = peek();
    return t?.t === "word" && t.v === w;
  };

  const and = (depth: number): FilterNode => {
    if (depth > limits.depth) throw fail("nested too deeply");
    const items = [or(depth)];
    while (pos < tokens.length && peek()?.t !== ")") {
      if (isWord("AND")) pos++;
      items.push(or(depth));
    }
    return items.length === 1 ? (items[0] as FilterNode) : { kind: "and", items };
  };
  const or = (depth: number): FilterNode => {
    const items = [unary(depth)];
    while (isWord("OR")) {
      pos++;
      items.push(unary(depth));
    }
    return items.length === 1 ? (items[0] as FilterNode) : { kind: "or", items };
  };
  const unary = (depth: number): FilterNode => {
    if (isWord("NOT")) {
      pos++;
      return { kind: "not", item: unary(depth) };
    }
    const t = peek();
    if (t?.t === "word" && t.v.startsWith("-") && t.v.length > 1) {
      // `-label = "x"` is NOT.
      tokens[pos] = { t: "word", v: t.v.slice(1) };
      return { kind: "not", item: unary(depth) };
    }
    return primary(depth);
  };
  const primary = (depth: number): FilterNode => {
    const t = tokens[pos++];
    if (!t) throw fail("ends too early");
    if (++terms > limits.terms) throw fail(`at most ${limits.terms} terms`);
    if (t.t === "(") {
      const inner = and(depth + 1);
      if (tokens[pos++]?.t !== ")") throw fail("missing )");
      return inner;
    }
    if (t.t === "string") return { kind: "text", value: t.v };
    if (t.t !== "word") throw fail(`unexpected ${t.v}`);
    const op = tokens[pos];
    if (op?.t !== "op") throw fail(`expected an operator after ${t.v.slice(0, 32)}`);
    pos++;
    const value = tokens[pos++];
    if (!value || (value.t !== "word" && value.t !== "string"))
      throw fail(`expected a value after ${op.v}`);
    return comparison(t.v.toLowerCase(), op.v, value);
  };

  const tree = and(0);
  if (pos < tokens.length) throw fail("unbalanced )");
  return tree;
}

export type OrderField = "create_time" | "update_time" | "due" | "priority";
export interface TaskOrder {
  field: OrderField;
  descending: boolean;
}

export function parseTaskOrder(input: string): TaskOrder {
  const text = input.trim();
  if (!text) return { field: "create_time", descending: false };
  const match = /^(create_time|update_time|due|priority)(\s+(asc|desc))?$/i.exec(text);
  if (!match?.[1]) {
    throw InvalidInputError.field(
      "order_by",
      "must be one of create_time, update_time, due, priority, optionally followed by desc",
    );
  }
  return {
    field: match[1].toLowerCase() as OrderField,
    descending: match[3]?.toLowerCase() === "desc",
  };
}
