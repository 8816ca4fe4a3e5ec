/** An in-memory LeakbarApi for tests of the HTTP door itself (routes, token, SSE replay): no engine, scripted answers. */
import type { ApiEvent, ApiOutputs, LeakbarApi, TargetSummary } from '../../src/shared/api.js';
import type { Alert } from '../../src/shared/alerts.js';
import { LeakbarError } from '../../src/shared/errors.js';
import { applySettingsPatch, DEFAULT_SETTINGS, type Settings } from '../../src/shared/settings.js';
import type { WatcherStatus } from '../../src/shared/status.js';

/** A fake API plus a way to push live events and see the calls it got. */
export interface FakeApi extends LeakbarApi {
  emit(event: ApiEvent): void;
  calls: Array<{ name: string; input: unknown }>;
}

/** A status with the given last sample. */
export function fakeStatus(targetId: string, sample: WatcherStatus['lastSample']): WatcherStatus {
  return { targetId, pid: sample?.pid ?? null, command: 'leaky', state: 'watching', sources: {}, lastSample: sample, process: null, fdBreakdown: null, memStats: null, memoryMap: null, costs: [], jobs: [] };
}

/** A firing FD alert. */
export function fakeAlert(targetId: string, over: Partial<Alert> = {}): Alert {
  return {
    id: 'threshold:fds@1000',
    key: 'threshold:fds',
    kind: 'threshold',
    figure: 'fds',
    subject: null,
    severity: 'warning',
    state: 'firing',
    targetId,
    firstMs: 1000,
    lastMs: 2000,
    resolvedMs: null,
    snoozedUntilMs: null,
    value: 1100,
    line: 1000,
    ratePerMinute: null,
    unit: 'count',
    growth: null,
    title: 'Open FDs past 1,000',
    message: '1,100 open file descriptors',
    nextStep: 'Group the open files by path',
    suggestedCapture: null,
    evidence: [],
    ...over,
  };
}

/** The fake: one target `api` with a fixed sample; captures `c1` with one file; settings kept in memory (a bad value refused as the engine does). */
export function createFakeApi(): FakeApi {
  const listeners = new Set<(e: ApiEvent) => void>();
  const calls: FakeApi['calls'] = [];
  const sample = { timeMs: 1_700_000_000_000, pid: 4242, rssBytes: 50 * 1024 * 1024, fds: 12, goroutines: 7, threads: 5, heapInuseBytes: 1024, cpuPercent: 1.5 };
  const summary: TargetSummary = {
    target: { id: 'api', name: 'api "server"', selector: { match: 'api' }, pprofUrl: null, fdPatterns: [] },
    status: fakeStatus('api', sample),
    openAlerts: 1,
  };
  const record = <T>(name: string, input: unknown, value: T): Promise<T> => {
    calls.push({ name, input });
    return Promise.resolve(value);
  };
  let settings: Settings = structuredClone(DEFAULT_SETTINGS);
  const notFound = (what: string) => Promise.reject(new LeakbarError('not-found', `no ${what}`, { hint: 'list them first' }));
  const capture = { id: 'c1', targetId: 'api', kind: 'heap' as const, pid: 4242, startedMs: 1, endedMs: 2, files: [{ name: 'heap.pb.gz', role: 'heap' as const, bytes: 4 }], figures: null, alertKey: null, baseline: false, pinned: false, note: '' };
  return {
    calls,
    emit(e) {
      for (const l of listeners) l(e);
    },
    listTargets: (i) => record('listTargets', i, [summary]),
    addTarget: (i) => record('addTarget', i, summary),
    removeTarget: (i) => record('removeTarget', i, { removed: true }),
    updateTarget: (i) => (i.targetId === 'api' ? record('updateTarget', i, { ...summary, target: { ...summary.target, ...(i.patch.name ? { name: i.patch.name } : {}) } }) : notFound('target')),
    getSettings: (i) => record('getSettings', i, settings),
    setSettings: (i) => {
      const r = applySettingsPatch(settings, i.patch);
      if (r.ok) settings = r.settings;
      return record('setSettings', i, r.ok ? { ok: true as const, settings: r.settings } : r);
    },
    fixedSettings: (i) => record('fixedSettings', i, { paths: [] }),
    settingsNotes: (i) => record('settingsNotes', i, { notes: [] }),
    status: (i) => (i.targetId === 'api' ? record('status', i, summary.status) : notFound('target')),
    history: (i) => record('history', i, { samples: [sample], events: [], alerts: [], captures: [], downsampled: false }),
    alerts: (i) => record('alerts', i, [fakeAlert('api')]),
    snoozeAlert: (i) => record('snoozeAlert', i, fakeAlert('api', { state: 'snoozed', snoozedUntilMs: i.untilMs })),
    acknowledgeAlert: (i) => record('acknowledgeAlert', i, fakeAlert('api', { state: 'acknowledged' })),
    listCaptures: (i) => record('listCaptures', i, [capture]),
    startCapture: () => Promise.reject(new LeakbarError('busy', 'a heap capture is already running', { hint: 'wait for it' })),
    cancelCapture: (i) => record('cancelCapture', i, { cancelled: true }),
    getCapture: (i) => (i.captureId === 'c1' ? record('getCapture', i, capture) : notFound('capture')),
    markBaseline: (i) => record('markBaseline', i, capture),
    setPinned: (i) => record('setPinned', i, capture),
    compare: () => Promise.reject(new Error('boom')),
    startOvernight: (i) => record('startOvernight', i, { targetId: 'api', active: true, startedMs: 1, intervalMs: 3_600_000, baselineId: null, captureIds: [], failures: [], nextMs: 3_600_001 }),
    overnightStatus: (i) => record('overnightStatus', i, null),
    stopOvernight: (i) => record('stopOvernight', i, { title: 'Overnight', markdown: '# Overnight', html: '<html></html>' }),
    readCaptureFile: (i): Promise<ApiOutputs['readCaptureFile']> => (i.captureId === 'c1' && i.name === 'heap.pb.gz' ? record('readCaptureFile', i, new Uint8Array([0x1f, 0x8b, 0, 255])) : notFound('file')),
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}
