import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_SETTINGS } from '../shared/alerts.js';
import { DEFAULT_SETTINGS, SETTINGS_VERSION, settingsSchema, type Settings } from '../shared/settings.js';
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

  it('keeps a file that holds no object as settings.json.bad and runs on the defaults', () => {
    for (const text of ['[1, 2]', '"settings"', '42', 'null', ' null\n']) {
      const dir = tmp();
      writeFileSync(join(dir, 'settings.json'), text);
      const file = openSettingsFile(dir, quiet);
      expect(file.get()).toEqual(DEFAULT_SETTINGS);
      expect(file.loadProblems, text).toEqual([expect.stringMatching(/^settings: must be an object/)]);
      expect(readFileSync(join(dir, 'settings.json.bad'), 'utf8')).toBe(text);
      expect(file.retentionHeld).toBe(true);
    }
  });
  it('never writes a file set aside over an earlier one: each unusable file keeps its own .bad name', async () => {
    const dir = tmp();
    const texts = ['{', '{"version":2, "my important": ', 'null'];
    const warnings: string[] = [];
    for (const text of texts) {
      writeFileSync(join(dir, 'settings.json'), text);
      openSettingsFile(dir, { warn: (m) => warnings.push(m) }).close();
    }
    expect(readFileSync(join(dir, 'settings.json.bad'), 'utf8')).toBe(texts[0]);
    expect(readFileSync(join(dir, 'settings.json.2.bad'), 'utf8')).toBe(texts[1]);
    expect(readFileSync(join(dir, 'settings.json.3.bad'), 'utf8')).toBe(texts[2]);
    expect(warnings.filter((w) => /settings not used/.test(w)).map((w) => /kept as (\S+),/.exec(w)?.[1])).toEqual(['settings.json.bad', 'settings.json.2.bad', 'settings.json.3.bad'].map((n) => join(dir, n)));
    // A file another writer breaks while running is copied aside at the next change, beside the earlier ones.
    const file = openSettingsFile(dir, quiet);
    file.set({ trayTitle: 'fds' });
    writeFileSync(join(dir, 'settings.json'), '{"trayTitle": ');
    expect(file.set({ trayTitle: 'none' })).toMatchObject({ ok: true });
    expect(readFileSync(join(dir, 'settings.json.4.bad'), 'utf8')).toBe('{"trayTitle": ');
    expect(readFileSync(join(dir, 'settings.json.bad'), 'utf8')).toBe(texts[0]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    file.close();
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

describe('a file written by hand', () => {
  it('may hold just the parts it changes: the rest takes the defaults, nothing is said, and the file is left as written', () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const text = '{"version":2,"cadences":{"sampleMs":2000}}';
    writeFileSync(path, text);
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m) });
    expect(file.loadProblems).toEqual([]);
    expect(file.get()).toEqual({ ...DEFAULT_SETTINGS, cadences: { ...DEFAULT_SETTINGS.cadences, sampleMs: 2000 } });
    expect(warnings).toEqual([]);
    expect(file.retentionHeld).toBe(false);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(readFileSync(path, 'utf8')).toBe(text);
    // The next change saved writes the whole document, the hand-written part with it.
    expect(file.set({ trayTitle: 'fds' })).toMatchObject({ ok: true });
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    expect(settingsSchema.parse(onDisk)).toEqual({ ...DEFAULT_SETTINGS, cadences: { ...DEFAULT_SETTINGS.cadences, sampleMs: 2000 }, trayTitle: 'fds' });
    // Without a version too: read as this version, with nothing to say (every field in it is used).
    writeFileSync(path, '{"trayTitle":"goroutines"}');
    const unversioned: string[] = [];
    expect(openSettingsFile(dir, { warn: (m) => unversioned.push(m) }).get()).toEqual({ ...DEFAULT_SETTINGS, trayTitle: 'goroutines' });
    expect(unversioned).toEqual([]);
    // A version that is wrong is said.
    writeFileSync(path, '{"version":"2","trayTitle":"goroutines"}');
    expect(openSettingsFile(dir, { warn: (m) => unversioned.push(m) }).get().trayTitle).toBe('goroutines');
    expect(unversioned).toEqual([expect.stringContaining(`\n  version: must be a whole number from 1 (got "2"); read as version ${SETTINGS_VERSION}`)]);
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('a value out of range falls back to its default alone, said in one warning naming each field; every other setting stays', () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const doc = {
      version: 2,
      detectors: { thresholds: { fds: { line: 40 }, rssBytes: { line: 104857600, consecutive: 0 } } },
      cadences: { sampleMs: 2000, memStatsMs: 400 },
      trayTitle: 'cpu',
      fdPatterns: ['.cache/a', '', '.cache/b'],
      targets: [{ name: 'api', match: 'api-server', pprofUrl: '127.0.0.1:16060' }, { name: 'both', pid: 1, match: 'x' }],
      cadence: { sampleMs: 1000 },
    };
    const text = JSON.stringify(doc, null, 2);
    writeFileSync(path, text);
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m) });
    expect(file.loadProblems).toEqual([]);
    const s = file.get();
    // What the user set and this build can use is in force...
    expect(s.detectors.thresholds.fds).toEqual({ ...DEFAULT_SETTINGS.detectors.thresholds.fds, line: 40 });
    expect(s.detectors.thresholds.rssBytes).toEqual({ ...DEFAULT_SETTINGS.detectors.thresholds.rssBytes, line: 104857600 });
    expect(s.cadences).toEqual({ ...DEFAULT_SETTINGS.cadences, sampleMs: 2000 });
    expect(s.fdPatterns).toEqual(['.cache/a', '.cache/b']);
    // (a pprof URL as people write it is read as `--pprof` reads it)
    expect(s.targets).toEqual([{ name: 'api', match: 'api-server', pprofUrl: 'http://127.0.0.1:16060/debug/pprof/' }]);
    // ... and what it cannot use is on its default, each said with why, in one warning.
    expect(s.trayTitle).toBe('none');
    expect(warnings).toEqual([
      [
        `leakbar: not every setting in ${path} can be used as written; the rest of it is in force, and the file is left as it is (the next change saved writes it whole, keeping this text as ${path}.bad):`,
        '  cadence: not a setting of this leakbar; ignored',
        '  targets.1: give exactly one of pid or match (got {"name":"both","pid":1,"match":"x"}); left out',
        '  detectors.thresholds.rssBytes.consecutive: must be at least 1 (got 0); using 2, the default',
        '  cadences.memStatsMs: must be at least 1000 ms (got 400); using 30000, the default',
        '  fdPatterns.1: must not be empty (got ""); left out',
        '  trayTitle: must be one of none, fds, goroutines (got "cpu"); using "none", the default',
      ].join('\n'),
    ]);
    // Still what the user wrote: not renamed, not rewritten; nothing held (retention was read whole).
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(file.retentionHeld).toBe(false);
    // The same, one note each, for the Settings page.
    expect(file.notes()).toEqual(warnings[0]!.split('\n').slice(1).map((l) => `${path}: ${l.trim()}`));
    // The next change (the app saves its target list, the tray a snooze) writes the fallbacks in their place: the text
    // as written is kept as .bad first, so the target left out and the values that fell back are not lost.
    expect(file.set({ notifications: { snoozedUntilMs: 1 } })).toMatchObject({ ok: true });
    expect(readFileSync(`${path}.bad`, 'utf8')).toBe(text);
    expect(warnings.at(-1)).toBe(`leakbar: ${path} held values this leakbar could not use (said when it was read); it is kept as ${path}.bad, and this change was saved with the settings in force`);
    expect(file.notes()).toEqual([]);
    // Once only: the file is now this leakbar's own.
    expect(file.set({ trayTitle: 'fds' })).toMatchObject({ ok: true });
    expect(readFileSync(`${path}.bad`, 'utf8')).toBe(text);
    expect(warnings).toHaveLength(2);
  });

  it('changed by hand while running: a value that cannot be used keeps the one in force, the others apply', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    expect(file.set({ cadences: { memStatsMs: 10_000 }, trayTitle: 'fds' })).toMatchObject({ ok: true });
    const heard: Settings[] = [];
    file.onChange((next) => heard.push(next));
    writeFileSync(path, JSON.stringify({ version: 2, cadences: { sampleMs: 2000, memStatsMs: 400 }, trayTitle: 'goroutines', launchAtLogin: 'yes' }));
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);
    expect(file.get()).toMatchObject({ cadences: { sampleMs: 2000, memStatsMs: 10_000 }, trayTitle: 'goroutines', launchAtLogin: false });
    expect(warnings).toEqual([
      [
        `leakbar: not every setting in ${path} can be used as written; the rest of it is in force, and the file is left as it is (the next change saved writes it whole, keeping this text as ${path}.bad):`,
        '  cadences.memStatsMs: must be at least 1000 ms (got 400); keeping 10000, the value in force',
        '  launchAtLogin: must be true or false (got "yes"); keeping false, the value in force',
      ].join('\n'),
    ]);
    expect(file.notes()).toEqual([
      `${path}: cadences.memStatsMs: must be at least 1000 ms (got 400); keeping 10000, the value in force`,
      `${path}: launchAtLogin: must be true or false (got "yes"); keeping false, the value in force`,
    ]);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    file.close();
  });
});

describe('a retention limit that cannot be read', () => {
  it('at start: nothing is deleted as old (held) until it is read, said per field; the file stays as written', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    writeFileSync(path, JSON.stringify({ version: 2, retention: { historyDays: '90d', captureDays: 60 }, trayTitle: 'fds' }));
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    expect(file.retentionHeld).toBe(true);
    expect(file.get()).toMatchObject({ trayTitle: 'fds', retention: { historyDays: 30, captureDays: 60 } });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('\n  retention.historyDays: must be a number of days (got "90d"); using 30, the default, meanwhile (nothing is deleted as old until this is fixed or the settings are saved)');
    expect(warnings[1]).toBe(`leakbar: nothing is deleted as old (history, captures) while retention.historyDays in ${path} cannot be read; fix it there, or save the settings (the Settings page), to end this`);
    expect(file.notes()).toEqual([
      `${path}: retention.historyDays: must be a number of days (got "90d"); using 30, the default, meanwhile (nothing is deleted as old until this is fixed or the settings are saved)`,
      'nothing is deleted as old (history, captures) until the retention settings are saved here or the file is fixed',
    ]);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    const heard: Settings[] = [];
    file.onChange((next) => heard.push(next));

    // Another field changed, the limit still unreadable: still held, and the stand-in is not taken for the user's value.
    writeFileSync(path, JSON.stringify({ version: 2, retention: { historyDays: 'ninety', captureDays: 60 }, trayTitle: 'goroutines' }));
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);
    expect(file.retentionHeld).toBe(true);
    // Fixed, even to the default itself: read whole, so the hold ends, and listeners hear it (the service applies retention then).
    writeFileSync(path, JSON.stringify({ version: 2, retention: { historyDays: 30, captureDays: 60 }, trayTitle: 'goroutines' }));
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(2);
    expect(file.retentionHeld).toBe(false);
    expect(file.notes()).toEqual([]);
    expect(file.get().retention).toEqual({ ...DEFAULT_SETTINGS.retention, historyDays: 30, captureDays: 60 });
    file.close();
  });

  it('while running: the limit in force stays (never the default), and nothing is held', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    expect(file.set({ retention: { historyDays: 90, maxCaptureBytes: 4096 * 1024 * 1024 } })).toMatchObject({ ok: true });
    const heard: Settings[] = [];
    file.onChange((next) => heard.push(next));
    // A hand-written file: historyDays in a form that cannot be read, maxCaptureBytes left out, captureDays lowered.
    writeFileSync(path, JSON.stringify({ version: 2, retention: { historyDays: -1, captureDays: 7 }, trayTitle: 'fds' }));
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);
    expect(file.get()).toMatchObject({ trayTitle: 'fds', retention: { historyDays: 90, captureDays: 7, maxCaptureBytes: 4096 * 1024 * 1024 } });
    expect(file.retentionHeld).toBe(false);
    expect(warnings).toEqual([
      [
        `leakbar: not every setting in ${path} can be used as written; the rest of it is in force, and the file is left as it is (the next change saved writes it whole, keeping this text as ${path}.bad):`,
        '  retention.historyDays: must be from 1 to 3650 days (got -1); keeping 90, the value in force',
        `  retention.maxCaptureBytes: not in the file; keeping ${4096 * 1024 * 1024}, the value in force (not the default ${2048 * 1024 * 1024})`,
      ].join('\n'),
    ]);
    file.close();
  });
});

describe('a file written by a newer leakbar', () => {
  const newer = SETTINGS_VERSION + 1;
  /** A newer document: fields this build knows (some valid here, some not), and fields it does not know. */
  const doc = {
    ...DEFAULT_SETTINGS,
    version: newer,
    detectors: { ...DEFAULT_SETTINGS.detectors, thresholds: { ...DEFAULT_SETTINGS.detectors.thresholds, fds: { ...DEFAULT_SETTINGS.detectors.thresholds.fds, line: 40, laterKnob: true } } },
    cadences: { ...DEFAULT_SETTINGS.cadences, sampleMs: 2000 },
    targets: [{ name: 'api', match: 'api-server', pprofUrl: null, laterField: 1 }, { name: 'both', pid: 1, match: 'x' }],
    trayTitle: 'cpu', // a choice added later
    laterSection: { anything: [1, 2] },
  };

  it('is read for what this build knows, never renamed, and said once', () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const text = JSON.stringify(doc, null, '\t');
    writeFileSync(path, text);
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m) });
    expect(file.loadProblems).toEqual([]);
    expect(file.newerVersion).toBe(newer);
    const s = file.get();
    expect(s.version).toBe(SETTINGS_VERSION);
    expect(s.detectors.thresholds.fds).toEqual({ ...DEFAULT_SETTINGS.detectors.thresholds.fds, line: 40 });
    expect(s.cadences.sampleMs).toBe(2000);
    // The target this build can read is kept (its unknown field left out); the one it cannot is dropped.
    expect(s.targets).toEqual([{ name: 'api', match: 'api-server', pprofUrl: null }]);
    expect(s.trayTitle).toBe(DEFAULT_SETTINGS.trayTitle);
    expect(warnings).toEqual([
      `leakbar: ${path} was written by a newer leakbar (version ${newer}); this one reads what it knows and does not change the file (on defaults here: targets.1, trayTitle)`,
    ]);
    expect(file.notes()).toEqual([`${path} was written by a newer leakbar (version ${newer}): this one reads what it knows and saves nothing`]);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual(['settings.json']);

    // A change is refused, with why, and the file stays as the newer leakbar wrote it; nothing more is said.
    const r = file.set({ trayTitle: 'fds' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([expect.stringMatching(new RegExp(`^version: .*settings\\.json was written by a newer leakbar \\(version ${newer}\\); this one \\(version ${SETTINGS_VERSION}\\) does not change it, so nothing was saved`))]);
    expect(file.get().trayTitle).toBe(DEFAULT_SETTINGS.trayTitle);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(warnings).toHaveLength(1);
    // A second process opening it reads the same.
    expect(openSettingsFile(dir, quiet).get()).toEqual(s);
  });

  it('that appears while running is read, and changes are refused from then on', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    expect(file.set({ trayTitle: 'goroutines' })).toMatchObject({ ok: true });
    const heard: number[] = [];
    file.onChange((next) => heard.push(next.cadences.sampleMs));
    writeFileSync(path, JSON.stringify(doc));
    await expect.poll(() => heard, { timeout: 5000 }).toEqual([2000]);
    expect(file.newerVersion).toBe(newer);
    expect(file.set({ trayTitle: 'fds' })).toMatchObject({ ok: false });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(doc);
    expect(warnings).toEqual([expect.stringContaining(`was written by a newer leakbar (version ${newer})`)]);
    file.close();
  });
});

describe('two processes on one settings file', () => {
  it('each change a different field and both changes are kept, on disk and in each', async () => {
    const dir = tmp();
    const app = openSettingsFile(dir, { ...quiet, pollMs: 20 });
    const serve = openSettingsFile(dir, { ...quiet, pollMs: 20 });
    expect(app.set({ trayTitle: 'fds' })).toMatchObject({ ok: true });
    // `serve` read the file before the app's change; its change is laid over the document as it is now.
    expect(serve.set({ detectors: { thresholds: { fds: { line: 40 } } } })).toMatchObject({ ok: true, settings: { trayTitle: 'fds' } });
    expect(app.set({ cadences: { sampleMs: 2000 } })).toMatchObject({ ok: true, settings: { detectors: { thresholds: { fds: { line: 40 } } } } });
    const onDisk = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Settings;
    expect(onDisk).toMatchObject({ trayTitle: 'fds', detectors: { thresholds: { fds: { line: 40 } } }, cadences: { sampleMs: 2000 } });
    expect(app.get()).toEqual(onDisk);
    // `serve` hears the app's last change without a change of its own.
    const heard: Array<[number, number]> = [];
    serve.onChange((next, previous) => heard.push([previous.cadences.sampleMs, next.cadences.sampleMs]));
    await expect.poll(() => serve.get().cadences.sampleMs, { timeout: 5000 }).toBe(2000);
    expect(serve.get()).toEqual(onDisk);
    expect(heard).toEqual([[DEFAULT_SETTINGS.cadences.sampleMs, 2000]]);
    app.close();
    serve.close();
  });

  it('re-reads the text at a change even when the file looks the same (size and time)', () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const a = openSettingsFile(dir, quiet);
    a.set({ trayTitle: 'fds' });
    const before = statSync(path);
    // Another writer rewrites it in place, same length, and the time is put back.
    writeFileSync(path, readFileSync(path, 'utf8').replace('"launchAtLogin": false', '"launchAtLogin": true '));
    utimesSync(path, before.atime, before.mtime);
    expect(statSync(path).size).toBe(before.size);
    expect(a.set({ quietHours: { enabled: true } })).toMatchObject({ ok: true });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ trayTitle: 'fds', launchAtLogin: true, quietHours: { enabled: true } });
  });

  it('tells its listeners of each change, its own and another’s, and stops looking at close', async () => {
    const dir = tmp();
    const file = openSettingsFile(dir, { ...quiet, pollMs: 20 });
    const heard: string[] = [];
    const stop = file.onChange((next) => heard.push(next.trayTitle));
    file.set({ trayTitle: 'fds' });
    openSettingsFile(dir, quiet).set({ trayTitle: 'goroutines' });
    await expect.poll(() => heard, { timeout: 5000 }).toEqual(['fds', 'goroutines']);
    stop();
    openSettingsFile(dir, quiet).set({ trayTitle: 'none' });
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual(['fds', 'goroutines']);
    expect(file.get().trayTitle).toBe('goroutines'); // no one listens: it is read again at the next change
    file.close();
  });

  it('keeps the settings in force when another writer leaves a broken file, and keeps that file as .bad at the next change', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    file.set({ trayTitle: 'fds' });
    const heard: string[] = [];
    file.onChange((next) => heard.push(next.trayTitle));
    writeFileSync(path, '{"version": 2, "trayTitle": ');
    await expect.poll(() => warnings.length, { timeout: 5000 }).toBe(1);
    expect(warnings[0]).toMatch(/changed but cannot be used \(settings: not JSON/);
    expect(file.get().trayTitle).toBe('fds');
    expect(heard).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(warnings).toHaveLength(1);
    expect(file.set({ launchAtLogin: true })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', launchAtLogin: true } });
    expect(readFileSync(`${path}.bad`, 'utf8')).toBe('{"version": 2, "trayTitle": ');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ trayTitle: 'fds', launchAtLogin: true });
    file.close();
  });
});

describe('a file that goes or turns bad while open', () => {
  it('a file deleted keeps the settings in force and writes them back at once, said once; changes go on from there', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    expect(file.set({ trayTitle: 'fds', retention: { historyDays: 90, captureDays: 60 } })).toMatchObject({ ok: true });
    // Another handle that does not listen: it sees the file gone only at its own next change.
    const otherSaid: string[] = [];
    const other = openSettingsFile(dir, { warn: (m) => otherSaid.push(m) });
    const heard: Settings[] = [];
    file.onChange((next) => heard.push(next));
    rmSync(path);
    await expect.poll(() => warnings.length, { timeout: 5000 }).toBe(1);
    expect(warnings[0]).toBe(`leakbar: ${path} is gone (moved, deleted, or set aside as a .bad file by another leakbar that could not use it; where it went is not known here); the settings in force were written back to it`);
    expect(file.get()).toMatchObject({ trayTitle: 'fds', retention: { historyDays: 90, captureDays: 60 } });
    expect(heard).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(warnings).toHaveLength(1);
    // Back on disk: a leakbar starting now reads them, not the defaults.
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(file.get());

    expect(file.set({ launchAtLogin: true })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', launchAtLogin: true, retention: { historyDays: 90, captureDays: 60 } } });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(file.get());
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(warnings).toHaveLength(1);
    expect(heard.map((s) => s.launchAtLogin)).toEqual([true]);
    file.close();

    // Gone again: the handle that read it at its start and never looked since keeps what it read, at its next change.
    rmSync(path);
    expect(openSettingsFile(dir, quiet).get()).toEqual(DEFAULT_SETTINGS); // one opened now found nothing: the defaults
    expect(other.set({ quietHours: { enabled: true } })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', retention: { historyDays: 90, captureDays: 60 }, quietHours: { enabled: true } } });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ trayTitle: 'fds', retention: { historyDays: 90 }, quietHours: { enabled: true } });
    expect(otherSaid).toEqual([expect.stringMatching(/settings\.json is gone /)]);
  });

  it('a bad file another leakbar sets aside at its start keeps the settings in force, and the .bad it made is left alone', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    file.onChange(() => {});
    expect(file.set({ retention: { historyDays: 90 } })).toMatchObject({ ok: true });
    writeFileSync(path, '{"version": 2, "retention": {"historyDays": 9');
    await expect.poll(() => warnings.length, { timeout: 5000 }).toBe(1);
    // True whichever comes first: a change here, or another leakbar starting.
    expect(warnings[0]).toMatch(/changed but cannot be used \(settings: not JSON.*\); the settings in force stay, and the file is set aside as .*settings\.json\.bad by the next change saved here or by a leakbar starting before then, unless it is fixed first$/);
    const second = openSettingsFile(dir, quiet);
    expect(second.loadProblems).toHaveLength(1);
    expect(existsSync(path)).toBe(false);
    await expect.poll(() => warnings.length, { timeout: 5000 }).toBe(2);
    expect(warnings[1]).toMatch(/settings\.json is gone .*the settings in force were written back to it$/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ retention: { historyDays: 90 } });
    expect(file.get().retention.historyDays).toBe(90);
    expect(file.set({ trayTitle: 'fds' })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', retention: { historyDays: 90 } } });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ trayTitle: 'fds', retention: { historyDays: 90 } });
    expect(readFileSync(`${path}.bad`, 'utf8')).toBe('{"version": 2, "retention": {"historyDays": 9');
    expect(warnings).toHaveLength(2);
    file.close();
  });

  it('a .bad name taken (here by a folder) is passed over for the next one, never written over', () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    mkdirSync(`${path}.bad`);
    writeFileSync(path, '{"version": 2, "trayTitle": ');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m) });
    expect(warnings[0]).toBe(`leakbar: settings not used (${file.loadProblems[0]}); kept as ${path}.2.bad, running on defaults`);
    expect(readFileSync(`${path}.2.bad`, 'utf8')).toBe('{"version": 2, "trayTitle": ');
    expect(statSync(`${path}.bad`).isDirectory()).toBe(true);
    expect(file.retentionHeld).toBe(true);
    file.close();
  });

  it('a bad file that cannot be set aside at start says so plainly, is not warned about again, and is replaced at the next change', async (ctx) => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    writeFileSync(path, '{"version": 2, "trayTitle": ');
    // A folder the file system lets nothing be added to, renamed or removed in (immutable): a real refusal.
    const chattr = (flag: string) => spawnSync('chattr', [flag, dir], { encoding: 'utf8' });
    const made = chattr('+i');
    if (made.status !== 0) return ctx.skip(`chattr +i is refused here (${(made.stderr || made.error?.message || '').trim()}): needs root on a file system with attributes`);
    const warnings: string[] = [];
    let file: ReturnType<typeof openSettingsFile>;
    try {
      file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    } finally {
      chattr('-i');
    }
    file.onChange(() => {});
    expect(file.loadProblems[0]).toMatch(/not JSON/);
    expect(file.get()).toEqual(DEFAULT_SETTINGS);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^leakbar: settings not used \\(settings: not JSON[^)]*\\); ${path.replace(/[.\\/]/g, '\\$&')} could not be kept as ${path.replace(/[.\\/]/g, '\\$&')}\\.bad \\(EPERM[^)]*\\) and stays where it is, running on defaults; the next change saved here replaces it$`));
    expect(warnings[0]).not.toMatch(/not kept:/);
    // The defaults stand in for it: they delete nothing as old until settings are saved.
    expect(file.retentionHeld).toBe(true);
    expect(warnings[1]).toMatch(/nothing is deleted as old .* while the settings are defaults standing in for/);
    // Nothing changed since: the looks at the file say nothing more.
    await new Promise((r) => setTimeout(r, 200));
    expect(warnings).toHaveLength(2);
    expect(readFileSync(path, 'utf8')).toBe('{"version": 2, "trayTitle": ');

    expect(file.set({ trayTitle: 'fds' })).toMatchObject({ ok: true });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ trayTitle: 'fds' });
    expect(warnings).toHaveLength(3);
    // The folder takes new files again: the text it could not set aside at start is kept now.
    expect(warnings[2]).toMatch(/could not be used \(settings: not JSON.*\); it is kept as .*settings\.json\.bad, and this change was saved over the settings in force$/);
    expect(readFileSync(`${path}.bad`, 'utf8')).toBe('{"version": 2, "trayTitle": ');
    // A change that does not name retention does not decide it: still held, and written without the defaults' retention,
    // so a leakbar reading the file now holds too.
    expect(file.retentionHeld).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).not.toHaveProperty('retention');
    expect(openSettingsFile(dir, quiet).retentionHeld).toBe(true);
    expect(file.set({ retention: { historyDays: 30 } })).toMatchObject({ ok: true });
    expect(file.retentionHeld).toBe(false);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ retention: { historyDays: 30 } });
    file.close();
  });
});

describe('retention read while open', () => {
  const newer = SETTINGS_VERSION + 1;

  it('a limit the document does not hold (unreadable in a newer one, absent from an older one) keeps the one in force', async () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const warnings: string[] = [];
    const file = openSettingsFile(dir, { warn: (m) => warnings.push(m), pollMs: 20 });
    expect(file.set({ retention: { historyDays: 90, captureDays: 60 } })).toMatchObject({ ok: true });
    const heard: Settings[] = [];
    file.onChange((next) => heard.push(next));

    // A newer leakbar's document: historyDays in a form this build cannot read, captureDays lowered, maxCaptureBytes absent.
    writeFileSync(path, JSON.stringify({ ...DEFAULT_SETTINGS, version: newer, trayTitle: 'goroutines', retention: { historyDays: '90d', captureDays: 10 } }));
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);
    expect(file.get().trayTitle).toBe('goroutines');
    // Read from a valid field: lowered. Not held by the document: as it was, not the default (30 days).
    expect(file.get().retention).toEqual({ historyDays: 90, captureDays: 10, maxCaptureBytes: DEFAULT_SETTINGS.retention.maxCaptureBytes });
    expect(warnings).toEqual([`leakbar: ${path} was written by a newer leakbar (version ${newer}); this one reads what it knows and does not change the file (kept as they were: retention.historyDays, retention.maxCaptureBytes)`]);

    // An older leakbar's version-1 document has no retention at all: all three stay.
    writeFileSync(path, JSON.stringify({ version: 1, showCountInTray: true }));
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(2);
    expect(file.get()).toMatchObject({ trayTitle: 'fds', retention: { historyDays: 90, captureDays: 10 } });
    // A current document lowers what it says.
    writeFileSync(path, JSON.stringify({ ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, historyDays: 7 } }));
    await expect.poll(() => file.get().retention.historyDays, { timeout: 5000 }).toBe(7);
    file.close();

    // At start nothing is in force yet: what the document does not hold is on the defaults.
    writeFileSync(path, JSON.stringify({ ...DEFAULT_SETTINGS, version: newer, retention: { historyDays: '90d', captureDays: 10 } }));
    const atStart = openSettingsFile(dir, quiet);
    expect(atStart.get().retention).toEqual({ ...DEFAULT_SETTINGS.retention, captureDays: 10 });
    // ... and the default standing in for the limit it holds but this build cannot read deletes nothing meanwhile.
    expect(atStart.retentionHeld).toBe(true);
    writeFileSync(path, JSON.stringify({ ...DEFAULT_SETTINGS, version: newer, retention: { captureDays: 10 } }));
    expect(openSettingsFile(dir, quiet).retentionHeld).toBe(false);
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
