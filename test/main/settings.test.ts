import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_SETTINGS } from '../../src/shared/alerts.js';
import { applySettingsPatch, DEFAULT_SETTINGS, migrateSettings, SETTINGS_VERSION, settingsJsonSchema, settingsSchema, type SettingsV1 } from '../../src/shared/settings.js';

const MiB = 1024 * 1024;

describe('settings schema', () => {
  it('accepts the defaults', () => {
    expect(settingsSchema.safeParse(DEFAULT_SETTINGS).success).toBe(true);
    expect(DEFAULT_SETTINGS.version).toBe(SETTINGS_VERSION);
  });

  it('renders as a JSON Schema with every top-level field', () => {
    const schema = settingsJsonSchema();
    expect(schema.$schema).toMatch(/2020-12/);
    expect(Object.keys(schema.properties as object).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
  });
});

describe('migrateSettings', () => {
  it('gives the defaults for a first start', () => {
    expect(migrateSettings({})).toEqual({ ok: true, settings: DEFAULT_SETTINGS, migratedFrom: null });
    expect(migrateSettings(undefined)).toMatchObject({ ok: true, migratedFrom: null });
  });

  it('reads a current document as it is', () => {
    const stored = { ...DEFAULT_SETTINGS, trayTitle: 'goroutines' };
    expect(migrateSettings(stored)).toEqual({ ok: true, settings: stored, migratedFrom: null });
  });

  it('migrates a v1 document to the current version, keeping every choice', () => {
    const v1: SettingsV1 = {
      version: 1,
      targets: [{ name: 'api', match: 'api-server', pprofUrl: 'http://127.0.0.1:6060/debug/pprof/' }],
      thresholds: { fds: 2000, rssMb: 800 },
      sampleIntervalMs: 10_000,
      fdPatterns: ['.cache/sessions'],
      quietHours: '23:00-07:30',
      launchAtLogin: true,
      showCountInTray: true,
    };
    const r = migrateSettings(v1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.migratedFrom).toBe(1);
    expect(r.settings).toEqual({
      ...DEFAULT_SETTINGS,
      targets: v1.targets,
      detectors: {
        ...DEFAULT_DETECTOR_SETTINGS,
        thresholds: {
          ...DEFAULT_DETECTOR_SETTINGS.thresholds,
          fds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 2000 },
          rssBytes: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.rssBytes, line: 800 * MiB },
        },
      },
      cadences: { ...DEFAULT_SETTINGS.cadences, sampleMs: 10_000 },
      fdPatterns: ['.cache/sessions'],
      quietHours: { enabled: true, from: '23:00', to: '07:30' },
      launchAtLogin: true,
      trayTitle: 'fds',
    });
    // Migrating the result again changes nothing.
    expect(migrateSettings(r.settings)).toEqual({ ok: true, settings: r.settings, migratedFrom: null });
  });

  it('migrates a minimal v1 document to the defaults', () => {
    expect(migrateSettings({ version: 1 })).toEqual({ ok: true, settings: DEFAULT_SETTINGS, migratedFrom: 1 });
  });

  it('reads a bad v1 value after migrating as its default, and says which and why', () => {
    const r = migrateSettings({ version: 1, quietHours: 'after lunch', thresholds: { fds: -3, threads: 70 } });
    expect(r).toMatchObject({ ok: true, migratedFrom: 1 });
    if (!r.ok) return;
    expect(r.settings.detectors.thresholds.fds).toEqual(DEFAULT_DETECTOR_SETTINGS.thresholds.fds);
    expect(r.settings.detectors.thresholds.threads.line).toBe(70);
    expect(r.settings.quietHours).toEqual({ ...DEFAULT_SETTINGS.quietHours, from: '22:00' });
    expect(r.notRead).toEqual([
      { path: 'detectors.thresholds.fds.line', why: 'invalid', reason: 'must be greater than 0 (got -3)' },
      { path: 'quietHours.from', why: 'invalid', reason: 'a time of day as HH:MM (24 h) (got "after lunch")' },
    ]);
  });

  it('reads a hand-written document of this version as an --alerts file is read: what is there over the defaults', () => {
    expect(migrateSettings({ version: SETTINGS_VERSION, cadences: { sampleMs: 2000 } })).toEqual({ ok: true, settings: { ...DEFAULT_SETTINGS, cadences: { ...DEFAULT_SETTINGS.cadences, sampleMs: 2000 } }, migratedFrom: null });
    // A value that cannot be used takes the fallback: the default, or (running) the value in force; a key that is no setting is ignored.
    const inForce = { ...DEFAULT_SETTINGS, cadences: { ...DEFAULT_SETTINGS.cadences, memStatsMs: 10_000 } };
    const doc = { version: SETTINGS_VERSION, cadences: { memStatsMs: 400 }, detectors: { thresholds: { fds: { line: 40 } } }, surprise: 1 };
    const atStart = migrateSettings(doc);
    const running = migrateSettings(doc, { fallback: inForce });
    expect(atStart.ok && atStart.settings.cadences.memStatsMs).toBe(DEFAULT_SETTINGS.cadences.memStatsMs);
    expect(running.ok && running.settings.cadences.memStatsMs).toBe(10_000);
    for (const r of [atStart, running]) {
      expect(r.ok && r.settings.detectors.thresholds.fds.line).toBe(40);
      expect(r.ok && r.notRead).toEqual([
        { path: 'surprise', why: 'unknown', reason: 'not a setting of this leakbar' },
        { path: 'cadences.memStatsMs', why: 'invalid', reason: 'must be at least 1000 ms (got 400)' },
      ]);
    }
    // A section that is no object at all falls back whole.
    expect(migrateSettings({ version: SETTINGS_VERSION, cadences: 'fast' })).toMatchObject({ ok: true, settings: { cadences: DEFAULT_SETTINGS.cadences }, notRead: [{ path: 'cadences', why: 'invalid', reason: 'must be an object (got "fast")' }] });
  });

  it('reads a document from a newer leakbar for the fields it knows, and says which it could not', () => {
    const newer = SETTINGS_VERSION + 1;
    expect(migrateSettings({ ...DEFAULT_SETTINGS, version: newer, trayTitle: 'fds', later: { x: 1 } })).toEqual({
      ok: true,
      settings: { ...DEFAULT_SETTINGS, trayTitle: 'fds' },
      migratedFrom: null,
      newer: { version: newer, unread: [] },
    });
    // A field that fails a check here goes back to its default; a section missing, or of another shape, is on defaults.
    const fds = { ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 900, criticalLine: 100 };
    const r = migrateSettings({
      version: newer,
      detectors: { ...DEFAULT_DETECTOR_SETTINGS, thresholds: { ...DEFAULT_DETECTOR_SETTINGS.thresholds, fds, threads: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.threads, line: 70 }, fdLimitRatio: { ...DEFAULT_DETECTOR_SETTINGS.thresholds.fdLimitRatio, criticalLine: 1.5 } } },
      cadences: 'fast',
      fdPatterns: ['a', '', 'b'],
      launchAtLogin: true,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.detectors.thresholds.fds).toEqual({ ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 900 });
    expect(r.settings.detectors.thresholds.threads.line).toBe(70);
    // The check that fails names a field still on its default (`line`): the rule around it goes back instead.
    expect(r.settings.detectors.thresholds.fdLimitRatio).toEqual(DEFAULT_DETECTOR_SETTINGS.thresholds.fdLimitRatio);
    expect(r.settings).toMatchObject({ cadences: DEFAULT_SETTINGS.cadences, fdPatterns: ['a', 'b'], launchAtLogin: true, targets: [] });
    expect(r.newer?.unread).toEqual(expect.arrayContaining(['targets', 'cadences', 'detectors.thresholds.fds.criticalLine', 'detectors.thresholds.fdLimitRatio', 'fdPatterns.1', 'trayTitle']));
    expect(migrateSettings({ version: newer })).toMatchObject({ ok: true, settings: DEFAULT_SETTINGS, newer: { version: newer } });
  });

  it('reads a document without a version (or with a malformed one) as this version, and refuses what is not an object', () => {
    // A version left out, as a person writing the file by hand may: nothing to say.
    expect(migrateSettings({ trayTitle: 'fds' })).toEqual({ ok: true, settings: { ...DEFAULT_SETTINGS, trayTitle: 'fds' }, migratedFrom: null });
    expect(migrateSettings({ version: '2', trayTitle: 'fds' })).toMatchObject({ ok: true, settings: { trayTitle: 'fds' }, notRead: [{ path: 'version', reason: 'must be a whole number from 1 (got "2")' }] });
    expect(migrateSettings('nope')).toEqual({ ok: false, problems: ['settings: must be an object (got string)'] });
    expect(migrateSettings([1])).toEqual({ ok: false, problems: ['settings: must be an object (got a list)'] });
  });
});

describe('applySettingsPatch', () => {
  it('merges a partial change into the current settings', () => {
    const r = applySettingsPatch(DEFAULT_SETTINGS, { quietHours: { enabled: true }, detectors: { thresholds: { fds: { line: 1500 } } } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.quietHours).toEqual({ enabled: true, from: '22:00', to: '08:00' });
    expect(r.settings.detectors.thresholds.fds).toEqual({ ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 1500 });
    expect(r.settings.detectors.growth).toEqual(DEFAULT_DETECTOR_SETTINGS.growth);
  });

  it('replaces lists instead of merging them', () => {
    const r = applySettingsPatch(DEFAULT_SETTINGS, { fdPatterns: ['only/this'] });
    expect(r.ok && r.settings.fdPatterns).toEqual(['only/this']);
  });

  it.each([
    [{ trayTitle: 'cpu' }, /^trayTitle: /],
    [{ cadences: { sampleMs: 10 } }, /^cadences\.sampleMs: must be at least 1000 ms \(got 10\)$/],
    [{ cadences: { memStatsMs: 999 } }, /^cadences\.memStatsMs: must be at least 1000 ms \(got 999\)$/],
    [{ cadences: { memoryMapMs: 2 ** 31 } }, /^cadences\.memoryMapMs: must be at most 86400000 ms/],
    [{ retention: { historyDays: 0.5 } }, /^retention\.historyDays: must be a whole number of days \(got 0\.5\)$/],
    [{ targets: [{ name: 'x', match: 'y', pprofUrl: 'ftp://h/' }] }, /^targets\.0\.pprofUrl: pprof URL: "ftp:\/\/h\/" is not http or https/],
    [{ quietHours: { from: '25:00' } }, /^quietHours\.from: a time of day as HH:MM/],
    [{ detectors: { thresholds: { fds: { line: 0 } } } }, /^detectors\.thresholds\.fds\.line: must be greater than 0 \(got 0\)/],
    [{ targets: [{ name: 'x', pid: 1, match: 'y' }] }, /^targets\.0: give exactly one of pid or match/],
    [{ launchAtLogin: 'yes' }, /^launchAtLogin: /],
    [{ surprise: true }, /surprise/],
    [{ version: 1 }, /^version: cannot be changed/],
  ])('refuses %j with a reason', (patch, reason) => {
    const r = applySettingsPatch(DEFAULT_SETTINGS, patch);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toMatch(reason);
  });

  it('refuses a change that is not an object, and ignores prototype keys', () => {
    expect(applySettingsPatch(DEFAULT_SETTINGS, null)).toMatchObject({ ok: false });
    expect(applySettingsPatch(DEFAULT_SETTINGS, [1])).toMatchObject({ ok: false });
    const r = applySettingsPatch(DEFAULT_SETTINGS, JSON.parse('{"__proto__": {"polluted": true}, "trayTitle": "fds"}'));
    expect(r.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
