/** L2-regularised logistic regression fitted by Newton's method (IRLS): for small, dense inputs. */

/**
 * Fits weights (intercept first) to rows of features and 0/1 outcomes. `ridge` penalises every
 * weight but the intercept. Deterministic; converges in a handful of iterations.
 */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  outcomes: readonly boolean[],
  ridge = 1,
  iterations = 25,
): number[] {
  const d = (rows[0]?.length ?? 0) + 1;
  const w = new Array<number>(d).fill(0);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const gradient = new Array<number>(d).fill(0);
    const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    rows.forEach((row, n) => {
      const x = [1, ...row];
      const p = logisticOf(w, row);
      const residual = (outcomes[n] ? 1 : 0) - p;
      const weight = Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < d; i++) {
        const xi = x[i] as number;
        gradient[i] = (gradient[i] as number) + residual * xi;
        const h = hessian[i] as number[];
        for (let j = 0; j < d; j++) h[j] = (h[j] as number) + weight * xi * (x[j] as number);
      }
    });
    for (let i = 1; i < d; i++) {
      gradient[i] = (gradient[i] as number) - ridge * (w[i] as number);
      (hessian[i] as number[])[i] = ((hessian[i] as number[])[i] as number) + ridge;
    }
    (hessian[0] as number[])[0] = ((hessian[0] as number[])[0] as number) + 1e-6;
    const step = solve(hessian, gradient);
    let largest = 0;
    for (let i = 0; i < d; i++) {
      w[i] = (w[i] as number) + (step[i] as number);
      largest = Math.max(largest, Math.abs(step[i] as number));
    }
    if (largest < 1e-8) break;
  }
  return w;
}

/** w · [1, ...x]. */
export function linearScore(weights: readonly number[], x: readonly number[]): number {
  let z = weights[0] ?? 0;
  for (let i = 0; i < x.length; i++) z += (weights[i + 1] ?? 0) * (x[i] as number);
  return z;
}

function logisticOf(weights: readonly number[], x: readonly number[]): number {
  const z = linearScore(weights, x);
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Solves A·x = b by Gaussian elimination with partial pivoting (A is small and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (
        Math.abs((m[r] as number[])[col] as number) >
        Math.abs((m[pivot] as number[])[col] as number)
      )
        pivot = r;
    }
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const top = m[col] as number[];
    const p = top[col] as number;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = col + 1; r < n; r++) {
      const row = m[r] as number[];
      const factor = (row[col] as number) / p;
      for (let c = col; c <= n; c++) row[c] = (row[c] as number) - factor * (top[c] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r] as number[];
    let sum = row[n] as number;
    for (let c = r + 1; c < n; c++) sum -= (row[c] as number) * (x[c] as number);
    const p = row[r] as number;
    x[r] = Math.abs(p) < 1e-12 ? 0 : sum / p;
  }
  return x;
}
