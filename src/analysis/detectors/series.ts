/**
 * A bounded, immutable recent history of one figure: samples fall into fixed-width time buckets (windowMs / maxPoints wide)
 * that collapse to their median when closed, so a window holds at most about maxPoints points at any sampling cadence.
 */
import { median, type Point } from './stats.js';

/** One figure's recent history. Plain JSON; never mutated (each push returns a new one). */
export interface BucketSeries {
  windowMs: number;
  bucketMs: number;
  /** Closed buckets, oldest first: [mean sample time, median value, samples in the bucket]. */
  closed: Array<[timeMs: number, value: number, samples: number]>;
  /** The bucket still filling: its index (floor(timeMs / bucketMs)) and raw samples. */
  open: { index: number; timesMs: number[]; values: number[] } | null;
}

/** An empty history keeping `windowMs`, in buckets of windowMs / maxPoints (at least 1 ms). */
export function emptySeries(windowMs: number, maxPoints: number): BucketSeries {
  return { windowMs, bucketMs: Math.max(1, Math.floor(windowMs / maxPoints)), closed: [], open: null };
}

function closeBucket(open: NonNullable<BucketSeries['open']>): [number, number, number] {
  const n = open.timesMs.length;
  let t = 0;
  for (const x of open.timesMs) t += x;
  return [t / n, n === 1 ? open.values[0]! : median(open.values), n];
}

/** Adds one sample (times must increase) and drops what fell out of the window. O(maxPoints). */
export function pushSample(series: BucketSeries, timeMs: number, value: number): BucketSeries {
  const index = Math.floor(timeMs / series.bucketMs);
  const startMs = timeMs - series.windowMs;
  let closed = series.closed;
  let open = series.open;
  if (open !== null && open.index === index) {
    open = { index, timesMs: [...open.timesMs, timeMs], values: [...open.values, value] };
  } else {
    if (open !== null) closed = [...closed, closeBucket(open)];
    open = { index, timesMs: [timeMs], values: [value] };
  }
  let drop = 0;
  while (drop < closed.length && closed[drop]![0] < startMs) drop++;
  if (drop > 0) closed = closed.slice(drop);
  return { ...series, closed, open };
}

/** The window's points (closed buckets, then the open one's median so far) and how many samples they stand for. */
export function windowPoints(series: BucketSeries): { points: Point[]; samples: number } {
  const points: Point[] = [];
  let samples = 0;
  for (const [t, v, n] of series.closed) {
    points.push([t, v]);
    samples += n;
  }
  if (series.open !== null) {
    const [t, v, n] = closeBucket(series.open);
    points.push([t, v]);
    samples += n;
  }
  return { points, samples };
}

/** The latest sample as `[timeMs, value]`, or null when empty. */
export function latestPoint(series: BucketSeries): Point | null {
  const open = series.open;
  if (open === null) return null;
  const last = open.values.length - 1;
  return [open.timesMs[last]!, open.values[last]!];
}
