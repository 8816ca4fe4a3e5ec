/** Deterministic synthetic sample series for the detector tests: a seeded PRNG and one builder per scenario (5 s cadence unless told). */
import type { Sample } from '../../../src/shared/types.js';

/** Epoch ms every series starts at (2023-11-14T22:13:20Z). */
export const START_MS = 1_700_000_000_000;
/** The sampling cadence of every series. */
export const INTERVAL_MS = 5_000;
const MiB = 1024 * 1024;
const MINUTE = 60_000;

/** mulberry32: a tiny seeded PRNG with a uniform [0, 1) output; the same seed gives the same series on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random helpers over one PRNG. */
export function randoms(seed: number) {
  const next = prng(seed);
  return {
    next,
    /** Uniform in [lo, hi). */
    uniform: (lo: number, hi: number) => lo + (hi - lo) * next(),
    /** Integer uniform in [-k, k]. */
    jitter: (k: number) => Math.floor(next() * (2 * k + 1)) - k,
    /** Standard normal (Box–Muller). */
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/** A figure as a function of time since the start (ms) and the sample index. */
export type FigureFn = (elapsedMs: number, index: number) => number;

/** Samples every `intervalMs` for `durationMs`, one figure function per field (values rounded to integers). */
export function buildSeries(opts: {
  durationMs: number;
  intervalMs?: number;
  startMs?: number;
  pid?: number | ((elapsedMs: number) => number);
  figures: Partial<Record<Exclude<keyof Sample, 'timeMs' | 'pid'>, FigureFn>>;
}): Sample[] {
  const interval = opts.intervalMs ?? INTERVAL_MS;
  const start = opts.startMs ?? START_MS;
  const out: Sample[] = [];
  for (let i = 0; i * interval <= opts.durationMs; i++) {
    const elapsed = i * interval;
    const pid = typeof opts.pid === 'function' ? opts.pid(elapsed) : (opts.pid ?? 4242);
    const s: Sample = { timeMs: start + elapsed, pid };
    for (const [name, fn] of Object.entries(opts.figures) as Array<[keyof Sample, FigureFn]>) {
      (s as unknown as Record<string, number>)[name] = Math.round(fn(elapsed, i));
    }
    out.push(s);
  }
  return out;
}

/** A mean-reverting AR(1) walk: x ← φx + σ·N(0,1); stationary sd σ/√(1−φ²). Evaluate in index order. */
function ar1(seed: number, phi: number, sigma: number): FigureFn {
  const r = randoms(seed);
  let x = 0;
  let last = -1;
  return (_e, i) => {
    while (last < i) {
      x = phi * x + sigma * r.normal();
      last++;
    }
    return x;
  };
}

/**
 * A Go heap's GC sawtooth: garbage builds at a jittered pace until it reaches a jittered share of the live heap, then
 * a GC drops it to zero. Periods about 1.5–2.5 min. Evaluate in index order.
 */
function gcSawtooth(seed: number, liveBytes: FigureFn, meanPeriodMs: number): FigureFn {
  const r = randoms(seed);
  let cycleStart = 0;
  let period = meanPeriodMs * r.uniform(0.75, 1.25);
  let peakShare = r.uniform(0.8, 1.2);
  return (elapsed, i) => {
    while (elapsed - cycleStart >= period) {
      cycleStart += period;
      period = meanPeriodMs * r.uniform(0.75, 1.25);
      peakShare = r.uniform(0.8, 1.2);
    }
    return liveBytes(elapsed, i) * peakShare * ((elapsed - cycleStart) / period);
  };
}

// ---- quiet series: each one must fire nothing -------------------------------------------------------

/** Heap sawtooth on a flat live heap of 80 MiB, GC every ~2 min, for 3 hours; RSS follows part of it. */
export function gcSawtoothSeries(): Sample[] {
  const noise = ar1(11, 0.9, 0.5 * MiB);
  const live: FigureFn = (e, i) => 80 * MiB + noise(e, i);
  const garbage = gcSawtooth(12, live, 2 * MINUTE);
  const g = randoms(13);
  return buildSeries({
    durationMs: 3 * 60 * MINUTE,
    figures: {
      heapInuseBytes: (e, i) => live(e, i) + garbage(e, i),
      rssBytes: (e, i) => 150 * MiB + 0.5 * garbage(e, i) + g.uniform(-2, 2) * MiB,
      goroutines: () => 40 + g.jitter(2),
    },
  });
}

/** Start-up: goroutines 10 → 400 (FDs, threads, heap and RSS with them) in 2 min, then flat with noise, for 1 hour. */
export function startupRampSeries(): Sample[] {
  const r = randoms(21);
  const ramp = (from: number, to: number): FigureFn => (e) => from + (to - from) * Math.min(1, e / (2 * MINUTE));
  const heapNoise = ar1(22, 0.8, 1 * MiB);
  return buildSeries({
    durationMs: 60 * MINUTE,
    figures: {
      goroutines: (e, i) => ramp(10, 400)(e, i) + r.jitter(5),
      fds: (e, i) => ramp(10, 80)(e, i) + r.jitter(2),
      threads: (e, i) => ramp(5, 25)(e, i) + r.jitter(1),
      heapInuseBytes: (e, i) => ramp(5 * MiB, 60 * MiB)(e, i) + heapNoise(e, i) + r.uniform(0, 10) * MiB,
      rssBytes: (e, i) => ramp(20 * MiB, 140 * MiB)(e, i) + r.uniform(-1, 1) * MiB,
    },
  });
}

/** Bursts that return: FDs 100 → 900 → 100 (goroutines with them) every 12–25 min, each up in 30–60 s, 1–4 min high, down in 30–60 s; 2 hours. */
export function fdBurstsSeries(): Sample[] {
  const r = randoms(31);
  const bursts: Array<{ at: number; up: number; hold: number; down: number; peak: number }> = [];
  for (let at = 8 * MINUTE; at < 115 * MINUTE; at += r.uniform(12, 25) * MINUTE) {
    bursts.push({ at, up: r.uniform(30, 60) * 1000, hold: r.uniform(1, 4) * MINUTE, down: r.uniform(30, 60) * 1000, peak: r.uniform(850, 900) });
  }
  const extra = (e: number): number => {
    for (const b of bursts) {
      const d = e - b.at;
      if (d < 0) continue;
      if (d < b.up) return (b.peak - 100) * (d / b.up);
      if (d < b.up + b.hold) return b.peak - 100;
      if (d < b.up + b.hold + b.down) return (b.peak - 100) * (1 - (d - b.up - b.hold) / b.down);
    }
    return 0;
  };
  return buildSeries({
    durationMs: 120 * MINUTE,
    figures: {
      fds: (e) => 100 + extra(e) + r.jitter(3),
      goroutines: (e) => 200 + 2 * extra(e) + r.jitter(10),
      threads: () => 30 + r.jitter(1),
    },
  });
}

/** A quiet process for 2 hours: every figure flat with noise that wanders (mean-reverting), the GC sawtooth on a small heap. */
export function steadyNoiseSeries(): Sample[] {
  const r = randoms(41);
  const fdWalk = ar1(42, 0.95, 1);
  const goWalk = ar1(43, 0.95, 1.5);
  const rssWalk = ar1(44, 0.98, 1 * MiB);
  const live: FigureFn = (e, i) => 60 * MiB + ar1Cache(e, i);
  const ar1Cache = ar1(45, 0.97, 0.7 * MiB);
  const garbage = gcSawtooth(46, live, 40_000);
  return buildSeries({
    durationMs: 120 * MINUTE,
    figures: {
      fds: (e, i) => 120 + fdWalk(e, i) + r.jitter(1),
      goroutines: (e, i) => 50 + goWalk(e, i) + r.jitter(2),
      threads: () => 30 + r.jitter(1),
      rssBytes: (e, i) => 300 * MiB + rssWalk(e, i),
      heapInuseBytes: (e, i) => live(e, i) + garbage(e, i),
      swapBytes: (e, i) => 12 * MiB + Math.max(0, rssWalk(e, i)) / 4,
    },
  });
}

/** One step: FDs 100 → 300 (goroutines 50 → 250) at 20 min, flat with noise before and after; 1 hour. */
export function fdStepSeries(): Sample[] {
  const r = randoms(51);
  const stepped = (before: number, after: number): FigureFn => (e) => (e < 20 * MINUTE ? before : e < 20 * MINUTE + 10_000 ? (before + after) / 2 : after);
  return buildSeries({
    durationMs: 60 * MINUTE,
    figures: {
      fds: (e, i) => stepped(100, 300)(e, i) + r.jitter(2),
      goroutines: (e, i) => stepped(50, 250)(e, i) + r.jitter(3),
      threads: () => 30 + r.jitter(1),
    },
  });
}

// ---- leaks: each must fire ---------------------------------------------------------------------------

/** FDs leak at `perSecond` from `from`, goroutines flat; `durationMs` long. */
export function fdLeakSeries(perSecond = 20, from = 100, durationMs = 5 * MINUTE): Sample[] {
  return buildSeries({ durationMs, figures: { fds: (e) => from + (perSecond * e) / 1000, goroutines: () => 30, threads: () => 20 } });
}

/** Goroutines leak at `perSecond` from 50 (± 3 noise) for `durationMs`. */
export function goroutineLeakSeries(perSecond = 10, durationMs = 12 * MINUTE): Sample[] {
  const r = randoms(61);
  return buildSeries({ durationMs, figures: { goroutines: (e) => 50 + (perSecond * e) / 1000 + r.jitter(3), fds: () => 40 + r.jitter(1) } });
}

/** Retained heap grows `bytesPerSecond` on top of 50 MiB, with the GC sawtooth on top (garbage up to ~ the live heap, GC every ~40 s). */
export function heapLeakSeries(bytesPerSecond = MiB, durationMs = 15 * MINUTE): Sample[] {
  const live: FigureFn = (e) => 50 * MiB + (bytesPerSecond * e) / 1000;
  const garbage = gcSawtooth(71, live, 40_000);
  return buildSeries({
    durationMs,
    figures: { heapInuseBytes: (e, i) => live(e, i) + garbage(e, i), rssBytes: (e, i) => 2.4 * live(e, i) + 20 * MiB },
  });
}

/** Every committed series: file name (without .jsonl) → builder. */
export const SERIES = {
  'gc-sawtooth': gcSawtoothSeries,
  'startup-ramp': startupRampSeries,
  'fd-bursts': fdBurstsSeries,
  'steady-noise': steadyNoiseSeries,
  'fd-step': fdStepSeries,
  'fd-leak': () => fdLeakSeries(),
  'goroutine-leak': () => goroutineLeakSeries(),
  'heap-leak': () => heapLeakSeries(),
} as const;

/** One Sample JSON per line. */
export function toJsonl(samples: readonly Sample[]): string {
  return samples.map((s) => JSON.stringify(s)).join('\n') + '\n';
}

/** Parses JSONL written by {@link toJsonl}. */
export function parseJsonl(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Sample);
}
