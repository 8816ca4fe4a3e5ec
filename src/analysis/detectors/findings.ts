/** What a detector reports on one step (a finding), and the words alerts use: figure labels, amounts, rates and the triage routine's next steps. */
import type {
  Alert,
  AlertFamily,
  AlertFigure,
  AlertKind,
  AlertSeverity,
  DetectorSettings,
  GrowthSummary,
  SuggestedCapture,
} from '../../shared/alerts.js';
import { formatBytes, formatCount } from '../../shared/units.js';
import type { Point } from './stats.js';

/** A condition that holds on this step, with everything its alert will say. */
export interface ActiveFinding {
  active: true;
  key: string;
  kind: AlertKind;
  figure: AlertFigure;
  subject: string | null;
  severity: AlertSeverity;
  value: number;
  line: number | null;
  ratePerMinute: number | null;
  unit: 'count' | 'bytes';
  growth: GrowthSummary | null;
  title: string;
  message: string;
  nextStep: string;
  family: AlertFamily;
  /** The evidence a new alert starts with (the history that shows the condition). Called only when an alert is created. */
  seed: () => Point[];
  /** The point this step adds to a live alert's evidence, or null when this step brought none. */
  point: Point | null;
}

/** A condition known not to hold on this step (its alert, if any, resolves). */
export interface InactiveFinding {
  active: false;
  key: string;
  /**
   * The message of the alert this ends, in place of the one it had, when that one said the condition holds ("a steady
   * rise across the whole window"), which is no longer true. Without it the message stays as it was.
   */
  ended?: (alert: Alert) => string;
}

/**
 * What a detector says of one condition on one step. A detector that cannot judge this step (no data) says nothing:
 * the alert, if any, holds.
 */
export type Finding = ActiveFinding | InactiveFinding;

/** `kind:figure[:subject]`: one key per condition. */
export function alertKey(kind: AlertKind, figure: AlertFigure, subject: string | null = null): string {
  return subject === null ? `${kind}:${figure}` : `${kind}:${figure}:${subject}`;
}

/** How a figure reads in a sentence, and its unit. */
export const FIGURE_WORDS: Record<'fds' | 'goroutines' | 'threads' | 'rssBytes' | 'heapInuseBytes' | 'swapBytes', { label: string; unit: 'count' | 'bytes' }> = {
  fds: { label: 'FDs', unit: 'count' },
  goroutines: { label: 'goroutines', unit: 'count' },
  threads: { label: 'threads', unit: 'count' },
  rssBytes: { label: 'RSS', unit: 'bytes' },
  heapInuseBytes: { label: 'heap in use', unit: 'bytes' },
  swapBytes: { label: 'swap', unit: 'bytes' },
};

/** 1234 → "1,234"; 1536 bytes → "1.5 kB". */
export function formatAmount(value: number, unit: 'count' | 'bytes'): string {
  return unit === 'bytes' ? formatBytes(value) : formatCount(value);
}

/** A signed amount: "+312", "+61.2 MB". */
export function formatSigned(value: number, unit: 'count' | 'bytes'): string {
  return `${value >= 0 ? '+' : '-'}${formatAmount(Math.abs(value), unit)}`;
}

/** A signed rate per minute: "+15.6/min", "+61.2 MB/min". */
export function formatRate(perMinute: number, unit: 'count' | 'bytes'): string {
  const sign = perMinute >= 0 ? '+' : '-';
  const abs = Math.abs(perMinute);
  if (unit === 'bytes') return `${sign}${formatBytes(abs)}/min`;
  return `${sign}${abs >= 100 ? formatCount(abs) : abs.toFixed(1)}/min`;
}

/** A span in words: "45 s", "20 min", "1.5 h". */
export function formatSpan(ms: number): string {
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A sample time as the watching machine's clock reads it, "09:05": alerts are read on the machine that watches. */
export function formatClock(timeMs: number): string {
  const d = new Date(timeMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** "p < 0.001" or "p = 0.004". */
export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** What each alert family captures when auto-capture is on for it. */
const CAPTURE_OF: Record<AlertFamily, SuggestedCapture> = {
  fds: 'fds',
  goroutines: 'goroutine',
  heap: 'heap',
  memory: 'heap',
  threads: 'goroutine',
  process: null,
};

/** The capture an alert of `family` suggests under `settings` (null when auto-capture is off for it). */
export function suggestedCaptureFor(family: AlertFamily, settings: DetectorSettings): SuggestedCapture {
  return settings.autoCapture[family] ? CAPTURE_OF[family] : null;
}

/** The triage routine's next steps, one per situation. */
export const NEXT_STEPS = {
  fds: 'Look at the repeated files and the FD types (lsof -p PID): a file or socket opened again and again and never closed is the leak.',
  goroutines:
    'Take a grouped goroutine dump (goroutine?debug=2) and diff it against the baseline: the group that grew, and what it waits on (chan receive, select, Sleep), is the leak.',
  goroutineLeakProfile:
    'Fetch the goroutineleak profile and fix the stacks it lists: each goroutine there is blocked forever on a channel or lock nothing else can reach.',
  heap: 'Capture a heap profile and diff it against the baseline (go tool pprof -base baseline.pb.gz now.pb.gz): the top of inuse_space is what is retained.',
  rss: 'Triage RSS: first the FD count, then the memory map (vmmap --summary on macOS, /proc/PID/smaps_rollup on Linux), then a heap profile.',
  swap: 'The machine is pushing this process out to swap: check RSS and the memory map, then capture a heap profile before everything slows down.',
  threads:
    'Take a goroutine dump and look for goroutines stuck in syscalls or cgo calls, or a LockOSThread without its Unlock: each one holds an OS thread.',
  rssHeapGap:
    'Look at the memory map rather than the heap: its largest non-heap regions (vmmap --summary, /proc/PID/smaps) show where the memory goes — cgo or C allocations, mapped files, thread stacks.',
  // No baseline is named: the detector cannot know whether one was marked, and none is marked by itself.
  restart:
    'Find out why it restarted (exit status; the OOM killer in dmesg or the system log). Captures taken before the restart stay on disk: ' +
    "compare later ones with them on the inspector's Captures tab, or with leakbar report --current ID --base ID.",
} as const;

/** Family and next step of each figure's threshold and growth alerts. */
export const FIGURE_TRIAGE: Record<keyof typeof FIGURE_WORDS, { family: AlertFamily; nextStep: string }> = {
  fds: { family: 'fds', nextStep: NEXT_STEPS.fds },
  goroutines: { family: 'goroutines', nextStep: NEXT_STEPS.goroutines },
  threads: { family: 'threads', nextStep: NEXT_STEPS.threads },
  rssBytes: { family: 'memory', nextStep: NEXT_STEPS.rss },
  heapInuseBytes: { family: 'heap', nextStep: NEXT_STEPS.heap },
  swapBytes: { family: 'memory', nextStep: NEXT_STEPS.swap },
};
