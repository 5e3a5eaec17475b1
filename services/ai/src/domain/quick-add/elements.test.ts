import { describe, expect, it } from "vitest";
import { PARSER_VERSION } from "./index.js";
import { parse } from "./test-helpers.js";

describe("elements", () => {
  it("lists every part read, with UTF-16 offsets into the original text", () => {
    const text = "Remind me to pay rent every 1st of the month at 9am for 10 min p1 #Home @bills";
    const draft = parse(text);
    expect(draft.title).toBe("pay rent");
    const kinds = draft.elements.map((e) => e.kind);
    expect(kinds).toEqual([
      "lead_in",
      "recurrence",
      "due",
      "duration",
      "priority",
      "project",
      "label",
    ]);
    for (const el of draft.elements) {
      expect(el.text).toBe(text.slice(el.start, el.end));
      expect(el.confidence).toBeGreaterThan(0);
      expect(el.confidence).toBeLessThanOrEqual(1);
    }
    expect(draft.elements.find((e) => e.kind === "due")).toMatchObject({
      text: "at 9am",
      value: "2026-04-01T09:00",
    });
    expect(draft.elements.find((e) => e.kind === "recurrence")?.text).toBe(
      "every 1st of the month",
    );
    expect(draft.elements.find((e) => e.kind === "duration")?.value).toBe("10 min");
    expect(draft.elements.find((e) => e.kind === "label")?.value).toBe("bills");
  });

  it("counts offsets in UTF-16 code units after astral characters", () => {
    const text = "🎂🎂 Bake a cake tomorrow";
    const el = parse(text).elements.find((e) => e.kind === "due");
    expect(el?.start).toBe(text.indexOf("tomorrow"));
    expect(el?.text).toBe("tomorrow");
  });

  it("takes the connector word into the due element", () => {
    const el = parse("Pick up the dry cleaning on thursday").elements[0];
    expect(el).toMatchObject({ kind: "due", text: "on thursday", value: "2026-03-12" });
  });

  it("has a version", () => {
    expect(PARSER_VERSION).toMatch(/^quick-add\/\d+$/);
  });

  it("returns independent results for repeated calls", () => {
    const a = parse("Gym every weekday at 7am");
    const b = parse("Gym every weekday at 7am");
    expect(a).toEqual(b);
    a.recurrence?.byDay?.push("SA");
    expect(parse("Gym every weekday at 7am").recurrence?.byDay).toHaveLength(5);
  });
});
