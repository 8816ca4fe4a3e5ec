import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlertEngine, liveAlerts, step, type AlertEngineState } from '../analysis/detectors/index.js';
import { DEFAULT_DETECTOR_SETTINGS, type Alert } from '../shared/alerts.js';
import { ALERT_ACTIONS_FILE, adoptRecorderAlerts, alertActionsReader, readOpenStoredAlerts, requestAlertAction, storedAlertsReader, takeOverAlerts, type AlertActionRequest } from './recorder-alerts.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;
const settings = structuredClone(DEFAULT_DETECTOR_SETTINGS);
settings.thresholds.fds.line = 100;
settings.thresholds.threads.line = 10;

/** An engine stepped over `n` samples from `fromMs`, 5 s apart, with these figures. */
function engineOver(fromMs: number, n: number, figures: { fds: number; threads: number }): AlertEngineState {
  const engine = createAlertEngine({ targetId: 'api', settings, platform: 'linux' });
  for (let i = 0; i < n; i++) engine.step({ timeMs: fromMs + i * 5000, pid: 7, ...figures });
  return engine.state;
}

const NOTE = 'Closed when leakbar (pid 1) took over recording this history: it did not find it still holding.';

describe('a reader going by the recorder’s alerts', () => {
  // The recorder fired its FD alert 2 s before the reader did, took a capture for it, and the user acknowledged it there.
  const recorders = { ...liveAlerts(engineOver(T0 - 2000, 3, { fds: 150, threads: 1 }))[0]!, state: 'acknowledged' as const, captureId: 'cap-1', finding: 'main.open: +50 FDs' };
  const reader = engineOver(T0, 3, { fds: 150, threads: 1 });
  const own = liveAlerts(reader)[0]!;

  it('goes on under the recorder’s id, first time, capture, finding and acknowledgement for a condition both have open', () => {
    expect(own.id).not.toBe(recorders.id);
    const r = adoptRecorderAlerts(reader, [recorders]);
    expect(r.superseded).toEqual([own.id]);
    expect(r.closed).toEqual([]);
    expect(r.changed).toMatchObject([{ id: recorders.id, firstMs: recorders.firstMs, state: 'acknowledged', captureId: 'cap-1', finding: recorders.finding }]);
    expect(liveAlerts(r.state).map((a) => a.id)).toEqual([recorders.id]);
    // The reader's own figures go on; the next samples update that alert, never fire another.
    const next = step(r.state, { timeMs: T0 + 60_000, pid: 7, fds: 170, threads: 1 });
    expect(next.events.filter((e) => e.type === 'fired')).toEqual([]);
    expect(liveAlerts(next.state)).toMatchObject([{ id: recorders.id, value: 170 }]);
    // Done once: the same stored alert again changes nothing.
    expect(adoptRecorderAlerts(r.state, [recorders])).toMatchObject({ changed: [], superseded: [] });
  });

  it('leaves the recorder’s alerts of conditions it does not have open to the recorder', () => {
    const threads = { ...recorders, id: `threshold:threads@${T0}`, key: 'threshold:threads', figure: 'threads' as const };
    const r = adoptRecorderAlerts(reader, [threads]);
    expect(r).toEqual({ state: reader, changed: [], superseded: [], closed: [] });
  });
});

describe('a reader taking over the history', () => {
  it('keeps one alert per condition: the recorder’s where both have it, closes what it does not find holding, keeps its own', () => {
    // The reader: FDs over the line, threads over theirs.
    const reader = engineOver(T0, 3, { fds: 150, threads: 20 });
    const ownFds = liveAlerts(reader).find((a) => a.key === 'threshold:fds')!;
    const ownThreads = liveAlerts(reader).find((a) => a.key === 'threshold:threads')!;
    // The recorder left open: its FD alert (and an older one of that condition), and an RSS alert the reader does not see.
    const fds = { ...ownFds, id: `threshold:fds@${T0 - 4000}`, firstMs: T0 - 4000, captureId: 'cap-1', state: 'snoozed' as const, snoozedUntilMs: T0 + 3_600_000 };
    const olderFds = { ...fds, id: `threshold:fds@${T0 - 86_400_000}`, firstMs: T0 - 86_400_000 };
    const rss: Alert = { ...ownFds, id: `threshold:rssBytes@${T0 - 9000}`, key: 'threshold:rssBytes', figure: 'rssBytes', firstMs: T0 - 9000, lastMs: T0 - 1000, message: 'RSS 600 MB.' };
    const resolvedRss: Alert = { ...rss, id: `threshold:rssBytes@${T0 - 99_000}`, state: 'resolved', resolvedMs: T0 - 50_000 };

    const r = takeOverAlerts(reader, [olderFds, rss, fds, resolvedRss], NOTE);
    expect(r.superseded).toEqual([ownFds.id]);
    expect(r.changed).toMatchObject([{ id: fds.id, firstMs: fds.firstMs, state: 'snoozed', snoozedUntilMs: fds.snoozedUntilMs, captureId: 'cap-1' }]);
    expect(Object.fromEntries(r.closed.map((a) => [a.id, [a.state, a.resolvedMs, a.message]]))).toEqual({
      [olderFds.id]: ['resolved', olderFds.lastMs, `${olderFds.message} A newer alert of the same condition took its place.`],
      [rss.id]: ['resolved', rss.lastMs, `RSS 600 MB. ${NOTE}`],
    });
    expect(liveAlerts(r.state).map((a) => a.id).sort()).toEqual([fds.id, ownThreads.id].sort());
    // The snooze holds: the condition goes on quietly.
    const next = step(r.state, { timeMs: T0 + 60_000, pid: 7, fds: 170, threads: 20 });
    expect(next.events.filter((e) => e.type === 'fired')).toEqual([]);
  });
});

describe('the recorder’s alerts on disk', () => {
  it('are read as a store reads them (the newest version of each), the open ones, again only when the file changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-recorder-alerts-'));
    dirs.push(dir);
    const open = liveAlerts(engineOver(T0, 3, { fds: 150, threads: 1 }))[0]!;
    const gone = { ...open, id: 'threshold:fds@1', firstMs: 1 };
    const lines = [gone, open, { ...gone, state: 'resolved', resolvedMs: 2 }].map((a) => JSON.stringify(a));
    writeFileSync(join(dir, 'alerts.jsonl'), lines.join('\n') + '\n{"id": "cut sh');
    expect((await readOpenStoredAlerts(dir)).map((a) => a.id)).toEqual([open.id]);
    const reader = storedAlertsReader(dir);
    expect((await reader.readIfChanged())?.map((a) => a.id)).toEqual([open.id]);
    expect(await reader.readIfChanged()).toBeNull();
    writeFileSync(join(dir, 'alerts.jsonl'), lines.join('\n') + '\n' + JSON.stringify({ ...open, state: 'resolved', resolvedMs: T0 + 20_000 }) + '\n');
    expect(await reader.readIfChanged()).toEqual([]);
    expect(await readOpenStoredAlerts(join(dir, 'none'))).toEqual([]);
  });
});

describe('the snoozes and acknowledgements readers ask of the recorder', () => {
  const ack = (key: string, pid = 11): AlertActionRequest => ({ action: 'acknowledged', key, timeMs: T0, pid });

  it('gives a recorder only what was asked since its first look, never requests made while another recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-actions-'));
    dirs.push(dir);
    // Yesterday's request, for a recorder long gone.
    await requestAlertAction(dir, ack('threshold:fds'));
    const reader = alertActionsReader(dir);
    expect(await reader.readNew(true)).toEqual([]);
    const snooze: AlertActionRequest = { action: 'snoozed', key: 'growth:heap', untilMs: T0 + 60_000, timeMs: T0, pid: 12 };
    await requestAlertAction(dir, snooze);
    await requestAlertAction(dir, ack('threshold:threads'));
    expect(await reader.readNew(true)).toEqual([snooze, ack('threshold:threads')]);
    expect(await reader.readNew(true)).toEqual([]);
    // Asked while another process recorded: that one's to carry out, passed over here, also after a takeover.
    await requestAlertAction(dir, ack('threshold:goroutines'));
    expect(await reader.readNew(false)).toEqual([]);
    expect(await reader.readNew(true)).toEqual([]);
  });

  it('waits for a line still being written, skips what is not a request, and reads a file made anew from its start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-actions-'));
    dirs.push(dir);
    const path = join(dir, ALERT_ACTIONS_FILE);
    const reader = alertActionsReader(dir);
    // No file yet: whatever comes is new.
    expect(await reader.readNew(true)).toEqual([]);
    const line = JSON.stringify(ack('threshold:fds'));
    appendFileSync(path, `not json\n{"action":"snoozed","key":"k","timeMs":1,"pid":2}\n${line.slice(0, 10)}`);
    // The snooze with no end is not a request; the cut line waits.
    expect(await reader.readNew(true)).toEqual([]);
    appendFileSync(path, `${line.slice(10)}\n`);
    expect(await reader.readNew(true)).toEqual([ack('threshold:fds')]);
    // Deleted by hand and asked again: a new file, read whole.
    rmSync(path);
    writeFileSync(path, JSON.stringify(ack('threshold:threads')) + '\n');
    expect(await reader.readNew(true)).toEqual([ack('threshold:threads')]);
  });
});
