/** Robust trend statistics for the detectors: Mann–Kendall trend test (tie-corrected), Theil–Sen slope, quantiles, and chart downsampling. */

/** A point of a series: `[timeMs, value]`. */
export type Point = [timeMs: number, value: number];

/** The outcome of {@link mannKendall}. */
export interface MannKendallResult {
  n: number;
  /** S = Σ_{i<j} sign(x_j − x_i). */
  s: number;
  /** Var(S) with the tie correction: [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18. */
  varS: number;
  /** (S − sign(S)) / √Var(S): the normal score with the continuity correction. */
  z: number;
  /** Two-sided p-value from the normal approximation. */
  pValue: number;
  /** Kendall's tau-a: S / (n(n−1)/2). */
  tau: number;
}

/**
 * The Mann–Kendall test for a monotonic trend in `values` (taken in order, equally spaced or not).
 * O(n²): callers keep n bounded (the detectors use at most a few hundred bucket medians).
 */
export function mannKendall(values: readonly number[]): MannKendallResult {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const vi = values[i]!;
    for (let j = i + 1; j < n; j++) {
      const d = values[j]! - vi;
      if (d > 0) s++;
      else if (d < 0) s--;
    }
  }
  // Tie groups: sort a copy and count runs of equal values.
  const sorted = Float64Array.from(values).sort();
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = varS > 0 && s !== 0 ? (s - Math.sign(s)) / Math.sqrt(varS) : 0;
  const pValue = Math.min(1, 2 * normalUpperTail(Math.abs(z)));
  const pairs = (n * (n - 1)) / 2;
  return { n, s, varS, z, pValue, tau: pairs > 0 ? s / pairs : 0 };
}

/** P(Z > z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** The complementary error function (Numerical Recipes' erfcc: fractional error below 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** The outcome of {@link theilSen}: y ≈ intercept + slope × x. */
export interface TheilSenResult {
  /** Median of the pairwise slopes (y_j − y_i)/(x_j − x_i), pairs with equal x left out. */
  slope: number;
  /** Median of y − slope × x (as scipy's theilslopes with method='joint'). */
  intercept: number;
}

/**
 * The Theil–Sen estimator: the median of all pairwise slopes, robust to up to 29 % outliers.
 * O(n²) memory and time; keep n bounded. Returns slope 0 when fewer than two distinct x.
 */
export function theilSen(points: readonly Point[]): TheilSenResult {
  const n = points.length;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n - 1; i++) {
    const [xi, yi] = points[i]!;
    for (let j = i + 1; j < n; j++) {
      const [xj, yj] = points[j]!;
      if (xj !== xi) slopes[k++] = (yj - yi) / (xj - xi);
    }
  }
  const slope = k === 0 ? 0 : medianInPlace(slopes.subarray(0, k));
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = points[i]![1] - slope * points[i]![0];
  return { slope, intercept: n === 0 ? 0 : medianInPlace(residuals) };
}

/** The median of `values` (mean of the middle two for an even count); NaN when empty. Reorders `values`. */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const hi = select(values, n >> 1);
  if (n % 2 === 1) return hi;
  // After select, everything left of n/2 is ≤ hi: the lower middle is their maximum.
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (values[i]! > lo) lo = values[i]!;
  return (lo + hi) / 2;
}

/** The median of `values`, leaving them alone. */
export function median(values: readonly number[]): number {
  return medianInPlace(Float64Array.from(values));
}

/** The q-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between order statistics (numpy's default); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < n ? sorted[i]! + frac * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
}

/** Quickselect (Hoare partition, median-of-three pivot): puts the k-th smallest at index k and returns it. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot keeps sorted input (the common case: a rising series) linear.
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

/**
 * Largest-Triangle-Three-Buckets: picks at most `maxPoints` points that keep a chart's shape (peaks and steps survive),
 * always keeping the first and the last. Returns a copy when there are few enough already.
 */
export function downsampleLttb(points: readonly Point[], maxPoints: number): Point[] {
  const n = points.length;
  if (maxPoints >= n || n <= 2) return points.map((p) => [p[0], p[1]]);
  if (maxPoints < 3) return [[...points[0]!], [...points[n - 1]!]];
  const out: Point[] = [[...points[0]!]];
  const every = (n - 2) / (maxPoints - 2);
  let a = 0;
  for (let b = 0; b < maxPoints - 2; b++) {
    // The average of the next bucket is the triangle's third corner.
    const nextStart = Math.floor((b + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((b + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      avgX += points[i]![0];
      avgY += points[i]![1];
    }
    const len = Math.max(nextEnd - nextStart, 1);
    avgX /= len;
    avgY /= len;
    const start = Math.floor(b * every) + 1;
    const end = Math.floor((b + 1) * every) + 1;
    const [ax, ay] = points[a]!;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const [px, py] = points[i]!;
      const area = Math.abs((ax - avgX) * (py - ay) - (ax - px) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out.push([...points[best]!]);
    a = best;
  }
  out.push([...points[n - 1]!]);
  return out;
}
