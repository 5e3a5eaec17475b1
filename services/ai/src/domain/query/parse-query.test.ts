import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import { quote, renderFilter } from "./conditions.js";
import { mayNameProject, parseTaskQuery, type QueryInput } from "./parse-query.js";

const ws = "0190a4c2-0000-7000-8000-000000000001";
const work = "0190a4c2-0000-7000-8000-0000000000aa";
const reno = "0190a4c2-0000-7000-8000-0000000000bb";
const old = "0190a4c2-0000-7000-8000-0000000000cc";
const projects = [
  { id: work, displayName: "Work", archived: false },
  { id: reno, displayName: "Home Renovation", archived: false },
  { id: old, displayName: "Old Stuff", archived: true },
];
const projectName = (id: string) => `workspaces/${ws}/projects/${id}`;

// 2026-11-27 is a Friday.
function ask(text: string, extra: Partial<QueryInput> = {}) {
  return parseTaskQuery({
    text,
    referenceTime: "2026-11-27T09:00:00",
    timeZone: "Europe/Berlin",
    workspaceId: ws,
    projects,
    user: "alice",
    ...extra,
  });
}

const filterOf = (text: string) => ask(text).filter;

describe("the issue's examples", () => {
  it("what's due this week in #Work?", () => {
    const q = ask("what's due this week in #Work?");
    expect(q.filter).toBe(
      `state = OPEN AND due >= "2026-11-23" AND due <= "2026-11-29" AND project = "${projectName(work)}"`,
    );
    expect(q.orderBy).toBe("due");
    expect(q.notices).toEqual([]);
    expect(q.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it("overdue p1 tasks", () => {
    const q = ask("overdue p1 tasks");
    expect(q.filter).toBe('state = OPEN AND due < "2026-11-27" AND priority = 1');
    const overdue = q.terms.find((t) => t.text === "overdue");
    expect(overdue).toMatchObject({ start: 0, end: 7, condition: 'due < "2026-11-27"' });
    expect(q.terms.find((t) => t.text === "p1")?.condition).toBe("priority = 1");
  });

  it("everything labelled @errands", () => {
    expect(filterOf("everything labelled @errands")).toBe('state = OPEN AND label = "errands"');
  });
});

describe("dates", () => {
  it.each([
    ["due today", 'due = "2026-11-27"'],
    ["due tomorrow", 'due = "2026-11-28"'],
    ["what was due yesterday", 'due = "2026-11-26"'],
    ["due next week", 'due >= "2026-11-30" AND due <= "2026-12-06"'],
    ["due last week", 'due >= "2026-11-16" AND due <= "2026-11-22"'],
    ["due this weekend", 'due >= "2026-11-28" AND due <= "2026-11-29"'],
    ["due next weekend", 'due >= "2026-12-05" AND due <= "2026-12-06"'],
    ["due this month", 'due >= "2026-11-01" AND due <= "2026-11-30"'],
    ["due next month", 'due >= "2026-12-01" AND due <= "2026-12-31"'],
    ["due this year", 'due >= "2026-01-01" AND due <= "2026-12-31"'],
    ["due in the next 3 days", 'due >= "2026-11-27" AND due <= "2026-11-30"'],
    ["within two weeks", 'due >= "2026-11-27" AND due <= "2026-12-11"'],
    ["the past 7 days", 'due >= "2026-11-20" AND due <= "2026-11-27"'],
    ["due the rest of the week", 'due >= "2026-11-27" AND due <= "2026-11-29"'],
    ["upcoming", 'due >= "2026-11-27" AND due <= "2026-12-04"'],
    ["due before dec 3", 'due < "2026-12-03"'],
    ["due by dec 3", 'due <= "2026-12-03"'],
    ["due after dec 3", 'due > "2026-12-03"'],
    ["due since monday", 'due >= "2026-11-30"'],
    ["due on dec 3", 'due = "2026-12-03"'],
    ["due next friday", 'due = "2026-12-04"'],
    ["due in 3 days", 'due = "2026-11-30"'],
    ["due 2026-12-24", 'due = "2026-12-24"'],
    ["due between dec 3 and dec 10", 'due >= "2026-12-03" AND due <= "2026-12-10"'],
    ["due between dec 10 and dec 3", 'due >= "2026-12-03" AND due <= "2026-12-10"'],
    ["due by end of month", 'due <= "2026-11-30"'],
    ["tasks without a due date", "due = NULL"],
    ["undated tasks", "due = NULL"],
    ["tasks with a deadline", "due != NULL"],
    ["what's due?", "due != NULL"],
  ])("%s → %s", (text, condition) => {
    expect(filterOf(text)).toBe(`state = OPEN AND ${condition}`);
  });

  it("counts weeks from Monday, also on a Sunday", () => {
    expect(ask("this week", { referenceTime: "2026-11-29T20:00:00" }).filter).toBe(
      'state = OPEN AND due >= "2026-11-23" AND due <= "2026-11-29"',
    );
    expect(ask("the weekend", { referenceTime: "2026-11-29T20:00:00" }).filter).toBe(
      'state = OPEN AND due = "2026-11-29"',
    );
  });
});

describe("state", () => {
  it.each([
    ["done tasks this week", "state = DONE"],
    ["completed", "state = DONE"],
    ["what did I finish", "state = DONE"],
    ["cancelled tasks", "state = CANCELLED"],
    ["unfinished tasks", "state = OPEN"],
    ["not done yet", "state = OPEN"],
  ])("%s → %s", (text, condition) => {
    expect(filterOf(text)).toContain(condition);
  });

  it("asks about open tasks unless told otherwise, and any state when told so", () => {
    expect(ask("tasks labelled @x").terms.find((t) => t.start === 0 && t.end === 0)).toMatchObject({
      condition: "state = OPEN",
    });
    expect(filterOf("tasks labelled @x in any state")).toBe('label = "x"');
    expect(filterOf("@x including done ones")).toBe('label = "x"');
  });
});

describe("priority", () => {
  it.each([
    ["p1", "priority = 1"],
    ["p1 or p2", "priority <= 2"],
    ["p3/p4", "priority >= 3"],
    ["p1 or p3", "(priority = 1 OR priority = 3)"],
    ["priority 2", "priority = 2"],
    ["!!1 tasks", "priority = 1"],
    ["urgent tasks", "priority = 1"],
    ["high priority", "priority <= 2"],
    ["important stuff", "priority <= 2"],
    ["low priority", "priority >= 3"],
    ["tasks with no priority", "priority = 4"],
  ])("%s → %s", (text, condition) => {
    expect(filterOf(text)).toBe(`state = OPEN AND ${condition}`);
  });
});

describe("labels, projects, assignees, text", () => {
  it.each([
    ["@home or @errands", '(label = "home" OR label = "errands")'],
    ["@home @errands", 'label = "home" AND label = "errands"'],
    ["tagged waiting", 'label = "waiting"'],
    ["with the label Errands", 'label = "errands"'],
    ["not labelled @waiting", 'label != "waiting"'],
    ["without @someday", 'label != "someday"'],
    ["#work", `project = "${projectName(work)}"`],
    ["in Home Renovation", `project = "${projectName(reno)}"`],
    ["in the home renovation project", `project = "${projectName(reno)}"`],
    ["#Home_Renovation", `project = "${projectName(reno)}"`],
    ["not in #Work", `project != "${projectName(work)}"`],
    [
      "#Work or #Home_Renovation",
      `(project = "${projectName(work)}" OR project = "${projectName(reno)}")`,
    ],
    ["in the Old Stuff project", `project = "${projectName(old)}"`],
    ["in the inbox", "project = NULL"],
    ["tasks without a project", "project = NULL"],
    ["assigned to me", 'assignee = "alice"'],
    ["assigned to bob", 'assignee = "bob"'],
    ["unassigned tasks", "assignee = NULL"],
    ['tasks called "tax return"', 'text = "tax return"'],
    [
      "tasks about the quarterly report due tomorrow",
      'due = "2026-11-28" AND text = "the quarterly report"',
    ],
  ])("%s → %s", (text, condition) => {
    expect(filterOf(text)).toBe(`state = OPEN AND ${condition}`);
  });

  it("reports a project it doesn't know instead of searching everything", () => {
    const q = ask("what's due today in #Nowhere");
    expect(q.filter).toBe('state = OPEN AND due = "2026-11-27"');
    expect(q.notices).toEqual(['no project named "Nowhere" in this workspace: not filtered by it']);
    expect(q.confidence).toBeLessThanOrEqual(0.4);
    expect(ask("in project Foo").notices[0]).toContain('"Foo"');
  });

  it("says it can't search for tasks without labels", () => {
    expect(ask("tasks without labels").notices).toEqual([
      "tasks without labels can't be searched for yet",
    ]);
  });
});

describe("order", () => {
  it.each([
    ["by priority", "priority"],
    ["most urgent first", "priority"],
    ["sorted by due date", "due"],
    ["newest first", "create_time desc"],
    ["oldest", "create_time"],
    ["recently updated", "update_time desc"],
    ["latest due first", "due desc"],
    ["@x", "due"],
  ])("%s → order_by %s", (text, orderBy) => {
    expect(ask(text).orderBy).toBe(orderBy);
  });
});

describe("leftovers", () => {
  it("searches titles for a few words when nothing else was recognised", () => {
    const q = ask("dentist");
    expect(q.filter).toBe('state = OPEN AND text = "dentist"');
    expect(q.confidence).toBe(0.5);
  });

  it("reports words it ignored and lowers its confidence", () => {
    const q = ask("p1 tasks for the flibbertigibbet");
    expect(q.filter).toBe("state = OPEN AND priority = 1");
    expect(q.notices).toEqual(['ignored: "flibbertigibbet"']);
    expect(q.confidence).toBeLessThan(0.9);
  });

  it("maps every term back to the words it came from", () => {
    const text = "overdue @errands in #Work by priority";
    for (const term of ask(text).terms) {
      expect(text.slice(term.start, term.end)).toBe(term.text);
    }
  });
});

describe("input", () => {
  const invalid = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      if (e instanceof InvalidInputError) return e.violations.map((v) => v.field);
      throw e;
    }
    throw new Error("expected an InvalidInputError");
  };

  it("refuses empty, too long, unknown zones and bad reference times, naming the field", () => {
    expect(invalid(() => ask(""))).toEqual(["query"]);
    expect(invalid(() => ask(" \u0000\t "))).toEqual(["query"]);
    expect(invalid(() => ask("a".repeat(2001)))).toEqual(["query"]);
    expect(invalid(() => ask("today", { timeZone: "Mars/Olympus" }))).toEqual(["time_zone"]);
    expect(invalid(() => ask("today", { referenceTime: "2026-02-30T00:00:00" }))).toEqual([
      "reference_time",
    ]);
  });

  it("knows when a question may name a project", () => {
    expect(mayNameProject("#Work")).toBe(true);
    expect(mayNameProject("due in Home Renovation")).toBe(true);
    expect(mayNameProject("overdue p1")).toBe(false);
  });

  it("reads any Unicode without failing, and always writes a filter core can parse", () => {
    const text = fc.string({ unit: "binary", maxLength: 300 });
    const mixed = fc
      .array(
        fc.oneof(
          text,
          fc.constantFrom(
            "@errands",
            "#Work",
            "p1",
            "overdue",
            "due friday",
            "\u202e",
            "\u0000",
            '"',
            "\\",
            "🎉",
            "שלום",
            "next 3 days",
            "between",
            "and",
          ),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(" "));
    fc.assert(
      fc.property(mixed, (question) => {
        if (question.replace(/\p{Cc}/gu, " ").trim() === "" || question.length > 2000) return;
        const q = ask(question);
        expect(q.filter.length).toBeLessThanOrEqual(2048);
        expect(q.filter).not.toContain("\u0000");
        expect(q.confidence).toBeGreaterThan(0);
        expect(q.confidence).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe("filters", () => {
  it("quotes values, escaping quotes and backslashes, dropping NUL", () => {
    expect(quote('say "hi" \\ bye\u0000')).toBe('"say \\"hi\\" \\\\ bye"');
  });

  it("leaves out conditions beyond core's limits and says how many", () => {
    const labels = Array.from({ length: 60 }, (_, i) => ({
      field: "label" as const,
      op: "=" as const,
      value: `l${i}`,
    }));
    const { filter, dropped } = renderFilter(labels);
    expect(dropped).toBe(10);
    expect(filter.split(" AND ")).toHaveLength(50);
    const many = ask(Array.from({ length: 60 }, (_, i) => `@l${i}`).join(" "));
    expect(many.notices.some((n) => n.includes("left out"))).toBe(true);
  });
});
