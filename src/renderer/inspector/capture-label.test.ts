import { describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../shared/captures.js';
import { baseCaptureText, captureLabel } from './ProfileViews.js';

const at = (id: string, ms: number, baseline = false): CaptureMeta => ({ id, targetId: 't', kind: 'heap', pid: 1, startedMs: ms, endedMs: ms, files: [], figures: null, alertKey: null, baseline, pinned: false, note: '' });

describe('capture labels in the diff picker and the compared-with lines', () => {
  const t = (h: number, m: number, s: number, ms = 0) => new Date(2026, 10, 24, h, m, s, ms).getTime();

  it('gives the minute alone when no other capture shares it', () => {
    const a = at('a', t(18, 44, 5));
    expect(captureLabel(a, [a, at('b', t(18, 45, 5))])).toBe('2026-11-24 18:44');
    expect(captureLabel(at('c', t(18, 44, 5), true))).toBe('baseline · 2026-11-24 18:44');
  });

  it('adds seconds for captures taken in the same minute, and milliseconds in the same second, so no two read alike', () => {
    const list = [at('a', t(18, 44, 5, 100)), at('b', t(18, 44, 40)), at('c', t(18, 44, 5, 900))];
    const labels = list.map((c) => captureLabel(c, list));
    expect(labels).toEqual(['2026-11-24 18:44:05.100', '2026-11-24 18:44:40', '2026-11-24 18:44:05.900']);
    expect(new Set(labels).size).toBe(3);
  });

  it('names what a view compares with, to the second', () => {
    expect(baseCaptureText(at('a', t(18, 44, 5)))).toBe('the base capture (2026-11-24 18:44:05)');
    expect(baseCaptureText(at('a', t(18, 44, 5), true))).toBe('the baseline (2026-11-24 18:44:05)');
    // Of another process than the capture shown: a change across a restart, said so.
    const base = { ...at('a', t(18, 44, 5)), pid: 3968 };
    expect(baseCaptureText(base, { pid: 9845 })).toBe('the base capture (2026-11-24 18:44:05, of pid 3968, before a restart)');
    expect(baseCaptureText(base, { pid: 3968 })).toBe('the base capture (2026-11-24 18:44:05)');
    // Of another target (two programs side by side): named, and no restart claimed.
    expect(baseCaptureText(base, { pid: 9845, targetId: 'other' })).toBe('the base capture (2026-11-24 18:44:05, of t)');
    expect(baseCaptureText(base, { pid: 9845, targetId: 't' })).toBe('the base capture (2026-11-24 18:44:05, of pid 3968, before a restart)');
  });
});
