import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQuickAdd, QuickAddInputError } from "./index.js";
import { parse } from "./test-helpers.js";

function inputError(run: () => unknown): QuickAddInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof QuickAddInputError) return error;
    throw error;
  }
  throw new Error("expected a QuickAddInputError");
}

describe("input validation", () => {
  it("rejects empty and whitespace-only text", () => {
    for (const text of ["", "   ", "\t\n", "\u0000\u0001"]) {
      const error = inputError(() => parse(text));
      expect(error.field).toBe("text");
      expect(error.message).toMatch(/empty/);
    }
  });

  it("rejects text longer than 2,000 characters and accepts exactly 2,000", () => {
    expect(inputError(() => parse("a".repeat(2001))).field).toBe("text");
    expect(parse("a".repeat(2000)).title).toHaveLength(2000);
  });

  it("rejects unknown time zones, accepts IANA names and common aliases", () => {
    for (const timeZone of ["Mars/Olympus", "", "+01:00", "Europe/Berlinn", "not a zone"]) {
      expect(inputError(() => parse("Buy milk", "2026-03-11T10:00:00", timeZone)).field).toBe(
        "time_zone",
      );
    }
    for (const timeZone of ["UTC", "Etc/UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires"]) {
      expect(parse("Buy milk at 5pm", "2026-03-11T10:00:00", timeZone).due).toMatchObject({
        timeZone,
      });
    }
  });

  it("rejects malformed reference times", () => {
    for (const ref of [
      "",
      "2026-03-11",
      "2026-03-11 10:00:00",
      "2026-02-30T10:00:00",
      "2026-13-01T10:00:00",
      "2026-03-11T24:00:00",
      "2026-03-11T10:60:00",
      "2026-03-11T10:00:00Z",
      "yesterday",
    ]) {
      expect(inputError(() => parse("Buy milk", ref)).field).toBe("reference_time");
    }
  });

  it("accepts a reference time without seconds", () => {
    expect(parse("Buy milk tomorrow", "2026-03-11T10:00").due).toEqual({
      kind: "date",
      date: "2026-03-12",
    });
  });

  it("throws plain errors with a readable message", () => {
    const error = inputError(() =>
      parseQuickAdd({ text: "x", referenceTime: "x", timeZone: "UTC" }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("QuickAddInputError");
    expect(error.message.length).toBeGreaterThan(10);
  });
});

describe("any Unicode", () => {
  it("keeps emoji, right-to-left scripts and combining marks in the title", () => {
    expect(parse("🎂 Kuchen backen tomorrow").title).toBe("🎂 Kuchen backen");
    expect(parse("לקנות חלב tomorrow @בית").title).toBe("לקנות חלב");
    expect(parse("اتصل بأمي tomorrow").title).toBe("اتصل بأمي");
    expect(parse("Cafe\u0301 run tomorrow").title).toBe("Cafe\u0301 run");
  });

  it("turns control characters into spaces and lone surrogates into U+FFFD", () => {
    expect(parse("Buy\u0000milk\u0007 tomorrow").title).toBe("Buy milk");
    expect(parse("Fix \ud800 bug").title).toBe("Fix \ufffd bug");
    expect(parse("Fix \udc00\u202e bug tomorrow").due).not.toBeNull();
  });

  it("never throws anything but QuickAddInputError (property test)", () => {
    const words = fc.constantFrom(
      "every",
      "other",
      "friday",
      "tomorrow",
      "at",
      "5pm",
      "on the 15th",
      "@x",
      "#Y",
      "p1",
      "!!2",
      "for",
      "2h",
      "in",
      "3 weeks",
      "jan 5",
      "May",
      "urgent",
      "remind me to",
      "end of month",
      "this weekend",
      "sun",
      "feb 29",
      "in 99999 years",
      "every 31st",
      "2026-02-30",
    );
    const noise = fc.oneof(fc.string({ unit: "binary", maxLength: 6 }), words);
    const sentence = fc
      .array(noise, { minLength: 1, maxLength: 8 })
      .map((parts) => parts.join(" "));
    const reference = fc
      .record({
        year: fc.integer({ min: 1, max: 9999 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 28 }),
        hour: fc.integer({ min: 0, max: 23 }),
        minute: fc.integer({ min: 0, max: 59 }),
      })
      .map(
        (r) =>
          `${String(r.year).padStart(4, "0")}-${String(r.month).padStart(2, "0")}-${String(r.day).padStart(2, "0")}T${String(r.hour).padStart(2, "0")}:${String(r.minute).padStart(2, "0")}:00`,
      );
    fc.assert(
      fc.property(sentence, reference, (text, referenceTime) => {
        try {
          const draft = parseQuickAdd({ text, referenceTime, timeZone: "Europe/Berlin" });
          for (const el of draft.elements) {
            expect(el.start).toBeGreaterThanOrEqual(0);
            expect(el.end).toBeLessThanOrEqual(text.length);
            expect(el.text).toBe(text.slice(el.start, el.end));
            expect(el.confidence).toBeGreaterThanOrEqual(0);
            expect(el.confidence).toBeLessThanOrEqual(1);
          }
          if (draft.due) expect(draft.due.date).toMatch(/^\d{4}-\d\d-\d\d$/);
        } catch (error) {
          if (!(error instanceof QuickAddInputError)) throw error;
        }
      }),
      { numRuns: 1500, seed: 20260311 },
    );
  });
});
