// A threshold alert keeps the line it fired past: a line changed in Settings applies to the next alert, and ends an open
// one whose new line is above the value. Over the recorded goroutine leak (5 → 751 goroutines, one sample every 5 s).
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_SETTINGS, type AlertEvent, type DetectorSettings } from '../../shared/alerts.js';
import type { Sample } from '../../shared/types.js';
import realLeak from '../../../test/data/series/recorded-leak.jsonl?raw';
import { parseJsonl } from '../../../test/data/series/series.js';
import { createAlertEngine } from './engine.js';

const KEY = 'threshold:goroutines';
const samples: Sample[] = parseJsonl(realLeak);

/** Detector settings with only the goroutine line on (growth and the others would speak of the same leak). */
function goroutineLine(line: number): DetectorSettings {
  const s = structuredClone(DEFAULT_DETECTOR_SETTINGS);
  for (const f of Object.keys(s.growth.figures) as Array<keyof typeof s.growth.figures>) s.growth.figures[f].enabled = false;
  s.thresholds.goroutines.line = line;
  return s;
}

/** Steps the recorded samples from..to (exclusive) through the engine; returns the events of the goroutine line. */
function run(engine: ReturnType<typeof createAlertEngine>, from: number, to: number): Array<AlertEvent & { index: number }> {
  const out: Array<AlertEvent & { index: number }> = [];
  for (let i = from; i < to; i++) for (const e of engine.step(samples[i]!)) if (e.alert.key === KEY) out.push({ ...e, index: i });
  return out;
}

describe('a threshold alert keeps the line it fired past', () => {
  const firstPast = (line: number) => samples.findIndex((s) => s.goroutines! > line);

  it('fires past 300 on the recorded leak', () => {
    const engine = createAlertEngine({ targetId: 'api', settings: goroutineLine(300) });
    const events = run(engine, 0, samples.length);
    expect(events.filter((e) => e.type === 'fired')).toEqual([expect.objectContaining({ index: firstPast(300) + 1, alert: expect.objectContaining({ title: 'Goroutines past 300', line: 300 }) })]);
  });

  it('a line raised above the value resolves the open alert on the next sample, with the title and line it fired with', () => {
    const engine = createAlertEngine({ targetId: 'api', settings: goroutineLine(300) });
    const at = firstPast(300) + 5;
    expect(run(engine, 0, at).map((e) => e.type)).toEqual(['fired']);
    expect(samples[at]!.goroutines).toBeLessThan(1000);
    engine.reconfigure(goroutineLine(1000));
    const after = run(engine, at, samples.length);
    expect(after.map((e) => [e.type, e.index])).toEqual([['resolved', at]]);
    expect(after[0]!.alert).toMatchObject({ title: 'Goroutines past 300', line: 300, state: 'resolved' });
    expect(after[0]!.alert.message).toMatch(/over the line of 300 .*It clears below 270\.$/);
    expect(engine.live()).toEqual([]);
  });

  it('a line moved while the value stays past it keeps the alert open as it fired, and applies to the next alert', () => {
    const settings = goroutineLine(300);
    settings.updateEveryMs = 0;
    const engine = createAlertEngine({ targetId: 'api', settings });
    const at = firstPast(300) + 20;
    run(engine, 0, at);
    const moved = goroutineLine(320);
    moved.updateEveryMs = 0;
    expect(samples[at]!.goroutines).toBeGreaterThan(320);
    engine.reconfigure(moved);
    const after = run(engine, at, samples.length);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((e) => e.type === 'updated' && e.alert.title === 'Goroutines past 300' && e.alert.line === 300)).toBe(true);
    // A fresh engine on the same settings fires past the new line.
    const fresh = createAlertEngine({ targetId: 'api', settings: moved });
    expect(run(fresh, 0, samples.length).find((e) => e.type === 'fired')!.alert).toMatchObject({ title: 'Goroutines past 320', line: 320 });
  });
});
