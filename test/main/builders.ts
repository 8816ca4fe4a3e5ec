/** Small builders of engine state (statuses, alerts, target summaries) for the desktop app's tests. */
import type { Alert } from '../../src/shared/alerts.js';
import type { TargetSummary } from '../../src/shared/api.js';
import type { WatcherStatus } from '../../src/shared/status.js';
import type { Sample } from '../../src/shared/types.js';

export function status(targetId: string, over: Partial<WatcherStatus> & { sample?: Partial<Sample> } = {}): WatcherStatus {
  const { sample, ...rest } = over;
  return {
    targetId,
    pid: 4242,
    command: 'api-server',
    state: 'watching',
    sources: {},
    lastSample: { timeMs: 1_700_000_000_000, pid: 4242, fds: 120, goroutines: 300, rssBytes: 200 * 1024 * 1024, ...sample },
    process: null,
    fdBreakdown: null,
    memStats: null,
    memoryMap: null,
    costs: [],
    jobs: [],
    ...rest,
  };
}

export function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'threshold:fds@1700000000000',
    key: 'threshold:fds',
    kind: 'threshold',
    figure: 'fds',
    subject: null,
    severity: 'warning',
    state: 'firing',
    targetId: 'api',
    firstMs: 1_700_000_000_000,
    lastMs: 1_700_000_000_000,
    resolvedMs: null,
    snoozedUntilMs: null,
    value: 1234,
    line: 1000,
    ratePerMinute: null,
    unit: 'count',
    growth: null,
    title: 'FDs past 1,000',
    message: '1,234 FDs open.',
    nextStep: 'Group the open files by type and look for files open 4 or more times.',
    suggestedCapture: 'fds',
    evidence: [],
    ...over,
  };
}

export function summary(id: string, over: { pprofUrl?: string | null; status?: Partial<WatcherStatus>; openAlerts?: number; name?: string } = {}): TargetSummary {
  return {
    target: { id, name: over.name ?? id, selector: { match: id }, pprofUrl: over.pprofUrl === undefined ? 'http://127.0.0.1:6060/debug/pprof/' : over.pprofUrl, fdPatterns: [] },
    status: status(id, over.status ?? {}),
    openAlerts: over.openAlerts ?? 0,
  };
}
