import { describe, expect, it } from 'vitest';
import { applySettingsPatch, DEFAULT_SETTINGS } from '../shared/settings.js';
import { draftFrom, fixedBy, parsePatterns, patchFrom, problemsByField, savedMessage, visibleGroups } from './settings-form.js';

const desktop = visibleGroups(true);
const browser = visibleGroups(false);

describe('the settings form', () => {
  it('shows quiet hours on the desktop only', () => {
    expect(desktop.map((g) => g.id)).toContain('quiet-hours');
    expect(browser.map((g) => g.id)).not.toContain('quiet-hours');
  });

  it('shows values in the units people use', () => {
    const d = draftFrom(DEFAULT_SETTINGS, desktop);
    expect(d['detectors.thresholds.fds.line']).toBe('1000');
    expect(d['detectors.thresholds.rssBytes.line']).toBe('500');
    expect(d['detectors.thresholds.fdLimitRatio.line']).toBe('80');
    expect(d['detectors.growth.windowMs']).toBe('10');
    expect(d['retention.maxCaptureBytes']).toBe('2048');
    expect(d['retention.historyDays']).toBe('30');
    expect(d['retention.captureDays']).toBe('30');
    expect(d['quietHours.from']).toBe('22:00');
    expect(d['autoCapture.enabled']).toBe(true);
  });

  it('sends only what changed, converted back, and the engine takes it', () => {
    const d = { ...draftFrom(DEFAULT_SETTINGS, desktop), 'detectors.thresholds.rssBytes.line': '256', 'detectors.growth.windowMs': '5', 'detectors.growth.figures.swapBytes.enabled': false, 'quietHours.enabled': true };
    const { patch, problems } = patchFrom(d, DEFAULT_SETTINGS, desktop);
    expect(problems).toEqual({});
    expect(patch).toEqual({
      detectors: { thresholds: { rssBytes: { line: 256 * 1024 * 1024 } }, growth: { windowMs: 300_000, figures: { swapBytes: { enabled: false } } } },
      quietHours: { enabled: true },
    });
    expect(applySettingsPatch(DEFAULT_SETTINGS, patch).ok).toBe(true);
    expect(patchFrom(draftFrom(DEFAULT_SETTINGS, desktop), DEFAULT_SETTINGS, desktop).patch).toEqual({});
  });

  it('keeps history and captures for the days asked, and gives the engine’s reason for a part of a day', () => {
    const groups = browser.filter((g) => g.id === 'retention');
    expect(groups[0]!.fields.map((f) => [f.path, f.label, f.kind === 'number' ? f.unit : null])).toEqual([
      ['retention.historyDays', 'History kept', 'days'],
      ['retention.captureDays', 'Captures kept', 'days'],
      ['retention.maxCaptureBytes', 'Capture space per target', 'MB'],
    ]);
    const d = { ...draftFrom(DEFAULT_SETTINGS, browser), 'retention.historyDays': '7', 'retention.captureDays': '90' };
    const { patch } = patchFrom(d, DEFAULT_SETTINGS, browser);
    expect(patch).toEqual({ retention: { historyDays: 7, captureDays: 90 } });
    expect(applySettingsPatch(DEFAULT_SETTINGS, patch).ok).toBe(true);
    const half = applySettingsPatch(DEFAULT_SETTINGS, patchFrom({ ...d, 'retention.historyDays': '0.5' }, DEFAULT_SETTINGS, browser).patch);
    expect(problemsByField(half.ok ? [] : half.problems, browser)).toEqual({ 'retention.historyDays': ['must be a whole number of days (got 0.5)'] });
  });

  it('shows the sampling intervals in seconds with their limits, sends them in ms, and gives the schema’s reason for one too short', () => {
    for (const groups of [browser, desktop]) {
      const cadences = groups.find((g) => g.id === 'cadences')!;
      expect(cadences.fields.map((f) => [f.path, f.label, f.kind === 'number' ? f.unit : null, f.kind === 'number' ? f.limits : null])).toEqual([
        ['cadences.sampleMs', 'Process sample', 's', '1 s to 1 day'],
        ['cadences.fdBreakdownMs', 'FD breakdown', 's', '5 s to 1 day'],
        ['cadences.memStatsMs', 'Go MemStats', 's', '1 s to 1 day'],
        ['cadences.memoryMapMs', 'Memory map', 's', '30 s to 1 day'],
      ]);
    }
    const d = draftFrom(DEFAULT_SETTINGS, browser);
    expect([d['cadences.sampleMs'], d['cadences.fdBreakdownMs'], d['cadences.memStatsMs'], d['cadences.memoryMapMs']]).toEqual(['5', '30', '30', '300']);
    const { patch } = patchFrom({ ...d, 'cadences.sampleMs': '2', 'cadences.memStatsMs': '1.5' }, DEFAULT_SETTINGS, browser);
    expect(patch).toEqual({ cadences: { sampleMs: 2000, memStatsMs: 1500 } });
    expect(applySettingsPatch(DEFAULT_SETTINGS, patch).ok).toBe(true);
    const tooShort = applySettingsPatch(DEFAULT_SETTINGS, patchFrom({ ...d, 'cadences.fdBreakdownMs': '2' }, DEFAULT_SETTINGS, browser).patch);
    expect(problemsByField(tooShort.ok ? [] : tooShort.problems, browser)).toEqual({ 'cadences.fdBreakdownMs': ['must be at least 5 s (got 2 s)'] });
    // A field in minutes likewise; one in other units keeps the schema's words.
    const negative = applySettingsPatch(DEFAULT_SETTINGS, patchFrom({ ...draftFrom(DEFAULT_SETTINGS, desktop), 'autoCapture.minGapMs': '-1.5' }, DEFAULT_SETTINGS, desktop).patch);
    expect(problemsByField(negative.ok ? [] : negative.problems, desktop)).toEqual({ 'autoCapture.minGapMs': ['must not be negative (got -1.5 min)'] });
  });

  it('says when what was saved takes effect, only for what changed', () => {
    const d = draftFrom(DEFAULT_SETTINGS, browser);
    const saved = (changes: Record<string, string>) => savedMessage(patchFrom({ ...d, ...changes }, DEFAULT_SETTINGS, browser).patch);
    expect(saved({ 'detectors.thresholds.fds.line': '500' })).toBe('Saved. Alert lines apply from the next sample.');
    expect(saved({ 'cadences.sampleMs': '2' })).toBe('Saved. The new intervals apply now.');
    expect(saved({ 'retention.historyDays': '7' })).toBe('Saved.');
  });

  it('says which start-up option fixes a field for the run', () => {
    expect(fixedBy('cadences.sampleMs', ['cadences.sampleMs'])).toBe('--interval');
    expect(fixedBy('cadences.memStatsMs', ['cadences.sampleMs', 'cadences.memStatsMs'])).toBe('--heap-interval');
    expect(fixedBy('cadences.fdBreakdownMs', ['cadences.sampleMs'])).toBeNull();
    expect(fixedBy('detectors.thresholds.fds.line', ['detectors.thresholds.fds.line', 'detectors.growth.windowMs'])).toBe('--alerts');
    expect(fixedBy('autoCapture.enabled', ['autoCapture.enabled'])).toBe('');
    expect(fixedBy('retention.historyDays', [])).toBeNull();
  });

  it('refuses text that is not a number before asking the engine', () => {
    const d = { ...draftFrom(DEFAULT_SETTINGS, browser), 'detectors.thresholds.fds.line': 'lots', 'retention.maxCaptureBytes': '' };
    const { problems } = patchFrom(d, DEFAULT_SETTINGS, browser);
    expect(problems).toEqual({ 'detectors.thresholds.fds.line': ['enter a number'], 'retention.maxCaptureBytes': ['enter a number (MB)'] });
  });

  it('puts each of the engine’s reasons beside its field', () => {
    const r = applySettingsPatch(DEFAULT_SETTINGS, { detectors: { thresholds: { fds: { line: -5 }, threads: { line: 10, criticalLine: 5 } } }, trayTitle: 'cpu' });
    expect(r.ok).toBe(false);
    const by = problemsByField(r.ok ? [] : r.problems, browser);
    expect(by['detectors.thresholds.fds.line']).toEqual(['must be greater than 0 (got -5)']);
    // criticalLine has no field of its own: its reason goes to the line beside it, with its path.
    expect(by['detectors.thresholds.threads.line']).toEqual([expect.stringMatching(/^detectors\.thresholds\.threads\.criticalLine: /)]);
    expect(by['']).toEqual([expect.stringMatching(/^trayTitle: /)]);
  });

  it('reads FD path patterns split by commas or lines', () => {
    expect(parsePatterns(' .codex/sessions, .claude/projects\n\n/tmp ,')).toEqual(['.codex/sessions', '.claude/projects', '/tmp']);
  });
});
