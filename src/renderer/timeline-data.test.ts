import { describe, expect, it } from 'vitest';
import { fakeAlert } from '../../test/e2e/fake-api.js';
import type { History } from '../shared/api.js';
import { appendSample, mergeAlert } from './hooks/useLiveTarget.js';
import { sparkDomain, sparkPoints } from './components/Sparkline.js';
import { alertMarkerLabel, aloneIndexes, markersOf, niceTicks, sampleAt, timeTicks, withBreaks } from './timeline-data.js';

const history: History = {
  samples: [],
  events: [
    { type: 'restart', timeMs: 300, oldPid: 1, newPid: 2 },
    { type: 'status', timeMs: 310, source: 'fds', ok: false, message: 'x' },
  ],
  alerts: [fakeAlert('t', { firstMs: 200 }), fakeAlert('t', { id: 'old', firstMs: 10 })],
  captures: [{ id: 'c1', targetId: 't', kind: 'heap', pid: 2, startedMs: 400, endedMs: 410, files: [], figures: null, alertKey: null, baseline: false, pinned: false, note: '' }],
  downsampled: false,
};

describe('timeline data', () => {
  it("labels an alert marker with what held when it fired, whatever its title says now", () => {
    // A line crossed keeps its title; an alert not updated since it fired too.
    expect(alertMarkerLabel(fakeAlert('t', { firstMs: 1000, lastMs: 9000 }))).toBe('Open FDs past 1,000');
    const repeated = fakeAlert('t', { kind: 'repeated-file', figure: 'repeatedFiles', subject: '/tmp/x/leaky-1-0.dat', title: 'leaky-1-0.dat is open 776 times', value: 776, firstMs: 1000, lastMs: 9000, evidence: [[1000, 176], [9000, 776]] });
    expect(alertMarkerLabel(repeated)).toBe('leaky-1-0.dat was open 176 times');
    expect(alertMarkerLabel({ ...repeated, lastMs: 1000 })).toBe('leaky-1-0.dat is open 776 times');
    // Another title that follows the figure says as of when.
    const limit = fakeAlert('t', { kind: 'fd-limit', title: 'FDs at 91% of the limit', firstMs: 1000, lastMs: Date.UTC(2026, 10, 25, 2, 40, 5) });
    expect(alertMarkerLabel(limit)).toMatch(/^FDs at 91% of the limit \(as of \d\d:\d\d:\d\d\)$/);
  });

  it('turns alerts, captures and restarts into markers inside the range, oldest first', () => {
    const m = markersOf(history, 100, 1000);
    expect(m.map((x) => [x.kind, x.timeMs])).toEqual([
      ['alert', 200],
      ['restart', 300],
      ['capture', 400],
    ]);
    expect(m[0]!.figure).toBe('fds');
    expect(m[2]!.ref).toEqual({ captureId: 'c1' });
  });

  it('finds the sample nearest a moment', () => {
    const s = [100, 200, 300].map((timeMs) => ({ timeMs, pid: 1 }));
    expect(sampleAt(s, 0)!.timeMs).toBe(100);
    expect(sampleAt(s, 240)!.timeMs).toBe(200);
    expect(sampleAt(s, 260)!.timeMs).toBe(300);
    expect(sampleAt(s, 999)!.timeMs).toBe(300);
    expect(sampleAt([], 5)).toBeNull();
  });

  it('breaks the drawn line across a stretch with no samples and between two processes, not at a skipped tick', () => {
    const at = (timeMs: number, pid = 1) => ({ timeMs, pid, fds: timeMs / 1000 });
    // Every 5 s; one tick skipped (10 s); leakbar off for 10 minutes; then a restart (pid 2).
    const s = [at(0), at(5_000), at(10_000), at(20_000), at(25_000), at(625_000), at(630_000), at(635_000, 2), at(640_000, 2)];
    const points = withBreaks(s);
    const breaks = points.filter((p) => p.pid === undefined).map((p) => p.timeMs);
    expect(breaks).toEqual([325_000, 632_500]);
    // Every sample is kept, in order.
    expect(points.filter((p) => p.pid !== undefined)).toEqual(s);
    // An even series, and one too short to tell a step, are drawn as they are.
    expect(withBreaks([at(0), at(5_000), at(10_000), at(15_000)])).toHaveLength(4);
    expect(withBreaks([at(0), at(600_000)])).toHaveLength(2);
    // The interval changed from 5 s to 60 s (the Settings page): one break where it changed, then a line again, not
    // every 60 s sample alone between two breaks (drawn as nothing).
    const slower = [0, 5, 10, 15, 20, 80, 140, 200, 260].map((s) => at(s * 1000));
    expect(withBreaks(slower).filter((p) => p.pid === undefined).length).toBeLessThanOrEqual(1);
    const longerFirst = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 105, 165].map((s) => at(s * 1000));
    expect(withBreaks(longerFirst).filter((p) => p.pid === undefined).map((p) => p.timeMs)).toEqual([75_000]);
    // Two gaps in a row (the machine slept twice): the sample between them joins neither side.
    const twice = [0, 5, 10, 610, 1210, 1215, 1220].map((s) => at(s * 1000));
    expect(withBreaks(twice).filter((p) => p.pid === undefined).map((p) => p.timeMs)).toEqual([310_000, 910_000]);
    // An extra sample 400 ms after one (the watcher restarted on an edit): no break on either side of it.
    const extra = [0, 5000, 10_000, 10_400, 15_400, 20_400, 25_400].map((t) => at(t));
    expect(withBreaks(extra).filter((p) => p.pid === undefined)).toEqual([]);
    // ... and is drawn as a dot: it is the one point of the figure with no neighbour that has it.
    const slept = withBreaks(twice);
    expect([...aloneIndexes(slept, 'fds')].map((i) => slept[i]!.timeMs)).toEqual([610_000]);
    expect(aloneIndexes(withBreaks(slower), 'fds').size).toBe(0);
  });

  it('breaks a popover sparkline where the timeline breaks, and sizes it by the values alone', () => {
    const at = (timeMs: number, pid: number, fds?: number) => ({ timeMs, pid, ...(fds === undefined ? {} : { fds }) });
    const points = sparkPoints([at(0, 1, 5), at(1_000, 1, 6), at(2_000, 1), at(3_000, 1, 7), at(4_000, 2, 3), at(5_000, 2, 4)], 'fds');
    expect(points).toEqual([
      { t: 0, v: 5 },
      { t: 1_000, v: 6 },
      { t: 3_000, v: 7 },
      { t: 3_500, v: null },
      { t: 4_000, v: 3 },
      { t: 5_000, v: 4 },
    ]);
    const [lo, hi] = sparkDomain(points, null);
    expect(lo).toBeGreaterThan(2);
    expect(hi).toBeLessThan(8);
    expect(sparkDomain([{ t: 0, v: null }], null)).toEqual([0, 1]);
  });

  it('puts y ticks on round numbers, and bytes on round kB/MB/GB', () => {
    expect(niceTicks(1.1, 'percent')).toEqual([0, 0.5, 1, 1.5]);
    expect(niceTicks(5, 'percent')).toEqual([0, 2, 4, 6]);
    expect(niceTicks(1100, 'count')).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(23 * 1024 * 1024, 'bytes').map((b) => b / 1024 / 1024)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(0, 'count')).toEqual([0, 1]);
    expect(niceTicks(10, 'count')).toEqual([0, 5, 10]);
    expect(niceTicks(2, 'count')).toEqual([0, 1, 2]);
  });

  it('puts axis ticks on round times', () => {
    const from = new Date(2024, 0, 1, 10, 7).getTime();
    const ticks = timeTicks(from, from + 3_600_000, 6);
    expect(ticks.map((t) => new Date(t).getMinutes())).toEqual([10, 20, 30, 40, 50, 0]);
    expect(timeTicks(from, from + 30_000, 6).length).toBeGreaterThanOrEqual(3);
  });
});

describe('live state', () => {
  it('upserts alerts by id, newest first', () => {
    const a = fakeAlert('t', { id: 'a', firstMs: 1 });
    const b = fakeAlert('t', { id: 'b', key: 'threshold:threads', firstMs: 2 });
    expect(mergeAlert([a], b).map((x) => x.id)).toEqual(['b', 'a']);
    expect(mergeAlert([b, a], { ...a, state: 'acknowledged' }).find((x) => x.id === 'a')!.state).toBe('acknowledged');
  });

  it('lets an open alert take the place of another open one of its condition (a reader going on under the recorder’s id)', () => {
    const own = fakeAlert('t', { id: 'threshold:fds@5635', firstMs: 5635 });
    const recorders = fakeAlert('t', { id: 'threshold:fds@4764', firstMs: 4764 });
    expect(mergeAlert([own], recorders).map((x) => x.id)).toEqual(['threshold:fds@4764']);
    // A resolved one of that condition stays, and a resolved one never pushes out the open one.
    const earlier = fakeAlert('t', { id: 'threshold:fds@10', firstMs: 10, state: 'resolved' });
    expect(mergeAlert([own, earlier], recorders).map((x) => x.id)).toEqual(['threshold:fds@4764', 'threshold:fds@10']);
    expect(mergeAlert([recorders], earlier).map((x) => x.id)).toEqual(['threshold:fds@4764', 'threshold:fds@10']);
  });

  it('keeps samples inside the window and drops repeats', () => {
    const s = [0, 1000, 2000].map((timeMs) => ({ timeMs, pid: 1 }));
    expect(appendSample(s, { timeMs: 3000, pid: 1 }, 2000).map((x) => x.timeMs)).toEqual([1000, 2000, 3000]);
    expect(appendSample(s, { timeMs: 2000, pid: 1 }, 2000)).toBe(s);
  });

  it('gives sparklines room and shows the alert line once the data come near it', () => {
    const pts = [10, 20].map((v, t) => ({ t, v }));
    const [lo, hi] = sparkDomain(pts, 1000);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1000);
    expect(sparkDomain([600, 700].map((v, t) => ({ t, v })), 1000)[1]).toBeGreaterThan(1000);
  });
});
