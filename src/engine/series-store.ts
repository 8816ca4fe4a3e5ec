/**
 * A target's history: an in-memory window for charts and detectors, plus append-only JSON-lines
 * files on disk (samples.jsonl, events.jsonl) read back on restart. A line cut short by a crash is
 * skipped, never fatal; a failing disk is reported and the in-memory history goes on.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LeakbarError } from '../shared/errors.js';
import type { Alert } from '../shared/alerts.js';
import type { WatchEvent } from '../shared/events.js';
import type { Sample } from '../shared/types.js';

/** Options for {@link openSeriesStore}. */
export interface SeriesStoreOptions {
  /** Samples kept in memory. @default 17280 (24 h at 5 s) */
  windowSize?: number;
  /** Events kept in memory. @default 1000 */
  eventWindowSize?: number;
  /** Alerts kept in memory. @default 500 */
  alertWindowSize?: number;
}

/** What reading the files back found. */
export interface LoadReport {
  samples: number;
  events: number;
  alerts: number;
  /** Lines that did not parse (a crash mid-write leaves at most one per file). */
  skippedLines: number;
}

/** One target's history. */
export interface SeriesStore {
  /** The folder, or null for a history kept in memory only. */
  readonly dir: string | null;
  readonly loaded: LoadReport;
  append(sample: Sample): void;
  appendEvent(event: WatchEvent): void;
  /** Records an alert's latest version (the newest version of each alert id wins on read). */
  putAlert(alert: Alert): void;
  /** Alerts whose life overlaps fromMs..toMs (all when no range), newest first. */
  alerts(fromMs?: number, toMs?: number): Alert[];
  /** Samples in memory with fromMs <= timeMs <= toMs (all when no range). */
  samples(fromMs?: number, toMs?: number): Sample[];
  events(fromMs?: number, toMs?: number): WatchEvent[];
  /** The last write error, or null while the disk takes every write. */
  writeError(): LeakbarError | null;
  /** Resolves when every queued write has reached the file. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Reads a JSON-lines file, skipping lines that do not parse; a missing file is empty. */
export async function readJsonLines<T>(path: string): Promise<{ items: T[]; skipped: number; endsClean: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], skipped: 0, endsClean: true };
    throw toStoreError(e, path);
  }
  const items: T[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      items.push(JSON.parse(line) as T);
    } catch {
      skipped++;
    }
  }
  return { items, skipped, endsClean: text.length === 0 || text.endsWith('\n') };
}

function toStoreError(e: unknown, path: string): LeakbarError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new LeakbarError('disk-full', `the disk is full: cannot write ${path}`, { hint: 'free some space; history stays in memory meanwhile', cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new LeakbarError('permission-denied', `cannot write ${path}: ${code}`, { hint: 'check the data folder’s permissions or set LEAKBAR_DATA_DIR', cause: e });
  return new LeakbarError('io-error', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
}

/** An append-only file that queues writes in order and never throws into the caller. */
class AppendLog {
  private handle: Promise<FileHandle> | null = null;
  private queue: Promise<void> = Promise.resolve();
  error: LeakbarError | null = null;
  constructor(
    readonly path: string,
    private needsNewline: boolean,
  ) {}

  write(line: string): void {
    const text = (this.needsNewline ? '\n' : '') + line + '\n';
    this.needsNewline = false;
    this.queue = this.queue.then(async () => {
      try {
        this.handle ??= open(this.path, 'a');
        await (await this.handle).appendFile(text);
        this.error = null;
      } catch (e) {
        this.handle = null;
        this.error = toStoreError(e, this.path);
      }
    });
  }

  flush(): Promise<void> {
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue;
    const h = this.handle;
    this.handle = null;
    if (h) await (await h.catch(() => null))?.close().catch(() => {});
  }
}

function inRange<T extends { timeMs: number }>(items: readonly T[], fromMs?: number, toMs?: number): T[] {
  if (fromMs === undefined && toMs === undefined) return items.slice();
  const lo = fromMs ?? -Infinity;
  const hi = toMs ?? Infinity;
  return items.filter((x) => x.timeMs >= lo && x.timeMs <= hi);
}

/** A log that writes nowhere, for a history kept in memory only. */
const NO_LOG = { write() {}, flush: () => Promise.resolve(), close: () => Promise.resolve(), error: null } as const;
const EMPTY = { items: [], skipped: 0, endsClean: true };

/** Opens (creating when needed) the history in `dir`, reading back what is there; `dir` null keeps it in memory only. */
export async function openSeriesStore(dir: string | null, options: SeriesStoreOptions = {}): Promise<SeriesStore> {
  const windowSize = options.windowSize ?? 17_280;
  const eventWindowSize = options.eventWindowSize ?? 1000;
  const alertWindowSize = options.alertWindowSize ?? 500;
  if (dir !== null) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw toStoreError(e, dir);
    }
  }
  const path = (name: string) => (dir === null ? null : join(dir, name));
  const read = <T>(p: string | null) => (p === null ? Promise.resolve<{ items: T[]; skipped: number; endsClean: boolean }>(EMPTY) : readJsonLines<T>(p));
  const log = (p: string | null, endsClean: boolean) => (p === null ? NO_LOG : new AppendLog(p, !endsClean));
  const [s, ev, al] = await Promise.all([read<Sample>(path('samples.jsonl')), read<WatchEvent>(path('events.jsonl')), read<Alert>(path('alerts.jsonl'))]);
  const samples = s.items.filter((x) => typeof x?.timeMs === 'number').slice(-windowSize);
  const events = ev.items.filter((x) => typeof x?.timeMs === 'number').slice(-eventWindowSize);
  const alerts = new Map<string, Alert>();
  for (const a of al.items) if (typeof a?.id === 'string' && typeof a.firstMs === 'number') alerts.set(a.id, a);
  const sampleLog = log(path('samples.jsonl'), s.endsClean);
  const eventLog = log(path('events.jsonl'), ev.endsClean);
  const alertLog = log(path('alerts.jsonl'), al.endsClean);

  return {
    dir,
    loaded: { samples: samples.length, events: events.length, alerts: alerts.size, skippedLines: s.skipped + ev.skipped + al.skipped },
    append(sample) {
      samples.push(sample);
      // Trim in batches so the window is not shifted one element per tick.
      if (samples.length > windowSize + 256) samples.splice(0, samples.length - windowSize);
      sampleLog.write(JSON.stringify(sample));
    },
    appendEvent(event) {
      events.push(event);
      if (events.length > eventWindowSize + 64) events.splice(0, events.length - eventWindowSize);
      eventLog.write(JSON.stringify(event));
    },
    putAlert(alert) {
      alerts.delete(alert.id);
      alerts.set(alert.id, alert);
      if (alerts.size > alertWindowSize) alerts.delete(alerts.keys().next().value!);
      alertLog.write(JSON.stringify(alert));
    },
    alerts(fromMs, toMs) {
      const lo = fromMs ?? -Infinity;
      const hi = toMs ?? Infinity;
      return [...alerts.values()].filter((a) => a.firstMs <= hi && (a.resolvedMs ?? a.lastMs) >= lo).sort((a, b) => b.firstMs - a.firstMs);
    },
    samples: (fromMs, toMs) => inRange(samples.length > windowSize ? samples.slice(-windowSize) : samples, fromMs, toMs),
    events: (fromMs, toMs) => inRange(events, fromMs, toMs),
    writeError: () => sampleLog.error ?? eventLog.error ?? alertLog.error,
    async flush() {
      await Promise.all([sampleLog.flush(), eventLog.flush(), alertLog.flush()]);
    },
    async close() {
      await Promise.all([sampleLog.close(), eventLog.close(), alertLog.close()]);
    },
  };
}
