import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlertEngine } from '../analysis/detectors/index.js';
import { DEFAULT_DETECTOR_SETTINGS, type Alert } from '../shared/alerts.js';
import type { Sample } from '../shared/types.js';
import { createService } from './service.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const MINUTE = 60_000;
const jsonl = (items: readonly object[]) => items.map((x) => JSON.stringify(x) + '\n').join('');

/** An FD alert as a run of the real engine leaves it: fired past 1,000 FDs at `startMs`, updated for a while. */
function leftOpen(pid: number, startMs: number): Alert {
  const engine = createAlertEngine({ targetId: 'self', platform: 'linux' });
  for (let i = 0; i < 40; i++) engine.step({ timeMs: startMs + i * 5000, pid, fds: 1500 });
  return engine.live().find((a) => a.key === 'threshold:fds')!;
}

/** A data folder whose target `self` has these samples and alerts on disk, and a service started on it. */
async function serviceOver(samples: Sample[], alerts: Alert[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-alerts-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(join(dataDir, 'targets', 'self'), { recursive: true });
  writeFileSync(join(dataDir, 'targets', 'self', 'samples.jsonl'), jsonl(samples));
  writeFileSync(join(dataDir, 'targets', 'self', 'alerts.jsonl'), jsonl(alerts));
  const service = await createService({ dataDir, cadences: { sampleMs: 100, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
  cleanup.push(() => service.close());
  // This test process holds far fewer than 1,000 FDs: whatever the history says, the condition is gone now.
  const { target } = await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
  expect(target.id).toBe('self');
  const stored = async () => new Map((await service.history({ targetId: 'self' })).alerts.map((a) => [a.id, a]));
  return { service, stored };
}

describe('alerts open when leakbar last stopped', () => {
  it('go on under their own id where the recent history shows them holding, and resolve under it when the condition is gone', async () => {
    const now = Date.now();
    const open = leftOpen(process.pid, now - 60 * MINUTE);
    // The last 20 minutes on disk: the FDs were still past the line when leakbar stopped.
    const history: Sample[] = Array.from({ length: 240 }, (_, i) => ({ timeMs: now - 20 * MINUTE + i * 5000, pid: process.pid, fds: 1500 }));
    const { service, stored } = await serviceOver(history, [{ ...open, captureId: 'capture-1' }]);
    expect((await service.alerts({ targetId: 'self' })).map((a) => [a.id, a.state, a.captureId])).toEqual([[open.id, 'firing', 'capture-1']]);
    await expect.poll(async () => (await stored()).get(open.id)?.state, { timeout: 10_000 }).toBe('resolved');
    // Resolved, not fired anew: no other FD alert was written.
    expect([...(await stored()).keys()].filter((id) => id.startsWith('threshold:fds@'))).toEqual([open.id]);
  });

  it('are closed at start where the recent history does not show them holding, and an older duplicate with them', async () => {
    const open = leftOpen(process.pid, Date.now() - 60 * MINUTE);
    const older = { ...open, id: `threshold:fds@${open.firstMs - 86_400_000}`, firstMs: open.firstMs - 86_400_000 };
    const { service, stored } = await serviceOver([], [older, open]);
    expect(await service.alerts({ targetId: 'self' })).toEqual([]);
    const after = await stored();
    expect(after.get(open.id)).toMatchObject({ state: 'resolved', resolvedMs: open.lastMs });
    expect(after.get(open.id)!.message).toMatch(/Closed when leakbar started again/);
    expect(after.get(older.id)).toMatchObject({ state: 'resolved', resolvedMs: older.lastMs });
  });
});

describe('an alert acknowledged, then leakbar restarted', () => {
  it('is the same alert after the restart, still acknowledged, while its condition holds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-ack-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // A threads line of 1: this test process always holds more, so the condition holds through both runs.
    const detectorSettings = structuredClone(DEFAULT_DETECTOR_SETTINGS);
    detectorSettings.thresholds.threads.line = 1;
    const start = async () => {
      const service = await createService({ dataDir, detectorSettings, cadences: { sampleMs: 100, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
      await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
      return service;
    };
    const threadAlerts = async (service: Awaited<ReturnType<typeof start>>) => (await service.alerts({ targetId: 'self' })).filter((a) => a.key === 'threshold:threads');

    const first = await start();
    await expect.poll(async () => (await threadAlerts(first)).length, { timeout: 10_000 }).toBe(1);
    const [fired] = await threadAlerts(first);
    expect((await first.acknowledgeAlert({ alertId: fired!.id })).state).toBe('acknowledged');
    await first.close();

    const second = await start();
    cleanup.push(() => second.close());
    expect((await threadAlerts(second)).map((a) => [a.id, a.state])).toEqual([[fired!.id, 'acknowledged']]);
    // Sampling goes on: the same alert, updated, never a second one.
    await new Promise((ok) => setTimeout(ok, 600));
    expect((await threadAlerts(second)).map((a) => [a.id, a.state])).toEqual([[fired!.id, 'acknowledged']]);
    const stored = (await second.history({ targetId: 'self' })).alerts.filter((a) => a.key === 'threshold:threads');
    expect(stored.map((a) => [a.id, a.state])).toEqual([[fired!.id, 'acknowledged']]);
  });
});

describe('a process watched by PID that exits', () => {
  it('ends the alerts open about it, as a restart does, so none stays open on disk for a process that will not come back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-pid-exit-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanup.push(() => void child.kill('SIGKILL'));
    // An FD line of 1: the sleep holds its three standard streams, so the alert fires.
    const detectorSettings = structuredClone(DEFAULT_DETECTOR_SETTINGS);
    detectorSettings.thresholds.fds.line = 1;
    const service = await createService({ dataDir, detectorSettings, cadences: { sampleMs: 100, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
    cleanup.push(() => service.close());
    const { target } = await service.addTarget({ name: 'sleep', pid: child.pid!, pprofUrl: null });
    await expect.poll(async () => (await service.alerts({ targetId: target.id })).map((a) => a.key), { timeout: 10_000 }).toContain('threshold:fds');
    child.kill('SIGKILL');
    await expect.poll(async () => (await service.alerts({ targetId: target.id })).length, { timeout: 10_000 }).toBe(0);
    const stored = (await service.history({ targetId: target.id })).alerts.find((a) => a.key === 'threshold:fds')!;
    expect(stored.state).toBe('resolved');
    expect(stored.message).toMatch(new RegExp(`It ended with the process \\(PID ${child.pid}\\)\\.$`));
  });
});

describe('the capture an alert took', () => {
  it('stays with that alert: the same condition on another target has its own', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-findings-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // Any FD count past 1 fires, at once, and the alert is updated every sample: each version is handed out anew.
    const detectorSettings = structuredClone(DEFAULT_DETECTOR_SETTINGS);
    detectorSettings.thresholds.fds = { ...detectorSettings.thresholds.fds, line: 1, consecutive: 1 };
    detectorSettings.updateEveryMs = 0;
    const service = await createService({ dataDir, detectorSettings, cadences: { sampleMs: 100, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
    cleanup.push(() => service.close());
    // Two targets on this process: each fires the same condition, and takes an FD snapshot of its own.
    for (const name of ['a', 'b']) await service.addTarget({ name, pid: process.pid, pprofUrl: null });
    const captureOf = async (targetId: string) => (await service.alerts({ targetId })).find((a) => a.key === 'threshold:fds')?.captureId;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (!(await captureOf('a')) || !(await captureOf('b')))) await new Promise((r) => setTimeout(r, 100));
    // Both in, and some more samples (each one a new version of each alert).
    await new Promise((r) => setTimeout(r, 600));
    const own = async (targetId: string) => new Set((await service.listCaptures({ targetId })).map((c) => c.id));
    for (const targetId of ['a', 'b']) {
      const captureId = await captureOf(targetId);
      expect(captureId, targetId).toBeDefined();
      expect((await own(targetId)).has(captureId!), `${targetId}'s alert names a capture of ${targetId}`).toBe(true);
      // Every version stored for it, too.
      const stored = (await service.history({ targetId })).alerts.filter((a) => a.key === 'threshold:fds' && a.captureId !== undefined);
      expect(stored.every((a) => a.captureId === captureId), targetId).toBe(true);
    }
  });
});
