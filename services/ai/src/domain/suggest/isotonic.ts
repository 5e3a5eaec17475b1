/**
 * Isotonic calibration: a non-decreasing map from a model's raw score to the probability of
 * being right, fitted with pool-adjacent-violators (PAV) on held-out examples.
 */

export interface ScoredOutcome {
  score: number;
  correct: boolean;
}

/** A run of adjacent scores pooled into one value. */
export interface IsotonicBlock {
  minScore: number;
  maxScore: number;
  /** Weighted mean outcome of the block. */
  value: number;
  weight: number;
}

/**
 * Least-squares non-decreasing fit of y on x (pool-adjacent-violators). Equal x are pooled first,
 * so the result is a function of x. Returns the blocks in increasing x.
 */
export function poolAdjacentViolators(
  points: readonly { x: number; y: number; weight?: number }[],
): IsotonicBlock[] {
  const sorted = points
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (p.weight ?? 1) > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
  const ties: IsotonicBlock[] = [];
  for (const p of sorted) {
    const block = { minScore: p.x, maxScore: p.x, value: p.y, weight: p.weight ?? 1 };
    const last = ties[ties.length - 1];
    if (last && last.maxScore === p.x) ties[ties.length - 1] = merge(last, block);
    else ties.push(block);
  }
  return poolInOrder(ties);
}

/**
 * PAV over blocks already in increasing score order. Equal neighbours are pooled too, so a run
 * of misses is one block (which matters for the smoothing in {@link fitIsotonic}).
 */
function poolInOrder(blocks: readonly IsotonicBlock[]): IsotonicBlock[] {
  const out: IsotonicBlock[] = [];
  for (let block of blocks) {
    for (;;) {
      const previous = out[out.length - 1];
      if (!previous || previous.value < block.value) break;
      out.pop();
      block = merge(previous, block);
    }
    out.push(block);
  }
  return out;
}

function merge(a: IsotonicBlock, b: IsotonicBlock): IsotonicBlock {
  const weight = a.weight + b.weight;
  return {
    minScore: Math.min(a.minScore, b.minScore),
    maxScore: Math.max(a.maxScore, b.maxScore),
    value: (a.value * a.weight + b.value * b.weight) / weight,
    weight,
  };
}

/** Serialisable calibrator: knots of a non-decreasing piecewise-linear map. */
export interface IsotonicCalibrator {
  scores: number[];
  probabilities: number[];
}

/**
 * Fits a calibrator. PAV blocks smaller than {@link minBlockWeight} are pooled with a neighbour,
 * and each block's value is Laplace-smoothed ((right + 1) / (n + 2)), so that a handful of lucky
 * examples at the top cannot claim near-certainty.
 */
export function fitIsotonic(outcomes: readonly ScoredOutcome[]): IsotonicCalibrator {
  const raw = poolAdjacentViolators(outcomes.map((o) => ({ x: o.score, y: o.correct ? 1 : 0 })));
  const blocks = poolSmallBlocks(raw, minBlockWeight(outcomes.length)).map((b) => ({
    ...b,
    value: (b.value * b.weight + 1) / (b.weight + 2),
  }));
  const scores: number[] = [];
  const probabilities: number[] = [];
  for (const block of blocks) {
    scores.push(block.minScore);
    probabilities.push(block.value);
    if (block.maxScore > block.minScore) {
      scores.push(block.maxScore);
      probabilities.push(block.value);
    }
  }
  return { scores, probabilities };
}

/** 10 examples, or 2% of them when there are more than 500. */
export function minBlockWeight(examples: number): number {
  return Math.max(20, Math.ceil(examples * 0.02));
}

/**
 * Pools every block lighter than `minWeight` into its lower neighbour (the first one into its
 * upper neighbour). Pooling adjacent blocks of a non-decreasing fit keeps it non-decreasing.
 */
function poolSmallBlocks(blocks: readonly IsotonicBlock[], minWeight: number): IsotonicBlock[] {
  const out: IsotonicBlock[] = [];
  for (const block of blocks) {
    const previous = out[out.length - 1];
    if (previous && (block.weight < minWeight || previous.weight < minWeight)) {
      out[out.length - 1] = merge(previous, block);
    } else {
      out.push(block);
    }
  }
  return out;
}

/** Maps a raw score to a probability: flat beyond the ends, linear between knots. */
export function applyIsotonic(calibrator: IsotonicCalibrator, score: number): number {
  const { scores, probabilities } = calibrator;
  const n = scores.length;
  if (n === 0) return 0.5;
  if (Number.isNaN(score)) return probabilities[0] as number;
  if (score <= (scores[0] as number)) return probabilities[0] as number;
  if (score >= (scores[n - 1] as number)) return probabilities[n - 1] as number;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((scores[mid] as number) <= score) lo = mid;
    else hi = mid;
  }
  const x0 = scores[lo] as number;
  const x1 = scores[hi] as number;
  const y0 = probabilities[lo] as number;
  const y1 = probabilities[hi] as number;
  return x1 === x0 ? y1 : y0 + ((score - x0) / (x1 - x0)) * (y1 - y0);
}
