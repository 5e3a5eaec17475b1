import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import { type FilterNode, parseTaskFilter, parseTaskOrder } from "./task-query.js";

const ws = "0190a000-0000-7000-8000-000000000001";
const projectId = "0190a000-0000-7000-8000-0000000000aa";

const open: FilterNode = { kind: "state", op: "=", value: "OPEN" };
const p1: FilterNode = { kind: "priority", op: "=", value: 1 };
const errands: FilterNode = { kind: "label", op: "=", value: "errands" };

/** The description of the INVALID_ARGUMENT `filter` raises; it always names the field `filter`. */
function filterError(filter: string): string {
  try {
    parseTaskFilter(filter);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    const violations = (e as InvalidInputError).violations;
    expect(violations).toHaveLength(1);
    expect(violations[0]?.field).toBe("filter");
    return violations[0]?.description ?? "";
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe("parseTaskFilter", () => {
  describe("empty filters", () => {
    it.each(["", " ", "\t\n "])("%j means no filter", (filter) => {
      expect(parseTaskFilter(filter)).toBeUndefined();
    });
  });

  describe("fields and operators", () => {
    it.each<[string, FilterNode]>([
      ["state = OPEN", open],
      ["state=OPEN", open],
      ["state : OPEN", open],
      ["state = open", open],
      ["STATE = OPEN", open],
      ["state = TASK_STATE_DONE", { kind: "state", op: "=", value: "DONE" }],
      ["state != CANCELLED", { kind: "state", op: "!=", value: "CANCELLED" }],
      ['state = "OPEN"', open],
      ["priority = 1", p1],
      ["priority = P1", p1],
      ["priority = p1", p1],
      ["priority = PRIORITY_P1", p1],
      ["priority : 1", p1],
      ["priority != 4", { kind: "priority", op: "!=", value: 4 }],
      ["priority < 3", { kind: "priority", op: "<", value: 3 }],
      ["priority <= 2", { kind: "priority", op: "<=", value: 2 }],
      ["priority > 2", { kind: "priority", op: ">", value: 2 }],
      ["priority >= P3", { kind: "priority", op: ">=", value: 3 }],
      ['label = "errands"', errands],
      ["label = errands", errands],
      ["labels = errands", errands],
      ["label : errands", errands],
      ["label != errands", { kind: "label", op: "!=", value: "errands" }],
      ['label = "with space"', { kind: "label", op: "=", value: "with space" }],
      ["project = NULL", { kind: "project", op: "=", value: null }],
      ["project = null", { kind: "project", op: "=", value: null }],
      ['project = ""', { kind: "project", op: "=", value: null }],
      ["project != NULL", { kind: "project", op: "!=", value: null }],
      [
        `project = workspaces/${ws}/projects/${projectId}`,
        { kind: "project", op: "=", value: projectId },
      ],
      [
        `project != "workspaces/${ws}/projects/${projectId}"`,
        { kind: "project", op: "!=", value: projectId },
      ],
      ["assignee = bob", { kind: "assignee", op: "=", value: "bob" }],
      ['assignee = "auth0|123"', { kind: "assignee", op: "=", value: "auth0|123" }],
      ["assignee = NULL", { kind: "assignee", op: "=", value: null }],
      ['assignee != ""', { kind: "assignee", op: "!=", value: null }],
      ['assignee = "NULL"', { kind: "assignee", op: "=", value: "NULL" }],
      ['due < "2026-12-01"', { kind: "due", op: "<", value: "2026-12-01" }],
      ["due <= 2024-02-29", { kind: "due", op: "<=", value: "2024-02-29" }],
      ["due > 2024-01-01", { kind: "due", op: ">", value: "2024-01-01" }],
      ["due >= 2024-01-01", { kind: "due", op: ">=", value: "2024-01-01" }],
      ["due = 2024-01-01", { kind: "due", op: "=", value: "2024-01-01" }],
      ["due : 2024-01-01", { kind: "due", op: "=", value: "2024-01-01" }],
      ["due != 2024-01-01", { kind: "due", op: "!=", value: "2024-01-01" }],
      ["due = NULL", { kind: "due", op: "=", value: null }],
      ["due != NULL", { kind: "due", op: "!=", value: null }],
      ['text = "milk"', { kind: "text", value: "milk" }],
      ["text : milk", { kind: "text", value: "milk" }],
      ["title : milk", { kind: "text", value: "milk" }],
      ['"buy milk"', { kind: "text", value: "buy milk" }],
      ['text = "say \\"hi\\" \\\\ back"', { kind: "text", value: 'say "hi" \\ back' }],
      ['""', { kind: "text", value: "" }],
    ])("%s", (filter, tree) => {
      expect(parseTaskFilter(filter)).toEqual(tree);
    });
  });

  describe("boolean structure", () => {
    it("AND joins terms", () => {
      expect(parseTaskFilter('state = OPEN AND priority = 1 AND label = "errands"')).toEqual({
        kind: "and",
        items: [open, p1, errands],
      });
    });

    it("juxtaposition means AND", () => {
      expect(parseTaskFilter("state = OPEN priority = 1")).toEqual({
        kind: "and",
        items: [open, p1],
      });
      expect(parseTaskFilter('state = OPEN AND priority = 1 "milk"')).toEqual({
        kind: "and",
        items: [open, p1, { kind: "text", value: "milk" }],
      });
    });

    it("OR binds tighter than AND (AIP-160)", () => {
      expect(parseTaskFilter("state = OPEN AND priority = 1 OR label = errands")).toEqual({
        kind: "and",
        items: [open, { kind: "or", items: [p1, errands] }],
      });
      expect(parseTaskFilter("priority = 1 OR label = errands AND state = OPEN")).toEqual({
        kind: "and",
        items: [{ kind: "or", items: [p1, errands] }, open],
      });
      expect(parseTaskFilter("priority = 1 OR label = errands state = OPEN")).toEqual({
        kind: "and",
        items: [{ kind: "or", items: [p1, errands] }, open],
      });
      expect(parseTaskFilter("state = OPEN OR priority = 1 OR label = errands")).toEqual({
        kind: "or",
        items: [open, p1, errands],
      });
    });

    it("NOT binds tightest", () => {
      expect(parseTaskFilter("NOT state = OPEN OR priority = 1")).toEqual({
        kind: "or",
        items: [{ kind: "not", item: open }, p1],
      });
      expect(parseTaskFilter("priority = 1 OR NOT state = OPEN")).toEqual({
        kind: "or",
        items: [p1, { kind: "not", item: open }],
      });
      expect(parseTaskFilter("NOT NOT state = OPEN")).toEqual({
        kind: "not",
        item: { kind: "not", item: open },
      });
      expect(parseTaskFilter("NOT (state = OPEN AND priority = 1)")).toEqual({
        kind: "not",
        item: { kind: "and", items: [open, p1] },
      });
    });

    it("a leading minus is NOT", () => {
      expect(parseTaskFilter("-label = errands")).toEqual({ kind: "not", item: errands });
      expect(parseTaskFilter("state = OPEN -label = errands")).toEqual({
        kind: "and",
        items: [open, { kind: "not", item: errands }],
      });
      expect(parseTaskFilter("--label = errands")).toEqual({
        kind: "not",
        item: { kind: "not", item: errands },
      });
    });

    it("parentheses group", () => {
      expect(parseTaskFilter("(state = OPEN OR priority = 1) AND label = errands")).toEqual({
        kind: "and",
        items: [{ kind: "or", items: [open, p1] }, errands],
      });
      expect(parseTaskFilter("state = OPEN AND (priority = 1 OR label = errands)")).toEqual({
        kind: "and",
        items: [open, { kind: "or", items: [p1, errands] }],
      });
      expect(parseTaskFilter("((state = OPEN))")).toEqual(open);
      expect(parseTaskFilter("(state=OPEN)(priority=1)")).toEqual({
        kind: "and",
        items: [open, p1],
      });
    });

    it("parses the example of the API documentation", () => {
      expect(
        parseTaskFilter(
          'state = OPEN AND due < "2026-12-01" AND (label = "errands" OR priority <= 2)',
        ),
      ).toEqual({
        kind: "and",
        items: [
          open,
          { kind: "due", op: "<", value: "2026-12-01" },
          { kind: "or", items: [errands, { kind: "priority", op: "<=", value: 2 }] },
        ],
      });
    });

    it("keywords are upper case; lower-case ones are plain words", () => {
      expect(filterError("state = OPEN and priority = 1")).toBe("expected an operator after and");
      expect(filterError("state = OPEN or priority = 1")).toBe("expected an operator after or");
    });
  });

  describe("errors", () => {
    it.each([
      ["state < OPEN", "state supports only = and !="],
      ["state = WAITING", "state must be OPEN, DONE or CANCELLED"],
      ["priority = 0", "priority must be 1-4 (or P1-P4)"],
      ["priority = 5", "priority must be 1-4 (or P1-P4)"],
      ["priority = 1.5", "priority must be 1-4 (or P1-P4)"],
      ["priority = high", "priority must be 1-4 (or P1-P4)"],
      ["priority = -1", "priority must be 1-4 (or P1-P4)"],
      ['priority = ""', "priority must be 1-4 (or P1-P4)"],
      ["label < x", "label supports only = and !="],
      ['label = ""', "label must be 1-64 characters"],
      [`label = ${"x".repeat(65)}`, "label must be 1-64 characters"],
      ["project = 42", "must be workspaces/{workspace}/projects/{id}"],
      [
        `project = workspaces/${ws}/tasks/${projectId}`,
        "must be workspaces/{workspace}/projects/{id}",
      ],
      ["project > NULL", "project supports only = and !="],
      ["assignee >= bob", "assignee supports only = and !="],
      ["due = tomorrow", "due must be compared with a date, YYYY-MM-DD, or NULL"],
      ["due = 2023-02-29", "due must be compared with a date, YYYY-MM-DD, or NULL"],
      ["due = 2024-13-01", "due must be compared with a date, YYYY-MM-DD, or NULL"],
      ['due < "2024-1-1"', "due must be compared with a date, YYYY-MM-DD, or NULL"],
      ["due < NULL", "due supports only = and !="],
      ["text != milk", "text supports only = and :"],
      ["title < milk", "text supports only = and :"],
      [
        "colour = red",
        "unknown field colour; use state, priority, label, project, assignee, due or text",
      ],
      [
        `${"f".repeat(100)} = 1`,
        `unknown field ${"f".repeat(32)}; use state, priority, label, project, assignee, due or text`,
      ],
      ['text = "milk', "unterminated string"],
      ['"', "unterminated string"],
      ["state = OPEN & priority = 1", "unexpected character at position 14"],
      ["state = OPEN; drop table", "unexpected character at position 13"],
      ["state", "expected an operator after state"],
      ["state OPEN", "expected an operator after state"],
      ["state =", "expected a value after ="],
      ["state = = OPEN", "expected a value after ="],
      ["state = (OPEN)", "expected a value after ="],
      ["NOT", "ends too early"],
      ["state = OPEN AND", "ends too early"],
      ["state = OPEN OR", "ends too early"],
      ["(state = OPEN", "missing )"],
      ["state = OPEN)", "unbalanced )"],
      ["(state = OPEN))", "unbalanced )"],
      [")", "unexpected )"],
      ["()", "unexpected )"],
      ["= OPEN", "unexpected ="],
      ["AND state = OPEN", "expected an operator after AND"],
    ])("%j: %s", (filter, description) => {
      expect(filterError(filter)).toBe(description);
    });
  });

  describe("limits", () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `priority = ${(i % 4) + 1}`);

    it("takes 50 terms, not 51", () => {
      const fifty = parseTaskFilter(terms(50).join(" AND "));
      expect(fifty?.kind === "and" && fifty.items.length).toBe(50);
      expect(filterError(terms(51).join(" AND "))).toBe("at most 50 terms");
      expect(filterError(terms(51).join(" OR "))).toBe("at most 50 terms");
    });

    it("counts parentheses as terms", () => {
      expect(filterError(`(${terms(50).join(" ")})`)).toBe("at most 50 terms");
    });

    it("takes 12 levels of parentheses, not 13", () => {
      const nest = (n: number) => `${"(".repeat(n)}state = OPEN${")".repeat(n)}`;
      expect(parseTaskFilter(nest(12))).toEqual(open);
      expect(filterError(nest(13))).toBe("nested too deeply");
    });
  });
});

describe("parseTaskOrder", () => {
  it.each([
    ["", { field: "create_time", descending: false }],
    ["   ", { field: "create_time", descending: false }],
    ["create_time", { field: "create_time", descending: false }],
    ["update_time desc", { field: "update_time", descending: true }],
    ["due", { field: "due", descending: false }],
    ["due asc", { field: "due", descending: false }],
    ["due   DESC", { field: "due", descending: true }],
    ["  PRIORITY Desc  ", { field: "priority", descending: true }],
  ])("%j → %o", (orderBy, order) => {
    expect(parseTaskOrder(orderBy)).toEqual(order);
  });

  it.each(["title", "due descending", "due desc, priority", "-due", "due,priority", "desc"])(
    "rejects %j",
    (orderBy) => {
      try {
        parseTaskOrder(orderBy);
        throw new Error("expected a rejection");
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        expect((e as InvalidInputError).violations).toEqual([
          {
            field: "order_by",
            description:
              "must be one of create_time, update_time, due, priority, optionally followed by desc",
          },
        ]);
      }
    },
  );
});
