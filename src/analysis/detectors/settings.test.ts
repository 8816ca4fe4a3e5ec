// The detector settings of src/shared/alerts.ts: defaults, the zod schema and its messages, partial files over defaults.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_SETTINGS, detectorSettingsSchema, parseDetectorSettings } from '../../shared/alerts.js';

describe('detector settings', () => {
  it('defaults pass their own schema', () => {
    expect(detectorSettingsSchema.parse(DEFAULT_DETECTOR_SETTINGS)).toEqual(DEFAULT_DETECTOR_SETTINGS);
  });

  it('lays a partial settings file over the defaults', () => {
    const r = parseDetectorSettings({ thresholds: { fds: { line: 2000 } }, growth: { windowMs: 1_800_000 }, cooldownMs: 0 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.thresholds.fds).toEqual({ ...DEFAULT_DETECTOR_SETTINGS.thresholds.fds, line: 2000 });
    expect(r.settings.growth.windowMs).toBe(1_800_000);
    expect(r.settings.growth.figures).toEqual(DEFAULT_DETECTOR_SETTINGS.growth.figures);
    expect(r.settings.cooldownMs).toBe(0);
    expect(parseDetectorSettings(undefined)).toEqual({ ok: true, settings: DEFAULT_DETECTOR_SETTINGS });
  });

  it('names the field and the value of every bad one', () => {
    const r = parseDetectorSettings({
      thresholds: { fds: { line: -5, consecutive: 1.5 }, fdLimitRatio: { line: 1.2, criticalLine: null } },
      growth: { figures: { heapInuseBytes: { minGrowth: -1 } }, minCoverage: 0, windowMS: 5 },
      rssHeapGap: { enabled: 'yes' },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        'thresholds.fds.line: must be greater than 0 (got -5)',
        'thresholds.fds.consecutive: must be a whole number (got 1.5)',
        'growth.figures.heapInuseBytes.minGrowth: must not be negative (got -1)',
        'growth.minCoverage: minCoverage must be above 0 up to 1 (got 0)',
        'growth: Unrecognized key: "windowMS"',
        'rssHeapGap.enabled: must be true or false (got "yes")',
      ]),
    );
  });

  it('checks lines against each other', () => {
    const r = parseDetectorSettings({ thresholds: { fdLimitRatio: { line: 1.2, criticalLine: null }, threads: { criticalLine: 50 } } });
    expect(!r.ok && r.problems).toEqual([
      'thresholds.fdLimitRatio.line: fdLimitRatio lines are shares of the FD limit: at most 1',
      'thresholds.threads.criticalLine: criticalLine must not be below line',
    ]);
    const p = parseDetectorSettings({ growth: { pValue: 0.05, resolvePValue: 0.01 } });
    expect(!p.ok && p.problems).toEqual(['growth.resolvePValue: resolvePValue must not be below pValue (an alert would resolve while it still fires)']);
  });

  it('refuses what is not an object', () => {
    expect(parseDetectorSettings([1])).toEqual({ ok: false, problems: ['settings: must be an object (got [1])'] });
  });
});
