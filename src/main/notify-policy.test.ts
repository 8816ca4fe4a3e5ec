import { describe, expect, it } from 'vitest';
import { alert } from '../../test/main/builders.js';
import { DEFAULT_SETTINGS, type Settings } from '../shared/settings.js';
import { captureForAlert, inQuietHours, localMinutesOfDay, notificationText, shouldNotify } from './notify-policy.js';

const MiB = 1024 * 1024;
const noon = Date.UTC(2026, 10, 24, 12, 0); // tests run in UTC: tzOffsetMinutes 0
const utc = { tzOffsetMinutes: 0 };
const none = new Map<string, number>();
const fired = (over = {}) => ({ change: 'fired' as const, alert: alert(over) });
const withSettings = (over: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...over });

describe('shouldNotify', () => {
  it('notifies once when an alert fires', () => {
    expect(shouldNotify(fired(), DEFAULT_SETTINGS, noon, none, utc)).toBe(true);
  });

  it('does not notify for updates, resolutions, snoozes or acknowledgements', () => {
    for (const change of ['updated', 'resolved', 'snoozed', 'acknowledged'] as const) {
      expect(shouldNotify({ change, alert: alert() }, DEFAULT_SETTINGS, noon, none, utc)).toBe(false);
    }
  });

  it('does not notify for an alert that is already snoozed or acknowledged', () => {
    expect(shouldNotify(fired({ state: 'snoozed', snoozedUntilMs: noon + 1 }), DEFAULT_SETTINGS, noon, none, utc)).toBe(false);
    expect(shouldNotify(fired({ snoozedUntilMs: noon + 1 }), DEFAULT_SETTINGS, noon, none, utc)).toBe(false);
    expect(shouldNotify(fired({ state: 'acknowledged' }), DEFAULT_SETTINGS, noon, none, utc)).toBe(false);
  });

  it('stays quiet while notifications are snoozed, off, or watching is paused', () => {
    const snoozed = withSettings({ notifications: { ...DEFAULT_SETTINGS.notifications, snoozedUntilMs: noon + 60_000 } });
    expect(shouldNotify(fired(), snoozed, noon, none, utc)).toBe(false);
    expect(shouldNotify(fired(), snoozed, noon + 60_000, none, utc)).toBe(true);
    expect(shouldNotify(fired(), withSettings({ notifications: { ...DEFAULT_SETTINGS.notifications, enabled: false } }), noon, none, utc)).toBe(false);
    expect(shouldNotify(fired(), DEFAULT_SETTINGS, noon, none, { ...utc, paused: true })).toBe(false);
  });

  it('respects quiet hours across midnight, in local time', () => {
    const quiet = withSettings({ quietHours: { enabled: true, from: '22:00', to: '08:00' } });
    expect(shouldNotify(fired(), quiet, Date.UTC(2026, 10, 24, 23, 30), none, utc)).toBe(false);
    expect(shouldNotify(fired(), quiet, Date.UTC(2026, 10, 24, 7, 59), none, utc)).toBe(false);
    expect(shouldNotify(fired(), quiet, Date.UTC(2026, 10, 24, 8, 0), none, utc)).toBe(true);
    // 21:30 UTC is 22:30 in UTC+1 (getTimezoneOffset −60): quiet there.
    expect(shouldNotify(fired(), quiet, Date.UTC(2026, 10, 24, 21, 30), none, { tzOffsetMinutes: -60 })).toBe(false);
  });

  it('notifies one condition at most once per minGapMs, whatever else fires', () => {
    const last = new Map([['threshold:fds', noon - 60_000]]);
    expect(shouldNotify(fired(), DEFAULT_SETTINGS, noon, last, utc)).toBe(false);
    expect(shouldNotify(fired({ key: 'growth:goroutines' }), DEFAULT_SETTINGS, noon, last, utc)).toBe(true);
    expect(shouldNotify(fired(), DEFAULT_SETTINGS, noon - 60_000 + DEFAULT_SETTINGS.notifications.minGapMs, last, utc)).toBe(true);
  });
});

describe('inQuietHours', () => {
  it.each([
    ['22:00', '08:00', '21:59', false],
    ['22:00', '08:00', '22:00', true],
    ['22:00', '08:00', '03:00', true],
    ['22:00', '08:00', '08:00', false],
    ['12:00', '13:00', '12:30', true],
    ['12:00', '13:00', '13:00', false],
    ['09:00', '09:00', '09:00', false],
  ])('%s–%s at %s → %s', (from, to, at, expected) => {
    const [h, m] = at.split(':').map(Number);
    expect(inQuietHours({ enabled: true, from, to }, h! * 60 + m!)).toBe(expected);
  });

  it('is never quiet when turned off', () => {
    expect(inQuietHours({ enabled: false, from: '00:00', to: '23:59' }, 600)).toBe(false);
  });

  it('counts minutes from local midnight', () => {
    expect(localMinutesOfDay(Date.UTC(2026, 0, 1, 1, 30), 0)).toBe(90);
    expect(localMinutesOfDay(Date.UTC(2026, 0, 1, 1, 30), 120)).toBe(1410); // UTC−2: 23:30 the day before
  });
});

describe('notificationText', () => {
  it('says the figure against its line and the next step', () => {
    expect(notificationText(alert())).toEqual({
      title: 'FDs past 1,000',
      body: 'Open FDs: 1,234 (line 1,000)\nNext: Group the open files by type and look for files open 4 or more times.',
    });
  });

  it('formats bytes and growth, and marks critical alerts', () => {
    const a = alert({
      kind: 'growth',
      figure: 'heapInuseBytes',
      unit: 'bytes',
      severity: 'critical',
      title: 'Heap keeps growing',
      value: 800 * MiB,
      line: null,
      growth: { amount: 300 * MiB, spanMs: 600_000, perMinute: 30 * MiB, pValue: 0.001, fromValue: 500 * MiB },
      nextStep: 'Capture a heap profile and compare it with the baseline.',
    });
    expect(notificationText(a)).toEqual({
      title: 'Heap keeps growing (critical)',
      body: 'Heap in use: 800.0 MB (up from 500.0 MB)\nNext: Capture a heap profile and compare it with the baseline.',
    });
    // A GC sawtooth: the trend over the window (132 MB) is above the value now; the notice says the rise measured.
    const sawtooth = notificationText({ ...a, severity: 'warning', value: 98.8 * MiB, growth: { amount: 132 * MiB, spanMs: 480_000, perMinute: 16.5 * MiB, pValue: 0.001, fromValue: 23.5 * MiB } });
    expect(sawtooth.body).toMatch(/^Heap in use: 98\.8 MB \(up from 23\.5 MB\)\n/);
  });

  it('names the pattern of a pattern alert and the PID of a restart', () => {
    expect(notificationText(alert({ kind: 'fd-pattern-growth', figure: 'fdPattern', subject: '.codex/sessions', value: 40, line: null })).body).toMatch(/^FDs matching \.codex\/sessions: 40\n/);
    expect(notificationText(alert({ kind: 'restart', figure: 'pid', value: 5151, line: null })).body).toMatch(/^New PID 5151\n/);
  });

  it('cuts a long body', () => {
    const body = notificationText(alert({ nextStep: 'x'.repeat(1000) })).body;
    expect(body.length).toBe(240);
    expect(body.endsWith('…')).toBe(true);
  });
});

describe('captureForAlert', () => {
  it('captures what the alert suggests, else everything', () => {
    expect(captureForAlert(alert({ suggestedCapture: 'heap' }))).toBe('heap');
    expect(captureForAlert(alert({ suggestedCapture: 'goroutine' }))).toBe('goroutine');
    expect(captureForAlert(alert({ suggestedCapture: 'fds' }))).toBe('system');
    expect(captureForAlert(alert({ suggestedCapture: null }))).toBe('bundle');
  });
});
