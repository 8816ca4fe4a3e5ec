import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_SETTINGS, type Alert } from '../shared/alerts.js';
import { DEFAULT_SETTINGS, SETTINGS_VERSION } from '../shared/settings.js';
import type { Sample } from '../shared/types.js';
import { createAlertEngine } from '../analysis/detectors/index.js';
import { createService } from './service.js';
import { createCaptureStore } from './captures/index.js';
import { newCaptureId } from './captures/ids.js';
import { openSettingsFile } from './settings-file.js';

const DAY = 24 * 60 * 60_000;
const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('capture retention and open alerts', () => {
  it('keeps the capture an open alert points to past captureDays, through the hourly pass and the pass after a capture', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-retention-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const now = Date.now();
    const captures = await createCaptureStore(dataDir);
    const put = async (ageDays: number, kind: 'heap' | 'goroutine') => {
      const startedMs = now - ageDays * DAY;
      const p = await captures.begin('self', newCaptureId(startedMs, kind));
      await p.writeFile(`${kind}.pb.gz`, new Uint8Array(8), kind);
      return (await p.commit({ kind, pid: 1, startedMs, endedMs: startedMs, figures: null, alertKey: null, baseline: false, pinned: false, note: '' })).id;
    };
    // Three captures past the 30 days kept: one an alert still open points to, one a resolved alert points to, one of nothing.
    const ofOpenAlert = await put(40, 'goroutine');
    const ofResolvedAlert = await put(39, 'heap');
    await put(38, 'heap');
    const alert = (key: string, firstMs: number, state: Alert['state'], captureId: string) =>
      ({ id: `${key}@${firstMs}`, key, firstMs, lastMs: firstMs, resolvedMs: state === 'resolved' ? firstMs : null, state, captureId }) as unknown as Alert;
    // A thread alert (line 1: this test process always holds more) that fired forty days ago and was snoozed for 60,
    // as the real engine writes it; the last 20 minutes of history show it still holding, so it stays open at start.
    const settings = structuredClone(DEFAULT_DETECTOR_SETTINGS);
    settings.thresholds.threads.line = 1;
    const engine = createAlertEngine({ targetId: 'self', settings, platform: 'linux' });
    for (let i = 0; i < 3; i++) engine.step({ timeMs: now - 40 * DAY + i * 5000, pid: process.pid, threads: 20 });
    const fired = engine.live()[0]!;
    const snoozed: Alert = { ...fired, state: 'snoozed', snoozedUntilMs: now + 20 * DAY, captureId: ofOpenAlert };
    const resolved = alert('growth:heapInuseBytes', now - 39 * DAY, 'resolved', ofResolvedAlert);
    mkdirSync(join(dataDir, 'targets', 'self'), { recursive: true });
    writeFileSync(join(dataDir, 'targets', 'self', 'alerts.jsonl'), [snoozed, resolved].map((a) => JSON.stringify(a) + '\n').join(''));
    const history = Array.from({ length: 240 }, (_, i) => ({ timeMs: now - 20 * 60_000 + i * 5000, pid: process.pid, threads: 20 }));
    writeFileSync(join(dataDir, 'targets', 'self', 'samples.jsonl'), history.map((x) => JSON.stringify(x) + '\n').join(''));

    const service = await createService({ dataDir, detectorSettings: settings, cadences: { sampleMs: 200, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
    cleanup.push(() => service.close());
    const { target } = await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
    expect(target.id).toBe('self');
    const ids = async () => (await captures.list('self')).map((c) => c.id);
    await expect.poll(ids, { timeout: 10_000 }).toEqual([ofOpenAlert]);
    expect((await service.history({ targetId: 'self' })).alerts.map((a) => [a.id, a.state, a.captureId])).toEqual([[snoozed.id, 'snoozed', ofOpenAlert]]);

    // A capture applies retention to its target right after: the open alert's capture stays then too.
    const taken = await service.startCapture({ targetId: 'self', kind: 'system' });
    expect(await ids()).toEqual([taken.id, ofOpenAlert]);
    expect((await service.getCapture({ captureId: ofOpenAlert })).kind).toBe('goroutine');
  });
});

/**
 * A data folder whose settings.json is `settingsText` (or, with `aside`, whose settings.json.bad is), with a history of
 * this process holding a sample of 60 days ago: what retention at the default 30 days would delete.
 */
function folderWithOldSample(settingsText: string, options: { aside?: boolean } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-retention-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const settingsPath = join(dataDir, 'settings.json');
  writeFileSync(options.aside ? `${settingsPath}.bad` : settingsPath, settingsText);
  const now = Date.now();
  const old: Sample = { timeMs: now - 60 * DAY, pid: process.pid, threads: 3 };
  const history = join(dataDir, 'targets', 'self', 'samples.jsonl');
  mkdirSync(join(dataDir, 'targets', 'self'), { recursive: true });
  writeFileSync(history, JSON.stringify(old) + '\n' + JSON.stringify({ timeMs: now - DAY, pid: process.pid, threads: 3 }) + '\n');
  const oldestOnDisk = () => (JSON.parse(readFileSync(history, 'utf8').split('\n', 1)[0]!) as Sample).timeMs;
  return { dataDir, settingsPath, old, oldestOnDisk };
}

/** A service on `dataDir` watching this process as target `self`, its settings file looked at every 2 s; what it warned, kept. */
async function serviceWatchingSelf(dataDir: string) {
  const warnings: string[] = [];
  const spy = vi.spyOn(console, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
  cleanup.push(() => spy.mockRestore());
  const service = await createService({ dataDir, cadences: { sampleMs: 200, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
  cleanup.push(() => service.close());
  await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
  return { service, warnings };
}

describe('retention when settings.json changes under a running service', () => {
  /**
   * A service keeping 90 days of history (its settings.json says so), watching this process, with a sample of 60 days
   * ago on disk: what a fall back to the default 30 days would delete. Its own settings file looks every 2 s.
   */
  async function keeping90Days() {
    const { dataDir, settingsPath, old, oldestOnDisk } = folderWithOldSample(JSON.stringify({ ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, historyDays: 90 } }, null, 2));
    const { service, warnings } = await serviceWatchingSelf(dataDir);
    const historyDays = async () => (await service.getSettings({})).retention.historyDays;
    expect(await historyDays()).toBe(90);
    expect((await service.history({ targetId: 'self' })).samples[0]!.timeMs).toBe(old.timeMs);
    /** Waits (bounded) until `cond`, then long enough for a retention pass it set off to have written the history file. */
    const settle = async (cond: () => Promise<boolean> | boolean) => {
      const end = Date.now() + 10_000;
      while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1000));
    };
    return { dataDir, settingsPath, service, warnings, old, historyDays, oldestOnDisk, settle };
  }

  it('a bad file another leakbar sets aside at its start leaves the service on its settings, and the old history stays', async () => {
    const s = await keeping90Days();
    writeFileSync(s.settingsPath, '{"version": 2, "retention": {"historyDays": 9');
    await s.settle(() => s.warnings.some((w) => w.includes('changed but cannot be used')));
    expect(await s.historyDays()).toBe(90);
    // A second leakbar starting on the folder sets the bad file aside; the running one must not drop to the defaults.
    const second = openSettingsFile(s.dataDir, { warn: () => {} });
    expect(second.loadProblems).toHaveLength(1);
    expect(existsSync(`${s.settingsPath}.bad`)).toBe(true);
    await s.settle(async () => s.warnings.some((w) => w.includes('settings.json is gone')) || (await s.historyDays()) !== 90);
    expect(s.oldestOnDisk()).toBe(s.old.timeMs);
    expect(await s.historyDays()).toBe(90);
    expect((await s.service.history({ targetId: 'self' })).samples[0]!.timeMs).toBe(s.old.timeMs);
    expect(s.warnings.filter((w) => w.includes('settings.json is gone'))).toHaveLength(1);
  });

  it('a file deleted keeps the service on its settings and writes them back at once; changes go on from there', async () => {
    const s = await keeping90Days();
    rmSync(s.settingsPath);
    await s.settle(async () => s.warnings.some((w) => w.includes('settings.json is gone')) || (await s.historyDays()) !== 90);
    expect(await s.historyDays()).toBe(90);
    expect(s.oldestOnDisk()).toBe(s.old.timeMs);
    // Back on disk before any change: a leakbar starting now reads 90 days, not the defaults' 30.
    expect(s.warnings.filter((w) => w.includes('settings.json is gone') && w.includes('were written back to it'))).toHaveLength(1);
    expect(openSettingsFile(s.dataDir, { warn: () => {} }).get().retention.historyDays).toBe(90);
    expect(await s.service.setSettings({ patch: { trayTitle: 'fds' } })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', retention: { historyDays: 90 } } });
    expect(JSON.parse(readFileSync(s.settingsPath, 'utf8'))).toMatchObject({ trayTitle: 'fds', retention: { historyDays: 90 } });
    expect(s.oldestOnDisk()).toBe(s.old.timeMs);
  });

  it('a newer leakbar’s file whose historyDays this build cannot read does not shrink it; a readable lower one does', async () => {
    const s = await keeping90Days();
    writeFileSync(s.settingsPath, JSON.stringify({ ...DEFAULT_SETTINGS, version: SETTINGS_VERSION + 1, trayTitle: 'fds', retention: { ...DEFAULT_SETTINGS.retention, historyDays: { days: 90 } } }));
    await s.settle(async () => (await s.service.getSettings({})).trayTitle === 'fds');
    expect((await s.service.getSettings({})).trayTitle).toBe('fds');
    expect(await s.historyDays()).toBe(90);
    expect(s.oldestOnDisk()).toBe(s.old.timeMs);
    // The same document with a historyDays this build reads: that one is applied, and the old sample goes.
    writeFileSync(s.settingsPath, JSON.stringify({ ...DEFAULT_SETTINGS, version: SETTINGS_VERSION + 1, trayTitle: 'fds', retention: { ...DEFAULT_SETTINGS.retention, historyDays: 30 } }));
    await expect.poll(() => s.oldestOnDisk(), { timeout: 10_000 }).toBeGreaterThan(s.old.timeMs);
    expect(await s.historyDays()).toBe(30);
  });

  it('a hand-written settings.json whose historyDays cannot be read is used for the rest, stays in place, and deletes nothing as old until it is fixed', async () => {
    const { dataDir, settingsPath, old, oldestOnDisk } = folderWithOldSample(JSON.stringify({ version: SETTINGS_VERSION, retention: { historyDays: '90d' }, trayTitle: 'fds', detectors: { thresholds: { fds: { line: 40 } } } }));
    const { service, warnings } = await serviceWatchingSelf(dataDir);
    // Every setting the file holds in a usable form is in force; the file is not set aside.
    expect(await service.getSettings({})).toMatchObject({ trayTitle: 'fds', detectors: { thresholds: { fds: { line: 40 } } }, retention: { historyDays: 30 } });
    expect(existsSync(`${settingsPath}.bad`)).toBe(false);
    expect(warnings.some((w) => w.includes('retention.historyDays: must be a number of days (got "90d")'))).toBe(true);
    // The default 30 days stands in for the 90 meant: the 60-day-old sample stays.
    await new Promise((r) => setTimeout(r, 1000));
    expect(oldestOnDisk()).toBe(old.timeMs);
    expect((await service.history({ targetId: 'self' })).samples[0]!.timeMs).toBe(old.timeMs);
    // Fixed by hand, to the very value standing in (nothing else changes): read whole, the hold ends, and retention applies it.
    writeFileSync(settingsPath, JSON.stringify({ version: SETTINGS_VERSION, retention: { historyDays: 30 }, trayTitle: 'fds', detectors: { thresholds: { fds: { line: 40 } } } }));
    await expect.poll(() => oldestOnDisk(), { timeout: 10_000 }).toBeGreaterThan(old.timeMs);
  });

  it('a service starting on defaults that stand in for an unusable file deletes nothing as old until settings are saved', async () => {
    for (const how of ['a bad settings.json', 'only a settings.json.bad left by an earlier leakbar'] as const) {
      // 90 days meant, with a typo: unusable, so the service runs on the defaults (30 days).
      const { dataDir, old, oldestOnDisk } = folderWithOldSample('{"version": 2, "retention": {"historyDays": 9', { aside: how !== 'a bad settings.json' });
      const { service, warnings } = await serviceWatchingSelf(dataDir);
      expect((await service.getSettings({})).retention.historyDays, how).toBe(30);
      expect(warnings.some((w) => w.includes('nothing is deleted as old')), how).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
      expect(oldestOnDisk(), how).toBe(old.timeMs);
      expect((await service.history({ targetId: 'self' })).samples[0]!.timeMs, how).toBe(old.timeMs);
      // A change that does not name retention (a tray snooze, a target added) does not end the hold.
      expect(await service.setSettings({ patch: { trayTitle: 'fds' } })).toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 1000));
      expect(oldestOnDisk(), how).toBe(old.timeMs);
      // Retention saved: the user's now, and applied.
      expect(await service.setSettings({ patch: { retention: { historyDays: 30 } } })).toMatchObject({ ok: true });
      await expect.poll(() => oldestOnDisk(), { timeout: 10_000 }).toBeGreaterThan(old.timeMs);
    }
  });
});
