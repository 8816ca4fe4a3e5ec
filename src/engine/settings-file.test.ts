import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_SETTINGS } from '../shared/alerts.js';
import { DEFAULT_SETTINGS, SETTINGS_VERSION } from '../shared/settings.js';
import { dropPatched, openSettingsFile, overlaySettings, overridesFromOptions, writeJsonAtomic } from './settings-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'leakbar-settings-'));
  dirs.push(d);
  return d;
}
const quiet = { warn: () => {} };

describe('openSettingsFile', () => {
  it('runs on the defaults when there is no file, and writes one only on the first change', () => {
    const dir = tmp();
    const file = openSettingsFile(dir, quiet);
    expect(file.get()).toEqual(DEFAULT_SETTINGS);
    expect(file.loadProblems).toEqual([]);
    expect(existsSync(join(dir, 'settings.json'))).toBe(false);

    const r = file.set({ detectors: { thresholds: { fds: { line: 40 } } }, cadences: { sampleMs: 2000 } });
    expect(r).toMatchObject({ ok: true });
    const onDisk = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as typeof DEFAULT_SETTINGS;
    expect(onDisk.detectors.thresholds.fds.line).toBe(40);
    expect(onDisk.cadences).toEqual({ ...DEFAULT_SETTINGS.cadences, sampleMs: 2000 });
    expect(onDisk.version).toBe(SETTINGS_VERSION);
    // The temporary file was renamed over settings.json: nothing is left beside it.
    expect(readdirSync(dir)).toEqual(['settings.json']);
    // A second open reads what was written.
    expect(openSettingsFile(dir, quiet).get().detectors.thresholds.fds.line).toBe(40);
  });

  it('refuses a bad value with a reason naming the field, and stores nothing', () => {
    const dir = tmp();
    const file = openSettingsFile(dir, quiet);
    file.set({ trayTitle: 'fds' });
    const before = readFileSync(join(dir, 'settings.json'), 'utf8');
    const r = file.set({ detectors: { thresholds: { fds: { line: -5 } } }, trayTitle: 'none' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([expect.stringMatching(/^detectors\.thresholds\.fds\.line: .*-5/)]);
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toBe(before);
    expect(file.get().trayTitle).toBe('fds');
  });

  it('keeps a file that is not JSON as settings.json.bad and runs on the defaults', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'settings.json'), '{"version": 2, "targets": [');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m) });
    expect(file.get()).toEqual(DEFAULT_SETTINGS);
    expect(file.loadProblems[0]).toMatch(/not JSON/);
    expect(readFileSync(join(dir, 'settings.json.bad'), 'utf8')).toBe('{"version": 2, "targets": [');
    expect(existsSync(join(dir, 'settings.json'))).toBe(false);
    expect(warnings.join('\n')).toMatch(/settings\.json\.bad.*defaults/);
  });

  it('keeps a file with a bad value, or from a newer leakbar, as settings.json.bad', () => {
    for (const doc of [{ ...DEFAULT_SETTINGS, trayTitle: 'cpu' }, { ...DEFAULT_SETTINGS, version: SETTINGS_VERSION + 1 }]) {
      const dir = tmp();
      writeFileSync(join(dir, 'settings.json'), JSON.stringify(doc));
      const file = openSettingsFile(dir, quiet);
      expect(file.get()).toEqual(DEFAULT_SETTINGS);
      expect(file.loadProblems.join('; ')).toMatch(/^(trayTitle|version): /);
      expect(JSON.parse(readFileSync(join(dir, 'settings.json.bad'), 'utf8'))).toEqual(doc);
    }
  });

  it('migrates a version-1 file and writes it back as the current version', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 1, thresholds: { fds: 300, rssMb: 200 }, sampleIntervalMs: 2000, quietHours: '23:00-07:00' }));
    const file = openSettingsFile(dir, quiet);
    expect(file.loadProblems).toEqual([]);
    const s = file.get();
    expect(s.detectors.thresholds.fds.line).toBe(300);
    expect(s.detectors.thresholds.rssBytes.line).toBe(200 * 1024 * 1024);
    expect(s.cadences.sampleMs).toBe(2000);
    expect(s.quietHours).toEqual({ enabled: true, from: '23:00', to: '07:00' });
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual(s);
  });

  it('answers a failed write with a reason and keeps the settings it had', () => {
    const dir = tmp();
    const file = openSettingsFile(dir, quiet);
    // settings.json is a folder: the rename over it fails.
    mkdirSync(join(dir, 'settings.json'));
    const r = file.set({ trayTitle: 'fds' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]).toMatch(/^settings: could not be saved/);
    expect(file.get().trayTitle).toBe('none');
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });
});

describe('writeJsonAtomic', () => {
  it('replaces the file whole and leaves no temporary file', () => {
    const dir = tmp();
    const path = join(dir, 'x.json');
    writeFileSync(path, 'old');
    expect(writeJsonAtomic(path, { a: 1 })).toBeNull();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 1 });
    expect(readdirSync(dir)).toEqual(['x.json']);
    expect(writeJsonAtomic(join(dir, 'missing', 'x.json'), {})).toMatch(/ENOENT/);
  });
});

describe('start-up options over the stored settings', () => {
  const options = { detectorSettings: { ...DEFAULT_DETECTOR_SETTINGS, thresholds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds, fds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 7 } } }, cadences: { sampleMs: 250 }, autoCaptureGapMs: Infinity };

  it('win over the stored settings', () => {
    const s = overlaySettings(DEFAULT_SETTINGS, overridesFromOptions(options));
    expect(s.detectors.thresholds.fds.line).toBe(7);
    expect(s.cadences).toEqual({ ...DEFAULT_SETTINGS.cadences, sampleMs: 250 });
    expect(s.autoCapture).toEqual({ ...DEFAULT_SETTINGS.autoCapture, enabled: false });
  });

  it('give way on exactly the fields a change names', () => {
    const left = dropPatched(overridesFromOptions(options), { detectors: { thresholds: { fds: { line: 9 } } }, trayTitle: 'fds' });
    const stored = { ...DEFAULT_SETTINGS, detectors: { ...DEFAULT_SETTINGS.detectors, thresholds: { ...DEFAULT_SETTINGS.detectors.thresholds, fds: { ...DEFAULT_SETTINGS.detectors.thresholds.fds, line: 9 } } } };
    const s = overlaySettings(stored, left);
    expect(s.detectors.thresholds.fds.line).toBe(9);
    expect(s.cadences.sampleMs).toBe(250);
    expect(dropPatched(left, { cadences: {} }).cadences).toEqual({ sampleMs: 250 });
    expect(dropPatched(left, { cadences: { sampleMs: 1000 } }).cadences).toBeUndefined();
  });
});
