import { describe, expect, it } from "vitest";
import {
  DUPLICATE_MIN_SIMILARITY,
  duplicateEntry,
  duplicateScore,
  fitDuplicateModel,
  historyDuplicatePairs,
  indexOpenTasks,
  pairFeatures,
  similarOpenTasks,
  titleSimilarity,
} from "./duplicates.js";
import { prepareTask } from "./prepared-task.js";
import { aTask, dayAfter } from "./test-helpers.js";

const entry = (title: string) => duplicateEntry(aTask({ title }));
const T0 = "2025-03-01T09:00:00Z";

describe("titleSimilarity", () => {
  it("scores reworded, reordered and mistyped copies high, and other tasks 0", () => {
    const base = entry("Book dentist appointment for Tom");
    expect(titleSimilarity(base, entry("Book dentist appointment for Tom"))).toBe(1);
    expect(titleSimilarity(base, entry("Tom: dentist appointment, book"))).toBe(1);
    expect(titleSimilarity(base, entry("Book dentst appointment for Tom"))).toBeGreaterThan(
      DUPLICATE_MIN_SIMILARITY,
    );
    expect(titleSimilarity(base, entry("Pay the electricity bill"))).toBe(0);
  });

  it("tells numbered instances apart from copies", () => {
    const pr = entry("Review pull request 123");
    expect(titleSimilarity(pr, entry("Review pull request 456"))).toBeLessThan(
      titleSimilarity(pr, entry("Review pull request 123 asap")),
    );
  });
});

describe("similarOpenTasks", () => {
  it("finds alike open tasks only, most alike first, never the task itself", () => {
    const original = aTask({ title: "Renew car insurance" });
    const copy = aTask({ title: "Renew car insurance asap" });
    const closed = aTask({ title: "Renew car insurance", state: "DONE", completeTime: T0 });
    const other = aTask({ title: "Renew passport" });
    const index = indexOpenTasks([original, copy, closed, other]);
    const found = similarOpenTasks(index, duplicateEntry(original));
    expect(found.map((m) => m.entry.id)).toEqual([copy.id]);
    expect(similarOpenTasks(index, duplicateEntry(aTask({ title: "Walk the dog" })))).toEqual([]);
  });
});

describe("historyDuplicatePairs", () => {
  const prepare = (tasks: ReturnType<typeof aTask>[]) => tasks.map((t) => prepareTask(t, "UTC"));

  it("labels a twin cancelled within two weeks as a duplicate of its most alike open twin", () => {
    const original = aTask({ title: "File tax return", createTime: T0, updateTime: T0 });
    const looser = aTask({
      title: "File tax return form",
      createTime: dayAfter(T0, 1),
      updateTime: dayAfter(T0, 1),
    });
    const twin = aTask({
      title: "File tax return",
      createTime: dayAfter(T0, 2),
      state: "CANCELLED",
      updateTime: dayAfter(T0, 4),
    });
    const pairs = historyDuplicatePairs(prepare([original, looser, twin]));
    const byIds = (a: string, b: string) => pairs.find((p) => p.earlierId === a && p.laterId === b);
    expect(byIds(original.id, twin.id)?.duplicate).toBe(true);
    expect(byIds(looser.id, twin.id)?.duplicate).toBe(false);
    expect(byIds(original.id, looser.id)?.duplicate).toBe(false);
  });

  it("ignores pairs that were never open together, and late cancellations", () => {
    const first = aTask({
      title: "Water the plants",
      createTime: T0,
      state: "DONE",
      updateTime: dayAfter(T0, 1),
      completeTime: dayAfter(T0, 1),
    });
    const second = aTask({
      title: "Water the plants",
      createTime: dayAfter(T0, 3),
      updateTime: dayAfter(T0, 3),
    });
    const abandoned = aTask({
      title: "Water the plants",
      createTime: dayAfter(T0, 4),
      state: "CANCELLED",
      updateTime: dayAfter(T0, 90),
    });
    const pairs = historyDuplicatePairs(prepare([first, second, abandoned]));
    expect(pairs.map((p) => [p.earlierId, p.laterId, p.duplicate])).toEqual([
      [second.id, abandoned.id, false],
    ]);
  });
});

describe("the duplicate model", () => {
  it("falls back to similarity alone with too few resolved pairs", () => {
    const model = fitDuplicateModel([]);
    expect(model.weights).toBeNull();
    const features = pairFeatures(entry("a b"), entry("a b"), 0.8);
    expect(duplicateScore(model, features)).toEqual({ score: 0.8, rawProbability: 0.8 });
  });

  it("learns that copies added days apart are duplicates and weeks apart are not", () => {
    const pair = (similarity: number, gapDays: number, duplicate: boolean) => {
      const a = duplicateEntry(aTask({ title: "x", createTime: T0 }));
      const b = duplicateEntry(aTask({ title: "x", createTime: dayAfter(T0, gapDays) }));
      return {
        earlierId: a.id,
        laterId: b.id,
        similarity,
        features: pairFeatures(a, b, similarity),
        duplicate,
        laterCreateMs: b.createMs,
      };
    };
    const pairs = [
      ...Array.from({ length: 20 }, (_, i) => pair(1, 0.5, i < 16)),
      ...Array.from({ length: 20 }, (_, i) => pair(1, 40, i < 1)),
      ...Array.from({ length: 20 }, (_, i) => pair(0.55, 2, i < 2)),
    ];
    const model = fitDuplicateModel(pairs);
    const score = (p: ReturnType<typeof pair>) => duplicateScore(model, p.features).rawProbability;
    expect(score(pair(1, 0.5, true))).toBeGreaterThan(0.6);
    expect(score(pair(1, 40, true))).toBeLessThan(0.2);
    expect(score(pair(0.55, 2, true))).toBeLessThan(0.3);
  });
});
