import { describe, expect, it } from 'vitest';
import { alert, status, summary } from '../../test/main/builders.js';
import { trayMenuModel, trayState, trayTitle, type MenuSpec } from './tray-model.js';

describe('trayState', () => {
  it('is ok with figures in the tooltip when nothing fires', () => {
    const s = trayState([status('api')], []);
    expect(s.level).toBe('ok');
    expect(s.tooltip).toBe('leakbar\napi: 120 FDs, 300 goroutines, RSS 200.0 MB');
    expect(s.title).toBe('');
  });

  it('warns for a firing warning and alerts for a firing critical', () => {
    expect(trayState([status('api')], [alert()]).level).toBe('warning');
    expect(trayState([status('api')], [alert(), alert({ key: 'x', severity: 'critical', title: 'RSS past 500 MB' })]).level).toBe('alert');
  });

  it('ignores snoozed, acknowledged and resolved alerts', () => {
    const quiet = [alert({ state: 'snoozed' }), alert({ state: 'acknowledged', severity: 'critical' }), alert({ state: 'resolved' })];
    expect(trayState([status('api')], quiet).level).toBe('ok');
  });

  it('warns when a source fails, and says which', () => {
    const s = trayState([status('api', { sources: { fds: { ok: false, message: 'lsof timed out', sinceMs: 0 } } })], []);
    expect(s.level).toBe('warning');
    expect(s.tooltip).toContain('api: fds failing');
  });

  it('lists at most three alerts in the tooltip', () => {
    const many = [1, 2, 3, 4, 5].map((i) => alert({ key: `k${i}`, title: `alert ${i}` }));
    const s = trayState([status('api')], many);
    expect(s.tooltip).toContain('5 alerts:');
    expect(s.tooltip).toContain('• and 2 more');
    expect(s.tooltip).not.toContain('alert 4');
  });

  it('says when a target waits for its process', () => {
    expect(trayState([status('api', { state: 'waiting', lastSample: null })], []).tooltip).toContain('api: waiting for the process');
  });

  it('shows the FD or goroutine count as the title when asked', () => {
    const s = [status('api', { sample: { fds: 1234, goroutines: 5120 } })];
    expect(trayState(s, [], 'fds').title).toBe('FD 1,234');
    expect(trayState(s, [], 'goroutines').title).toBe('GR 5,120');
    expect(trayTitle([status('api', { state: 'waiting' })], 'fds')).toBe('');
    expect(trayTitle(s, 'none')).toBe('');
  });

  it('is ok and untitled while paused', () => {
    const s = trayState([status('api')], [alert({ severity: 'critical' })], 'fds', true);
    expect(s).toMatchObject({ level: 'ok', title: '' });
    expect(s.tooltip).toContain('Watching is paused');
  });
});

const labels = (m: MenuSpec[]) => m.map((i) => (i.type === 'separator' ? '---' : `${i.label}${i.enabled ? '' : ' (disabled)'}`));

describe('trayMenuModel', () => {
  const base = { paused: false, notificationsSnoozedUntilMs: null, nowMs: 1000 };

  it('offers captures, pause, snooze, inspector, settings and quit for one target', () => {
    expect(labels(trayMenuModel({ ...base, targets: [summary('api', { openAlerts: 2 })] }))).toEqual([
      'api: watching pid 4242, 2 alerts',
      '---',
      'Capture heap profile',
      'Capture goroutines',
      'Capture CPU profile (30 s)',
      'Capture everything',
      '---',
      'Start overnight test (captures every hour)',
      '---',
      'Pause watching',
      'Snooze notifications for 1 hour',
      '---',
      'Open inspector…',
      'Settings…',
      '---',
      'Quit leakbar',
    ]);
  });

  it('carries the target and kind in each capture action', () => {
    const m = trayMenuModel({ ...base, targets: [summary('api')] });
    const cpu = m.find((i) => i.type === 'item' && i.label.startsWith('Capture CPU'));
    expect(cpu).toMatchObject({ action: { type: 'capture', targetId: 'api', kind: 'cpu' } });
  });

  it('starts an overnight test, and while one runs offers to stop it and open the report', () => {
    const idle = trayMenuModel({ ...base, targets: [summary('api')] });
    expect(idle.find((i) => i.type === 'item' && i.label.startsWith('Start overnight'))).toMatchObject({ enabled: true, action: { type: 'overnight', targetId: 'api', start: true } });
    const running = trayMenuModel({ ...base, overnight: new Set(['api']), targets: [summary('api')] });
    expect(running.find((i) => i.type === 'item' && i.label.startsWith('Stop overnight'))).toMatchObject({ enabled: true, action: { type: 'overnight', targetId: 'api', start: false } });
    expect(labels(trayMenuModel({ ...base, targets: [summary('db', { pprofUrl: null })] }))).toContain('Start overnight test (captures every hour) (disabled)');
  });

  it('offers only "everything" for a target without pprof', () => {
    const m = labels(trayMenuModel({ ...base, targets: [summary('db', { pprofUrl: null })] }));
    expect(m).toContain('Capture heap profile (disabled)');
    expect(m).toContain('Capture everything');
  });

  it('disables captures while the process is missing, paused, or the same capture runs', () => {
    expect(labels(trayMenuModel({ ...base, targets: [summary('api', { status: { state: 'waiting' } })] }))).toContain('Capture everything (disabled)');
    expect(labels(trayMenuModel({ ...base, paused: true, targets: [summary('api')] }))).toContain('Capture everything (disabled)');
    const busy = labels(trayMenuModel({ ...base, capturing: new Set(['api:heap']), targets: [summary('api')] }));
    expect(busy).toContain('Capture heap profile (disabled)');
    expect(busy).toContain('Capture goroutines');
  });

  it('puts each target’s captures in a submenu when there are several', () => {
    const m = trayMenuModel({ ...base, targets: [summary('api'), summary('worker')] });
    const sub = m.filter((i) => i.type === 'item' && i.submenu);
    expect(sub.map((i) => i.type === 'item' && i.label)).toEqual(['Capture: api', 'Capture: worker']);
  });

  it('checks "Pause watching" while paused and offers to resume snoozed notifications', () => {
    const m = trayMenuModel({ ...base, paused: true, notificationsSnoozedUntilMs: 5000, targets: [summary('api')] });
    expect(m.find((i) => i.type === 'item' && i.label === 'Pause watching')).toMatchObject({ checked: true });
    expect(labels(m)).toContain('Resume notifications');
  });

  it('says there are no targets and disables pause', () => {
    const m = labels(trayMenuModel({ ...base, targets: [] }));
    expect(m[0]).toBe('No targets yet: add one in the inspector (disabled)');
    expect(m).toContain('Pause watching (disabled)');
  });
});
