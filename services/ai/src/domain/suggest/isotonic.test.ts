import { describe, expect, it } from "vitest";
import { applyIsotonic, fitIsotonic, poolAdjacentViolators } from "./isotonic.js";

const points = (ys: number[]) => ys.map((y, x) => ({ x, y }));

describe("poolAdjacentViolators", () => {
  it("pools each violating run into its mean and leaves ordered runs alone", () => {
    const blocks = poolAdjacentViolators(points([1, 3, 2, 4, 0, 6]));
    expect(blocks.map((b) => b.value)).toEqual([1, 2.25, 6]);
    expect(blocks.map((b) => [b.minScore, b.maxScore, b.weight])).toEqual([
      [0, 0, 1],
      [1, 4, 4],
      [5, 5, 1],
    ]);
  });

  it("gives the least-squares non-decreasing fit (checked against brute force on small inputs)", () => {
    // The isotonic fit at i is max over lo <= i of min over hi >= i of mean(y[lo..hi]).
    for (let mask = 0; mask < 64; mask++) {
      const ys = Array.from({ length: 6 }, (_, i) => (mask >> i) & 1);
      const fitted = poolAdjacentViolators(points(ys)).flatMap((b) =>
        Array.from({ length: b.weight }, () => b.value),
      );
      const expected = ys.map((_, i) =>
        Math.max(
          ...ys.slice(0, i + 1).map((_, lo) =>
            Math.min(
              ...ys.slice(i).map((_, k) => {
                const run = ys.slice(lo, i + k + 1);
                return run.reduce((a, b) => a + b, 0) / run.length;
              }),
            ),
          ),
        ),
      );
      expect(fitted).toHaveLength(expected.length);
      for (const [i, v] of fitted.entries()) expect(v).toBeCloseTo(expected[i] as number, 12);
    }
  });

  it("pools equal scores first and honours weights", () => {
    const blocks = poolAdjacentViolators([
      { x: 2, y: 1 },
      { x: 1, y: 0, weight: 3 },
      { x: 2, y: 0 },
      { x: 3, y: 1 },
    ]);
    expect(blocks.map((b) => [b.minScore, b.maxScore, b.value, b.weight])).toEqual([
      [1, 1, 0, 3],
      [2, 2, 0.5, 2],
      [3, 3, 1, 1],
    ]);
  });

  it("pools equal neighbours, so a run of misses is one block", () => {
    expect(poolAdjacentViolators(points([0, 0, 0, 1, 1]))).toHaveLength(2);
  });
});

describe("fitIsotonic / applyIsotonic", () => {
  const outcomes = Array.from({ length: 100 }, (_, i) => ({
    score: i / 100,
    correct: i % 10 < i / 10,
  }));

  it("is non-decreasing and smooths every block towards 1/2 by (right + 1) / (n + 2)", () => {
    const calibrator = fitIsotonic(outcomes);
    for (let i = 1; i < calibrator.probabilities.length; i++) {
      expect(calibrator.probabilities[i]).toBeGreaterThanOrEqual(
        calibrator.probabilities[i - 1] as number,
      );
    }
    const top = fitIsotonic([
      { score: 1, correct: true },
      { score: 2, correct: true },
    ]);
    expect(applyIsotonic(top, 5)).toBeCloseTo(3 / 4, 12);
    const bottom = fitIsotonic(
      Array.from({ length: 98 }, (_, i) => ({ score: i, correct: false })),
    );
    expect(applyIsotonic(bottom, 50)).toBeCloseTo(1 / 100, 12);
  });

  it("clamps beyond the ends and interpolates between knots", () => {
    const calibrator = { scores: [0, 1, 3], probabilities: [0.1, 0.3, 0.7] };
    expect(applyIsotonic(calibrator, -5)).toBe(0.1);
    expect(applyIsotonic(calibrator, 9)).toBe(0.7);
    expect(applyIsotonic(calibrator, 2)).toBeCloseTo(0.5, 12);
    expect(applyIsotonic(calibrator, Number.NaN)).toBe(0.1);
    expect(applyIsotonic({ scores: [], probabilities: [] }, 1)).toBe(0.5);
  });

  it("maps scores to the observed rate of being right", () => {
    const calibrator = fitIsotonic([
      ...Array.from({ length: 200 }, (_, i) => ({ score: 0, correct: i < 40 })),
      ...Array.from({ length: 200 }, (_, i) => ({ score: 1, correct: i < 180 })),
    ]);
    expect(applyIsotonic(calibrator, 0)).toBeCloseTo(41 / 202, 12);
    expect(applyIsotonic(calibrator, 1)).toBeCloseTo(181 / 202, 12);
  });
});
