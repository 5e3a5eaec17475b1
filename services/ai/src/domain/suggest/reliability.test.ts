import { describe, expect, it } from "vitest";
import {
  bootstrapEceInterval,
  expectedCalibrationError,
  quantile,
  reliabilityBins,
  summarizeReliability,
} from "./reliability.js";

const repeat = (n: number, confidence: number, right: number) =>
  Array.from({ length: n }, (_, i) => ({ confidence, correct: i < right }));

describe("expectedCalibrationError", () => {
  it("is the example-weighted gap between accuracy and mean confidence over 10 bins", () => {
    // Bin [0.9, 1.0]: 10 at 0.95, 8 right (gap 0.15); bin [0.3, 0.4): 30 at 0.3, 9 right (gap 0).
    const predictions = [...repeat(10, 0.95, 8), ...repeat(30, 0.3, 9)];
    expect(expectedCalibrationError(predictions)).toBeCloseTo((10 * 0.15 + 30 * 0) / 40, 12);
  });

  it("is 0 for perfectly calibrated bins and for no predictions", () => {
    expect(expectedCalibrationError([...repeat(10, 0.5, 5), ...repeat(4, 0.75, 3)])).toBeCloseTo(
      0,
      12,
    );
    expect(expectedCalibrationError([])).toBe(0);
  });

  it("puts 1.0 in the last bin and mixes confidences within a bin", () => {
    const bins = reliabilityBins([
      { confidence: 1, correct: true },
      { confidence: 0.9, correct: false },
      { confidence: 0.05, correct: false },
    ]);
    expect(bins).toHaveLength(10);
    expect(bins[9]).toMatchObject({ examples: 2, accuracy: 0.5, meanConfidence: 0.95 });
    expect(bins[0]).toMatchObject({ lower: 0, upper: 0.1, examples: 1, accuracy: 0 });
    // |0.5 - 0.95| * 2/3 + |0 - 0.05| * 1/3
    expect(
      expectedCalibrationError([
        { confidence: 1, correct: true },
        { confidence: 0.9, correct: false },
        { confidence: 0.05, correct: false },
      ]),
    ).toBeCloseTo((0.45 * 2 + 0.05) / 3, 12);
  });
});

describe("bootstrapEceInterval", () => {
  const predictions = Array.from({ length: 300 }, (_, i) => ({
    confidence: (i % 10) / 10 + 0.05,
    correct: (i * 7919) % 100 < (i % 10) * 10 + 5,
  }));

  it("is deterministic for a seed and changes with the seed", () => {
    const a = bootstrapEceInterval(predictions, { seed: 7 });
    expect(bootstrapEceInterval(predictions, { seed: 7 })).toEqual(a);
    expect(bootstrapEceInterval(predictions, { seed: 8 })).not.toEqual(a);
  });

  it("is an ordered interval around the usual size of the ECE", () => {
    const [lo, hi] = bootstrapEceInterval(predictions, { seed: 1, resamples: 400 });
    expect(lo).toBeLessThanOrEqual(hi);
    expect(lo).toBeGreaterThanOrEqual(0);
    const ece = expectedCalibrationError(predictions);
    expect(hi).toBeGreaterThan(ece * 0.5);
    expect(lo).toBeLessThan(ece * 2);
  });

  it("is [0, 0] without predictions", () => {
    expect(bootstrapEceInterval([], { seed: 1 })).toEqual([0, 0]);
  });
});

describe("summarizeReliability", () => {
  it("reports n, accuracy and the 0.9-1.0 bucket", () => {
    const summary = summarizeReliability([...repeat(20, 0.95, 19), ...repeat(10, 0.2, 2)], 1);
    expect(summary).toMatchObject({ examples: 30, topBucket: { examples: 20, accuracy: 0.95 } });
    expect(summary.accuracy).toBeCloseTo(21 / 30, 12);
  });

  it("interpolates quantiles", () => {
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
