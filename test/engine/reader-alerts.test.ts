/**
 * Two leakbar engines on one data folder and one target (a `serve` and a `watch` beside it): one records the history,
 * the other reads it. The recorder takes the automatic captures; the reader goes by the recorder's alerts, and when the
 * recorder stops and it takes over, alerts.jsonl keeps one open alert per condition, the recorder's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_SETTINGS, type Alert } from '../../src/shared/alerts.js';
import type { ApiEvent } from '../../src/shared/api.js';
import { createService, type RecordingChange } from '../../src/engine/service.js';
import { startFixture } from '../helpers/fixture.js';
import { startOtherService } from '../helpers/other-service.js';
import { until } from '../helpers/until.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SAMPLE_MS = 200;
const CADENCES = { sampleMs: SAMPLE_MS, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 };

/** alerts.jsonl as a store reads it back: the newest version of each alert. */
function storedAlerts(dataDir: string, targetId: string): Map<string, Alert> {
  const newest = new Map<string, Alert>();
  const text = readFileSync(join(dataDir, 'targets', targetId, 'alerts.jsonl'), 'utf8');
  for (const line of text.split('\n').filter(Boolean)) {
    const a = JSON.parse(line) as Alert;
    newest.delete(a.id);
    newest.set(a.id, a);
  }
  return newest;
}

/**
 * A sleep recorded by an engine in another process with an FD line of 1 (the sleep holds 3), once that one's FD alert
 * has fired: the target, the data folder, the recorder, its alert and the low settings.
 */
async function sleepWithRecorderAlert() {
  const sleep = spawn('sleep', ['60'], { stdio: 'ignore' });
  cleanup.push(() => void sleep.kill('SIGKILL'));
  const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-reader-alerts-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const target = { name: 'sleep', pid: sleep.pid!, pprofUrl: null };
  const low = structuredClone(DEFAULT_DETECTOR_SETTINGS);
  low.thresholds.fds.line = 1;
  const recorder = await startOtherService({ dataDir, target, detectorSettings: low, sampleMs: SAMPLE_MS });
  cleanup.push(() => recorder.close());
  await until(() => recorder.said.some((x) => 'fired' in x && x.fired.key === 'threshold:fds'), 15_000, 'the recorder’s FD alert');
  const theirs = recorder.said.flatMap((x) => ('fired' in x ? [x.fired] : []))[0]!;
  return { dataDir, target, low, recorder, theirs };
}

describe('a leakbar that reads a history another one records', () => {
  it('takes no automatic capture, goes by the recorder’s alert, and keeps it, alone, when it takes over', async () => {
    const fx = await startFixture();
    cleanup.push(() => fx.stop());
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-reader-alerts-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // An FD line of 100: the fixture starts well below it, and crosses it once it leaks 150.
    const detectorSettings = structuredClone(DEFAULT_DETECTOR_SETTINGS);
    detectorSettings.thresholds.fds.line = 100;
    const target = { name: 'leaky', pid: fx.pid, pprofUrl: null };

    // The recorder: started first, in another process, as `serve` would be.
    const recorder = await startOtherService({ dataDir, target, detectorSettings, sampleMs: SAMPLE_MS });
    cleanup.push(() => recorder.close());

    // The reader: this process, as `watch` would be beside that serve.
    const reader = await createService({ dataDir, detectorSettings, cadences: CADENCES });
    cleanup.push(() => reader.close());
    const events: ApiEvent[] = [];
    reader.subscribe((e) => events.push(e));
    const changes: RecordingChange[] = [];
    reader.onRecording((c) => changes.push(c));
    const { target: added } = await reader.addTarget(target);
    const targetId = added.id;
    expect(targetId).toBe('leaky');
    await until(() => changes.length > 0, 5_000, 'the reader being told it does not record');
    expect(changes).toEqual([{ targetId, name: 'leaky', recording: false, recordedBy: recorder.pid, reason: expect.stringMatching(`another leakbar \\(pid ${recorder.pid}\\) records this history`) }]);

    await fx.leak({ fds: 150 });
    const fired = (e: ApiEvent) => e.type === 'alert' && e.change === 'fired' && e.alert.key === 'threshold:fds';
    await until(() => recorder.said.some((x) => 'captured' in x) && events.some(fired), 30_000, 'the FD alert in both, and the recorder’s capture');
    const recorderAlert = recorder.said.flatMap((x) => ('fired' in x && x.fired.key === 'threshold:fds' ? [x.fired] : []))[0]!;
    const recorderCapture = recorder.said.flatMap((x) => ('captured' in x ? [x.captured] : []))[0]!;
    expect(recorderCapture.alertKey).toBe('threshold:fds');
    const ownId = events.flatMap((e) => (e.type === 'alert' && fired(e) ? [e.alert.id] : []))[0]!;

    // The reader goes by the recorder's alert: its id, and the capture the recorder took for it.
    await until(() => events.some((e) => e.type === 'alert' && e.alert.id === recorderAlert.id && e.alert.captureId === recorderCapture.id), 10_000, 'the reader going by the recorder’s alert');
    expect((await reader.alerts({ targetId })).filter((a) => a.key === 'threshold:fds').map((a) => [a.id, a.captureId])).toEqual([[recorderAlert.id, recorderCapture.id]]);
    // Said with the id it had, so a listener that heard it fire follows it (watch --json prints it as "renamed").
    const renamed = events.flatMap((e) => (e.type === 'alert' && e.previousId !== undefined ? [[e.change, e.previousId, e.alert.id]] : []));
    expect(renamed).toEqual([['updated', ownId, recorderAlert.id]]);
    // One capture, the recorder's: the reader started none (a second would be under way or in by now).
    await new Promise((ok) => setTimeout(ok, 1500));
    expect(events.filter((e) => e.type.startsWith('capture-'))).toEqual([]);
    expect((await reader.listCaptures({ targetId })).map((c) => c.id)).toEqual([recorderCapture.id]);

    // The recorder stops (the serve is closed); the reader takes over at its next look at the lock, within about 5 s.
    const before = events.length;
    await recorder.close();
    await until(() => changes.some((c) => c.recording), 15_000, 'the reader taking over');
    expect(changes.at(-1)).toEqual({ targetId, name: 'leaky', recording: true, recordedBy: null, reason: null });
    const sampled = events.length;
    await until(() => events.slice(sampled).filter((e) => e.type === 'sample').length >= 5, 10_000, 'samples after the takeover');
    // No second notice and no second capture at the takeover.
    expect(events.slice(before).filter((e) => fired(e) || e.type.startsWith('capture-'))).toEqual([]);
    expect((await reader.listCaptures({ targetId })).map((c) => c.id)).toEqual([recorderCapture.id]);
    expect((await reader.alerts({ targetId })).filter((a) => a.key === 'threshold:fds').map((a) => a.id)).toEqual([recorderAlert.id]);
    await reader.close();

    // One open FD alert on disk, the recorder's, with its capture; the reader's own never written.
    const stored = storedAlerts(dataDir, targetId);
    const open = [...stored.values()].filter((a) => a.key === 'threshold:fds' && a.state !== 'resolved');
    expect(open.map((a) => [a.id, a.captureId])).toEqual([[recorderAlert.id, recorderCapture.id]]);
    expect(ownId).not.toBe(recorderAlert.id);
    expect(stored.has(ownId)).toBe(false);
  });

  it('closes, when it takes over, an alert the recorder left open that it does not find holding', async () => {
    // The reader runs with the default FD line of 1,000, as a `watch --alerts` of its own would beside a serve.
    const { dataDir, target, recorder, theirs } = await sleepWithRecorderAlert();
    const reader = await createService({ dataDir, detectorSettings: DEFAULT_DETECTOR_SETTINGS, cadences: CADENCES });
    cleanup.push(() => reader.close());
    const changes: RecordingChange[] = [];
    reader.onRecording((c) => changes.push(c));
    const { target: added } = await reader.addTarget(target);
    await until(() => changes.length > 0, 5_000, 'the reader being told it does not record');
    // A reader leaves the recorder's alerts to it: still open on disk.
    expect(storedAlerts(dataDir, added.id).get(theirs.id)?.state).toBe('firing');

    await recorder.close();
    expect(storedAlerts(dataDir, added.id).get(theirs.id)?.state).toBe('firing');
    await until(() => changes.some((c) => c.recording), 15_000, 'the reader taking over');
    await reader.close();
    const closed = storedAlerts(dataDir, added.id).get(theirs.id)!;
    expect(closed.state).toBe('resolved');
    expect(closed.message).toMatch(new RegExp(`Closed when leakbar \\(pid ${process.pid}\\) took over recording this history: it did not find it still holding\\.$`));
    expect([...storedAlerts(dataDir, added.id).values()].filter((a) => a.state !== 'resolved')).toEqual([]);
  });

  it('asks the recorder to carry out a snooze or an acknowledgement made in it, so the stored alert says so and the change holds', async () => {
    // The FD line of 1 in both, so both see the condition.
    const { dataDir, target, low, recorder, theirs } = await sleepWithRecorderAlert();
    const reader = await createService({ dataDir, detectorSettings: low, cadences: CADENCES });
    cleanup.push(() => reader.close());
    const { target: added } = await reader.addTarget(target);
    const targetId = added.id;
    const readerAlert = async () => (await reader.alerts({ targetId })).find((a) => a.key === 'threshold:fds');
    // It went by the recorder's alert from its start: read back with the history.
    expect((await readerAlert())?.id).toBe(theirs.id);

    // A snooze made in the reader is carried out by the recorder: on disk, until the same time.
    const untilMs = Date.now() + 3_600_000;
    await reader.snoozeAlert({ alertId: theirs.id, untilMs });
    await until(() => storedAlerts(dataDir, targetId).get(theirs.id)?.state === 'snoozed', 10_000, 'the recorder storing the snooze');
    expect(storedAlerts(dataDir, targetId).get(theirs.id)?.snoozedUntilMs).toBe(untilMs);

    // So is an acknowledgement; and it holds in the reader across the recorder's later writes of that alert.
    await reader.acknowledgeAlert({ alertId: theirs.id });
    await until(() => storedAlerts(dataDir, targetId).get(theirs.id)?.state === 'acknowledged', 10_000, 'the recorder storing the acknowledgement');
    await new Promise((ok) => setTimeout(ok, 5 * SAMPLE_MS));
    expect((await readerAlert())?.state).toBe('acknowledged');
    await recorder.close();
    expect(storedAlerts(dataDir, targetId).get(theirs.id)?.state).toBe('acknowledged');
  });
});
