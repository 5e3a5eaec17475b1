import { describe, expect, it } from "vitest";
import { dueOf, parse } from "./test-helpers.js";
import { KEPT_IN_TITLE } from "./types.js";

describe("conservative rules", () => {
  it("reads no dates out of words inside other words", () => {
    for (const text of [
      "Mark the report as done",
      "Decide on vendor",
      "Check the Monday.com board",
      "Marching band practice",
      "Mayday drill",
      "Visit Augusta",
      "Sundays are for rest",
    ]) {
      const draft = parse(text);
      expect(draft.due, text).toBeNull();
      expect(draft.title, text).toBe(text);
    }
  });

  it("reads no dates from numbers that are part of the title", () => {
    for (const text of [
      "Read 1984",
      "Buy 2 apples",
      "Call 3 clients",
      "Buy 12 eggs",
      "Read chapter 11",
      "Version 2.5 release",
      "Pay 9.30 for parking",
      "Score 3-1 game recap",
      "Plan Sam's 30th birthday party",
      "Go to the 2nd floor",
      "Order 3 pizzas for 8 people",
    ]) {
      const draft = parse(text);
      expect(draft.due, text).toBeNull();
      expect(draft.title, text).toBe(text);
    }
    expect(parse("Watch Apollo 13 tonight")).toMatchObject({ title: "Watch Apollo 13" });
    expect(dueOf(parse("Watch Apollo 13 tonight"))).toBe("2026-03-11T20:00");
    expect(parse("Buy 12 eggs tomorrow").title).toBe("Buy 12 eggs");
    expect(parse("Room 101 meeting at 5pm").title).toBe("Room 101 meeting");
    expect(parse("Meet on the 3rd floor tomorrow").title).toBe("Meet on the 3rd floor");
  });

  it("keeps capitalised date words that are part of a name", () => {
    for (const text of [
      "Watch Friday Night Lights",
      "Watch Monday Night Football",
      "Black Friday shopping",
      "Buy Sun cream",
      "Sat exam prep",
    ]) {
      const draft = parse(text);
      expect(draft.due, text).toBeNull();
      expect(draft.title, text).toBe(text);
    }
    expect(dueOf(parse("Call mom Friday"))).toBe("2026-03-13");
    expect(dueOf(parse("Call Mom On Friday At 5PM"))).toBe("2026-03-13T17:00");
  });

  it('needs date context for "sun", "sat" and "wed"', () => {
    expect(parse("Lie in the sun").due).toBeNull();
    expect(parse("Sat down with Jim").due).toBeNull();
    expect(dueOf(parse("Picnic on sun"))).toBe("2026-03-15");
    expect(dueOf(parse("Picnic next sat"))).toBe("2026-03-14");
    expect(dueOf(parse("Gym sat at 10am"))).toBe("2026-03-14T10:00");
  });

  it("a bare part of the day is not a date", () => {
    expect(parse("Morning run")).toMatchObject({ due: null, title: "Morning run" });
    expect(parse("Movie night tonight with Ben").title).toBe("Movie night with Ben");
    expect(parse("Good night call").due).toBeNull();
  });

  it("possessives are names of things, not dates", () => {
    expect(parse("Prepare for tomorrow's meeting").due).toBeNull();
    expect(parse("Friday's meeting notes").due).toBeNull();
  });

  it("does not read slash dates, whose order depends on the locale", () => {
    expect(parse("Meet 12/03").due).toBeNull();
  });

  it('reports "May" as a name or a month, and prefers the name', () => {
    const draft = parse("Call May about the lease");
    expect(draft.due).toBeNull();
    expect(draft.title).toBe("Call May about the lease");
    const note = draft.elements.find((e) => e.text === "May");
    expect(note).toMatchObject({ kind: "due", value: KEPT_IN_TITLE });
    expect(note?.confidence).toBeGreaterThan(0.5);
    expect(note?.alternatives[0]?.value).toMatch(/month/);
  });

  it('reports "March" and "Sun" alternatives too', () => {
    const march = parse("March in the parade on sunday");
    expect(march.title).toBe("March in the parade");
    expect(march.elements.some((e) => e.text === "March" && e.value === KEPT_IN_TITLE)).toBe(true);
    const sun = parse("Buy Sun cream").elements.find((e) => e.text === "Sun");
    expect(sun?.alternatives[0]?.value).toMatch(/weekday/);
    const picnic = parse("Picnic on sun").elements.find((e) => e.kind === "due");
    expect(picnic?.confidence).toBeLessThan(0.9);
    expect(picnic?.alternatives.length).toBeGreaterThan(0);
  });

  it("reads a month name with a day as a date, with the name reading as an alternative", () => {
    const draft = parse("Call May 5 about the lease");
    expect(dueOf(draft)).toBe("2026-05-05");
    const el = draft.elements.find((e) => e.kind === "due");
    expect(el?.alternatives).toEqual([{ value: "title word", confidence: 0.15 }]);
  });

  it('"at 5" without am/pm reads 1-6 as afternoon and says so', () => {
    const draft = parse("Call Bob at 5");
    expect(dueOf(draft)).toBe("2026-03-11T17:00");
    const el = draft.elements.find((e) => e.kind === "due");
    expect(el?.alternatives[0]?.value).toBe("05:00");
    expect(dueOf(parse("Meeting at 10"))).toBe("2026-03-11T10:00");
    expect(dueOf(parse("Wake up at 05:30"))).toBe("2026-03-12T05:30");
  });

  it("leaves a second date in the title", () => {
    const draft = parse("Move the meeting from monday to friday");
    expect(dueOf(draft)).toBe("2026-03-16");
    expect(draft.title).toContain("friday");
    expect(draft.elements.some((e) => e.text === "friday" && e.value === KEPT_IN_TITLE)).toBe(true);
  });

  it("ignores dates no calendar can hold", () => {
    expect(parse("Plan in 99999 years").due).toBeNull();
    expect(parse("Pay on 2026-02-30").due).toBeNull();
  });
});
