/**
 * Sustained growth: is a figure still rising across its whole window? A Mann–Kendall test says the rise is monotonic,
 * the Theil–Sen slope says how fast, a minimum growth says it matters, and the window's segments must each sit higher
 * than the one before, both their median and their floor (minimum), so a GC sawtooth, a start-up ramp that stops, or one
 * step does not count.
 *
 * Why the floor: a Go heap's sawtooth drops to the live heap at each GC, and the runtime forces a GC at least every
 * 2 minutes (forcegcperiod), so with the default window (10 min in 3 segments of 3.3 min) every segment holds a post-GC
 * trough. A sawtooth's floors stay level; a leak's floors rise ("heap that never comes back"). Mann–Kendall alone
 * cannot tell them apart: it assumes independent samples, and a sawtooth's rising teeth make S significantly positive.
 */
import { mannKendall, median, theilSen, type MannKendallResult, type Point } from './stats.js';

/** Everything one growth judgement needs; the detector builds it from DetectorSettings. */
export interface GrowthTest {
  windowMs: number;
  minSamples: number;
  /** Share of windowMs the points must span. */
  minCoverage: number;
  /** Mann–Kendall p-value to start growing. */
  pValue: number;
  segments: number;
  segmentRiseRatio: number;
  /** … and by this many times the sample noise. */
  noiseMultiple: number;
  /** Looser p-value to keep growing (an alert already firing). */
  resolvePValue: number;
  /** Share of the minimum growth that keeps an alert firing. */
  resolveRatio: number;
  minGrowth: number;
  minGrowthRatio: number;
}

/**
 * `insufficient`: too few samples or too short a span to judge; `flat`: not growing;
 * `holding`: passes the looser test that keeps a firing alert alive; `growing`: passes every test.
 */
export type GrowthStatus = 'insufficient' | 'flat' | 'holding' | 'growing';

/** The outcome of {@link evaluateGrowth}, with the numbers behind it. */
export interface GrowthEvaluation {
  status: GrowthStatus;
  /** Points judged (bucket medians). */
  points: number;
  /** Samples those points stand for. */
  samples: number;
  spanMs: number;
  mk: MannKendallResult | null;
  /** Theil–Sen slope, unit per minute. */
  perMinute: number;
  /** perMinute × span. */
  growth: number;
  /** Median of the first segment: the level growth is measured from. */
  fromValue: number;
  /** The time that level stands for: the middle of the first segment (the first point's time when not judged that far). */
  fromMs: number;
  /** The floor (minimum) of the first segment and of the last: how far the low points rose (a GC sawtooth's troughs). Both fromValue when not judged that far. */
  floorFrom: number;
  floorTo: number;
  /** Why it is not `growing`, for tests and logs. */
  reason: string;
}

const MINUTE_MS = 60_000;

/**
 * Judges `points` (oldest first, the last `test.windowMs` of a figure; `samples` is how many raw samples they stand for).
 * Cost: O(points²) for the Mann–Kendall S; Theil–Sen (also O(points²)) only runs when S > 0 and p is small enough to matter.
 */
export function evaluateGrowth(points: readonly Point[], samples: number, test: GrowthTest): GrowthEvaluation {
  const n = points.length;
  const spanMs = n > 0 ? points[n - 1]![0] - points[0]![0] : 0;
  const first = n > 0 ? points[0]![1] : 0;
  const base = { points: n, samples, spanMs, mk: null, perMinute: 0, growth: 0, fromValue: first, fromMs: n > 0 ? points[0]![0] : 0, floorFrom: first, floorTo: first };
  if (samples < test.minSamples || n < 4) return { ...base, status: 'insufficient', reason: `${samples} samples` };
  if (spanMs < test.minCoverage * test.windowMs) {
    return { ...base, status: 'insufficient', reason: `spans ${Math.round(spanMs / 1000)} s` };
  }
  const mk = mannKendall(points.map((p) => p[1]));
  if (mk.s <= 0 || mk.pValue >= test.resolvePValue) {
    return { ...base, mk, status: 'flat', reason: `no rising trend (S=${mk.s}, p=${mk.pValue.toFixed(4)})` };
  }
  const t0 = points[0]![0];
  const { slope } = theilSen(points.map((p) => [(p[0] - t0) / MINUTE_MS, p[1]]));
  const growth = slope * (spanMs / MINUTE_MS);
  const levels = segmentLevels(points, test.segments);
  const fromValue = levels[0]?.median ?? points[0]![1];
  const floorFrom = levels[0]?.floor ?? fromValue;
  const floorTo = levels[levels.length - 1]?.floor ?? floorFrom;
  const fromMs = t0 + spanMs / (2 * test.segments);
  const result = { ...base, mk, perMinute: slope, growth, fromValue, fromMs, floorFrom, floorTo };
  const minGrowth = Math.max(test.minGrowth, test.minGrowthRatio * Math.abs(fromValue));

  if (growth < test.resolveRatio * minGrowth) {
    return { ...result, status: 'flat', reason: `grew ${fmt(growth)}, under ${fmt(test.resolveRatio * minGrowth)}` };
  }
  if (mk.pValue >= test.pValue) return { ...result, status: 'holding', reason: `p=${mk.pValue.toFixed(4)}` };
  if (growth < minGrowth) return { ...result, status: 'holding', reason: `grew ${fmt(growth)}, under ${fmt(minGrowth)}` };
  const noise = noiseScale(points);
  const rise = Math.max((test.segmentRiseRatio * growth) / test.segments, test.noiseMultiple * noise);
  for (let k = 1; k < levels.length; k++) {
    const a = levels[k - 1]!;
    const b = levels[k]!;
    if (a.count === 0 || b.count === 0) return { ...result, status: 'holding', reason: `segment ${k} is empty` };
    if (b.median - a.median < rise || b.floor - a.floor < rise) {
      return { ...result, status: 'holding', reason: `segment ${k + 1} is not above segment ${k} by ${fmt(rise)}` };
    }
  }
  // The floor must rise by what matters, not only steadily: a sawtooth sampled out of step with its period (a GC
  // every 64 s seen every 5 s) has troughs that drift up for minutes, a few MiB a tooth, while its teeth pull the slope
  // up. A leak's floor rises by about the growth from the first segment to the last: (segments − 1) / segments of it.
  const floorRise = floorTo - floorFrom;
  const floorNeeded = (0.5 * (test.segments - 1) * minGrowth) / test.segments;
  if (floorRise < floorNeeded) {
    return { ...result, status: 'holding', reason: `the floor rose ${fmt(floorRise)}, under ${fmt(floorNeeded)}` };
  }
  return { ...result, status: 'growing', reason: 'growing' };
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(1);
}

/**
 * The sample-to-sample noise of a series as a standard deviation: 1.4826 × MAD of the first differences / √2.
 * Differences cancel a trend, the MAD ignores the rare big jumps (a GC's drop), and √2 undoes differencing.
 */
export function noiseScale(points: readonly Point[]): number {
  if (points.length < 3) return 0;
  const d: number[] = [];
  for (let i = 1; i < points.length; i++) d.push(points[i]![1] - points[i - 1]![1]);
  const m = median(d);
  return (1.4826 * median(d.map((x) => Math.abs(x - m)))) / Math.SQRT2;
}

/** The median and the floor (minimum) of each of `segments` equal stretches of time. */
export function segmentLevels(points: readonly Point[], segments: number): Array<{ median: number; floor: number; count: number }> {
  const n = points.length;
  const out: Array<{ median: number; floor: number; count: number }> = [];
  if (n === 0) return out;
  const t0 = points[0]![0];
  const width = (points[n - 1]![0] - t0) / segments;
  const buckets: number[][] = Array.from({ length: segments }, () => []);
  for (const [t, v] of points) {
    const k = width > 0 ? Math.min(segments - 1, Math.floor((t - t0) / width)) : 0;
    buckets[k]!.push(v);
  }
  for (const b of buckets) out.push({ median: b.length ? median(b) : Number.NaN, floor: b.length ? Math.min(...b) : Number.NaN, count: b.length });
  return out;
}
