/** The six figures the popover and the timeline chart: names for people, units, formatting and the alert line of each. */
import type { DetectorSettings } from '../shared/alerts.js';
import type { SourceName, SourceStatus, WatcherStatus } from '../shared/status.js';
import type { Sample } from '../shared/types.js';
import { formatBytes, formatCount } from '../shared/units.js';
import type { FigureKey } from './route.js';

/** How one figure is shown. */
export interface FigureSpec {
  key: FigureKey;
  /** "Open FDs" */
  label: string;
  unit: 'bytes' | 'count' | 'percent';
  /** A value for people: "412.3 MB", "1,024", "12.5 %". */
  format(value: number): string;
  /** The fixed alert line from the detector settings, or null when the figure has none. */
  line(settings: DetectorSettings): number | null;
  /** What the tile says when there is no fixed line (what the detectors watch instead). */
  noLine: string;
  /** The least span a chart's y axis shows, so noise in a calm figure (CPU 0.2 %, threads 5 → 6) does not look like a cliff. */
  minScale: number;
}

const MiB = 1024 * 1024;

const percent = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} %`;

/** The figures in the order the popover shows them. */
export const FIGURES: readonly FigureSpec[] = [
  { key: 'rssBytes', label: 'RSS', unit: 'bytes', format: (v) => formatBytes(v), line: (s) => (s.thresholds.rssBytes.enabled ? s.thresholds.rssBytes.line : null), noLine: 'growth', minScale: 16 * MiB },
  { key: 'fds', label: 'Open FDs', unit: 'count', format: formatCount, line: (s) => (s.thresholds.fds.enabled ? s.thresholds.fds.line : null), noLine: 'growth', minScale: 20 },
  { key: 'goroutines', label: 'Goroutines', unit: 'count', format: formatCount, line: (s) => (s.thresholds.goroutines.enabled ? s.thresholds.goroutines.line : null), noLine: 'growth', minScale: 20 },
  { key: 'heapInuseBytes', label: 'Heap in use', unit: 'bytes', format: (v) => formatBytes(v), line: () => null, noLine: 'growth', minScale: 8 * MiB },
  { key: 'threads', label: 'Threads', unit: 'count', format: formatCount, line: (s) => (s.thresholds.threads.enabled ? s.thresholds.threads.line : null), noLine: 'growth', minScale: 10 },
  { key: 'cpuPercent', label: 'CPU', unit: 'percent', format: percent, line: () => null, noLine: 'no line', minScale: 5 },
];

/** An alert line for people: whole units ("500 MB", "1,000"). */
export function formatLine(spec: FigureSpec, line: number): string {
  return spec.unit === 'bytes' ? formatBytes(line, 0) : spec.format(line);
}

/** The spec of one figure. */
export function figureSpec(key: FigureKey): FigureSpec {
  return FIGURES.find((f) => f.key === key)!;
}

/** A sample's value of one figure, or undefined when that collector did not report. */
export function figureValue(sample: Sample | null | undefined, key: FigureKey): number | undefined {
  return sample ? sample[key] : undefined;
}

/** The sources each figure comes from, the pprof endpoint's own check first. */
const FIGURE_SOURCES: Record<FigureKey, readonly SourceName[]> = {
  rssBytes: ['process'],
  fds: ['fds', 'process'],
  goroutines: ['pprof', 'goroutines'],
  heapInuseBytes: ['pprof', 'memstats'],
  threads: ['process'],
  cpuPercent: ['process'],
};

/** What a figure read from the pprof endpoint says when the target has none: it never comes, so "collecting…" would mislead. */
export const NO_PPROF: SourceStatus = {
  ok: false,
  message: 'no pprof endpoint',
  hint: 'this target has no pprof URL; give it one on the Settings page (or with --pprof) to see goroutines and heap',
  sinceMs: 0,
};

/**
 * Why a figure has no value: the first failing source it comes from, {@link NO_PPROF} for a pprof figure of a target
 * without an endpoint (`hasPprof` false), or null (none failing: it is still coming).
 */
export function figureProblem(status: Pick<WatcherStatus, 'sources'>, key: FigureKey, hasPprof = true): SourceStatus | null {
  if (!hasPprof && FIGURE_SOURCES[key].includes('pprof')) return NO_PPROF;
  for (const source of FIGURE_SOURCES[key]) {
    const s = status.sources[source];
    if (s && !s.ok) return s;
  }
  return null;
}
