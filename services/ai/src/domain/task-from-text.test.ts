import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import { parseQuickAdd } from "./quick-add/index.js";
import { checkDraftForCreate, resolveProject, sourceRecord } from "./task-from-text.js";

const projects = [
  { id: "a", displayName: "Home", archived: false },
  { id: "b", displayName: "Home Renovation", archived: false },
  { id: "c", displayName: "Old", archived: true },
  { id: "d", displayName: "Twin", archived: false },
  { id: "e", displayName: "twin", archived: false },
  { id: "f", displayName: "Ｗｉｄｅ", archived: false },
];

const draft = (text: string) =>
  parseQuickAdd({ text, referenceTime: "2026-11-27T09:00:00", timeZone: "Europe/Berlin" });

describe("resolveProject", () => {
  it.each([
    [null, "NONE", null],
    ["Home", "MATCHED", "a"],
    ["home", "MATCHED", "a"],
    ["HOME", "MATCHED", "a"],
    ["Home_Renovation", "MATCHED", "b"],
    ["Wide", "MATCHED", "f"],
    ["Old", "ARCHIVED", null],
    ["Twin", "AMBIGUOUS", null],
    ["Nowhere", "NOT_FOUND", null],
  ])("%s → %s", (name, resolution, projectId) => {
    expect(resolveProject(name, projects)).toEqual({ resolution, projectId });
  });
});

describe("checkDraftForCreate", () => {
  const problems = (text: string) => {
    try {
      checkDraftForCreate(draft(text));
      return [];
    } catch (e) {
      if (!(e instanceof InvalidInputError)) throw e;
      return e.violations;
    }
  };

  it("accepts what core accepts", () => {
    expect(problems("Pay rent every 1st p1 #Home @bills for 30 min")).toEqual([]);
  });

  it("answers about the sentence (`text`) when core would refuse the task", () => {
    expect(problems("tomorrow p1")).toEqual([
      { field: "text", description: expect.stringContaining("no title") },
    ]);
    expect(problems("x".repeat(501))[0]?.description).toContain("longer than 500");
    const labels = Array.from({ length: 21 }, (_, i) => `@l${i}`).join(" ");
    expect(problems(`Tidy up ${labels}`)[0]?.description).toContain("more than 20 labels");
    expect(problems(`Tidy up @${"l".repeat(65)}`)[0]?.description).toContain("longer than 64");
    // The parser reads at most a day; a draft from elsewhere is held to core's limit too.
    const long = { ...draft("Hike"), durationMinutes: 43_201 };
    expect(() => checkDraftForCreate(long)).toThrow(/duration outside/);
  });
});

describe("sourceRecord", () => {
  it("keeps the sentence, turning only the controls core can't store into spaces", () => {
    const record = sourceRecord(
      "a\u0000b\tc\nd\u0007e",
      "2026-11-27T09:00:00",
      "UTC",
      "quick-add/1",
    );
    expect(record).toEqual({
      text: "a b\tc\nd e",
      referenceTime: "2026-11-27T09:00:00",
      timeZone: "UTC",
      parserVersion: "quick-add/1",
    });
  });

  it("reads the same way after storing (the parse is reproducible)", () => {
    const text = "Call\u0001mom tomorrow\u0000p1";
    const stored = sourceRecord(text, "2026-11-27T09:00:00", "UTC", "quick-add/1").text;
    expect(draft(stored)).toEqual(draft(text));
  });
});
