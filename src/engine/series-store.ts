/**
 * A target's history: an in-memory window for charts and detectors, plus append-only JSON-lines
 * files on disk (samples.jsonl, events.jsonl, alerts.jsonl) read back on restart line by line, never
 * as one string. Lines older than the history kept are dropped by a compaction: the kept lines go to
 * a temporary file beside the old one, which is renamed over it between two appends (and the folder
 * fsynced). A line cut short by a crash or a full disk is skipped, never fatal, and the next append
 * starts a fresh line; a failing disk is reported and the in-memory history goes on.
 */
import { link, open, readdir, readFile, rename, rm, stat, writeFile as writeWholeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LeakbarError } from '../shared/errors.js';
import type { Alert } from '../shared/alerts.js';
import type { WatchEvent } from '../shared/events.js';
import { isPlainObject } from '../shared/merge.js';
import type { Sample } from '../shared/types.js';
import { DAY_MS } from '../shared/units.js';
import { makeFolder } from './data-dir.js';

/** Writes a new file from chunks of text, durably (fsynced before it resolves). Injected by tests to simulate a full disk. */
export type WriteChunksFn = (path: string, chunks: AsyncIterable<string>) => Promise<void>;

/** Appends text at the end of an open history file. Injected by tests to simulate a full disk (a write that lands in part). */
export type AppendTextFn = (file: FileHandle, text: string) => Promise<void>;

/** Options for {@link openSeriesStore}. */
export interface SeriesStoreOptions {
  /** Samples kept in memory. @default 17280 (24 h at 5 s) */
  windowSize?: number;
  /** Events kept in memory. @default 1000 */
  eventWindowSize?: number;
  /** Alerts kept in memory. @default 500 */
  alertWindowSize?: number;
  /**
   * How far back history is kept, on disk and in memory: older lines are dropped at open and by
   * {@link SeriesStore.compact}; a resolved alert goes once it resolved longer ago, an open one (firing, snoozed,
   * acknowledged) never does.
   * @default Infinity (everything is kept)
   */
  historyMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** How a compaction writes the file that replaces the old one. @default create, write, fsync, close */
  writeFile?: WriteChunksFn;
  /** How an append writes its line. @default the handle's appendFile */
  appendText?: AppendTextFn;
  /**
   * How long between two looks at the folder's writer lock, each made by an append: while another process records the
   * folder, an attempt to take its lock over (so that this one records once that one is gone); while this one records,
   * a check that the lock still names this process (else it stops appending, as another one records now).
   * @default 5000
   */
  lockRetryMs?: number;
  /**
   * Called when this store takes over recording from another process, once it holds the lock and before the alerts
   * put while it did not record are written: what is put or dropped ({@link SeriesStore.dropUnrecordedAlert}) meanwhile
   * is what goes on record. Its failure is ignored.
   */
  onTakeOver?: () => void | Promise<void>;
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
  /** How far back history is kept, in ms (Infinity: all of it). */
  historyMs(): number;
  /** Changes how far back history is kept; the next {@link compact} applies it. */
  setHistoryMs(historyMs: number): void;
  /**
   * Drops history older than {@link historyMs} (alerts: the resolved ones that resolved before; an open one stays
   * however old): from memory at once, and from disk by rewriting a file between two appends (a line appended
   * meanwhile waits, and is kept): samples and events once their oldest line is older still by {@link compactSlackMs},
   * alerts.jsonl whenever it holds a line to drop, as it keeps only each alert's newest version. A
   * failure keeps the file as it was and shows in {@link writeError} until a compaction succeeds.
   * Resolves with the number of lines dropped from disk; never rejects.
   */
  compact(): Promise<{ droppedLines: number }>;
  /** The last write or compaction error, or null while the disk takes every write. */
  writeError(): LeakbarError | null;
  /** Whether this store appends to its files now (a history kept in memory only counts as recorded); false while another process records the folder, or the lock could not be taken. */
  recording(): boolean;
  /** The other process recording the folder while this store does not, when known. */
  recordedBy(): number | null;
  /** Forgets an alert put while another process recorded the folder, so that it is not written at a takeover; one already written stays. */
  dropUnrecordedAlert(id: string): void;
  /** Resolves when every queued write (and compaction) has reached the file. */
  flush(): Promise<void>;
  /**
   * Writes what is queued and held (one last try) and closes the files. Resolves with the lines that could not be
   * written (a disk still full), per file, so the caller can say they are lost: nothing else will.
   */
  close(): Promise<UnwrittenLines[]>;
}

/** Lines of one history file that were never written: the disk was still full (or the folder unwritable) at close. */
export interface UnwrittenLines {
  path: string;
  lines: number;
  /** Why the last append failed. */
  error: LeakbarError | null;
}

/** The longest line read back: a sample is ~335 bytes, an alert a few KB; a longer line is not ours and is skipped. */
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
/** Text handed to the writer at a time during a compaction. */
const COMPACT_CHUNK_CHARS = 64 * 1024;

/**
 * How much older than the cutoff a file's oldest line may be before the file is rewritten. Without it a file
 * fed every 5 s would be rewritten whole at every compaction to drop the last hour; with it, a 30-day history
 * is rewritten about once a day and holds at most a day more than asked.
 */
export function compactSlackMs(historyMs: number): number {
  return Math.min(historyMs / 30, DAY_MS);
}

/**
 * The lines of a file, read in chunks so that the file is never one string; null stands for a line longer
 * than MAX_LINE_BYTES (skipped unread). A missing file has no lines. Afterwards `end.clean` tells whether
 * the file ended on a newline (or was empty), i.e. whether the next append starts a fresh line.
 */
async function* readLines(path: string, end: { clean: boolean } = { clean: true }): AsyncGenerator<string | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    // The part of a line read so far, when the line spans chunks; `oversize` once it passed the limit.
    const parts: Buffer[] = [];
    let partBytes = 0;
    let oversize = false;
    for await (const chunk of fh.createReadStream({ autoClose: false, highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        if (oversize || partBytes + nl - start > MAX_LINE_BYTES) yield null;
        else yield (partBytes > 0 ? Buffer.concat([...parts, chunk.subarray(start, nl)]) : chunk.subarray(start, nl)).toString('utf8');
        parts.length = 0;
        partBytes = 0;
        oversize = false;
        start = nl + 1;
      }
      if (start < chunk.length && !oversize) {
        parts.push(chunk.subarray(start));
        partBytes += chunk.length - start;
        if (partBytes > MAX_LINE_BYTES) {
          oversize = true;
          parts.length = 0;
          partBytes = 0;
        }
      }
    }
    end.clean = partBytes === 0 && !oversize;
    // The file does not end on a newline: a last line cut short (it will not parse) or one whose newline never came.
    if (oversize) yield null;
    else if (partBytes > 0) yield Buffer.concat(parts).toString('utf8');
  } finally {
    await fh.close().catch(() => {});
  }
}

function parseLine(line: string | null): unknown {
  if (!line) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** A history file's item's time (what retention compares), or null when the line is not one of ours. */
type TimeOf = (item: unknown) => number | null;

/** A time a Date holds (within ±8.64e15 ms): a line with another (a digit doubled by a bad edit, 1e400) is not ours. */
const isTime = (t: unknown): t is number => typeof t === 'number' && Math.abs(t) <= 8.64e15;
/** An event's time. */
const eventTime: TimeOf = (x) => (isPlainObject(x) && isTime(x.timeMs) ? x.timeMs : null);
/** A sample's time: a sample has a time and a PID (a line without one would read as a restart). */
const sampleTime: TimeOf = (x) => (isPlainObject(x) && isTime(x.timeMs) && Number.isSafeInteger(x.pid) && (x.pid as number) > 0 ? x.timeMs : null);
/** An alert's last activity, or null when the line is not an alert. */
const alertTime: TimeOf = (x) => {
  if (!isPlainObject(x) || typeof x.id !== 'string' || !isTime(x.firstMs)) return null;
  if (isTime(x.resolvedMs)) return x.resolvedMs;
  return isTime(x.lastMs) ? x.lastMs : x.firstMs;
};

/**
 * A sample read back without the figures no collector gives (negative, or past what a count or a byte size reaches:
 * a hand edit), which would mislead charts and alerts.
 */
function withoutBadFigures(x: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(x)) if (typeof v === 'number' && !(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) delete x[k];
  return x;
}

/**
 * Whether history that starts at `cutoffMs` keeps this version of an alert (when it is the alert's newest): an open
 * alert (firing, snoozed, acknowledged) always, however long ago its last activity (a snooze may outlast the history,
 * and a snoozed alert writes nothing until it ends); a resolved one while it resolved within the history.
 */
function keepsAlert(x: unknown, cutoffMs: number): boolean {
  const t = alertTime(x);
  if (t === null) return false;
  return typeof (x as Record<string, unknown>).resolvedMs !== 'number' || t >= cutoffMs;
}

/** Hands each line of a JSON-lines file that holds an object to `take`, in order, and counts the lines that do not; a missing file has none. */
async function eachJsonLine(path: string, take: (item: Record<string, unknown>) => void): Promise<{ skipped: number; endsClean: boolean }> {
  let skipped = 0;
  const end = { clean: true };
  try {
    for await (const line of readLines(path, end)) {
      if (line === '') continue;
      const item = parseLine(line);
      if (isPlainObject(item)) take(item);
      else skipped++;
    }
  } catch (e) {
    throw toStoreError(e, path, 'read');
  }
  return { skipped, endsClean: end.clean };
}

/** Reads a JSON-lines file of objects line by line, skipping lines that are not one (and objects `keep` refuses); a missing file is empty. */
export async function readJsonLines<T>(path: string, keep: (item: T) => boolean = () => true): Promise<{ items: T[]; skipped: number; endsClean: boolean }> {
  const items: T[] = [];
  const r = await eachJsonLine(path, (x) => {
    if (keep(x as T)) items.push(x as T);
  });
  return { items, ...r };
}

/**
 * The captures that alerts still open in a target's folder point to (the newest version of each alert decides), for a
 * retention pass run without the engine (`leakbar capture`); the engine asks its own alerts. A missing file has none.
 */
export async function openAlertCaptureIds(targetDir: string): Promise<string[]> {
  // Read as the store reads it back (the newest version of each alert wins), with no history cutoff.
  const newest = new Map<string, Alert>();
  await loadAlerts(join(targetDir, FILES.alerts), Number.NEGATIVE_INFINITY, (a) => newest.set(a.id, a), (id) => newest.delete(id));
  return [...newest.values()].flatMap((a) => (a.state !== 'resolved' && a.captureId ? [a.captureId] : []));
}

/** How recent a target's last sample must be for that target to count as watching its process now. */
export const WATCHING_NOW_MS = 60_000;

/**
 * The target (a folder under `<dataDir>/targets`) whose latest sample is of process `pid`, taken within
 * {@link WATCHING_NOW_MS} of `nowMs` (the `serve`, `watch` or app watching it right now) or, when the process's start
 * time is given, at any time since it started (a `watch --match` of it that ended an hour ago: it was this very process,
 * as a PID is not reused while its process lives). So a `--pid` joins that target's history and baseline rather than
 * starting a `pid-N` of its own. The newest such sample wins. Reads only the end of each samples file. Null: none.
 */
export async function targetWatching(dataDir: string, pid: number, nowMs: number = Date.now(), processStartMs: number | null = null): Promise<string | null> {
  const root = join(dataDir, 'targets');
  const ids = await readdir(root).catch(() => [] as string[]);
  let best: { id: string; timeMs: number } | null = null;
  for (const id of ids) {
    const last = await lastLineOf(join(root, id, FILES.samples)).catch(() => null);
    const sample = last === null ? null : (parseLine(last) as Partial<Sample> | null);
    if (!sample || sample.pid !== pid || !isTime(sample.timeMs)) continue;
    // A start time is known to the second (Linux's boot time is): a sample within that second may be of the process
    // that had the PID before.
    const sinceStart = processStartMs !== null && sample.timeMs >= processStartMs + 1000 && sample.timeMs <= nowMs + WATCHING_NOW_MS;
    if (Math.abs(nowMs - sample.timeMs) > WATCHING_NOW_MS && !sinceStart) continue;
    if (!best || sample.timeMs > best.timeMs) best = { id, timeMs: sample.timeMs };
  }
  return best?.id ?? null;
}

/** The last complete line of a file, read from its last 64 KB; null when it has none. */
async function lastLineOf(path: string): Promise<string | null> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n');
    // The text after the last newline is a line still being written (or cut short): the one before it is whole.
    lines.pop();
    return lines.at(-1) ?? null;
  } finally {
    await fh.close();
  }
}

const FAILED = { read: 'read', write: 'write', compact: 'drop old history from' } as const;
const DISK_FULL_HINT = { read: undefined, write: 'free some space; what is recorded meanwhile is held and written once there is room', compact: 'free some space; the file is kept whole meanwhile' } as const;

/**
 * The most text an append log holds while its file cannot be written (a full disk, a folder made read-only): about
 * 3 hours of 1 s samples. Past it the oldest held lines go, and only the in-memory window has them.
 */
export const HELD_MAX_BYTES = 4 * 1024 * 1024;

/** How long after a failed append the next is tried (a flush or a close tries at once). */
const APPEND_RETRY_MS = 1000;

/** `dropping`: a write's held lines passed {@link HELD_MAX_BYTES}, so the oldest of them are lost; said in the hint. */
function toStoreError(e: unknown, path: string, action: keyof typeof FAILED = 'write', dropping = false): LeakbarError {
  const code = (e as NodeJS.ErrnoException).code;
  const what = `${FAILED[action]} ${path}`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    // Its own message, so it is said when it starts (a status is said once per message).
    if (dropping) return new LeakbarError('disk-full', `the disk is full: cannot ${what}; past ${HELD_MAX_BYTES / 1024 / 1024} MB held, the oldest lines recorded meanwhile are being lost`, { hint: 'free some space', cause: e });
    return new LeakbarError('disk-full', `the disk is full: cannot ${what}`, { hint: DISK_FULL_HINT[action], cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new LeakbarError('permission-denied', `cannot ${what}: ${code}`, { hint: 'check the data folder’s permissions or set LEAKBAR_DATA_DIR', cause: e });
  return new LeakbarError('io-error', `cannot ${what}: ${(e as Error).message}`, { cause: e });
}

/** The default {@link WriteChunksFn}: create (never over an existing file), write each chunk, fsync, close. */
async function writeChunksDurably(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    // A FileHandle's writeFile writes at the current position and loops until all of it is written.
    for await (const chunk of chunks) await fh.writeFile(chunk);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Whether a compaction keeps a line, by its text and its place (the count of lines before it, blank ones included): its time when kept, else null. */
type KeepLine = (line: string, index: number) => number | null;

/**
 * Which lines of a file a compaction keeps, decided from the time of the file's oldest line (as far as this store
 * knows) or by reading the file first; null when the file is fine as it is.
 */
type CompactionPlan = (path: string, oldestMs: number) => Promise<KeepLine | null>;

/**
 * Samples and events: the lines at or after `cutoffMs`, once the oldest line is older than `cutoffMs - slackMs`.
 * The oldest line is not always the first: lines written before the clock was stepped back are dated after the
 * lines that follow them, so the store keeps the oldest time it read or appended instead of reading the head.
 */
function dropOlderThan(timeOf: TimeOf, cutoffMs: number, slackMs: number): CompactionPlan {
  const keep: KeepLine = (line) => {
    const t = timeOf(parseLine(line));
    return t !== null && t >= cutoffMs ? t : null;
  };
  return async (_path, oldestMs) => (oldestMs < cutoffMs - slackMs ? keep : null);
}

/**
 * Alerts: each alert's newest version (the one the reader keeps, as the newest wins on read), where it stands, while
 * {@link keepsAlert}; the older versions go.
 * The whole file is read, as any line may be an older version; once compacted it holds one line per alert.
 */
function newestAlertsSince(cutoffMs: number): CompactionPlan {
  return async (path) => {
    /** The place of each alert's newest version, while it is kept. */
    const newest = new Map<string, number>();
    let lines = 0;
    let index = 0;
    for await (const line of readLines(path)) {
      const at = index++;
      if (line === '') continue;
      lines++;
      const x = parseLine(line);
      if (alertTime(x) === null) continue;
      const id = (x as Alert).id;
      newest.delete(id);
      if (keepsAlert(x, cutoffMs)) newest.set(id, at);
    }
    if (newest.size === lines) return null;
    const seen = index;
    // Lines appended after this read are kept as they are (they are newer still, and ours).
    return (line, at) => {
      const x = parseLine(line);
      const t = alertTime(x);
      return t !== null && (at >= seen || newest.get((x as Alert).id) === at) ? t : null;
    };
  };
}

/**
 * fsyncs a folder, so that a rename in it is on disk (else a crash may bring the old file back); platforms that
 * cannot fsync a folder say EINVAL or EISDIR, and there the rename is left to the file system.
 */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR') throw e;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * Rewrites `path` with only the lines `plan` keeps, when it says the file needs it: the kept lines go to
 * `<path>.compact.<pid>.tmp`, fsynced, then renamed over `path`, and the folder fsynced. Resolves with the lines dropped and whether the
 * file was replaced; rejects (the temporary file removed, `path` untouched) on failure.
 */
async function compactFile(path: string, plan: CompactionPlan, oldestMs: number, write: WriteChunksFn): Promise<{ dropped: number; rewritten: boolean; oldestMs: number }> {
  const test = await plan(path, oldestMs);
  if (test === null) return { dropped: 0, rewritten: false, oldestMs };
  const keep = test;

  let dropped = 0;
  let oldestKeptMs = Number.POSITIVE_INFINITY;
  async function* kept(): AsyncGenerator<string> {
    let text = '';
    let index = 0;
    for await (const line of readLines(path)) {
      const at = index++;
      if (line === '') continue;
      const t = line === null ? null : keep(line, at);
      if (t === null) {
        dropped++;
        continue;
      }
      oldestKeptMs = Math.min(oldestKeptMs, t);
      text += line + '\n';
      if (text.length >= COMPACT_CHUNK_CHARS) {
        yield text;
        text = '';
      }
    }
    if (text) yield text;
  }
  // Named by this process: another one (the app, a second `leakbar watch`) may compact the same folder.
  const tmp = `${path}.compact.${process.pid}.tmp`;
  try {
    await rm(tmp, { force: true });
    await write(tmp, kept());
    await rename(tmp, path);
    await syncDir(dirname(path));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  return { dropped, rewritten: true, oldestMs: oldestKeptMs };
}

/** True while a process with this PID runs (signal 0 asks without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the `<file>.compact.<pid>.tmp` files in `dir` whose process is gone (or is this one: a compaction of ours is
 * not under way at open), and the `writer.pid.<pid>.tmp` / `.old` files a crash left while taking the lock.
 */
async function removeStaleCompactions(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map((name) => {
      const compaction = /\.compact\.(\d+)\.tmp$/.exec(name);
      // Another store of this process may be taking the lock of this folder right now: only a gone process's go.
      const lock = /^writer\.pid\.(\d+)\.(?:tmp|old)$/.exec(name);
      const pid = Number((compaction ?? lock)?.[1]);
      if (!pid || (isAlive(pid) && !(compaction && pid === process.pid))) return undefined;
      return rm(join(dir, name), { force: true }).catch(() => {});
    }),
  );
}

/** Whether the file at `path` ends on a newline (or is empty, or missing). */
async function endsOnNewline(path: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(1), 0, 1, size - 1);
    return bytesRead === 1 && buffer[0] === NEWLINE;
  } finally {
    await fh.close().catch(() => {});
  }
}

const appendWithHandle: AppendTextFn = (file, text) => file.appendFile(text);

/** An append-only file that queues writes in order and never throws into the caller. */
class AppendLog {
  private handle: Promise<FileHandle> | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** The last append's error, cleared by the next append that succeeds. */
  error: LeakbarError | null = null;
  /** The last compaction's error, cleared by the next compaction that succeeds. */
  compactError: LeakbarError | null = null;
  /**
   * How the file ends: on a newline, on a line cut short (a crash, at open) so that the next append starts a fresh
   * one, or not known after an append or a compaction failed (a full disk may have taken part of a line).
   */
  private end: 'newline' | 'cut' | 'unknown';
  constructor(
    readonly path: string,
    endsClean: boolean,
    /**
     * The time of the file's oldest line as far as this store knows (read at open, lowered by appends, set by a
     * compaction's rewrite), which tells a compaction whether there is anything to drop. Infinity for none.
     */
    private oldestMs: number,
    private readonly appendText: AppendTextFn,
    /**
     * Whether this process still records the file, asked before a failed append is cut back: a holder displaced
     * meanwhile (another leakbar took the lock, not yet noticed) would cut that one's lines appended since.
     */
    private readonly stillRecords: () => Promise<boolean> = async () => true,
  ) {
    this.end = endsClean ? 'newline' : 'cut';
  }

  /** Lines not yet on disk: an append failed (a full disk) and they wait for the next one, oldest first. */
  private held: string[] = [];
  private heldBytes = 0;
  /** Held lines dropped, oldest first, past {@link HELD_MAX_BYTES}. */
  droppedLines = 0;

  /** No append is tried before this time after one failed (a full disk): each try writes every held line again. */
  private retryAtMs = 0;

  /** Set at close: nothing more is written (a store that lost the lock writes nothing into the other's file). */
  private closing = false;

  /** Appends a line; `timeMs` is its time, when it has one that retention goes by. */
  write(line: string, timeMs: number | null = null): void {
    this.hold(line + '\n');
    this.queue = this.queue.then(() => {
      if (timeMs !== null) this.oldestMs = Math.min(this.oldestMs, timeMs);
      return this.writeHeld(false);
    });
  }

  /** Tries the held lines again when their time has come: a file written rarely (events, alerts) is not left holding them. */
  retryIfDue(): void {
    if (this.held.length === 0 || this.closing || Date.now() < this.retryAtMs) return;
    this.queue = this.queue.then(() => this.writeHeld(false));
  }

  /**
   * Appends every held line, in one append. After a failure, not again for {@link APPEND_RETRY_MS} unless `now` (a
   * flush, a close): a disk full for an hour is tried once a second, not once per line with megabytes each time.
   */
  private async writeHeld(now: boolean): Promise<void> {
    // Written by an earlier turn, together with lines that were held.
    if (this.held.length === 0 || this.closing) return;
    if (!now && Date.now() < this.retryAtMs) return;
    // This append's lines, taken now: lines written while it is under way are held for the next one.
    this.trimHeld();
    const batch = this.held;
    this.held = [];
    this.heldBytes = 0;
    let h: FileHandle | null = null;
    let sizeBefore: number | null = null;
    try {
      this.handle ??= open(this.path, 'a');
      h = await this.handle;
      // Another process sharing the folder may have compacted the file: its rename leaves this handle on the
      // old, unlinked file, where appends would be lost. Reopen by the path when it names another file.
      const [onHandle, named] = await Promise.all([h.stat(), stat(this.path).catch(() => null)]);
      sizeBefore = onHandle.size;
      if (!named || onHandle.ino !== named.ino || onHandle.dev !== named.dev) {
        await h.close().catch(() => {});
        this.handle = open(this.path, 'a');
        h = await this.handle;
        sizeBefore = (await h.stat()).size;
        this.end = 'unknown';
      }
      if (this.end === 'unknown') this.end = (await endsOnNewline(this.path)) ? 'newline' : 'cut';
      // Glued onto a line cut short, both would be lost on read: start a fresh line.
      await this.appendText(h, (this.end === 'cut' ? '\n' : '') + batch.join(''));
      this.end = 'newline';
      this.error = null;
      this.retryAtMs = 0;
      this.droppedLines = 0;
    } catch (e) {
      // Part of the text may have landed (ENOSPC mid-write): cut the file back to where it was, so the held lines
      // go whole at the next append, rather than one cut short. Cutting back takes no space.
      // Not when another process records the file now: what it appended since would go too.
      const cutBack = h !== null && sizeBefore !== null && (await this.stillRecords()) && (await h.truncate(sizeBefore).then(() => true, () => false));
      // The next append looks at how the file ends when it could not be cut back.
      if (!cutBack) this.end = 'unknown';
      // The next append opens the file again; this handle is closed now, not left to the garbage collector.
      await this.closeHandle();
      // Back in front of the lines written meanwhile, in order.
      this.held = batch.concat(this.held);
      this.heldBytes = this.held.reduce((n, line) => n + Buffer.byteLength(line), 0);
      this.trimHeld();
      this.error = toStoreError(e, this.path, 'write', this.droppedLines > 0);
      this.retryAtMs = Date.now() + APPEND_RETRY_MS;
    }
  }

  /** Holds a line until it is written (trimmed to {@link HELD_MAX_BYTES} in steps, not at every line). */
  private hold(text: string): void {
    this.held.push(text);
    this.heldBytes += Buffer.byteLength(text);
    if (this.heldBytes > HELD_MAX_BYTES * 1.25) this.trimHeld();
  }

  /** Drops the oldest held lines past {@link HELD_MAX_BYTES}. */
  private trimHeld(): void {
    let drop = 0;
    while (this.heldBytes > HELD_MAX_BYTES && this.held.length - drop > 1) this.heldBytes -= Buffer.byteLength(this.held[drop++]!);
    if (drop === 0) return;
    this.held = this.held.slice(drop);
    this.droppedLines += drop;
  }

  /**
   * Drops the lines `plan` does not keep (see compactFile). It runs in the write queue with the file closed,
   * so appends made meanwhile wait and then go to the new file; resolves with the lines dropped.
   */
  compact(plan: CompactionPlan, write: WriteChunksFn): Promise<number> {
    const run = this.queue.then(async () => {
      await this.closeHandle();
      try {
        const r = await compactFile(this.path, plan, this.oldestMs, write);
        // A rewritten file ends on a newline: the cut-short line, if any, was dropped.
        if (r.rewritten) this.end = 'newline';
        this.oldestMs = r.oldestMs;
        this.compactError = null;
        return r.dropped;
      } catch (e) {
        this.end = 'unknown';
        this.compactError = toStoreError(e, this.path, 'compact');
        return 0;
      }
    });
    this.queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** Waits for the appends queued, and tries the held lines once more now. */
  flush(): Promise<void> {
    this.queue = this.queue.then(() => this.writeHeld(true));
    return this.queue;
  }

  /**
   * Closes the file, after one more try at the held lines unless `lastTry` is false: a store that lost the lock to
   * another process writes nothing more into the file that process records now.
   */
  async close(lastTry = true): Promise<UnwrittenLines> {
    if (lastTry) await this.flush();
    else this.closing = true;
    await this.queue;
    this.closing = true;
    await this.closeHandle();
    // What is still held is lost now, with what was dropped past the cap since the last append that went through.
    // A store closed after losing the lock (lastTry false) holds nothing of its own to lose: the other records.
    const lines = lastTry ? this.held.length + this.droppedLines : 0;
    return { path: this.path, lines, error: lines > 0 ? this.error : null };
  }

  private async closeHandle(): Promise<void> {
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

/** Appends to a window kept to its last `size` items, trimmed once it is `slack` over so it is not shifted per item. */
function pushBounded<T>(items: T[], item: T, size: number, slack: number): void {
  items.push(item);
  if (items.length > size + slack) items.splice(0, items.length - size);
}

/** Removes the items older than `cutoffMs`, wherever they are: items taken before the clock was stepped back are dated after the items that follow them. */
function dropBefore<T extends { timeMs: number }>(items: T[], cutoffMs: number): void {
  let n = 0;
  for (const x of items) if (x.timeMs >= cutoffMs) items[n++] = x;
  items.length = n;
}

/** Reads one history file back into a window: items at or after `cutoffMs` go to `take`; tells what it skipped, what is too old, and the oldest time. */
async function loadFile(path: string, timeOf: TimeOf, cutoffMs: number, take: (item: unknown) => void): Promise<{ skipped: number; old: number; oldestMs: number; endsClean: boolean }> {
  let old = 0;
  let oldestMs = Number.POSITIVE_INFINITY;
  let notOurs = 0;
  const r = await eachJsonLine(path, (x) => {
    const t = timeOf(x);
    if (t === null) {
      notOurs++;
      return;
    }
    oldestMs = Math.min(oldestMs, t);
    if (t < cutoffMs) old++;
    else take(x);
  });
  return { ...r, skipped: r.skipped + notOurs, old, oldestMs };
}

/**
 * Reads alerts.jsonl back: the newest version of each alert wins, and goes (`drop`) when history from `cutoffMs` does
 * not keep it; `old` counts the lines a compaction would drop (older versions, alerts gone).
 */
async function loadAlerts(path: string, cutoffMs: number, keep: (alert: Alert) => void, drop: (id: string) => void): Promise<{ skipped: number; old: number; endsClean: boolean }> {
  const kept = new Set<string>();
  let versions = 0;
  const r = await eachJsonLine(path, (x) => {
    if (alertTime(x) === null) return;
    versions++;
    if (keepsAlert(x, cutoffMs)) {
      kept.add(x.id as string);
      keep(x as unknown as Alert);
    } else {
      kept.delete(x.id as string);
      drop(x.id as string);
    }
  });
  return { ...r, old: versions - kept.size };
}

/**
 * The file naming the process that records a target's history: one writer per folder, so two never interleave. It holds
 * the PID alone and a newline, the format every leakbar version reads (those before the identity file read it with
 * `Number(text.trim())`, and take a lock they cannot read for stale).
 */
export const WRITER_LOCK = 'writer.pid';

/**
 * The file beside the lock that says which process a PID in it is (see {@link LockOwner}): written by the process before
 * it links its writer.pid into place, and ignored by leakbar versions that know only writer.pid.
 */
export function writerIdFile(pid: number): string {
  return `writer-${pid}.id`;
}

/** This process's hold on one folder's lock: how many of its stores share it. Each store keeps the hold it joined. */
interface Hold {
  count: number;
}

/** This process's writer locks, by lock path. A hold that is no longer here was lost (another process took the lock). */
const heldLocks = new Map<string, Hold>();

/** The lock work of this process on each folder, one step at a time (two stores opening one folder at once would race). */
const lockQueues = new Map<string, Promise<void>>();
function serialized<T>(path: string, step: () => Promise<T>): Promise<T> {
  const run = (lockQueues.get(path) ?? Promise.resolve()).then(step);
  const tail = run.then(
    () => {},
    () => {},
  );
  lockQueues.set(path, tail);
  void tail.then(() => {
    if (lockQueues.get(path) === tail) lockQueues.delete(path);
  });
  return run;
}

/**
 * Who holds a writer lock. A PID alone is not enough: after a crash the PID may be reused by an unrelated process,
 * which would keep every later leakbar a reader. On Linux the identity file also names the process's start time (clock
 * ticks after boot, /proc/PID/stat field 22) and the boot; elsewhere (macOS has no procfs) only the PID is known.
 */
export interface LockOwner {
  pid: number;
  startTicks?: number;
  bootId?: string;
}

/** A process's state letter and start time from /proc/PID/stat; null where there is no procfs or the process is gone. */
async function procStat(pid: number): Promise<{ state: string; startTicks: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  // The command (field 2) is in parentheses and may hold spaces or parentheses itself: count from the last ')'.
  const close = text?.lastIndexOf(')') ?? -1;
  if (!text || close < 0) return null;
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const startTicks = Number(fields[19]);
  return fields[0] && Number.isSafeInteger(startTicks) ? { state: fields[0], startTicks } : null;
}

let bootIdRead: Promise<string | null> | null = null;
function bootId(): Promise<string | null> {
  return (bootIdRead ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (t) => t.trim() || null,
    () => null,
  ));
}

let ownIdentity: Promise<LockOwner> | null = null;
/** This process as a lock names it. */
function ownOwner(): Promise<LockOwner> {
  return (ownIdentity ??= Promise.all([procStat(process.pid), bootId()]).then(([stat, boot]) => {
    const owner: LockOwner = { pid: process.pid };
    if (stat) owner.startTicks = stat.startTicks;
    if (boot) owner.bootId = boot;
    return owner;
  }));
}

/**
 * Reads a lock's text: the bare PID, or the JSON line `{"pid":N,"startTicks":S,"bootId":"…"}` (what an identity file
 * holds, and what writer.pid held in one earlier version); null when it is neither.
 */
export function parseWriterLock(text: string): LockOwner | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) > 0 ? { pid: Number(t) } : null;
  const x = parseLine(t);
  if (!isPlainObject(x) || typeof x.pid !== 'number' || !Number.isSafeInteger(x.pid) || x.pid <= 0) return null;
  const owner: LockOwner = { pid: x.pid };
  if (typeof x.startTicks === 'number') owner.startTicks = x.startTicks;
  if (typeof x.bootId === 'string') owner.bootId = x.bootId;
  return owner;
}

/** A lock as read: its text, the text of the identity file of the PID it names (null: none), and who they say holds it. */
interface SeenLock {
  text: string;
  idText: string | null;
  owner: LockOwner | null;
}

/**
 * Reads `<dir>/writer.pid` and the identity file of the PID it names; null when there is no lock. Without an identity
 * file for that PID (an older leakbar's lock, or one whose file is gone) the PID is all that is known.
 */
async function readWriterLock(dir: string, lockPath: string = join(dir, WRITER_LOCK)): Promise<SeenLock | null> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw toStoreError(e, lockPath, 'read');
  }
  const owner = parseWriterLock(text);
  // A lock written whole as JSON (one earlier version) carries its identity itself.
  if (!owner || owner.startTicks !== undefined || owner.bootId !== undefined) return { text, idText: null, owner };
  const idText = await readFile(join(dir, writerIdFile(owner.pid)), 'utf8').catch(() => null);
  const id = idText === null ? null : parseWriterLock(idText);
  return { text, idText, owner: id && id.pid === owner.pid ? id : owner };
}

/** Whether a lock's owner is this process: its PID and, where both are known, its start time and boot. */
function isThisProcess(owner: LockOwner, own: LockOwner): boolean {
  if (owner.pid !== own.pid) return false;
  if (owner.startTicks !== undefined && own.startTicks !== undefined && owner.startTicks !== own.startTicks) return false;
  return owner.bootId === undefined || own.bootId === undefined || owner.bootId === own.bootId;
}

/** Whether the process a lock names still runs: alive, not a zombie, and (where the lock says) the same boot and start time. */
async function stillHolds(owner: LockOwner): Promise<boolean> {
  // A lock naming this process that this process does not hold (see heldLocks) is left from an earlier life of its PID.
  if (owner.pid === process.pid || !isAlive(owner.pid)) return false;
  const boot = owner.bootId === undefined ? null : await bootId();
  if (boot !== null && boot !== owner.bootId) return false;
  const stat = await procStat(owner.pid);
  if (stat?.state === 'Z') return false;
  // Where the start time cannot be read (no procfs), the PID check is all there is.
  return owner.startTicks === undefined || stat === null || stat.startTicks === owner.startTicks;
}

/** Codes of a link() on a file system without hard links (FAT, some network and FUSE file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP']);

/**
 * Creates `path` holding `text` unless it exists (false then): written to a file of this process's own and hard-linked
 * into place, so that no other process ever reads it empty (an earlier leakbar would take an empty lock for stale).
 * A file system without hard links gets the exclusive create, with the text written just after.
 */
async function createExclusively(path: string, text: string, tmp: string): Promise<boolean> {
  try {
    await writeWholeFile(tmp, text);
    await link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw e;
  } finally {
    await rm(tmp, { force: true }).catch(() => {});
  }
  try {
    const fh = await open(path, 'wx');
    await fh.writeFile(text).finally(() => fh.close());
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Creates the lock for this process: its identity file first, then writer.pid (the bare PID) linked into place, so a
 * reader that finds writer.pid finds the identity beside it. False when another lock is there (the identity file goes).
 */
async function createLock(dir: string): Promise<boolean> {
  const path = join(dir, WRITER_LOCK);
  const idPath = join(dir, writerIdFile(process.pid));
  try {
    await writeWholeFile(idPath, JSON.stringify(await ownOwner()) + '\n');
  } catch (e) {
    throw toStoreError(e, idPath);
  }
  let created = false;
  try {
    created = await createExclusively(path, `${process.pid}\n`, `${path}.${process.pid}.tmp`);
    return created;
  } catch (e) {
    throw toStoreError(e, path);
  } finally {
    if (!created) await rm(idPath, { force: true }).catch(() => {});
  }
}

/** Removes the identity files of processes that are gone (or whose PID now names another process); this one's stays. */
async function removeDeadIdentities(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(/^writer-(\d+)\.id$/.exec(name)?.[1]);
      if (!pid || pid === process.pid) return;
      const owner = parseWriterLock((await readFile(join(dir, name), 'utf8').catch(() => null)) ?? '');
      if (owner?.pid === pid && (await stillHolds(owner))) return;
      await rm(join(dir, name), { force: true }).catch(() => {});
    }),
  );
}

/** Who records a folder when this process does not: the PID, and why this one could not take the lock when that was an error. */
export interface OtherRecorder {
  pid: number;
  error?: LeakbarError;
}

/**
 * Removes a stale lock, unless another process took it over since it was read as `seen`: the lock is moved aside and
 * looked at, and one that is no longer `seen` (its text, or the identity of its PID) is put back. Removing it by name
 * would delete that one. Resolves with 'removed' (or gone already), 'put back', or, when it could not be put back, who
 * records: the holder of a lock created meanwhile by a third process, else the one moved aside (with the error).
 */
async function removeStaleLock(dir: string, seen: SeenLock): Promise<'removed' | 'put back' | OtherRecorder> {
  const path = join(dir, WRITER_LOCK);
  const aside = `${path}.${process.pid}.old`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'removed';
    throw toStoreError(e, path);
  }
  try {
    const moved = await readWriterLock(dir, aside).catch(() => null);
    // What was judged stale, or not a lock at all: it goes.
    if (!moved?.owner || (moved.text === seen.text && moved.idText === seen.idText)) return 'removed';
    let failure: unknown;
    try {
      if (await createExclusively(path, moved.text, `${path}.${process.pid}.tmp`)) return 'put back';
    } catch (e) {
      failure = e;
    }
    if (failure === undefined) {
      // A third process created a lock while this one was aside: it records now; the one moved aside finds out at its next check.
      const now = await readWriterLock(dir).catch(() => null);
      return { pid: now?.owner?.pid ?? moved.owner.pid };
    }
    const cause = toStoreError(failure, path);
    return {
      pid: moved.owner.pid,
      error: new LeakbarError(cause.code, `moved the writer lock of pid ${moved.owner.pid} aside to check it, and could not put it back: ${cause.message}`, {
        hint: `this one records nothing; pid ${moved.owner.pid} takes its lock again at its next sample, or this one records once that one is gone`,
        cause: failure,
      }),
    };
  } finally {
    await rm(aside, { force: true }).catch(() => {});
  }
}

/** How long a lock found empty gets to be written: an earlier leakbar creates it empty and writes its PID just after. */
const EMPTY_LOCK_WAIT_MS = 100;

/**
 * Takes `<dir>/writer.pid` for this process (created exclusively; a lock whose process is gone, or whose PID now
 * belongs to another process, is taken over). Resolves with this process's hold when it records the history, or with
 * the other live process that does.
 */
function takeWriterLock(dir: string): Promise<Hold | OtherRecorder> {
  const path = join(dir, WRITER_LOCK);
  return serialized(path, async () => {
    const held = heldLocks.get(path);
    if (held !== undefined) {
      // Another store of this process holds it: while the lock still names this process, this store shares it.
      if (await namesThisProcess(dir)) {
        held.count++;
        return held;
      }
      await loseHold(dir, held);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      // Looked at before trying to create it: a reader retries every few seconds, and would otherwise write a file each time.
      let seen = await readWriterLock(dir);
      if (seen?.text.trim() === '') {
        await new Promise((ok) => setTimeout(ok, EMPTY_LOCK_WAIT_MS));
        seen = await readWriterLock(dir);
      }
      if (seen !== null) {
        if (seen.owner && (await stillHolds(seen.owner))) return { pid: seen.owner.pid };
        // Left by a process that is gone (a crash), or unreadable: take it over.
        const removed = await removeStaleLock(dir, seen);
        if (removed === 'put back') continue;
        if (removed !== 'removed') return removed;
      }
      // When another process created it since it was looked at, this fails and the loop looks again.
      if (await createLock(dir)) {
        const hold: Hold = { count: 1 };
        heldLocks.set(path, hold);
        await removeDeadIdentities(dir);
        return hold;
      }
    }
    throw new LeakbarError('busy', `cannot take ${path}: other processes keep creating it`);
  });
}

/** Whether `<dir>/writer.pid` names this process; `unreadable` answers for a lock that cannot be read. */
async function namesThisProcess(dir: string, unreadable = true): Promise<boolean> {
  let seen: SeenLock | null;
  try {
    seen = await readWriterLock(dir);
  } catch {
    return unreadable;
  }
  return seen?.owner != null && isThisProcess(seen.owner, await ownOwner());
}

/** Forgets a hold whose lock names another process (or none) now; this process's identity file goes with it. */
async function loseHold(dir: string, hold: Hold): Promise<void> {
  const path = join(dir, WRITER_LOCK);
  if (heldLocks.get(path) !== hold) return;
  heldLocks.delete(path);
  await rm(join(dir, writerIdFile(process.pid)), { force: true }).catch(() => {});
}

/**
 * Whether this process still holds the lock `hold` stands for: the hold is still its hold on the folder and writer.pid
 * still names this process. When it does not, the hold is forgotten; resolves with the process the lock names then.
 */
function checkWriterLock(dir: string, hold: Hold): Promise<{ holds: true } | { holds: false; named: number | null }> {
  const path = join(dir, WRITER_LOCK);
  return serialized(path, async () => {
    if (heldLocks.get(path) === hold && (await namesThisProcess(dir))) return { holds: true };
    const seen = await readWriterLock(dir).catch(() => null);
    await loseHold(dir, hold);
    return { holds: false, named: seen?.owner?.pid ?? null };
  });
}

/** Lets go of a store's share of the lock; the last share removes writer.pid, only while it still names this process. */
function releaseWriterLock(dir: string, hold: Hold): Promise<void> {
  const path = join(dir, WRITER_LOCK);
  return serialized(path, async () => {
    // Lost meanwhile (another process took the lock over): what is there is not this one's to remove.
    if (heldLocks.get(path) !== hold) return;
    if (--hold.count > 0) return;
    heldLocks.delete(path);
    if (await namesThisProcess(dir, false)) await rm(path, { force: true }).catch(() => {});
    await rm(join(dir, writerIdFile(process.pid)), { force: true }).catch(() => {});
  });
}

const FILES = { samples: 'samples.jsonl', events: 'events.jsonl', alerts: 'alerts.jsonl' } as const;

/**
 * Opens (creating when needed) the history in `dir`, reading back what is there; `dir` null keeps it in memory only.
 * History older than `historyMs` is left out of memory, and a compaction that drops it from disk is queued
 * ahead of the first append ({@link SeriesStore.flush} waits for it).
 */
export async function openSeriesStore(dir: string | null, options: SeriesStoreOptions = {}): Promise<SeriesStore> {
  const windowSize = options.windowSize ?? 17_280;
  const eventWindowSize = options.eventWindowSize ?? 1000;
  const alertWindowSize = options.alertWindowSize ?? 500;
  const now = options.now ?? Date.now;
  const writeFile = options.writeFile ?? writeChunksDurably;
  const appendText = options.appendText ?? appendWithHandle;
  const lockRetryMs = options.lockRetryMs ?? 5000;
  let historyMs = options.historyMs ?? Number.POSITIVE_INFINITY;
  const cutoffMs = () => now() - historyMs;

  const samples: Sample[] = [];
  const events: WatchEvent[] = [];
  const alerts = new Map<string, Alert>();
  /** Alerts put while another process recorded the folder: their newest version is written once this one records. */
  const unrecordedAlerts = new Set<string>();
  const forgetAlert = (id: string) => {
    alerts.delete(id);
    unrecordedAlerts.delete(id);
  };
  const keepAlert = (a: Alert) => {
    alerts.delete(a.id);
    alerts.set(a.id, a);
    // Past the window the oldest resolved alert goes; an open one stays, for the engine to carry over at start.
    if (alerts.size > alertWindowSize) {
      for (const [id, old] of alerts) {
        if (old.state !== 'resolved') continue;
        forgetAlert(id);
        break;
      }
    }
  };

  type Logs = { samples: AppendLog; events: AppendLog; alerts: AppendLog };
  type Loaded = [Awaited<ReturnType<typeof loadFile>>, Awaited<ReturnType<typeof loadFile>>, Awaited<ReturnType<typeof loadAlerts>>];
  const path = (name: string) => join(dir!, name);
  /** Reads the files back, into the windows when `fill` (at open), or only for how they end and what is old (at a takeover). */
  const readFiles = (cutoff: number, fill: boolean): Promise<Loaded> => {
    const skip = () => {};
    return Promise.all([
      loadFile(path(FILES.samples), sampleTime, cutoff, fill ? (x) => pushBounded(samples, withoutBadFigures(x as Record<string, unknown>) as unknown as Sample, windowSize, windowSize) : skip),
      loadFile(path(FILES.events), eventTime, cutoff, fill ? (x) => pushBounded(events, x as WatchEvent, eventWindowSize, eventWindowSize) : skip),
      loadAlerts(path(FILES.alerts), cutoff, fill ? keepAlert : skip, fill ? forgetAlert : skip),
    ]);
  };
  /** Opens the files for appending, queueing a compaction of those that hold old lines (for alerts, older versions). */
  const openLogs = ([s, ev, al]: Loaded, cutoff: number): Logs => {
    // An unreadable lock is taken as another's: a failed append is then left uncut, and the next starts a fresh line.
    const stillRecords = () => namesThisProcess(dir!, false);
    const opened = {
      samples: new AppendLog(path(FILES.samples), s.endsClean, s.oldestMs, appendText, stillRecords),
      events: new AppendLog(path(FILES.events), ev.endsClean, ev.oldestMs, appendText, stillRecords),
      // Alerts go by their versions, not by the oldest line (see newestAlertsSince).
      alerts: new AppendLog(path(FILES.alerts), al.endsClean, Number.POSITIVE_INFINITY, appendText, stillRecords),
    };
    const slack = compactSlackMs(historyMs);
    if (s.old > 0) void opened.samples.compact(dropOlderThan(sampleTime, cutoff, slack), writeFile);
    if (ev.old > 0) void opened.events.compact(dropOlderThan(eventTime, cutoff, slack), writeFile);
    if (al.old > 0) void opened.alerts.compact(newestAlertsSince(cutoff), writeFile);
    return opened;
  };

  let logs: Logs | null = null;
  let skippedLines = 0;
  /** This store's share of the folder's writer lock while it records (let go at close). */
  let hold: Hold | null = null;
  /** The other process recording this folder's history, while one does (null while this one records, or unknown). */
  let recordedBy: number | null = null;
  /** Why this store could not take or keep the lock other than by finding a live recorder (a folder it cannot write, say). */
  let lockError: LeakbarError | null = null;
  let closed = false;
  if (dir !== null) {
    // Names the real cause (a file in the way, a read-only disk), where a recursive mkdir can say ENOENT.
    await makeFolder(dir, `create the history folder ${dir}`);
    const cutoff = cutoffMs();
    const took = await takeWriterLock(dir);
    if ('count' in took) hold = took;
    else {
      recordedBy = took.pid;
      lockError = took.error ?? null;
    }
    let loaded: Loaded;
    try {
      // A compaction cut off by a crash leaves its temporary file (the original is whole): remove those of processes gone.
      await removeStaleCompactions(dir);
      loaded = await readFiles(cutoff, true);
    } catch (e) {
      // Not opened, never closed: the lock would outlive it.
      if (hold) await releaseWriterLock(dir, hold);
      throw e;
    }
    const [s, ev, al] = loaded;
    if (samples.length > windowSize) samples.splice(0, samples.length - windowSize);
    if (events.length > eventWindowSize) events.splice(0, events.length - eventWindowSize);
    skippedLines = s.skipped + ev.skipped + al.skipped;
    // This process records the folder's history, unless another leakbar does (a serve, the app, a watch): then it has
    // read that history, and keeps what it adds in memory, so two never interleave their samples in one file.
    if (hold) logs = openLogs(loaded, cutoff);
  }

  // The lock is looked at again at most once per lockRetryMs, driven by appends (no timer keeps the process alive):
  // while this store records, whether writer.pid still names this process (another may have taken it over wrongly:
  // a race, a file system without hard links, a lock deleted by hand), and if not it stops appending; while another
  // process records, whether that one is gone, so that this one records from then on. Opening was the first look.
  let lastLookMs = performance.now();
  /** A check or takeover under way. */
  let lockWork: Promise<void> | null = null;
  /** Samples and events added while a check or takeover is under way: written, in order, if this store records after it. */
  const waiting: Array<(l: Logs) => void> = [];
  const startLockWork = (folder: string) => {
    lockWork = (logs ? checkLock(folder) : takeOver(folder)).finally(() => {
      lockWork = null;
      waiting.length = 0;
    });
  };
  /** Goes on recording with `opened`: the alerts changed meanwhile (their newest versions), then what waited. */
  const resume = (opened: Logs) => {
    // The alerts this one changed while it did not record would otherwise be lost at its next restart (snoozed or
    // acknowledged here, say); what it keeps in memory is what it goes on from, so their versions go on record.
    for (const id of unrecordedAlerts) {
      const a = alerts.get(id);
      if (a) opened.alerts.write(JSON.stringify(a));
    }
    unrecordedAlerts.clear();
    for (const write of waiting) write(opened);
  };
  const checkLock = async (folder: string): Promise<void> => {
    const check = await checkWriterLock(folder, hold!);
    if (check.holds) return resume(logs!);
    // Another process records now (or no one): stop appending here. What was queued before this check still lands.
    const lost = logs!;
    logs = null;
    hold = null;
    recordedBy = check.named;
    await Promise.all([lost.samples, lost.events, lost.alerts].map((l) => l.close(false)));
    // Taken back at once when nobody holds it (deleted by hand); else this one is a reader, saying who records.
    await takeOver(folder);
  };
  const takeOver = async (folder: string): Promise<void> => {
    let took: Hold | OtherRecorder;
    try {
      took = await takeWriterLock(folder);
    } catch (e) {
      lockError = e instanceof LeakbarError ? e : toStoreError(e, join(folder, WRITER_LOCK));
      return;
    }
    if (!('count' in took)) {
      // Still recorded by another one (maybe another reader that took over first): say which.
      recordedBy = took.pid;
      lockError = took.error ?? null;
      return;
    }
    let loaded: Loaded | null = null;
    try {
      if (!closed) {
        await removeStaleCompactions(folder);
        // What the other process wrote stays as it is; only how each file ends and what is old is needed to append.
        loaded = await readFiles(cutoffMs(), false);
      }
    } catch (e) {
      lockError = e instanceof LeakbarError ? e : toStoreError(e, folder, 'read');
    }
    if (!loaded || closed) {
      await releaseWriterLock(folder, took);
      return;
    }
    hold = took;
    recordedBy = null;
    lockError = null;
    const opened = openLogs(loaded, cutoffMs());
    logs = opened;
    try {
      await options.onTakeOver?.();
    } catch {
      // The alerts stay as they were put.
    }
    resume(opened);
  };
  /**
   * Where a new line goes: to its file while this store records, held back while the lock is looked at (an alert by its
   * id, as its newest version is what counts), and nowhere (memory only) while another process records.
   */
  const record = (write: (l: Logs) => void, alertId?: string): void => {
    if (dir === null) return;
    if (!lockWork && !closed && performance.now() - lastLookMs >= lockRetryMs) {
      lastLookMs = performance.now();
      startLockWork(dir);
    }
    if (logs && !lockWork) write(logs);
    else if (alertId !== undefined) unrecordedAlerts.add(alertId);
    else if (lockWork) waiting.push(write);
  };

  const all = () => (logs ? [logs.samples, logs.events, logs.alerts] : []);

  return {
    dir,
    loaded: { samples: samples.length, events: events.length, alerts: alerts.size, skippedLines },
    append(sample) {
      pushBounded(samples, sample, windowSize, 256);
      const line = JSON.stringify(sample);
      record((l) => {
        l.samples.write(line, sample.timeMs);
        // Each sample also gives the files written rarely their next try, once a disk has room again.
        l.events.retryIfDue();
        l.alerts.retryIfDue();
      });
    },
    appendEvent(event) {
      pushBounded(events, event, eventWindowSize, 64);
      const line = JSON.stringify(event);
      record((l) => l.events.write(line, event.timeMs));
    },
    putAlert(alert) {
      keepAlert(alert);
      const line = JSON.stringify(alert);
      record((l) => l.alerts.write(line), alert.id);
    },
    alerts(fromMs, toMs) {
      const lo = fromMs ?? -Infinity;
      const hi = toMs ?? Infinity;
      // An open alert lasts until now, whenever its last line was written (a snooze writes none).
      return [...alerts.values()].filter((a) => a.firstMs <= hi && (a.state !== 'resolved' || (a.resolvedMs ?? a.lastMs) >= lo)).sort((a, b) => b.firstMs - a.firstMs);
    },
    samples: (fromMs, toMs) => inRange(samples.length > windowSize ? samples.slice(-windowSize) : samples, fromMs, toMs),
    events: (fromMs, toMs) => inRange(events, fromMs, toMs),
    historyMs: () => historyMs,
    setHistoryMs(ms) {
      historyMs = ms;
    },
    async compact() {
      const cutoff = cutoffMs();
      dropBefore(samples, cutoff);
      dropBefore(events, cutoff);
      for (const a of [...alerts.values()]) if (!keepsAlert(a, cutoff)) forgetAlert(a.id);
      if (closed || !logs) return { droppedLines: 0 };
      // A compaction renames a new file into place: one whose lock another process has taken (not yet noticed at an
      // append) would lose that process's lines appended meanwhile. Look first; the next append says who records.
      if (dir !== null && !(await namesThisProcess(dir, false))) return { droppedLines: 0 };
      const slack = compactSlackMs(historyMs);
      const dropped = await Promise.all([
        logs.samples.compact(dropOlderThan(sampleTime, cutoff, slack), writeFile),
        logs.events.compact(dropOlderThan(eventTime, cutoff, slack), writeFile),
        logs.alerts.compact(newestAlertsSince(cutoff), writeFile),
      ]);
      return { droppedLines: dropped.reduce((n, d) => n + d, 0) };
    },
    writeError: () => {
      if (dir === null || logs) return all().find((l) => l.error)?.error ?? all().find((l) => l.compactError)?.compactError ?? null;
      if (lockError) return lockError;
      const who = recordedBy === null ? 'another leakbar' : `another leakbar (pid ${recordedBy})`;
      return new LeakbarError('busy', `${who} records this history in ${dir}: this one keeps its samples in memory only`, {
        hint:
          `this one records here at its next sample once that one stops` +
          (recordedBy === null ? '' : `; if no leakbar runs as pid ${recordedBy}, delete ${join(dir, WRITER_LOCK)}`),
      });
    },
    recording: () => dir === null || logs !== null,
    recordedBy: () => (logs ? null : recordedBy),
    dropUnrecordedAlert(id) {
      if (unrecordedAlerts.has(id)) forgetAlert(id);
    },
    async flush() {
      await lockWork;
      await Promise.all(all().map((l) => l.flush()));
    },
    async close() {
      if (closed) return [];
      closed = true;
      // A check or attempt under way sees `closed` and lets go of the lock it may take.
      await lockWork;
      // A holder displaced since its last check (another leakbar took the lock) writes nothing more into that one's
      // files, and what it holds is not lost: the other records the history now.
      const lastTry = dir === null || !hold || (await namesThisProcess(dir, false));
      const unwritten = (await Promise.all(all().map((l) => l.close(lastTry)))).filter((u) => u.lines > 0);
      if (dir !== null && hold) {
        const h = hold;
        hold = null;
        await releaseWriterLock(dir, h);
      }
      return unwritten;
    },
  };
}
