import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FIELDS, predict, readCases, score } from "./evaluation.js";

function evaluate(name: string) {
  const path = fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
  const cases = readCases(readFileSync(path, "utf8"));
  return { cases, result: score(cases, cases.map(predict)) };
}

function describeMisses(result: ReturnType<typeof score>): string {
  return result.misses
    .map((m) => `${m.text} [${m.fields.join(", ")}] ${JSON.stringify(m.predicted)}`)
    .join("\n");
}

describe("evaluation sets", () => {
  it("gets at least 95% of the dev set (copy of /work/shared/eval/parse-dev.jsonl) fully right", () => {
    const { cases, result } = evaluate("parse-dev.jsonl");
    expect(cases).toHaveLength(100);
    expect(result.allFieldsRight, describeMisses(result)).toBeGreaterThanOrEqual(0.95);
    for (const field of FIELDS) expect(result.perField[field]).toBeGreaterThanOrEqual(0.95);
  });

  it("gets at least 95% of our own sentences (one group per convention) fully right", () => {
    const { cases, result } = evaluate("own.jsonl");
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(result.allFieldsRight, describeMisses(result)).toBeGreaterThanOrEqual(0.95);
  });

  it("scores labels as sets and recurrence parts as objects", () => {
    const [c] = readCases(
      '{"text":"x","reference_time":"2026-01-01T00:00:00","time_zone":"UTC","expect":{"title":"x","due":null,"recurrence":{"freq":"WEEKLY","interval":1,"by_day":["MO","FR"]},"priority":4,"labels":["a","b"],"project":null,"duration_minutes":null}}',
    );
    if (!c) throw new Error("no case");
    const predicted = {
      ...c.expect,
      labels: ["b", "a"],
      recurrence: { interval: 1, freq: "WEEKLY", by_day: ["FR", "MO"] },
    };
    expect(score([c], [predicted]).allFieldsRight).toBe(1);
    expect(
      score([c], [{ ...predicted, recurrence: { freq: "WEEKLY", interval: 1 } }]).allFieldsRight,
    ).toBe(0);
    expect(score([c], [null]).allFieldsRight).toBe(0);
  });
});
