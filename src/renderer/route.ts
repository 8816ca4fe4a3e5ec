/**
 * The renderer's routes, kept in the URL hash so a view can be linked, reloaded and opened from a
 * notification: `#/popover`, `#/inspector` (the timeline), `#/inspector/captures`, `#/inspector/capture/<id>`, `#/settings`.
 */
import type { NavigateRequest } from '../shared/ipc.js';

/** A figure a view can focus on (the popover's tiles link to the timeline with one). */
export const FIGURE_KEYS = ['rssBytes', 'fds', 'goroutines', 'heapInuseBytes', 'threads', 'cpuPercent'] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

/** Relative ranges the timeline offers, by name. */
export const RELATIVE_RANGES = { '15m': 15 * 60_000, '1h': 60 * 60_000, '6h': 6 * 60 * 60_000, '24h': 24 * 60 * 60_000 } as const;
export type RelativeRange = keyof typeof RELATIVE_RANGES;

/** The stretch of time the timeline shows. */
export type RangeSpec = { kind: 'last'; name: RelativeRange } | { kind: 'today' } | { kind: 'custom'; fromMs: number; toMs: number };

/** Where the renderer is. */
export type Route =
  | { view: 'popover'; targetId: string | null }
  | { view: 'timeline'; targetId: string | null; range: RangeSpec; figure: FigureKey | null }
  | { view: 'captures'; targetId: string | null }
  | { view: 'capture'; captureId: string }
  | { view: 'settings' };

/** The timeline's range when the URL names none. */
export const DEFAULT_RANGE: RangeSpec = { kind: 'last', name: '1h' };

const isFigure = (s: string | null): s is FigureKey => s !== null && (FIGURE_KEYS as readonly string[]).includes(s);
const isRelative = (s: string | null): s is RelativeRange => s !== null && Object.prototype.hasOwnProperty.call(RELATIVE_RANGES, s);

function parseRange(q: URLSearchParams): RangeSpec {
  const name = q.get('range');
  if (name === 'today') return { kind: 'today' };
  if (isRelative(name)) return { kind: 'last', name };
  const fromMs = Number(q.get('from'));
  const toMs = Number(q.get('to'));
  if (q.has('from') && q.has('to') && Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs) return { kind: 'custom', fromMs, toMs };
  return DEFAULT_RANGE;
}

/** Reads a hash (`#/inspector?target=api&range=today`); anything unknown is the popover. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const qAt = raw.indexOf('?');
  const path = (qAt >= 0 ? raw.slice(0, qAt) : raw).replace(/\/+$/, '') || '/popover';
  const q = new URLSearchParams(qAt >= 0 ? raw.slice(qAt + 1) : '');
  const targetId = q.get('target');
  const capture = /^\/inspector\/capture\/([a-z0-9][a-z0-9-]{0,63})$/.exec(path);
  if (capture) return { view: 'capture', captureId: capture[1]! };
  if (path === '/inspector/captures') return { view: 'captures', targetId };
  if (path === '/settings') return { view: 'settings' };
  if (path === '/inspector' || path === '/inspector/timeline') {
    const figure = q.get('figure');
    return { view: 'timeline', targetId, range: parseRange(q), figure: isFigure(figure) ? figure : null };
  }
  return { view: 'popover', targetId };
}

/** Writes a route as a hash (`#/…`); the inverse of {@link parseRoute}. */
export function formatRoute(route: Route): string {
  const q = new URLSearchParams();
  if ('targetId' in route && route.targetId) q.set('target', route.targetId);
  let path: string;
  switch (route.view) {
    case 'popover':
      path = '/popover';
      break;
    case 'captures':
      path = '/inspector/captures';
      break;
    case 'capture':
      path = `/inspector/capture/${route.captureId}`;
      break;
    case 'settings':
      path = '/settings';
      break;
    case 'timeline':
      path = '/inspector';
      if (route.range.kind === 'last') q.set('range', route.range.name);
      else if (route.range.kind === 'today') q.set('range', 'today');
      else {
        q.set('from', String(Math.round(route.range.fromMs)));
        q.set('to', String(Math.round(route.range.toMs)));
      }
      if (route.figure) q.set('figure', route.figure);
      break;
  }
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

/** The absolute stretch a range covers at `nowMs` (today: from local midnight). */
export function resolveRange(range: RangeSpec, nowMs: number): { fromMs: number; toMs: number } {
  if (range.kind === 'custom') return { fromMs: range.fromMs, toMs: range.toMs };
  if (range.kind === 'today') {
    const d = new Date(nowMs);
    d.setHours(0, 0, 0, 0);
    return { fromMs: d.getTime(), toMs: nowMs };
  }
  return { fromMs: nowMs - RELATIVE_RANGES[range.name], toMs: nowMs };
}

/** A custom range read from the two `datetime-local` inputs, or why it cannot be applied (said beside the disabled Apply). */
export type CustomRangeReading = { ok: true; range: Extract<RangeSpec, { kind: 'custom' }> } | { ok: false; reason: string };

/** Reads the custom range's inputs (local times, as `<input type="datetime-local">` gives them); an end at or before the start is refused with its reason. */
export function readCustomRange(from: string, to: string): CustomRangeReading {
  const fromMs = from ? new Date(from).getTime() : NaN;
  const toMs = to ? new Date(to).getTime() : NaN;
  if (!Number.isFinite(fromMs)) return { ok: false, reason: 'pick a start' };
  if (!Number.isFinite(toMs)) return { ok: false, reason: 'pick an end' };
  if (toMs < fromMs) return { ok: false, reason: 'the end is before the start' };
  if (toMs === fromMs) return { ok: false, reason: 'the end is the start: pick a later end' };
  return { ok: true, range: { kind: 'custom', fromMs, toMs } };
}

/** Where a desktop navigation request (a clicked notification, a tray item) takes the renderer. */
export function routeForNavigate(request: NavigateRequest): Route {
  if (request.view === 'settings') return { view: 'settings' };
  if (request.view === 'popover') return { view: 'popover', targetId: null };
  if (request.captureId) return { view: 'capture', captureId: request.captureId };
  // An alert is seen on the timeline, where its marker and the figures around it are.
  return { view: 'timeline', targetId: request.targetId ?? null, range: DEFAULT_RANGE, figure: null };
}
