/** What a capture is: the kinds leakbar takes, and the metadata kept beside the bytes as fetched. */
import { describeAlertKey } from './alerts.js';
import type { Sample } from './types.js';

/** Profile kinds fetched from pprof, plus the system snapshot and the bundle of everything. */
export const CAPTURE_KINDS = ['heap', 'allocs', 'goroutine', 'cpu', 'block', 'mutex', 'system', 'bundle'] as const;
export type CaptureKind = (typeof CAPTURE_KINDS)[number];

/** Each kind's name for people, as headings show it. */
export const CAPTURE_KIND_TITLES: Record<CaptureKind, string> = {
  heap: 'Heap profile',
  allocs: 'Allocations profile',
  goroutine: 'Goroutines',
  cpu: 'CPU profile',
  block: 'Block profile',
  mutex: 'Mutex profile',
  system: 'System snapshot',
  // As `leakbar capture bundle` and `leakbar captures` call it.
  bundle: 'Bundle (everything)',
};

/** One file of a capture, stored byte for byte as fetched (e.g. heap.pb.gz opens in `go tool pprof`). */
export interface CaptureFile {
  /** File name inside the capture folder: heap.pb.gz, goroutine.pb.gz, goroutine-debug2.txt, cpu.pb.gz, fds.json, memory-map.json, … */
  name: string;
  /** What it holds: a pprof kind, a goroutine text dump, or a system snapshot part. */
  role: 'heap' | 'allocs' | 'goroutine' | 'goroutine-dump' | 'cpu' | 'block' | 'mutex' | 'fds' | 'memory-map' | 'process';
  bytes: number;
  /** The URL it was fetched from, when it came from pprof. */
  url?: string;
  /**
   * Set when the capture's folder no longer holds the file (deleted by hand): `bytes` is what it held, and reading it
   * answers "this file of the capture was deleted". Filled in by the engine when it hands a capture out, never stored.
   */
  missing?: true;
}

/** The metadata file of a capture (meta.json). */
export interface CaptureMeta {
  /** Safe in paths and URLs: [a-z0-9-] only. */
  id: string;
  targetId: string;
  kind: CaptureKind;
  pid: number | null;
  /** When the capture started and ended, epoch ms. */
  startedMs: number;
  endedMs: number;
  files: CaptureFile[];
  /** The watcher's figures at that moment. */
  figures: Sample | null;
  /** The alert that caused it, if any. */
  alertKey: string | null;
  baseline: boolean;
  pinned: boolean;
  /** A person's note. */
  note: string;
  /** Where the capture's folder is on disk; filled in by the engine when it hands a capture out, never stored. */
  dir?: string;
  /** The names of the files marked `missing`, when any is (as `leakbar captures --json` has them); never stored. */
  missingFiles?: string[];
}

/** A capture in progress, for progress bars. */
export interface CaptureProgress {
  targetId: string;
  kind: CaptureKind;
  startedMs: number;
  /** Expected duration (a CPU profile's seconds), or null when unknown. */
  expectedMs: number | null;
}

/** An overnight test's state. */
export interface OvernightStatus {
  targetId: string;
  active: boolean;
  startedMs: number;
  intervalMs: number;
  baselineId: string | null;
  /** Periodic captures taken so far, oldest first. */
  captureIds: string[];
  failures: Array<{ timeMs: number; kind: CaptureKind; message: string }>;
  /** When the next periodic capture is due, epoch ms; null when stopped. */
  nextMs: number | null;
}

/** The notes the overnight test gives its captures: how its captures are told from others. */
export const OVERNIGHT_NOTES = { baseline: 'overnight baseline', periodic: 'overnight', final: 'overnight final' } as const;

/** True for a capture the overnight test took (its baseline bundle, a periodic capture or its final bundle). */
export function isOvernightCapture(meta: Pick<CaptureMeta, 'note' | 'alertKey'>): boolean {
  // The service adds lines to a note ("Skipped: …"), so the first line is the one the test wrote.
  return meta.alertKey === null && (Object.values(OVERNIGHT_NOTES) as string[]).includes(meta.note.split('\n')[0]!);
}

/** What caused a capture, in the app's words: "alert: a file open many times", "overnight test", or "you". */
export function captureCause(c: Pick<CaptureMeta, 'alertKey' | 'note'>): string {
  if (c.alertKey) return `alert: ${describeAlertKey(c.alertKey)}`;
  return isOvernightCapture(c) ? 'overnight test' : 'you';
}

/**
 * How a base capture stands to the capture compared with it, when not as one process's earlier state: of another
 * target (two programs, or two watches of one), or of an earlier process of the same target (a restart between them,
 * so a change is not a leak). Null when both are of one process, or a PID is not known.
 */
export function baseRelation(
  base: Pick<CaptureMeta, 'targetId' | 'pid'>,
  current: Pick<CaptureMeta, 'pid'> & Partial<Pick<CaptureMeta, 'targetId'>>,
): { kind: 'other-target' } | { kind: 'restart' } | null {
  if (current.targetId !== undefined && base.targetId !== current.targetId) return { kind: 'other-target' };
  if (base.pid !== null && current.pid !== null && base.pid !== current.pid) return { kind: 'restart' };
  return null;
}
