import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_SETTINGS } from '../../shared/alerts.js';
import { randoms } from '../../../test/data/series/series.js';
import { evaluateGrowth, noiseScale, type GrowthEvaluation } from './growth.js';
import { emptySeries, pushSample, windowPoints } from './series.js';
import type { Point } from './stats.js';
import { growthTestFor } from './trends.js';

const MINUTE = 60_000;
const MiB = 1024 * 1024;
const fdTest = growthTestFor(DEFAULT_DETECTOR_SETTINGS, 'fds');
const heapTest = growthTestFor(DEFAULT_DETECTOR_SETTINGS, 'heapInuseBytes');

/** One 10-minute window at 5 s. */
function window(f: (elapsedMs: number, i: number) => number, minutes = 10): Point[] {
  const out: Point[] = [];
  for (let i = 0; i * 5000 <= minutes * MINUTE; i++) out.push([i * 5000, f(i * 5000, i)]);
  return out;
}

/** Every status a figure goes through when `f` is sampled every 5 s for `minutes` and judged after each sample. */
function slide(f: (elapsedMs: number, i: number) => number, minutes: number, test = heapTest): GrowthEvaluation[] {
  let s = emptySeries(test.windowMs, DEFAULT_DETECTOR_SETTINGS.growth.maxPoints);
  const out: GrowthEvaluation[] = [];
  for (let i = 0; i * 5000 <= minutes * MINUTE; i++) {
    s = pushSample(s, i * 5000, f(i * 5000, i));
    const { points, samples } = windowPoints(s);
    out.push(evaluateGrowth(points, samples, test));
  }
  return out;
}

describe('evaluateGrowth', () => {
  it('calls a steady FD leak growing and measures its rate', () => {
    const r = randoms(1);
    const e = evaluateGrowth(window((t) => 100 + (12 * t) / MINUTE + r.jitter(3)), 121, fdTest);
    expect(e.status).toBe('growing');
    expect(e.perMinute).toBeCloseTo(12, 0);
    expect(e.growth).toBeCloseTo(120, -1);
    expect(e.mk!.pValue).toBeLessThan(1e-6);
  });

  it('waits for enough samples and enough of the window', () => {
    const pts = window((t) => t / 1000, 5);
    expect(evaluateGrowth(pts, pts.length, fdTest)).toMatchObject({ status: 'insufficient' });
    expect(evaluateGrowth(pts.slice(0, 10), 10, fdTest)).toMatchObject({ status: 'insufficient' });
  });

  it('does not call a start-up ramp that stopped growing', () => {
    const r = randoms(2);
    const e = evaluateGrowth(window((t) => 10 + 390 * Math.min(1, t / (2 * MINUTE)) + r.jitter(5)), 121, growthTestFor(DEFAULT_DETECTOR_SETTINGS, 'goroutines'));
    expect(e.status).not.toBe('growing');
  });

  it('does not call one step growing, wherever the step falls in the window', () => {
    for (let at = 0.5; at < 10; at += 0.5) {
      const r = randoms(at * 10);
      const e = evaluateGrowth(window((t) => (t < at * MINUTE ? 100 : 300) + r.jitter(2)), 121, fdTest);
      expect(e.status, `step at ${at} min`).not.toBe('growing');
    }
  });

  it('keeps a firing alert while the rise slows below the firing bar but not to a stop (holding)', () => {
    // +40 over the window: under the minimum of 50, over half of it.
    const r = randoms(3);
    const e = evaluateGrowth(window((t) => 100 + (4 * t) / MINUTE + r.jitter(1)), 121, fdTest);
    expect(e.status).toBe('holding');
  });

  it('never calls a Go heap sawtooth on a flat live heap growing (GC at least every 2.5 min, any depth, noise and phase)', () => {
    fc.assert(
      fc.property(
        fc.record({
          periodMs: fc.integer({ min: 10_000, max: 150_000 }),
          depth: fc.double({ min: 0.1, max: 1.5, noNaN: true }),
          liveMiB: fc.integer({ min: 5, max: 2000 }),
          phaseMs: fc.integer({ min: 0, max: 150_000 }),
          noise: fc.double({ min: 0, max: 0.05, noNaN: true }),
          seed: fc.integer(),
        }),
        ({ periodMs, depth, liveMiB, phaseMs, noise, seed }) => {
          const r = randoms(seed);
          const live = liveMiB * MiB;
          const statuses = slide((t) => live * (1 + depth * (((t + phaseMs) % periodMs) / periodMs) + noise * r.normal()), 60);
          expect(statuses.filter((s) => s.status === 'growing')).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('does not call a sawtooth sampled out of step with its period growing (its troughs drift up for minutes)', () => {
    // Found by the property above: a GC every 64.4 s seen every 5 s; each tooth's lowest sample is 1.3 MiB above the last
    // one's for some 8 minutes, which the segment test alone took for a floor that never comes back.
    const live = 108 * MiB;
    const statuses = slide((t) => live * (1 + 1.2074258599854455 * ((t % 64_376) / 64_376)), 60);
    expect(statuses.filter((s) => s.status === 'growing')).toEqual([]);
  });

  it('never calls flat white noise growing, whatever its size', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 1000, noNaN: true }), fc.integer(), (sd, seed) => {
        const r = randoms(seed);
        const statuses = slide(() => 1000 + sd * r.normal(), 40, fdTest);
        expect(statuses.filter((s) => s.status === 'growing')).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });

  it('calls a retained heap leak under a GC sawtooth growing within the window', () => {
    // Live heap +1 MiB/s; garbage builds up to the live heap and a GC every 40 s drops it (GOGC=100).
    const statuses = slide((t) => (50 * MiB + t * (MiB / 1000)) * (1 + (t % 40_000) / 40_000), 12);
    const first = statuses.findIndex((s) => s.status === 'growing');
    expect(first).toBeGreaterThan(0);
    expect(first * 5000).toBeLessThanOrEqual(10 * MINUTE);
  });
});

describe('noiseScale', () => {
  it('sees the noise, not the trend or a rare jump', () => {
    const r = randoms(4);
    const pts = window((t, i) => 1000 * t + (i === 60 ? 1e9 : 0) + 10 * r.normal());
    expect(noiseScale(pts)).toBeGreaterThan(6);
    expect(noiseScale(pts)).toBeLessThan(15);
  });
});
