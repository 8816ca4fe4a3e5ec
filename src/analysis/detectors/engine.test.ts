import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_SETTINGS, type Alert, type AlertEvent, type DetectorSettings } from '../../shared/alerts.js';
import { isLeakbarError } from '../../shared/errors.js';
import type { FdBreakdown, Sample } from '../../shared/types.js';
import { buildSeries, fdLeakSeries, START_MS, type FigureFn } from '../../../test/data/series/series.js';
import { formatAmount, formatClock, formatSigned } from './findings.js';
import {
  acknowledge,
  carryOverAlerts,
  createAlertEngine,
  createAlertState,
  liveAlerts,
  snooze,
  step,
  type AlertEngineState,
  type StepExtras,
} from './engine.js';

const MINUTE = 60_000;
const MiB = 1024 * 1024;
type Indexed = AlertEvent & { index: number };

/** Runs samples through a fresh engine; returns every event with the index of the sample that caused it. */
function run(
  samples: readonly Sample[],
  opts: { settings?: DetectorSettings; extras?: (i: number, s: Sample) => StepExtras | undefined; platform?: string; state?: AlertEngineState } = {},
): { events: Indexed[]; state: AlertEngineState } {
  let state = opts.state ?? createAlertState({ targetId: 'api', settings: opts.settings ?? DEFAULT_DETECTOR_SETTINGS, platform: opts.platform ?? 'linux' });
  const events: Indexed[] = [];
  samples.forEach((s, index) => {
    const r = step(state, s, opts.extras?.(index, s));
    state = r.state;
    for (const e of r.events) events.push({ ...e, index });
  });
  return { events, state };
}

const fired = (events: Indexed[], key?: string) => events.filter((e) => e.type === 'fired' && (key === undefined || e.alert.key === key));
const resolved = (events: Indexed[], key?: string) => events.filter((e) => e.type === 'resolved' && (key === undefined || e.alert.key === key));
const series = (minutes: number, figures: Parameters<typeof buildSeries>[0]['figures'], startMs?: number) =>
  buildSeries({ durationMs: minutes * MINUTE, figures, ...(startMs === undefined ? {} : { startMs }) });
const at = (i: number) => START_MS + i * 5000;

function settingsWith(patch: (s: DetectorSettings) => void): DetectorSettings {
  const s = structuredClone(DEFAULT_DETECTOR_SETTINGS);
  patch(s);
  return s;
}

describe('FD threshold', () => {
  it('fires an FD leak of 20/s at 5 s on the second sample past 1000 (sample 11), once', () => {
    const samples = fdLeakSeries(20, 100, 3 * MINUTE);
    expect(samples.findIndex((s) => s.fds! > 1000)).toBe(10);
    const { events } = run(samples);
    const f = fired(events, 'threshold:fds');
    expect(f.map((e) => e.index)).toEqual([11]);
    const a = f[0]!.alert;
    expect(a).toMatchObject({
      id: `threshold:fds@${at(11)}`,
      kind: 'threshold',
      figure: 'fds',
      severity: 'warning',
      state: 'firing',
      targetId: 'api',
      firstMs: at(11),
      value: 1200,
      line: 1000,
      unit: 'count',
      suggestedCapture: 'fds',
      title: 'FDs past 1,000',
    });
    expect(a.message).toBe('1,200 FDs open, over the line of 1,000 for 5 s. It clears below 900.');
    expect(a.nextStep).toMatch(/repeated files/);
    // The command in the next step names the watched process, not a placeholder.
    expect(a.nextStep).toContain(`(lsof -p ${samples[11]!.pid})`);
    expect(a.evidence.at(-1)).toEqual([at(11), 1200]);
    expect(a.evidence.some(([, v]) => v <= 1000)).toBe(true);
  });

  it('keeps one alert per condition, updating it while it lasts, then resolves below the lower line', () => {
    const samples = series(30, { fds: (e) => (e < 20 * MINUTE ? 1500 : 100) });
    const { events, state } = run(samples);
    expect(fired(events)).toHaveLength(1);
    const updates = events.filter((e) => e.type === 'updated');
    // At most one update a minute (updateEveryMs), with lastMs moving on.
    expect(updates.length).toBeGreaterThanOrEqual(15);
    expect(updates.length).toBeLessThanOrEqual(20);
    expect(updates.at(-1)!.alert.lastMs).toBeGreaterThan(updates[0]!.alert.lastMs);
    const r = resolved(events, 'threshold:fds');
    expect(r.map((e) => e.index)).toEqual([241]); // 100 at samples 240 and 241: two in a row under 900
    expect(r[0]!.alert).toMatchObject({ state: 'resolved', resolvedMs: at(241) });
    expect(liveAlerts(state)).toEqual([]);
  });

  it('fires once for a value hovering around the line (hysteresis), never flapping', () => {
    // 940…1060, crossing the line every few samples, for 3 hours.
    const { events } = run(series(180, { fds: (_e, i) => 1000 + 60 * Math.sin(i / 2) }));
    expect(fired(events)).toHaveLength(1);
    expect(resolved(events)).toHaveLength(0);
  });

  it('needs N samples in a row past the line: one spike does not fire', () => {
    const { events } = run(series(10, { fds: (_e, i) => (i % 10 === 5 ? 5000 : 100) }));
    expect(events).toEqual([]);
  });

  it('waits out the cooldown before firing again after it resolved', () => {
    // Over for 1 min, under for 4 min, over again from minute 5 on.
    const { events } = run(series(40, { fds: (e) => (e < MINUTE || e >= 5 * MINUTE ? 1200 : 100) }));
    const f = fired(events, 'threshold:fds');
    const r = resolved(events, 'threshold:fds');
    expect(r).toHaveLength(1);
    const resolvedMs = r[0]!.alert.resolvedMs!;
    expect(f).toHaveLength(2);
    // The second fires on the first sample at or after the cooldown's end, not at minute 5.
    expect(f[1]!.alert.firstMs).toBe(resolvedMs + DEFAULT_DETECTOR_SETTINGS.cooldownMs);
    expect(f[1]!.alert.id).not.toBe(f[0]!.alert.id);
  });

  it('is off when disabled', () => {
    const settings = settingsWith((s) => {
      s.thresholds.fds.enabled = false;
    });
    expect(fired(run(series(5, { fds: () => 5000 }), { settings }).events)).toEqual([]);
  });
});

describe('other lines', () => {
  it('fires FDs past 80 % of the FD limit, turning critical past 95 %', () => {
    // 700 → 1020 of 1024 at +10 a sample.
    const { events } = run(series(3, { fds: (_e, i) => 700 + 10 * i, fdLimit: () => 1024 }));
    const f = fired(events, 'fd-limit:fds');
    // 80 % of 1024 is 819.2: 820 (sample 12) and 830 (13).
    expect(f.map((e) => e.index)).toEqual([13]);
    expect(f[0]!.alert).toMatchObject({ severity: 'warning', line: 819, value: 830 });
    expect(f[0]!.alert.message).toMatch(/^830 of 1,024 FDs in use \(81 %\), past 80 % of the limit/);
    const critical = events.find((e) => e.alert.key === 'fd-limit:fds' && e.alert.severity === 'critical');
    // 95 % is 972.8: the first sample past it is 980 (sample 28), and a change of severity is news at once.
    expect(critical).toMatchObject({ type: 'updated', index: 28 });
  });

  it('takes the FD count and limit from the breakdown when the sample has none', () => {
    const breakdown = (total: number): FdBreakdown => ({
      total,
      byType: { file: total, dir: 0, pipe: 0, unix: 0, ipv4: 0, ipv6: 0, eventpoll: 0, kqueue: 0, chr: 0, other: 0 },
      repeated: [],
      patterns: [],
      limit: 256,
    });
    const { events } = run(series(1, {}), { extras: () => ({ fdBreakdown: breakdown(240) }) });
    expect(fired(events, 'fd-limit:fds')).toHaveLength(1);
  });

  it('fires threads past 100', () => {
    const { events } = run(series(2, { threads: (_e, i) => 90 + i }));
    expect(fired(events).map((e) => [e.index, e.alert.key, e.alert.value])).toEqual([[12, 'threshold:threads', 102]]);
    expect(fired(events)[0]!.alert.suggestedCapture).toBe(null); // threads family: auto-capture off by default
  });

  it('fires goroutines past 10,000 and RSS past 500 MB', () => {
    const { events } = run(series(1, { goroutines: () => 12_000, rssBytes: () => 600 * MiB, heapInuseBytes: () => 400 * MiB }));
    expect(fired(events).map((e) => e.alert.key).sort()).toEqual(['threshold:goroutines', 'threshold:rssBytes']);
    const rss = fired(events, 'threshold:rssBytes')[0]!.alert;
    expect(rss.title).toBe('RSS past 500.0 MB');
    expect(rss.nextStep).toMatch(/FD count, then the memory map .* then a heap profile/);
    expect(rss.nextStep).toMatch(/\/proc\/\d+\/smaps_rollup/);
  });
});

describe('RSS high while the heap is small', () => {
  const figures: Record<string, FigureFn> = { rssBytes: () => 800 * MiB, heapInuseBytes: () => 90 * MiB, heapSysBytes: () => 120 * MiB };

  it('says the memory is outside the heap and points at the memory map', () => {
    const { events } = run(series(1, figures));
    const f = fired(events, 'rss-heap-gap:rssBytes');
    expect(f.map((e) => e.index)).toEqual([1]);
    const a = f[0]!.alert;
    expect(a.title).toBe('RSS 800.0 MB but the heap is 90.0 MB');
    expect(a.message).toMatch(/HeapInuse\) is 90\.0 MB, 11 % of it/);
    expect(a.message).toMatch(/memory map/);
    expect(a.nextStep).toMatch(/memory map rather than the heap/);
    expect(a.message).not.toMatch(/MADV_FREE/);
  });

  it('on macOS mentions MADV_FREE and comparing the physical footprint with its peak', () => {
    const mac = { ...figures, physFootprintBytes: () => 300 * MiB, physFootprintPeakBytes: () => 900 * MiB };
    const a = fired(run(series(1, mac), { platform: 'darwin' }).events, 'rss-heap-gap:rssBytes')[0]!.alert;
    expect(a.message).toMatch(/MADV_FREE/);
    expect(a.message).toMatch(/physical footprint with its peak \(now 300\.0 MB, peak 900\.0 MB\)/);
  });

  it('falls back to HeapSys, and stays quiet when the heap is most of RSS or there is no heap figure', () => {
    expect(fired(run(series(1, { rssBytes: () => 800 * MiB, heapSysBytes: () => 100 * MiB })).events, 'rss-heap-gap:rssBytes')).toHaveLength(1);
    expect(fired(run(series(1, { rssBytes: () => 800 * MiB, heapInuseBytes: () => 600 * MiB })).events, 'rss-heap-gap:rssBytes')).toEqual([]);
    expect(fired(run(series(1, { rssBytes: () => 800 * MiB })).events, 'rss-heap-gap:rssBytes')).toEqual([]);
  });
});

describe('restart', () => {
  it('fires when the PID changes, ends what was said of the old process, and starts its history over', () => {
    const samples = buildSeries({ durationMs: 40 * MINUTE, pid: (e) => (e < 10 * MINUTE ? 100 : 200), figures: { fds: (e) => (e < 10 * MINUTE ? 1500 : 50) } });
    const { events } = run(samples);
    const restart = fired(events, 'restart:pid');
    expect(restart.map((e) => e.index)).toEqual([120]);
    expect(restart[0]!.alert).toMatchObject({ severity: 'warning', value: 200, title: 'The process restarted', suggestedCapture: null });
    expect(restart[0]!.alert.message).toMatch(/^PID 100 → 200\. Its figures and trends start over from here\./);
    expect(restart[0]!.alert.evidence).toEqual([[at(119), 100], [at(120), 200]]);
    // The engine cannot know whether a baseline was marked: the next step says the earlier captures stay, not that they are one.
    expect(restart[0]!.alert.nextStep).toMatch(/Captures taken before the restart stay on disk: compare later ones with them .*leakbar report/);
    expect(restart[0]!.alert.nextStep).not.toMatch(/baseline/);
    const fdEnd = resolved(events, 'threshold:fds');
    expect(fdEnd.map((e) => e.index)).toEqual([120]);
    expect(fdEnd[0]!.alert.message).toMatch(/It ended with the process \(PID 100\)\.$/);
    // The restart alert holds for restart.holdMs (10 min), then resolves.
    expect(resolved(events, 'restart:pid').map((e) => e.index)).toEqual([240]);
  });

  it('starts no cooldown for what ended with the old process: the new one leaking is news at once', () => {
    const samples = buildSeries({ durationMs: 20 * MINUTE, pid: (e) => (e < 5 * MINUTE ? 100 : 200), figures: { fds: (e) => (e < 5 * MINUTE ? 1500 : e < 7 * MINUTE ? 50 : 1500) } });
    const f = fired(run(samples).events, 'threshold:fds');
    expect(f.map((e) => e.index)).toEqual([1, 85]);
  });

  it('turns critical on the third restart in a row (a crash loop)', () => {
    const samples = buildSeries({ durationMs: 10 * MINUTE, pid: (e) => 100 + Math.floor(e / (2 * MINUTE)), figures: {} });
    const { events } = run(samples);
    expect(fired(events, 'restart:pid')).toHaveLength(1);
    const critical = events.find((e) => e.alert.key === 'restart:pid' && e.alert.severity === 'critical');
    expect(critical?.alert.title).toMatch(/^Restarted 3 times in 4 min$/);
  });
});

function breakdown(repeated: FdBreakdown['repeated'], patterns: FdBreakdown['patterns'] = []): FdBreakdown {
  return {
    total: 80,
    byType: { file: 60, dir: 0, pipe: 4, unix: 4, ipv4: 10, ipv6: 2, eventpoll: 0, kqueue: 0, chr: 0, other: 0 },
    repeated,
    patterns,
    limit: 10_240,
  };
}

describe('FD patterns', () => {
  it('names a file open 4 or more times, ignoring the std streams, and resolves when it is closed', () => {
    const samples = series(2, { fds: () => 80 });
    const { events } = run(samples, {
      extras: (i) =>
        i === 3
          ? { fdBreakdown: breakdown([{ name: '/dev/null', count: 9 }, { name: '/var/log/app.log', count: 12 }, { name: '/tmp/cache.db', count: 4 }]) }
          : i === 20
            ? { fdBreakdown: breakdown([]) }
            : undefined,
    });
    const f = fired(events, 'repeated-file:repeatedFiles');
    expect(f.map((e) => e.index)).toEqual([3]);
    expect(f[0]!.alert).toMatchObject({ subject: '/var/log/app.log', value: 12, line: 4, title: 'app.log is open 12 times' });
    expect(f[0]!.alert.message).toMatch(/^\/var\/log\/app\.log: something opens it again without closing the earlier ones\./);
    expect(f[0]!.alert.message).toMatch(/Also open 4\+ times: \/tmp\/cache\.db \(4\)\./);
    expect(f[0]!.alert.nextStep).toMatch(/^Find where \/var\/log\/app\.log is opened/);
    expect(resolved(events, 'repeated-file:repeatedFiles').map((e) => e.index)).toEqual([20]);
  });

  it("fires when a path pattern's count keeps growing (session files left open), not when it is flat", () => {
    // A breakdown every minute: .claude/projects grows by one a minute; .codex/sessions stays at 3.
    const samples = series(40, { fds: (e) => 80 + Math.floor(e / MINUTE) });
    const { events } = run(samples, {
      extras: (i) =>
        i % 12 === 0
          ? { fdBreakdown: breakdown([], [{ pattern: '.claude/projects', count: 2 + i / 12 }, { pattern: '.codex/sessions', count: 3 }]) }
          : undefined,
    });
    const f = fired(events).filter((e) => e.alert.kind === 'fd-pattern-growth');
    expect(f).toHaveLength(1);
    expect(f[0]!.alert).toMatchObject({ key: 'fd-pattern-growth:fdPattern:.claude/projects', subject: '.claude/projects', suggestedCapture: 'fds' });
    expect(f[0]!.alert.message).toMatch(/^Open FDs under "\.claude\/projects" rose from \d+ to \d+ in \d+ min \(\+\d+; trend \+1\.0\/min\): sessions/);
    // The pattern window is 30 min and needs 80 % of it covered.
    expect(f[0]!.index * 5000).toBeGreaterThanOrEqual(24 * MINUTE);
  });
});

describe("the runtime's goroutineleak profile", () => {
  it('fires critical on any leaked goroutine, suggests a goroutine capture, and resolves at zero', () => {
    const { events } = run(series(1, {}), { extras: (i) => ({ goroutineLeakCount: i >= 3 && i < 8 ? 3 : 0 }) });
    const f = fired(events, 'goroutine-leak-profile:goroutineLeakCount');
    expect(f.map((e) => e.index)).toEqual([3]);
    expect(f[0]!.alert).toMatchObject({ severity: 'critical', value: 3, suggestedCapture: 'goroutine', title: "3 leaked goroutines (runtime's own report)" });
    expect(resolved(events).map((e) => e.index)).toEqual([8]);
  });
});

describe('snooze and acknowledge', () => {
  const over = series(60, { fds: () => 1500 });

  it('a snoozed alert stays quiet until the snooze ends, then fires again while the condition holds', () => {
    let state = run(over.slice(0, 3)).state;
    const s = snooze(state, 'threshold:fds', at(2) + 20 * MINUTE);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.events).toMatchObject([{ type: 'updated', alert: { state: 'snoozed', snoozedUntilMs: at(2) + 20 * MINUTE } }]);
    state = s.state;
    const { events } = run(over.slice(3), { state });
    // Nothing at all while snoozed; then the notice again, and updates after it.
    expect(events[0]!.type).toBe('fired');
    const f = fired(events);
    expect(f).toHaveLength(1);
    expect(f[0]!.alert.lastMs).toBe(at(2) + 20 * MINUTE);
    expect(f[0]!.alert).toMatchObject({ state: 'firing', snoozedUntilMs: null });
  });

  it('a snooze set before a condition starts keeps it quiet from the start', () => {
    const s = snooze(createAlertState({ targetId: 'api' }), 'threshold:fds', at(0) + 10 * MINUTE);
    expect(s.ok && s.events).toEqual([]);
    if (!s.ok) return;
    const { events, state } = run(over.slice(0, 60), { state: s.state });
    // No notice (no "fired"), but told once as an update, snoozed, so it is recorded as such.
    expect(fired(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'updated').slice(0, 1)).toMatchObject([{ alert: { key: 'threshold:fds', state: 'snoozed', snoozedUntilMs: at(0) + 10 * MINUTE } }]);
    expect(events.every((e) => e.type === 'updated' && e.alert.state === 'snoozed')).toBe(true);
    expect(liveAlerts(state)).toMatchObject([{ key: 'threshold:fds', state: 'snoozed' }]);
  });

  it('an acknowledged alert sends no more notices but still updates and resolves', () => {
    const first = run(over.slice(0, 3)).state;
    const a = acknowledge(first, 'threshold:fds');
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.events[0]!.alert.state).toBe('acknowledged');
    const rest = [...over.slice(3, 200), ...series(2, { fds: () => 10 }, at(200))];
    const { events } = run(rest, { state: a.state });
    expect(fired(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'updated').every((e) => e.alert.state === 'acknowledged')).toBe(true);
    expect(resolved(events)).toHaveLength(1);
  });

  it('refuses to acknowledge what is not live, with a typed error', () => {
    const a = acknowledge(createAlertState({ targetId: 'api' }), 'threshold:fds');
    expect(a.ok).toBe(false);
    if (a.ok) return;
    expect(isLeakbarError(a.error, 'not-found')).toBe(true);
    const s = snooze(createAlertState({ targetId: 'api' }), 'threshold:fds', Number.NaN);
    expect(!s.ok && isLeakbarError(s.error, 'bad-input')).toBe(true);
  });

  it('createAlertEngine keeps the state for the watcher', () => {
    const engine = createAlertEngine({ targetId: 'api' });
    const events = over.slice(0, 3).flatMap((s) => engine.step(s));
    expect(events.map((e) => e.type)).toEqual(['fired']);
    expect(engine.acknowledge('threshold:fds')).toMatchObject({ ok: true, events: [{ type: 'updated' }] });
    expect(engine.live()).toMatchObject([{ key: 'threshold:fds', state: 'acknowledged' }]);
  });
});

describe('the engine as a reducer', () => {
  function deepFreeze<T>(o: T): T {
    if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
      Object.freeze(o);
      for (const v of Object.values(o)) deepFreeze(v);
    }
    return o;
  }

  it('never changes the state it is given', () => {
    const samples = fdLeakSeries(20, 100, 20 * MINUTE);
    let state = createAlertState({ targetId: 'api' });
    for (const s of samples) state = step(deepFreeze(state), s, { goroutineLeakCount: 0 }).state;
    expect(liveAlerts(state).map((a) => a.key).sort()).toEqual(['growth:fds', 'threshold:fds']);
  });

  it('ignores a sample not later than the one before', () => {
    const { state } = run(series(1, { fds: () => 50 }));
    const r = step(state, { timeMs: at(3), pid: 4242, fds: 5000 });
    expect(r.state).toBe(state);
    expect(r.events).toEqual([]);
  });

  it('is plain JSON: a saved and restored state carries on the same', () => {
    const samples = fdLeakSeries(20, 100, 20 * MINUTE);
    const a = run(samples.slice(0, 100));
    const restored = JSON.parse(JSON.stringify(a.state)) as AlertEngineState;
    const straight = run(samples.slice(100), { state: a.state }).events;
    const again = run(samples.slice(100), { state: restored }).events;
    expect(again).toEqual(straight);
  });

  it('keeps evidence to at most 120 points however long an alert lasts', () => {
    const { state } = run(series(180, { fds: (_e, i) => 1500 + (i % 7) }));
    const alert = state.alerts['threshold:fds']!;
    expect(alert.evidence.length).toBeLessThanOrEqual(120);
    expect(alert.evidence.length).toBeGreaterThan(30);
    expect(alert.evidence.at(-1)![0]).toBe(at(180 * 12));
  });

  it('holds a growth alert while its figure goes unsampled, then resolves when the growth stops', () => {
    const leak: FigureFn = (e) => 50 + Math.min(e, 15 * MINUTE) / 100;
    const samples = series(40, { goroutines: leak }).map((s, i) => (i >= 150 && i < 170 ? { timeMs: s.timeMs, pid: s.pid } : s));
    const { events } = run(samples);
    expect(fired(events, 'growth:goroutines')).toHaveLength(1);
    const r = resolved(events, 'growth:goroutines');
    expect(r).toHaveLength(1);
    expect(r[0]!.index).toBeGreaterThan(180);
  });
});

describe('an alert whose rule is turned off while it is open', () => {
  /** Runs `samples` in two halves: the first with the default settings, the second after `off` was applied (as the service's reconfigure does). */
  function runTurningOff(samples: readonly Sample[], off: (s: DetectorSettings) => void, extras?: (i: number) => StepExtras | undefined) {
    const half = Math.floor(samples.length / 2);
    const first = run(samples.slice(0, half), { extras });
    const engine = createAlertEngine({ targetId: 'api' }, first.state);
    engine.reconfigure(settingsWith(off));
    const later: Indexed[] = [];
    samples.slice(half).forEach((s, i) => {
      for (const e of engine.step(s, extras?.(half + i))) later.push({ ...e, index: half + i });
    });
    return { first: first.events, later, engine, half };
  }
  const closedNote = 'Closed: this alert was turned off in the settings.';

  it('a threshold: closed on the next sample, with a note; turned on again, it fires again while the condition holds', () => {
    const samples = series(10, { fds: () => 1500 });
    const { first, later, engine, half } = runTurningOff(samples, (s) => {
      s.thresholds.fds.enabled = false;
    });
    expect(fired(first, 'threshold:fds')).toHaveLength(1);
    const r = resolved(later, 'threshold:fds');
    expect(r.map((e) => e.index)).toEqual([half]);
    expect(r[0]!.alert.message).toContain(closedNote);
    expect(engine.live()).toEqual([]);
    // On again: its latch starts over, so the FDs still past the line fire a new alert (no cooldown: it was not the condition that ended).
    engine.reconfigure(DEFAULT_DETECTOR_SETTINGS);
    const again = series(2, { fds: () => 1500 }, samples.at(-1)!.timeMs + 5000).flatMap((s) => engine.step(s).map((e) => ({ ...e, index: 0 })));
    expect(fired(again, 'threshold:fds')).toHaveLength(1);
  });

  it('a growth figure, and the goroutineleak profile', () => {
    const leak: FigureFn = (e) => 50 + e / 100;
    const samples = series(40, { goroutines: leak });
    const extras = () => ({ goroutineLeakCount: 3 });
    const { first, later } = runTurningOff(
      samples,
      (s) => {
        s.growth.figures.goroutines.enabled = false;
        s.goroutineLeakProfile.enabled = false;
      },
      extras,
    );
    expect(fired(first, 'growth:goroutines')).toHaveLength(1);
    expect(fired(first, 'goroutine-leak-profile:goroutineLeakCount')).toHaveLength(1);
    for (const key of ['growth:goroutines', 'goroutine-leak-profile:goroutineLeakCount']) {
      const r = resolved(later, key);
      expect(r).toHaveLength(1);
      expect(r[0]!.alert.message).toContain(closedNote);
    }
    expect(fired(later)).toEqual([]);
  });
});

describe('growth alerts say what is true when they fire, while they last and when they end', () => {
  // Goroutines +120/min for 12 min, then +10/min for 6 min, then flat: the rate falls step by step before it resolves.
  const leak: FigureFn = (e) => 50 + (Math.min(e, 12 * MINUTE) / MINUTE) * 120 + (Math.min(Math.max(e - 12 * MINUTE, 0), 6 * MINUTE) / MINUTE) * 10;
  const samples = series(45, { goroutines: leak });
  const { events } = run(samples);
  const ofGrowth = events.filter((e) => e.alert.key === 'growth:goroutines');

  it('state the rise from the level at the window start to the value now, the amount their difference, and the trend', () => {
    for (const e of ofGrowth.filter((x) => x.type !== 'resolved')) {
      const a = e.alert;
      const rise = `rose from ${formatAmount(a.growth!.fromValue, 'count')} to ${formatAmount(a.value, 'count')} in \\d+ min ` +
        `\\(${formatSigned(a.value - a.growth!.fromValue, 'count').replace('+', '\\+')}; trend \\+[\\d.,]+/min\\)`;
      expect(a.message).toMatch(new RegExp(`^Goroutines ${rise}: a steady rise`));
    }
  });

  it('keep the title they fired with (its rate), not the slower rate of the last update before they resolve', () => {
    const f = ofGrowth.filter((e) => e.type === 'fired');
    expect(f).toHaveLength(1);
    expect(f[0]!.alert.title).toMatch(/^Goroutines keep growing \(\+1[12]\d\/min\)$/);
    const r = ofGrowth.filter((e) => e.type === 'resolved');
    expect(r).toHaveLength(1);
    // The rate fell while it lasted: a title following it would have ended on the last, slower one.
    expect(r[0]!.alert.ratePerMinute!).toBeLessThan(f[0]!.alert.ratePerMinute! / 2);
    for (const e of ofGrowth) expect(e.alert.title).toBe(f[0]!.alert.title);
  });

  it('fired again when a snooze ends, say the rate of then in their title, not the one of when they first fired', () => {
    const first = ofGrowth.find((e) => e.type === 'fired')!;
    const before = run(samples.slice(0, first.index + 1));
    // Snoozed as it fired until minute 16: by then the leak has slowed from +120/min to +10/min (from minute 12).
    const s = snooze(before.state, 'growth:goroutines', samples[0]!.timeMs + 16 * MINUTE);
    if (!s.ok) throw new Error('snooze refused');
    const again = run(samples.slice(first.index + 1), { state: s.state }).events.filter((e) => e.type === 'fired' && e.alert.key === 'growth:goroutines');
    expect(again).toHaveLength(1);
    const rateIn = (title: string) => Number(/\(\+([\d.,]+)\/min\)$/.exec(title)![1]!.replace(/,/g, ''));
    expect(rateIn(again[0]!.alert.title)).toBeLessThan(rateIn(first.alert.title));
  });

  it('say once resolved that the figure stopped growing, by when, and where it went, no longer that it rises', () => {
    const r = ofGrowth.find((e) => e.type === 'resolved')!;
    const a = r.alert;
    const now = samples[r.index]!;
    const [start] = a.evidence;
    const peak = a.evidence.reduce((m, p) => (p[1] > m[1] ? p : m));
    // The figure is flat at its high (1,550) when it resolves; the window still holds the slow +10/min stretch, which
    // gives it a small trend, but no new high came in its last third.
    expect(peak[1]).toBe(now.goroutines);
    expect(a.message).toBe(
      `It stopped growing by ${formatClock(now.timeMs)}: no new high in the last 3 min (the last 10 min rise only +5.0/min, under the growth this alert needs). ` +
        `Goroutines went from ${formatAmount(start![1], 'count')} at ${formatClock(start![0])} to 1,550 at ${formatClock(now.timeMs)}.`,
    );
    expect(a.message).not.toMatch(/steady rise across/);
  });

  it('say once resolved that the figure slowed, when it still rises, though under the growth they need', () => {
    // +120/min for 12 min, then +4/min for good.
    const slow = series(45, { goroutines: (e) => 50 + (Math.min(e, 12 * MINUTE) / MINUTE) * 120 + (Math.max(e - 12 * MINUTE, 0) / MINUTE) * 4 });
    const r = run(slow).events.find((e) => e.type === 'resolved' && e.alert.key === 'growth:goroutines')!;
    expect(r.alert.message).toMatch(
      new RegExp(`^It slowed down by ${formatClock(slow[r.index]!.timeMs)}: the last 10 min rise only \\+[\\d.]+/min, under the growth this alert needs\\. Goroutines went from 50 at `),
    );
  });

  it('say once resolved that the figure stopped growing when the last 10 min show no rise at all', () => {
    // The leaked goroutines all end at once (a pool closed).
    const { events: evs } = run(series(60, { goroutines: (e) => (e < 12 * MINUTE ? 50 + (e / MINUTE) * 120 : 50) }));
    const r = evs.find((e) => e.type === 'resolved' && e.alert.key === 'growth:goroutines')!;
    expect(r.alert.message).toMatch(/^It stopped growing by \d\d:\d\d: the last 10 min show no steady rise\. /);
  });

  it('name the high, when it resolves below it', () => {
    // Up for 12 min, then down by a third and flat.
    const fall = series(45, { goroutines: (e) => (e < 12 * MINUTE ? 50 + (e / MINUTE) * 120 : 1000) });
    const r = run(fall).events.find((e) => e.type === 'resolved' && e.alert.key === 'growth:goroutines')!;
    expect(r.alert.message).toMatch(/^It stopped growing by \d\d:\d\d: no new high in the last 3 min \(.*\)\. Goroutines went from 50 at \d\d:\d\d to a high of 1,[45]\d\d at \d\d:\d\d, and stood at 1,000 at \d\d:\d\d\.$/);
  });

  it('keep the title they fired with across a restart of leakbar', () => {
    const history = samples.slice(0, 200);
    const live = run(history).state.alerts['growth:goroutines']!;
    const disk = { ...live, title: 'Goroutines keep growing (+999/min)' };
    const { kept } = carryOverAlerts(run(history).state, [disk]);
    expect(kept).toMatchObject([{ id: disk.id, title: disk.title }]);
  });
});

describe('alerts open when leakbar last stopped', () => {
  // The FD alert as an earlier run left it on disk: fired long before the history now replayed, updated since.
  const earlier = run(series(5, { fds: () => 1500 }, at(-1000))).state.alerts['threshold:fds']!;
  const disk = { ...earlier, lastMs: at(-10), captureId: 'c-1', finding: 'main.open: +1,200 FDs' };
  /** What start-up does: replay the recent history on a fresh state, then carry the disk's open alerts over. */
  const restart = (history: Sample[], open: Alert[]) => carryOverAlerts(run(history).state, open);
  const fired = (events: Indexed[]) => events.filter((e) => e.type === 'fired');

  it('go on under their own id where the replayed history shows them holding, with no second notice, though it starts before they fired', () => {
    // The replayed half hour begins under the line, then the FDs are over it again.
    const history = [...series(10, { fds: () => 100 }, at(0)), ...series(20, { fds: () => 1500 }, at(120))];
    const { state, kept, closed } = restart(history, [disk]);
    expect(closed).toEqual([]);
    expect(kept).toMatchObject([{ id: disk.id, firstMs: disk.firstMs, state: 'firing', captureId: 'c-1', finding: disk.finding }]);
    expect(kept[0]!.lastMs).toBeGreaterThanOrEqual(disk.lastMs);
    expect(liveAlerts(state).map((a) => a.id)).toEqual([disk.id]);
    // Live samples after the restart: updates under the same id, never a second 'fired'; then resolved under it.
    const after = run([...series(10, { fds: () => 1500 }, at(400)), ...series(5, { fds: () => 10 }, at(600))], { state });
    expect(fired(after.events)).toEqual([]);
    expect(after.events.every((e) => e.alert.id === disk.id)).toBe(true);
    expect(after.events.at(-1)).toMatchObject({ type: 'resolved', alert: { id: disk.id } });
  });

  it('keep the time they fired, though the replay (under a line lowered since) finds the condition earlier', () => {
    // The line was 1,000 when the FDs first stood at 1,500; lowered to 100 later, the alert fired then (sample 60).
    const history = series(20, { fds: () => 1500 }, at(0));
    const later = { ...run(history.slice(0, 62)).state.alerts['threshold:fds']!, firstMs: at(60), lastMs: at(61) };
    const lowered = settingsWith((s) => {
      s.thresholds.fds.line = 100;
    });
    const replayed = run(history, { settings: lowered }).state;
    expect(replayed.alerts['threshold:fds']!.firstMs).toBeLessThan(at(60));
    const { kept } = carryOverAlerts(replayed, [{ ...later, id: `threshold:fds@${at(60)}` }]);
    expect(kept).toMatchObject([{ id: `threshold:fds@${at(60)}`, firstMs: at(60) }]);
  });

  it('keep a snooze and an acknowledgement where they go on', () => {
    const history = series(20, { fds: () => 1500 }, at(0));
    const snoozed = restart(history, [{ ...disk, state: 'snoozed', snoozedUntilMs: at(0) + 60 * MINUTE }]);
    expect(snoozed.kept).toMatchObject([{ id: disk.id, state: 'snoozed', snoozedUntilMs: at(0) + 60 * MINUTE }]);
    expect(run(series(20, { fds: () => 1500 }, at(240)), { state: snoozed.state }).events).toEqual([]);
    const acked = restart(history, [{ ...disk, state: 'acknowledged' }]);
    const told = run(series(20, { fds: () => 1500 }, at(240)), { state: acked.state });
    expect(fired(told.events)).toEqual([]);
    expect(told.events.every((e) => e.alert.state === 'acknowledged' && e.alert.id === disk.id)).toBe(true);
  });

  it('are closed where the replayed history does not show them holding, and a snooze still holds for the condition', () => {
    const snoozed = { ...disk, state: 'snoozed' as const, snoozedUntilMs: at(0) + 60 * MINUTE };
    const { state, kept, closed } = restart(series(20, { fds: () => 100 }, at(0)), [snoozed]);
    expect(kept).toEqual([]);
    expect(closed).toMatchObject([{ id: disk.id, state: 'resolved', resolvedMs: disk.lastMs, lastMs: disk.lastMs, snoozedUntilMs: null }]);
    expect(closed[0]!.message).toMatch(/Closed when leakbar started again/);
    expect(liveAlerts(state)).toEqual([]);
    // The FDs come back while the user's snooze lasts: a new alert, quiet.
    const back = run(series(10, { fds: () => 1500 }, at(240)), { state });
    expect(fired(back.events)).toEqual([]);
    expect(back.events.every((e) => e.type === 'updated' && e.alert.state === 'snoozed')).toBe(true);
    expect(liveAlerts(back.state)).toMatchObject([{ key: 'threshold:fds', state: 'snoozed' }]);
  });

  it('go on as they were where only a tick’s FD breakdown can judge them, and are judged by the next one', () => {
    const repeatedFile = (count: number) => breakdown(count > 0 ? [{ name: '/var/data/a.db', count }] : []);
    const first = run(series(2, { fds: () => 410 }, at(-1000)), { extras: () => ({ fdBreakdown: repeatedFile(400) }) }).state;
    const repeated = Object.values(first.alerts).find((a) => a.kind === 'repeated-file')!;
    expect(repeated.state).toBe('firing');
    const { state, kept, closed } = restart(series(20, { fds: () => 410 }, at(0)), [{ ...repeated, state: 'acknowledged' }]);
    expect(closed).toEqual([]);
    expect(kept.map((a) => [a.id, a.state])).toEqual([[repeated.id, 'acknowledged']]);
    // The next breakdown still shows the file 400 times: the same alert, no second notice; then it is closed: resolved.
    const still = run(series(1, { fds: () => 410 }, at(300)), { state, extras: () => ({ fdBreakdown: repeatedFile(400) }) });
    expect(fired(still.events)).toEqual([]);
    const gone = run(series(1, { fds: () => 10 }, at(400)), { state: still.state, extras: () => ({ fdBreakdown: repeatedFile(0) }) });
    expect(gone.events.map((e) => [e.type, e.alert.id])).toContainEqual(['resolved', repeated.id]);
  });

  it('are all closed when the history ended too long ago to show anything holding now', () => {
    const { state, kept, closed } = carryOverAlerts(run(series(20, { fds: () => 1500 }, at(0))).state, [disk], { historyIsRecent: false });
    expect(kept).toEqual([]);
    expect(closed.map((a) => [a.id, a.state])).toEqual([[disk.id, 'resolved']]);
    // The replayed windows stay, for the detectors to judge new samples against.
    expect(state.previous).not.toBeNull();
  });

  it('close an older open alert of the same condition, and leave resolved ones alone', () => {
    const older = { ...disk, id: `threshold:fds@${at(-5000)}`, firstMs: at(-5000) };
    const done = { ...disk, id: `threshold:threads@${at(0)}`, key: 'threshold:threads', state: 'resolved' as const, resolvedMs: at(3) };
    const { kept, closed } = restart(series(20, { fds: () => 1500 }, at(0)), [older, disk, done]);
    expect(kept.map((a) => a.id)).toEqual([disk.id]);
    expect(closed).toMatchObject([{ id: older.id, state: 'resolved' }]);
  });
});
