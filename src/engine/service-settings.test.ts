import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_SETTINGS, type Alert } from '../shared/alerts.js';
import type { ApiEvent } from '../shared/api.js';
import { DEFAULT_SETTINGS, type Settings } from '../shared/settings.js';
import type { Sample } from '../shared/types.js';
import { createService, type LeakbarService } from './service.js';
import { createCaptureStore } from './captures/index.js';
import { newCaptureId } from './captures/ids.js';
import { openSettingsFile } from './settings-file.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** The service with this platform's real collectors, watching this test's own process (no pprof). */
async function watchSelf(options: Partial<Parameters<typeof createService>[0]> = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'leakbar-service-settings-'));
  const service: LeakbarService = await createService({ cadences: { sampleMs: 200, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 }, ...options, dataDir });
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => service.close());
  const samples: Sample[] = [];
  const events: ApiEvent[] = [];
  service.subscribe((e) => {
    events.push(e);
    if (e.type === 'sample') samples.push(e.sample);
  });
  const { target } = await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
  return { service, dataDir, samples, events, targetId: target.id };
}

async function until(cond: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('settings through the service', () => {
  it('a threshold lowered through setSettings fires on the next sample, and is kept in <dataDir>/settings.json', async () => {
    const w = await watchSelf();
    await until(() => w.samples.length >= 3, 10_000, 'three samples');
    const fds = w.samples.at(-1)!.fds!;
    expect(fds).toBeGreaterThan(3);
    expect(w.events.some((e) => e.type === 'alert')).toBe(false);

    const r = await w.service.setSettings({ patch: { detectors: { thresholds: { fds: { line: 2, consecutive: 1 } } } } });
    expect(r).toMatchObject({ ok: true, settings: { detectors: { thresholds: { fds: { line: 2, consecutive: 1 } } } } });
    const at = w.events.length;
    await until(() => w.events.slice(at).some((e) => e.type === 'sample'), 5_000, 'the next sample');
    // The next sample's own detector step fires it: the alert comes right after that sample, before any later one.
    const next = w.events.findIndex((e, i) => i >= at && e.type === 'sample');
    const firedAt = w.events.findIndex((e, i) => i > next && e.type === 'alert' && e.change === 'fired');
    const later = w.events.findIndex((e, i) => i > next && e.type === 'sample');
    expect(firedAt).toBeGreaterThan(next);
    if (later >= 0) expect(firedAt).toBeLessThan(later);
    expect((w.events[firedAt] as Extract<ApiEvent, { type: 'alert' }>).alert).toMatchObject({ key: 'threshold:fds', line: 2 } satisfies Partial<Alert>);

    const onDisk = JSON.parse(readFileSync(join(w.dataDir, 'settings.json'), 'utf8')) as Settings;
    expect(onDisk.detectors.thresholds.fds.line).toBe(2);
    expect((await w.service.getSettings({})).detectors.thresholds.fds.line).toBe(2);
  });

  it('refuses a bad value with a reason per field and changes nothing', async () => {
    const w = await watchSelf();
    const r = await w.service.setSettings({ patch: { detectors: { thresholds: { fds: { line: -5 } } }, cadences: { sampleMs: 10 } } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^detectors\.thresholds\.fds\.line: /), expect.stringMatching(/^cadences\.sampleMs: /)]));
    expect((await w.service.getSettings({})).detectors.thresholds.fds.line).toBe(DEFAULT_SETTINGS.detectors.thresholds.fds.line);
    expect(() => readFileSync(join(w.dataDir, 'settings.json'))).toThrow(/ENOENT/);
  });

  it('runs on the stored settings, lets explicit options win, and gives way on a field a person changes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-settings-'));
    const stored = { ...DEFAULT_SETTINGS, detectors: { ...DEFAULT_DETECTOR_SETTINGS, thresholds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds, fds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 500 }, threads: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.threads, line: 60 } } } };
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(stored));
    const plain = await createService({ dataDir });
    expect((await plain.getSettings({})).detectors.thresholds.fds.line).toBe(500);
    await plain.close();

    const explicit = { ...DEFAULT_DETECTOR_SETTINGS, thresholds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds, fds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 7 } } };
    const w = await watchSelf({ dataDir, detectorSettings: explicit });
    const s = await w.service.getSettings({});
    expect(s.detectors.thresholds.fds.line).toBe(7);
    expect(s.cadences.sampleMs).toBe(200);
    await w.service.setSettings({ patch: { detectors: { thresholds: { threads: { line: 80 } } } } });
    expect((await w.service.getSettings({})).detectors.thresholds).toMatchObject({ fds: { line: 7 }, threads: { line: 80 } });
    await w.service.setSettings({ patch: { detectors: { thresholds: { fds: { line: 9 } } } } });
    expect((await w.service.getSettings({})).detectors.thresholds.fds.line).toBe(9);
    // The explicit options were never written to the file; the person's changes were.
    const onDisk = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as Settings;
    expect(onDisk.detectors.thresholds).toMatchObject({ fds: { line: 9 }, threads: { line: 80 } });
    expect(onDisk.cadences.sampleMs).toBe(DEFAULT_SETTINGS.cadences.sampleMs);
  });

  it('restarts the watchers on new cadences', async () => {
    const w = await watchSelf({ cadences: { sampleMs: 200 } });
    const r = await w.service.setSettings({ patch: { cadences: { sampleMs: 1000 } } });
    expect(r.ok).toBe(true);
    const status = await w.service.status({ targetId: w.targetId });
    expect(status.jobs.find((j) => j.name === 'sample')?.intervalMs).toBe(1000);
  });
});

describe('settings saved by another process (the desktop app, another serve)', () => {
  it('reach a running service: a lowered threshold fires without a restart, and a change here keeps the other one', async () => {
    const w = await watchSelf();
    await until(() => w.samples.length >= 2, 10_000, 'two samples');
    expect(w.events.some((e) => e.type === 'alert')).toBe(false);
    const other = openSettingsFile(w.dataDir, { warn: () => {} });
    expect(other.set({ detectors: { thresholds: { fds: { line: 2, consecutive: 1 } } } })).toMatchObject({ ok: true });
    // Noticed within the file's look-around (2 s), applied through the same path as setSettings.
    await until(() => w.events.some((e) => e.type === 'alert' && e.change === 'fired' && e.alert.key === 'threshold:fds'), 10_000, 'the FD alert');
    expect((await w.service.getSettings({})).detectors.thresholds.fds.line).toBe(2);
    // A change made here afterwards is laid over the other's, not over what this service read at start.
    expect(await w.service.setSettings({ patch: { trayTitle: 'fds' } })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', detectors: { thresholds: { fds: { line: 2 } } } } });
    const onDisk = JSON.parse(readFileSync(join(w.dataDir, 'settings.json'), 'utf8')) as Settings;
    expect(onDisk).toMatchObject({ trayTitle: 'fds', detectors: { thresholds: { fds: { line: 2 } } } });
  });

  it('restart the watchers on new cadences, but start-up options still win', async () => {
    // No fixed cadences: a new sample cadence from the file applies.
    const free = await watchSelf({ cadences: undefined });
    const sampleJob = async (w: typeof free) => (await w.service.status({ targetId: w.targetId })).jobs.find((j) => j.name === 'sample')?.intervalMs;
    expect(await sampleJob(free)).toBe(DEFAULT_SETTINGS.cadences.sampleMs);
    openSettingsFile(free.dataDir, { warn: () => {} }).set({ cadences: { sampleMs: 1000 } });
    await expect.poll(() => sampleJob(free), { timeout: 10_000 }).toBe(1000);

    // Fixed cadences and alert lines (`--interval`, `--alerts`) win over the same change; other fields still apply.
    const explicit = { ...DEFAULT_DETECTOR_SETTINGS, thresholds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds, fds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 7 } } };
    const fixed = await watchSelf({ detectorSettings: explicit });
    openSettingsFile(fixed.dataDir, { warn: () => {} }).set({ cadences: { sampleMs: 1000 }, detectors: { thresholds: { fds: { line: 3 } } }, retention: { captureDays: 9 } });
    await expect.poll(async () => (await fixed.service.getSettings({})).retention.captureDays, { timeout: 10_000 }).toBe(9);
    // The change was heard (retention), yet the watcher keeps the start-up cadence and the FD line stays the option's.
    await new Promise((r) => setTimeout(r, 200));
    expect(await sampleJob(fixed)).toBe(200);
    const s = await fixed.service.getSettings({});
    expect(s.detectors.thresholds.fds.line).toBe(7);
    expect(s.cadences.sampleMs).toBe(200);
  });

  it('says which fields start-up options fix (fixedSettings), until a change saved through it takes one over', async () => {
    const w = await watchSelf({ cadences: { sampleMs: 1000, memStatsMs: 2000 } });
    expect(await w.service.fixedSettings({})).toEqual({ paths: ['cadences.sampleMs', 'cadences.memStatsMs'] });
    expect(await w.service.setSettings({ patch: { cadences: { sampleMs: 3000 } } })).toMatchObject({ ok: true, settings: { cadences: { sampleMs: 3000, memStatsMs: 2000 } } });
    expect(await w.service.fixedSettings({})).toEqual({ paths: ['cadences.memStatsMs'] });
    await expect((await watchSelf({ cadences: undefined })).service.fixedSettings({})).resolves.toEqual({ paths: [] });
  });

  it('a file from a newer leakbar is read, kept, and a change through the service is refused with why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-settings-'));
    const doc = { ...DEFAULT_SETTINGS, version: DEFAULT_SETTINGS.version + 1, detectors: { ...DEFAULT_DETECTOR_SETTINGS, thresholds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds, threads: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.threads, line: 64 } } }, laterSection: {} };
    const text = JSON.stringify(doc, null, 2);
    writeFileSync(join(dataDir, 'settings.json'), text);
    const w = await watchSelf({ dataDir });
    expect((await w.service.getSettings({})).detectors.thresholds.threads.line).toBe(64);
    const r = await w.service.setSettings({ patch: { trayTitle: 'fds' } });
    expect(!r.ok && r.problems).toEqual([expect.stringMatching(new RegExp(`was written by a newer leakbar \\(version ${doc.version}\\).*nothing was saved`))]);
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).toBe(text);
    expect(readdirSync(dataDir)).not.toContain('settings.json.bad');
  });
});

describe('retention through the service', () => {
  const DAY = 24 * 60 * 60_000;

  it('drops history and captures past the settings’ days at start, and again when they are lowered', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-retention-'));
    const now = Date.now();
    const history = join(dataDir, 'targets', 'self', 'samples.jsonl');
    mkdirSync(join(dataDir, 'targets', 'self'), { recursive: true });
    const old: Sample[] = [];
    for (let t = now - 40 * DAY; t < now - DAY; t += 60 * 60_000) old.push({ timeMs: t, pid: process.pid });
    writeFileSync(history, old.map((x) => JSON.stringify(x) + '\n').join(''));
    // Captures of the watched target and of one this engine does not watch (the data folder may be shared with
    // another process under its own settings: left alone); the pinned one stays whatever its age.
    const captures = await createCaptureStore(dataDir);
    const put = async (targetId: string, ageDays: number, pinned = false) => {
      const p = await captures.begin(targetId, newCaptureId(now - ageDays * DAY, 'heap'));
      await p.writeFile('heap.pb.gz', new Uint8Array(8), 'heap');
      return (await p.commit({ kind: 'heap', pid: 1, startedMs: now - ageDays * DAY, endedMs: now - ageDays * DAY, figures: null, alertKey: null, baseline: false, pinned, note: '' })).id;
    };
    // Made oldest first, so each id's random part comes from its own call.
    await put('self', 40);
    const pinned = await put('self', 45, true);
    const otherTarget = await put('gone', 35);
    const twentyDays = await put('self', 20);
    const fresh = await put('self', 1);

    const w = await watchSelf({ dataDir });
    expect(w.targetId).toBe('self');
    const oldestOnDisk = () => JSON.parse(readFileSync(history, 'utf8').split('\n', 1)[0]!) as Sample;
    await until(() => oldestOnDisk().timeMs >= now - 30 * DAY, 10_000, 'history older than 30 days dropped from disk');
    const ids = async () => (await captures.list()).map((c) => c.id).sort();
    await expect.poll(ids, { timeout: 10_000 }).toEqual([pinned, otherTarget, twentyDays, fresh].sort());

    expect(await w.service.setSettings({ patch: { retention: { historyDays: 5, captureDays: 10 } } })).toMatchObject({ ok: true });
    await until(() => oldestOnDisk().timeMs >= now - 5 * DAY, 10_000, 'history older than 5 days dropped from disk');
    await expect.poll(ids, { timeout: 10_000 }).toEqual([pinned, otherTarget, fresh].sort());
    const kept = await w.service.history({ targetId: w.targetId });
    expect(kept.samples[0]!.timeMs).toBeGreaterThanOrEqual(now - 5 * DAY);
    // The samples taken meanwhile are all on disk, once each, after the old ones.
    await until(() => w.samples.length >= 2, 10_000, 'two samples');
    await w.service.close();
    const lines = readFileSync(history, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Sample);
    expect(lines.filter((x) => x.timeMs >= now).map((x) => x.timeMs)).toEqual(w.samples.map((x) => x.timeMs));
  });
});

describe('updateTarget', () => {
  it('renames a target in place: same id, the history goes on', async () => {
    const w = await watchSelf();
    await until(() => w.samples.length >= 2, 10_000, 'two samples');
    const summary = await w.service.updateTarget({ targetId: w.targetId, patch: { name: 'me, renamed', fdPatterns: ['.sessions'] } });
    expect(summary.target).toMatchObject({ id: w.targetId, name: 'me, renamed', fdPatterns: ['.sessions'], selector: { pid: process.pid } });
    expect((await w.service.listTargets({})).map((t) => [t.target.id, t.target.name])).toEqual([[w.targetId, 'me, renamed']]);
    const n = w.samples.length;
    await until(() => w.samples.length >= n + 2, 10_000, 'samples after the rename');
    const history = await w.service.history({ targetId: w.targetId });
    expect(history.samples.length).toBeGreaterThanOrEqual(n + 2);
  });

  it('a new selector restarts the watcher on the new process', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanup.push(() => void child.kill());
    const w = await watchSelf();
    await w.service.updateTarget({ targetId: w.targetId, patch: { pid: child.pid! } });
    await until(() => w.samples.at(-1)?.pid === child.pid, 10_000, 'a sample of the new process');
    expect((await w.service.status({ targetId: w.targetId })).pid).toBe(child.pid);
    await expect(w.service.updateTarget({ targetId: 'nope', patch: { name: 'x' } })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('takes changes one at a time: two at once leave one watcher, with both changes', async () => {
    const w = await watchSelf();
    await Promise.all([w.service.updateTarget({ targetId: w.targetId, patch: { name: 'first' } }), w.service.updateTarget({ targetId: w.targetId, patch: { fdPatterns: ['.x'] } })]);
    expect((await w.service.listTargets({}))[0]!.target).toMatchObject({ name: 'first', fdPatterns: ['.x'] });
    // One watcher: samples come once per tick, not twice.
    const n = w.samples.length;
    await new Promise((r) => setTimeout(r, 1100));
    expect(w.samples.length - n).toBeLessThanOrEqual(7);
  });

  it('keeps a renamed target’s id when it is added again by its description (the desktop stores it so)', async () => {
    const w = await watchSelf();
    await w.service.updateTarget({ targetId: w.targetId, patch: { name: 'other name' } });
    await w.service.removeTarget({ targetId: w.targetId });
    const again = await w.service.addTarget({ id: w.targetId, name: 'other name', pid: process.pid, pprofUrl: null });
    expect(again.target.id).toBe(w.targetId);
  });
});
