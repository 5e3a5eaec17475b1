/** How far confidences are from the truth: reliability bins, ECE and its bootstrap interval. */
import { createRandom } from "./random.js";

export interface ScoredPrediction {
  /** In [0, 1]. */
  confidence: number;
  correct: boolean;
}

export interface ReliabilityBin {
  /** [lower, upper): the last bin also holds 1.0. */
  lower: number;
  upper: number;
  examples: number;
  meanConfidence: number;
  accuracy: number;
}

function binOf(confidence: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(confidence * bins)));
}

/** Equal-width reliability bins (empty bins included, with zero counts). */
export function reliabilityBins(
  predictions: readonly ScoredPrediction[],
  bins = 10,
): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  const right = new Array<number>(bins).fill(0);
  for (const p of predictions) {
    const b = binOf(p.confidence, bins);
    count[b] = (count[b] as number) + 1;
    confidence[b] = (confidence[b] as number) + p.confidence;
    if (p.correct) right[b] = (right[b] as number) + 1;
  }
  return count.map((n, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    examples: n,
    meanConfidence: n ? (confidence[b] as number) / n : 0,
    accuracy: n ? (right[b] as number) / n : 0,
  }));
}

/** Expected calibration error: Σ_b (n_b / N) · |accuracy_b − mean confidence_b|; 0 when empty. */
export function expectedCalibrationError(
  predictions: readonly ScoredPrediction[],
  bins = 10,
): number {
  return eceOfBins(reliabilityBins(predictions, bins));
}

function eceOfBins(bins: readonly ReliabilityBin[]): number {
  let n = 0;
  let sum = 0;
  for (const bin of bins) {
    n += bin.examples;
    sum += bin.examples * Math.abs(bin.accuracy - bin.meanConfidence);
  }
  return n === 0 ? 0 : sum / n;
}

export interface BootstrapOptions {
  resamples?: number;
  seed: number;
  /** Two-sided coverage, default 0.95. */
  level?: number;
  bins?: number;
}

/**
 * Percentile bootstrap interval of the ECE: `resamples` resamples with replacement of the
 * predictions, seeded, so the same inputs and seed give the same interval. Resampling adds
 * noise to every bin, and the ECE sums absolute gaps, so resampled ECEs run high: with a
 * well-calibrated model the interval can sit just above the point estimate.
 */
export function bootstrapEceInterval(
  predictions: readonly ScoredPrediction[],
  options: BootstrapOptions,
): [number, number] {
  const n = predictions.length;
  if (n === 0) return [0, 0];
  const bins = options.bins ?? 10;
  const resamples = options.resamples ?? 200;
  const level = options.level ?? 0.95;
  const binIndex = predictions.map((p) => binOf(p.confidence, bins));
  const random = createRandom(options.seed);
  const count = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  const right = new Float64Array(bins);
  const estimates: number[] = [];
  for (let r = 0; r < resamples; r++) {
    count.fill(0);
    confidence.fill(0);
    right.fill(0);
    for (let i = 0; i < n; i++) {
      const j = random.int(n);
      const b = binIndex[j] as number;
      const p = predictions[j] as ScoredPrediction;
      count[b] = (count[b] as number) + 1;
      confidence[b] = (confidence[b] as number) + p.confidence;
      if (p.correct) right[b] = (right[b] as number) + 1;
    }
    let sum = 0;
    for (let b = 0; b < bins; b++) {
      sum += Math.abs((right[b] as number) - (confidence[b] as number));
    }
    estimates.push(sum / n);
  }
  estimates.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return [quantile(estimates, tail), quantile(estimates, 1 - tail)];
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (position - lo);
}

export interface ReliabilitySummary {
  examples: number;
  accuracy: number;
  ece: number;
  eceInterval: [number, number];
  /** Predictions with confidence in [0.9, 1.0]. */
  topBucket: { examples: number; accuracy: number };
  /** The 10 equal-width bins behind `ece`. */
  bins: ReliabilityBin[];
}

export function summarizeReliability(
  predictions: readonly ScoredPrediction[],
  seed: number,
): ReliabilitySummary {
  let right = 0;
  let top = 0;
  let topRight = 0;
  for (const p of predictions) {
    if (p.correct) right++;
    if (p.confidence >= 0.9) {
      top++;
      if (p.correct) topRight++;
    }
  }
  const bins = reliabilityBins(predictions);
  return {
    examples: predictions.length,
    accuracy: predictions.length ? right / predictions.length : 0,
    ece: eceOfBins(bins),
    eceInterval: bootstrapEceInterval(predictions, { seed }),
    topBucket: { examples: top, accuracy: top ? topRight / top : 0 },
    bins,
  };
}
