import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_SETTINGS, type Alert } from '../shared/alerts.js';
import { fakeAlert, fakeStatus } from '../../test/e2e/fake-api.js';
import { alertRows, judgeHealth, storeNote } from './health.js';
import { figureProblem } from './figures.js';

const S = DEFAULT_DETECTOR_SETTINGS;
const sample = { timeMs: 1, pid: 9, fds: 40, threads: 10, rssBytes: 10 << 20, goroutines: 20 };

describe('the state at a glance', () => {
  it('is healthy when every figure is within bounds and nothing fires', () => {
    expect(judgeHealth(fakeStatus('t', sample), [], S)).toEqual({ level: 'healthy', reason: 'All figures within bounds' });
  });

  it('is alert while an alert fires, and names the most severe one', () => {
    const alerts = [fakeAlert('t', { id: 'a', title: 'Threads past 100' }), fakeAlert('t', { id: 'b', severity: 'critical', title: 'Open FDs at 96% of the limit' })];
    expect(judgeHealth(fakeStatus('t', sample), alerts, S)).toEqual({ level: 'alert', reason: 'Open FDs at 96% of the limit (+1 more)' });
  });

  it('ignores resolved alerts and other targets’ alerts', () => {
    const alerts = [fakeAlert('t', { state: 'resolved' }), fakeAlert('other')];
    expect(judgeHealth(fakeStatus('t', sample), alerts, S).level).toBe('healthy');
  });

  it('is a warning when an alert is snoozed or acknowledged', () => {
    const h = judgeHealth(fakeStatus('t', sample), [fakeAlert('t', { state: 'acknowledged' })], S);
    expect(h).toEqual({ level: 'warning', reason: 'Open FDs past 1,000 (acknowledged)' });
  });

  it('is a warning while waiting for the process, or when a source fails', () => {
    const waiting = { ...fakeStatus('t', null), state: 'waiting' as const };
    expect(judgeHealth(waiting, [], S).reason).toBe('Waiting for the process: no matching process yet');
    const failing = { ...fakeStatus('t', sample), sources: { goroutines: { ok: false, message: 'pprof refused the connection', sinceMs: 1 } } };
    expect(judgeHealth(failing, [], S)).toEqual({ level: 'warning', reason: 'goroutines: pprof refused the connection' });
  });

  it('is a warning when a figure comes within 80 % of its alert line', () => {
    expect(judgeHealth(fakeStatus('t', { ...sample, fds: 850 }), [], S)).toEqual({ level: 'warning', reason: 'Open FDs at 85 % of the alert line (850 of 1,000)' });
  });
});

describe('why a figure has no value', () => {
  const failing = (message: string) => ({ ok: false, message, sinceMs: 1 });
  it('names the failing source it comes from, the endpoint check first, and nothing when its sources are fine', () => {
    const status = { sources: { goroutines: failing('GET …/goroutine?debug=1: no answer within 5 s'), memstats: { ok: true, message: 'ok', sinceMs: 1 } } };
    expect(figureProblem(status, 'goroutines')?.message).toBe('GET …/goroutine?debug=1: no answer within 5 s');
    expect(figureProblem(status, 'heapInuseBytes')).toBeNull();
    expect(figureProblem(status, 'fds')).toBeNull();
    const flagged = { sources: { ...status.sources, pprof: failing('the pprof endpoint belongs to another program') } };
    expect(figureProblem(flagged, 'heapInuseBytes')?.message).toBe('the pprof endpoint belongs to another program');
    expect(figureProblem(flagged, 'goroutines')?.message).toBe('the pprof endpoint belongs to another program');
  });
});

describe('whether the history is recorded', () => {
  const busy = { ok: false, message: 'another leakbar (pid 4242) records this history in /data/targets/api: this one keeps its samples in memory only', hint: 'this one records here at its next sample once that one stops', sinceMs: 1 };
  it('is said beside a firing alert, which takes the reason, and not twice when it is the reason itself', () => {
    const status = { ...fakeStatus('t', sample), sources: { store: busy } };
    const firing = judgeHealth(status, [fakeAlert('t')], S);
    expect(firing.level).toBe('alert');
    expect(storeNote(status, firing)).toEqual(busy);
    const quiet = judgeHealth(status, [], S);
    expect(quiet.reason).toBe(`store: ${busy.message}`);
    expect(storeNote(status, quiet)).toBeNull();
  });

  it('is not said while the history is recorded', () => {
    const status = { ...fakeStatus('t', sample), sources: { store: { ok: true, message: '', sinceMs: 1 } } };
    expect(storeNote(status, judgeHealth(status, [fakeAlert('t')], S))).toBeNull();
    expect(storeNote(fakeStatus('t', sample), judgeHealth(fakeStatus('t', sample), [], S))).toBeNull();
  });
});

describe('the order of the alert rows', () => {
  const fds = fakeAlert('t', { id: 'f', key: 'threshold:fds', firstMs: 1_000 });
  const threads = fakeAlert('t', { id: 'th', key: 'threshold:threads', firstMs: 2_000, title: 'Threads past 100' });
  const keys = (alerts: readonly Alert[]) => alerts.map((a) => a.key);

  it('is newest first by when each fired, and acknowledging or snoozing one moves no row', () => {
    expect(keys(alertRows([fds, threads]))).toEqual(['threshold:threads', 'threshold:fds']);
    expect(keys(alertRows([fds, { ...threads, state: 'acknowledged' }]))).toEqual(['threshold:threads', 'threshold:fds']);
    expect(keys(alertRows([{ ...fds, severity: 'critical' }, { ...threads, state: 'snoozed', snoozedUntilMs: 9_000 }]))).toEqual(['threshold:threads', 'threshold:fds']);
    expect(keys(alertRows([fds, { ...threads, state: 'resolved' }]))).toEqual(['threshold:fds']);
  });

  it('keeps the order held while the pointer is over the list: an alert that arrives goes below', () => {
    const held = keys(alertRows([fds, threads]));
    const rss = fakeAlert('t', { id: 'r', key: 'threshold:rssBytes', firstMs: 3_000 });
    expect(keys(alertRows([fds, threads, rss]))).toEqual(['threshold:rssBytes', 'threshold:threads', 'threshold:fds']);
    expect(keys(alertRows([fds, threads, rss], held))).toEqual(['threshold:threads', 'threshold:fds', 'threshold:rssBytes']);
    // The same condition under another id (another leakbar's) keeps its row.
    expect(keys(alertRows([{ ...fds, id: 'other', firstMs: 5_000 }, threads], held))).toEqual(['threshold:threads', 'threshold:fds']);
  });
});

describe('a figure of a target without a pprof endpoint', () => {
  it('says there is none for goroutines and heap, never that it is coming, and nothing of the other figures', () => {
    const status = { sources: {} };
    expect(figureProblem(status, 'goroutines', false)?.message).toBe('no pprof endpoint');
    expect(figureProblem(status, 'heapInuseBytes', false)?.message).toBe('no pprof endpoint');
    expect(figureProblem(status, 'fds', false)).toBeNull();
    expect(figureProblem(status, 'goroutines', true)).toBeNull();
  });
});
