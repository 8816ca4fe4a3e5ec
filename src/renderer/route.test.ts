import { describe, expect, it } from 'vitest';
import { DEFAULT_RANGE, formatRoute, parseRoute, readCustomRange, resolveRange, routeForNavigate, type Route } from './route.js';

describe('hash routes', () => {
  it('round-trips every view through the hash', () => {
    const routes: Route[] = [
      { view: 'popover', targetId: null },
      { view: 'popover', targetId: 'api' },
      { view: 'timeline', targetId: 'api', range: { kind: 'last', name: '6h' }, figure: 'fds' },
      { view: 'timeline', targetId: null, range: { kind: 'today' }, figure: null },
      { view: 'timeline', targetId: 'api', range: { kind: 'custom', fromMs: 1000, toMs: 5000 }, figure: null },
      { view: 'captures', targetId: 'api' },
      { view: 'capture', captureId: 'api-heap-20240101-1' },
      { view: 'settings' },
    ];
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
  });

  it('reads what the server prints and what people type', () => {
    expect(parseRoute('#/popover')).toEqual({ view: 'popover', targetId: null });
    expect(parseRoute('')).toEqual({ view: 'popover', targetId: null });
    expect(parseRoute('#/inspector')).toEqual({ view: 'timeline', targetId: null, range: { kind: 'last', name: '1h' }, figure: null });
    expect(parseRoute('#/inspector/')).toMatchObject({ view: 'timeline' });
  });

  it('falls back to safe defaults on nonsense', () => {
    expect(parseRoute('#/inspector?range=1y&figure=evil')).toMatchObject({ range: { kind: 'last', name: '1h' }, figure: null });
    expect(parseRoute('#/inspector?from=9&to=3')).toMatchObject({ range: { kind: 'last', name: '1h' } });
    expect(parseRoute('#/inspector/capture/../../etc')).toEqual({ view: 'popover', targetId: null });
    expect(parseRoute('#/whatever')).toEqual({ view: 'popover', targetId: null });
  });

  it('resolves relative ranges and today against the clock', () => {
    const now = new Date(2024, 4, 3, 14, 30).getTime();
    expect(resolveRange({ kind: 'last', name: '1h' }, now)).toEqual({ fromMs: now - 3_600_000, toMs: now });
    expect(resolveRange({ kind: 'today' }, now)).toEqual({ fromMs: new Date(2024, 4, 3).getTime(), toMs: now });
    expect(resolveRange({ kind: 'custom', fromMs: 1, toMs: 2 }, now)).toEqual({ fromMs: 1, toMs: 2 });
  });
});

describe('routeForNavigate', () => {
  it('takes a clicked alert notification to its target’s timeline, and a capture to its inspector', () => {
    expect(routeForNavigate({ view: 'inspector', alertId: 'threshold:fds@1', targetId: 'api' })).toEqual({ view: 'timeline', targetId: 'api', range: DEFAULT_RANGE, figure: null });
    expect(formatRoute(routeForNavigate({ view: 'inspector', captureId: '20261124-1-heap-ab' }))).toBe('#/inspector/capture/20261124-1-heap-ab');
    expect(routeForNavigate({ view: 'settings' })).toEqual({ view: 'settings' });
  });
});

describe('a custom range typed in', () => {
  it('is read as local times when the end is after the start', () => {
    expect(readCustomRange('2024-05-03T01:10', '2024-05-03T01:12')).toEqual({ ok: true, range: { kind: 'custom', fromMs: new Date('2024-05-03T01:10').getTime(), toMs: new Date('2024-05-03T01:12').getTime() } });
  });

  it('says why it cannot be applied: an end before the start, the same time, or an end left empty', () => {
    expect(readCustomRange('2024-05-03T01:12', '2024-05-03T01:10')).toEqual({ ok: false, reason: 'the end is before the start' });
    expect(readCustomRange('2024-05-03T01:12', '2024-05-03T01:12')).toEqual({ ok: false, reason: 'the end is the start: pick a later end' });
    expect(readCustomRange('2024-05-03T01:12', '')).toEqual({ ok: false, reason: 'pick an end' });
    expect(readCustomRange('', '2024-05-03T01:12')).toEqual({ ok: false, reason: 'pick a start' });
  });
});
