/** What the timeline draws, computed from a History: its charts (figure groups), its markers (alerts, captures, restarts) and the sample under the cursor. */
import type { Alert } from '../shared/alerts.js';
import type { History } from '../shared/api.js';
import type { Sample } from '../shared/types.js';
import { clockSeconds } from './format.js';
import type { FigureKey } from './route.js';

/** One chart of the timeline: one or two figures that share a unit. */
export interface ChartGroup {
  id: string;
  title: string;
  figures: FigureKey[];
  unit: 'bytes' | 'count' | 'percent';
}

/** The charts, top to bottom. */
export const CHART_GROUPS: readonly ChartGroup[] = [
  { id: 'memory', title: 'Memory', figures: ['rssBytes', 'heapInuseBytes'], unit: 'bytes' },
  { id: 'fds', title: 'Open FDs', figures: ['fds'], unit: 'count' },
  { id: 'goroutines', title: 'Goroutines', figures: ['goroutines'], unit: 'count' },
  { id: 'threads', title: 'Threads', figures: ['threads'], unit: 'count' },
  { id: 'cpu', title: 'CPU', figures: ['cpuPercent'], unit: 'percent' },
];

/** The chart a figure is drawn in. */
export function groupOf(figure: FigureKey): ChartGroup {
  return CHART_GROUPS.find((g) => g.figures.includes(figure))!;
}

/** Something that happened at a moment: an alert fired, a capture was taken, the process restarted. */
export interface Marker {
  kind: 'alert' | 'capture' | 'restart';
  timeMs: number;
  label: string;
  /** The alert, capture or nothing the marker stands for. */
  ref: { alertId: string } | { captureId: string } | null;
  /** For alerts: the figure it is about, when it is one the timeline draws. */
  figure: FigureKey | null;
}

const DRAWN = new Set<string>(CHART_GROUPS.flatMap((g) => g.figures));

/** Alert kinds whose title stays as it fired (a line crossed, a rate at firing), whatever came after. */
const TITLE_AS_FIRED: ReadonlySet<Alert['kind']> = new Set(['threshold', 'growth', 'fd-pattern-growth']);

/**
 * An alert marker's label: what was true when it fired, where the marker stands. A stored alert is its newest
 * version, and some titles follow the figure ("leaky-0.dat is open 776 times" hours after it fired at 176): a file
 * open again and again is labelled with its count at firing (the first point of its evidence, taken then), and any
 * other title that follows the figure says as of when it holds.
 */
export function alertMarkerLabel(a: Pick<Alert, 'kind' | 'title' | 'subject' | 'evidence' | 'firstMs' | 'lastMs'>): string {
  if (TITLE_AS_FIRED.has(a.kind) || a.lastMs <= a.firstMs) return a.title;
  const atFiring = a.evidence[0];
  if (a.kind === 'repeated-file' && a.subject && atFiring) {
    const name = a.subject.slice(a.subject.lastIndexOf('/') + 1) || a.subject;
    return `${name} was open ${Math.round(atFiring[1]).toLocaleString('en-US')} times`;
  }
  return `${a.title} (as of ${clockSeconds(a.lastMs)})`;
}

/** The markers inside `[fromMs, toMs]`, oldest first. */
export function markersOf(history: History, fromMs: number, toMs: number): Marker[] {
  const out: Marker[] = [];
  // The store may hold several versions of one alert (fired, updated, resolved): one marker per alert, where it fired.
  const seen = new Set<string>();
  for (const a of history.alerts) {
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    out.push({ kind: 'alert', timeMs: a.firstMs, label: alertMarkerLabel(a), ref: { alertId: a.id }, figure: DRAWN.has(a.figure) ? (a.figure as FigureKey) : null });
  }
  for (const c of history.captures) out.push({ kind: 'capture', timeMs: c.startedMs, label: `${c.kind} capture`, ref: { captureId: c.id }, figure: null });
  for (const e of history.events) {
    if (e.type === 'restart') out.push({ kind: 'restart', timeMs: e.timeMs, label: `restart: pid ${e.oldPid} → ${e.newPid}`, ref: null, figure: null });
  }
  return out.filter((m) => m.timeMs >= fromMs && m.timeMs <= toMs).sort((a, b) => a.timeMs - b.timeMs);
}

/** The sample nearest `timeMs` (binary search over samples sorted by time), or null when there are none. */
export function sampleAt(samples: readonly Sample[], timeMs: number): Sample | null {
  if (samples.length === 0) return null;
  let lo = 0;
  let hi = samples.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.timeMs < timeMs) lo = mid + 1;
    else hi = mid;
  }
  const after = samples[lo]!;
  const before = samples[lo - 1];
  return before && timeMs - before.timeMs < after.timeMs - timeMs ? before : after;
}

/** A point of a drawn line: a sample, or a break (a time with no figure), where the line stops and starts again. */
export type ChartPoint = Sample | { timeMs: number; pid?: undefined };

/**
 * The samples with a break between two that should not be joined by a line: samples of two processes (a
 * restart), or two much further apart than the samples around them (leakbar was off, the machine slept, the
 * process was gone). A line drawn straight across such a gap says the figure moved evenly through it, which
 * nobody measured. "Much further": over 3 times the shorter of the steps just before and just after it, so a tick
 * skipped by a slow read is no gap, and neither is a new, longer interval (at most its first step breaks); a step
 * under half the usual one (an extra sample when the watcher restarts) is not taken for the cadence.
 */
export function withBreaks(samples: readonly Sample[]): ChartPoint[] {
  const out: ChartPoint[] = samples.slice(0, 1);
  // A step far under the usual one (a sample taken at once when the watcher restarts) says nothing of the cadence.
  const steps = samples.slice(1).map((s, i) => s.timeMs - samples[i]!.timeMs).sort((a, b) => a - b);
  const short = (steps[steps.length >> 1] ?? 0) / 2;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]!;
    const s = samples[i]!;
    const gap = s.timeMs - before.timeMs;
    const around = [i >= 2 ? before.timeMs - samples[i - 2]!.timeMs : null, i + 1 < samples.length ? samples[i + 1]!.timeMs - s.timeMs : null].filter((x): x is number => x !== null && x >= short);
    const apart = around.length > 0 && gap > 3 * Math.max(1_000, Math.min(...around));
    if (apart || s.pid !== before.pid) out.push({ timeMs: (before.timeMs + s.timeMs) / 2 });
    out.push(s);
  }
  return out;
}

/** The points of `figure` with no neighbour that has it: alone between breaks, so a line cannot show them (a dot must). */
export function aloneIndexes(points: readonly ChartPoint[], figure: FigureKey): Set<number> {
  const has = (i: number) => typeof (points[i] as Partial<Record<FigureKey, number>> | undefined)?.[figure] === 'number';
  const out = new Set<number>();
  for (let i = 0; i < points.length; i++) if (has(i) && !has(i - 1) && !has(i + 1)) out.add(i);
  return out;
}

/** Axis ticks: whole minutes, hours or days, about `count` of them across `[fromMs, toMs]`. */
export function timeTicks(fromMs: number, toMs: number, count = 6): number[] {
  const steps = [1_000, 5_000, 10_000, 15_000, 30_000, 60_000, 2 * 60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 2 * 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000];
  const span = Math.max(1, toMs - fromMs);
  const step = steps.find((s) => span / s <= count) ?? Math.ceil(span / count / 86_400_000) * 86_400_000;
  // Align to local time so ticks land on :00, :15, … in the viewer's zone.
  const offset = new Date(fromMs).getTimezoneOffset() * 60_000;
  const first = Math.ceil((fromMs - offset) / step) * step + offset;
  const ticks: number[] = [];
  for (let t = first; t <= toMs; t += step) ticks.push(t);
  return ticks;
}

/**
 * Round y-axis ticks from 0 up to at least `top`, about `count` of them: steps of 1, 2, 2.5 or 5 × 10ⁿ
 * (for bytes, of the kB/MB/GB unit `top` is in, so ticks read "10 MB", "20 MB"; counts never step by fractions).
 */
export function niceTicks(top: number, unit: ChartGroup['unit'], count = 4): number[] {
  if (!(top > 0)) return [0, 1];
  let scale = 1;
  if (unit === 'bytes') while (top / scale >= 1024) scale *= 1024;
  const raw = top / scale / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // Counts step by whole numbers only (no "2.5 threads").
  const multiples = unit === 'count' && mag < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = Math.max(unit === 'count' ? 1 : 0, (multiples.find((m) => m * mag >= raw) ?? 10) * mag) * scale;
  const ticks: number[] = [];
  for (let t = 0; t < top + step * 1e-9; t += step) ticks.push(t);
  if (ticks.at(-1)! < top) ticks.push(ticks.at(-1)! + step);
  return ticks;
}
