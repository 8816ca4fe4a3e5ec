/** `leakbar watch`: samples one process and prints a line (or a JSON object) per sample, events as they happen. */
import type { WriteStream } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createCollectors } from '../collectors/index.js';
import { csvHeader, csvRow } from '../shared/csv.js';
import { isLeakbarError, LeakbarError } from '../shared/errors.js';
import type { Collectors } from '../collectors/types.js';
import type { WatchEvent } from '../shared/events.js';
import { DEFAULT_FD_PATTERNS, DEFAULT_PPROF_URL, type Sample, type TargetConfig } from '../shared/types.js';
import { formatBytes } from '../shared/units.js';
import { normalizePprofUrl } from '../shared/pprof-url.js';
import { CADENCE_LIMITS } from '../shared/settings.js';
import { parseDetectorSettings, type Alert, type DetectorSettings } from '../shared/alerts.js';
import type { TargetInput } from '../shared/api.js';
import { defaultDataDir, slugify } from '../engine/data-dir.js';
import { targetWatching } from '../engine/series-store.js';
import { createService, targetConfigFrom, unwrittenMessage, type UnwrittenHistory } from '../engine/service.js';
import { jobTimeoutMs, type Cadences } from '../engine/watcher.js';

/** Control characters a terminal acts on (C0 but tab, DEL, C1): in a line made from what a watched program controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * A line made safe to print to a terminal: a file path, a function name or a command line the watched program chose
 * may hold escape sequences (set the window title, write the clipboard, fake a line). Each control character is shown
 * as `\xNN`; in a JSON line (whose strings JSON.stringify already escapes below 0x20) as `\u00NN`, so it stays JSON.
 */
export function terminalSafe(line: string, json = false): string {
  return line.replace(CONTROL, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
    return json ? `\\u00${hex}` : `\\x${hex}`;
  });
}

/** The longest wait one setTimeout holds; past it, Node fires it at once (with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` at `atMs` (epoch ms), however far off: a `--duration` of 30 days waits in steps. Does not hold the process open. */
export function atTime(atMs: number, fn: () => void): void {
  const left = atMs - Date.now();
  if (left <= MAX_TIMER_MS) setTimeout(fn, Math.max(0, left)).unref();
  else setTimeout(() => atTime(atMs, fn), MAX_TIMER_MS).unref();
}

/** Parses a positive number of seconds for a flag. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * `--heap-interval`: seconds between reads of Go's MemStats, within the limits settings.json's `cadences.memStatsMs` has
 * ({@link CADENCE_LIMITS}), so the command line and the settings file take the same values.
 */
export function parseHeapInterval(value: string): number {
  const n = Number(value);
  const { min, max } = CADENCE_LIMITS.memStatsMs;
  if (!Number.isFinite(n) || Math.round(n * 1000) < min || Math.round(n * 1000) > max) {
    throw new InvalidArgumentError(`expected ${min / 1000} to ${max / 1000} seconds, as settings.json's cadences.memStatsMs (${min} to ${max} ms), got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The least `--interval`: below settings.json's 1 s, for a short run (a test, a leak that grows in seconds). */
export const MIN_INTERVAL_S = 0.1;

/**
 * `--interval`: seconds between samples, from {@link MIN_INTERVAL_S} to a day. Below settings.json's least (1 s) only
 * for one run: every sample also asks a Go program for its goroutine count, which costs it a goroutine profile.
 */
export function parseInterval(value: string): number {
  const n = Number(value);
  const max = CADENCE_LIMITS.sampleMs.max / 1000;
  if (!Number.isFinite(n) || n < MIN_INTERVAL_S || n > max) throw new InvalidArgumentError(`expected ${MIN_INTERVAL_S} to ${max} seconds (settings.json takes ${CADENCE_LIMITS.sampleMs.min / 1000} or more), got ${JSON.stringify(value)}`);
  return n;
}

/** `--interval`, alike in watch, serve and overnight. */
export function intervalOption(): Option {
  return new Option('--interval <seconds>', `seconds between samples: ${MIN_INTERVAL_S} or more, under ${CADENCE_LIMITS.sampleMs.min / 1000} for this run only (default: the settings', 5)`).argParser(parseInterval);
}

/** `--heap-interval`, alike in watch, serve and overnight. */
export function heapIntervalOption(): Option {
  return new Option('--heap-interval <seconds>', `seconds between reads of Go's MemStats, the heap figures: ${CADENCE_LIMITS.memStatsMs.min / 1000} or more, as in settings.json (default: the settings', 30)`).argParser(parseHeapInterval);
}

function parsePid(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a process id (a positive integer), got ${JSON.stringify(value)}`);
  return n;
}

/** `--pprof`: any form {@link normalizePprofUrl} reads (the same as a `--config` file and the API), made into the base URL. */
export function parsePprofUrl(value: string): string {
  const r = normalizePprofUrl(value);
  if (!r.ok) throw new InvalidArgumentError(r.problem);
  return r.url;
}

/** Options of `leakbar watch` as commander hands them over. */
export interface WatchOptions {
  pid?: number;
  match?: string;
  pprof: string | false;
  /** Seconds between samples; without it, the settings' (5 s by default). */
  interval?: number;
  /** Seconds between reads of Go's MemStats (the heap figures); without it, the settings' (30 s by default). */
  heapInterval?: number;
  duration?: number;
  json?: boolean;
  csv?: string;
  dataDir?: string;
  store: boolean;
  /** A JSON file with detector settings (any part; the rest keeps its defaults). */
  alerts?: string;
}

/** Reads a detector settings file: any part of DetectorSettings, laid over the defaults; a bad value is refused with its path. */
export async function readDetectorSettingsFile(file: string): Promise<DetectorSettings> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new LeakbarError('bad-input', `cannot read the alert settings in ${file}: ${(e as Error).message}`);
  }
  const r = parseDetectorSettings(json);
  if (!r.ok) throw new LeakbarError('bad-input', `bad alert settings in ${file}: ${r.problems.join('; ')}`);
  return r.settings;
}

/** Builds the target a watch (or serve) command describes. */
export function targetFromOptions(o: { pid?: number; match?: string; pprof: string | false }): TargetConfig {
  if ((o.pid === undefined) === (o.match === undefined)) throw new LeakbarError('bad-input', 'give exactly one of --pid N or --match REGEX');
  if (o.match !== undefined) {
    try {
      new RegExp(o.match);
    } catch (e) {
      throw new LeakbarError('bad-input', `--match ${JSON.stringify(o.match)} is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  const name = o.match ?? `pid ${o.pid}`;
  return {
    id: o.match !== undefined ? slugify(o.match) : `pid-${o.pid}`,
    name,
    selector: o.pid !== undefined ? { pid: o.pid } : { match: o.match! },
    pprofUrl: o.pprof === false ? null : o.pprof,
    fdPatterns: DEFAULT_FD_PATTERNS,
  };
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** A sample as one line for people. */
export function formatSampleLine(s: Sample): string {
  const parts = [time(s.timeMs), `pid ${s.pid}`];
  if (s.rssBytes !== undefined) parts.push(`rss ${formatBytes(s.rssBytes)}`);
  if (s.cpuPercent !== undefined) parts.push(`cpu ${s.cpuPercent.toFixed(1)}%`);
  if (s.threads !== undefined) parts.push(`threads ${s.threads}`);
  if (s.fds !== undefined) parts.push(`fds ${s.fds}${s.fdLimit ? `/${s.fdLimit}` : ''}`);
  if (s.goroutines !== undefined) parts.push(`goroutines ${s.goroutines}`);
  if (s.heapInuseBytes !== undefined) parts.push(`heap ${formatBytes(s.heapInuseBytes)}`);
  return parts.join('  ');
}

/** An event as one line for people. */
export function formatEventLine(e: WatchEvent): string {
  if (e.type === 'restart') return `${time(e.timeMs)}  restart: pid ${e.oldPid} → ${e.newPid}`;
  return `${time(e.timeMs)}  ${e.ok ? 'note' : 'problem'} (${e.source}): ${e.message}${e.hint ? ` — ${e.hint}` : ''}`;
}

/** The JSON object printed for a sample: the issue's field names, with an ISO time. */
export function sampleJson(s: Sample): Record<string, unknown> {
  const { timeMs, ...rest } = s;
  return { type: 'sample', time: new Date(timeMs).toISOString(), ...rest };
}

/** What a person did about an open alert, for its line: acknowledged, or snoozed until when. */
function openState(a: Alert): string {
  if (a.state === 'acknowledged') return ', acknowledged';
  if (a.state === 'snoozed' && a.snoozedUntilMs !== null) return `, snoozed until ${time(a.snoozedUntilMs)}`;
  return '';
}

/** The time an alert change is printed at: when it resolved, or its last update (the sample that fired it). */
export function alertLineMs(change: string, a: Alert): number {
  return change === 'resolved' ? (a.resolvedMs ?? a.lastMs) : a.lastMs;
}

/** An alert change as one line for people, at `atMs` (by default {@link alertLineMs}). */
export function formatAlertLine(change: string, a: Alert, atMs = alertLineMs(change, a)): string {
  if (change === 'resolved') return `${time(atMs)}  resolved: ${a.title}`;
  return `${time(atMs)}  ALERT (${a.severity}) ${a.title}: ${a.message} — next: ${a.nextStep}`;
}

/**
 * How long a sample's reading may still be under way after it began: the watcher's timeout for one run of the sample
 * job ({@link jobTimeoutMs}), and a moment for the sample to be handed on.
 */
export function sampleHoldMs(sampleMs: number): number {
  return jobTimeoutMs(sampleMs) + 400;
}

/** A line waiting its turn: its time, the order it came in, and its text for the time it is printed at. */
interface HeldLine {
  timeMs: number;
  seq: number;
  render: (atMs: number) => string;
}

/**
 * Prints `watch`'s lines in time order. A sample is stamped when its reading began and arrives when the reading is
 * done, while what happened meanwhile (a pprof read of that very sample failing, another source failing or recovering)
 * arrives at once, stamped later. So every line but a sample is held until no sample stamped before it can still
 * come: until the next sample arrives (a sample's readings never overlap, so once one is in, the next begins later
 * than anything held), or, when none does (the process is gone), until a sample's reading would have timed out
 * ({@link sampleHoldMs}). A sample's alerts, handed over right after it with its time, come right after it.
 * A line that is learned only after later lines were printed (an alert another leakbar fired a moment before) is
 * stamped when it was learned. Samples keep their own time: it is the one kept in the history and the CSV.
 */
export class TimeOrderedLines {
  private held: HeldLine[] = [];
  private seq = 0;
  /** The time of the last line printed. */
  private lastMs = Number.NEGATIVE_INFINITY;
  /** No sample stamped before this is still to come. */
  private settledMs = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private soon: ReturnType<typeof setImmediate> | null = null;

  constructor(
    private readonly write: (line: string) => void,
    /** See {@link sampleHoldMs}; set again when the sample interval changes. */
    public holdMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A sample's line: printed once the lines its listeners add (its alerts) are in, after every line stamped before it. */
  sample(timeMs: number, line: string): void {
    this.held.push({ timeMs, seq: this.seq++, render: () => line });
    this.settledMs = Math.max(this.settledMs, this.now());
    this.soon ??= setImmediate(() => {
      this.soon = null;
      this.flush();
    });
  }

  /** Any other line, stamped `timeMs`, as `render` writes it for the time it is printed at. */
  line(timeMs: number, render: (atMs: number) => string): void {
    const at = timeMs < this.lastMs ? this.now() : timeMs;
    this.held.push({ timeMs: at, seq: this.seq++, render });
    this.schedule();
  }

  /** Prints every line held, in time order: at the end. */
  end(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = this.soon = null;
    this.flush(Number.POSITIVE_INFINITY);
  }

  /** Prints, in time order, the lines no sample stamped before them can still come for. */
  private flush(upToMs = Math.max(this.settledMs, this.now() - this.holdMs)): void {
    this.held.sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
    let n = 0;
    while (n < this.held.length && this.held[n]!.timeMs <= upToMs) n++;
    for (const h of this.held.splice(0, n)) {
      this.write(h.render(h.timeMs));
      this.lastMs = Math.max(this.lastMs, h.timeMs);
    }
    this.schedule();
  }

  /** Wakes up when the earliest line held has waited long enough. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.held.length === 0) return;
    const earliest = Math.min(...this.held.map((h) => h.timeMs));
    this.timer = setTimeout(
      () => {
        this.timer = null;
        // After the I/O of this turn: a sample finishing just now is taken first.
        this.soon ??= setImmediate(() => {
          this.soon = null;
          this.flush();
        });
      },
      Math.max(0, earliest + this.holdMs - this.now()),
    );
    this.timer.unref();
  }
}

/** The commands that take a --pid, as {@link checkPidExists} tells each how to wait for a program instead. */
export type PidCommand = 'watch' | 'serve' | 'capture' | 'overnight';

/** What each command can do instead of a PID that has gone: follow the program by --match (`nextRun`: its next run). */
function byMatchHint(command: PidCommand, nextRun: boolean): string {
  const program = nextRun ? "the program's next run" : 'the program';
  switch (command) {
    case 'watch':
      return `watch by --match REGEX to wait for ${program}`;
    case 'serve':
      return `serve by --match REGEX (or "match" for that target in the --config file) to wait for ${program}`;
    case 'capture':
      return nextRun ? 'capture by --match REGEX when the program runs again, or give the PID of its next run' : 'capture by --match REGEX';
    case 'overnight':
      return `run the overnight test by --match REGEX to wait for ${program}`;
  }
}

/**
 * A PID that is not there at all is a mistake in the command, not a process that went away: say so plainly, with
 * what `command` can do instead.
 */
export async function checkPidExists(collectors: Pick<Collectors, 'readProcess'>, pid: number, command: PidCommand = 'watch'): Promise<number | null> {
  try {
    return (await collectors.readProcess(pid, null)).figures.startTimeMs;
  } catch (e) {
    // A zombie is still listed by `ps -p` (as <defunct>): the collector's error says it has exited and who has not reaped it.
    if (isLeakbarError(e, 'no-such-process') && e.reason === 'zombie')
      throw new LeakbarError('no-such-process', e.message, { hint: `${e.hint ? `${e.hint}; ` : ''}${byMatchHint(command, true)}`, reason: 'zombie' });
    if (isLeakbarError(e, 'no-such-process')) throw new LeakbarError('no-such-process', `no process has PID ${pid}`, { hint: `check it with \`ps -p ${pid}\`, or ${byMatchHint(command, false)}` });
    throw e;
  }
}

/**
 * Opens the --csv file for appending, or says why it cannot: a new or empty file gets the header, one a watch wrote
 * before (it starts with the same header) gets the new rows after its own, as the shell scripts it replaces append.
 * A file that holds something else is refused, never emptied: it may be the only copy of a day's figures.
 */
async function openCsv(path: string): Promise<{ file: FileHandle; header: boolean; newline: boolean }> {
  let file: FileHandle;
  try {
    file = await open(path, 'a+');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'an error';
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : code;
    throw new LeakbarError('bad-input', `cannot write the CSV file ${path}: ${why}`, { cause: e });
  }
  const header = csvHeader();
  const head = Buffer.alloc(header.length + 2);
  const { bytesRead } = await file.read(head, 0, head.length, 0);
  if (bytesRead === 0) return { file, header: true, newline: false };
  const first = head.subarray(0, bytesRead).toString('utf8');
  if (first.startsWith(`${header}\n`) || first.startsWith(`${header}\r\n`)) {
    // A row cut short by a crash is ended, so the next row starts on a line of its own.
    const { size } = await file.stat();
    const last = Buffer.alloc(1);
    await file.read(last, 0, 1, size - 1);
    return { file, header: false, newline: last[0] !== 0x0a };
  }
  await file.close();
  throw new LeakbarError('bad-input', `the CSV file ${path} already holds something other than leakbar's columns, which watch would mix its rows into`, {
    hint: 'give a new file name (a CSV an earlier watch wrote is appended to)',
  });
}

/** The cadences a command line fixes: only those given, so the others follow the settings file (and its changes). */
export function cadencesFromOptions(o: { interval?: number; heapInterval?: number }): Partial<Cadences> {
  return {
    ...(o.interval === undefined ? {} : { sampleMs: o.interval * 1000 }),
    ...(o.heapInterval === undefined ? {} : { memStatsMs: Math.round(o.heapInterval * 1000) }),
  };
}

/**
 * The signals that stop `watch`, `serve` and `overnight` cleanly (the history flushed, the store's lock let go, serve's
 * page removed): Ctrl-C, SIGTERM, and SIGHUP, sent when the terminal they run in is closed (by default it would end
 * the process on the spot).
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `gone` once when `streams` (stdout, stderr) can no longer be written: the terminal was closed (EIO) or the
 * reader of a pipe went (EPIPE). Without a listener that error is thrown, ending the process on the spot with the
 * history's lock (and serve's page) left behind; with it, later writes fail quietly.
 */
export function whenOutputGone(streams: readonly NodeJS.WritableStream[], gone: () => void): void {
  let called = false;
  for (const s of new Set(streams))
    s.on('error', () => {
      if (called) return;
      called = true;
      gone();
    });
}

/** Runs a watch until --duration passes or a signal arrives. */
export async function runWatch(o: WatchOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  // --duration counts from now, not from when the first readings are in.
  const stopAtMs = o.duration !== undefined ? Date.now() + o.duration * 1000 : null;
  const target = targetFromOptions(o);
  const collectors = createCollectors();
  const startTimeMs = 'pid' in target.selector ? await checkPidExists(collectors, target.selector.pid) : null;
  const detectorSettings = o.alerts ? await readDetectorSettingsFile(o.alerts) : undefined;
  const dataDir = o.dataDir ?? defaultDataDir();
  // A CSV that cannot be written is known now, not after a night of watching.
  const csvFile = o.csv ? await openCsv(o.csv) : null;
  const service = await createService({
    dataDir,
    collectors,
    persist: o.store,
    // Only what was given on the command line is fixed; the rest follows settings.json, live.
    cadences: cadencesFromOptions(o),
    ...(detectorSettings ? { detectorSettings } : {}),
    // --no-store keeps nothing on disk: no history, and no automatic captures either.
    ...(o.store ? {} : { autoCaptureGapMs: Number.POSITIVE_INFINITY }),
  });
  let csv: WriteStream | null = null;
  if (csvFile) {
    csv = csvFile.file.createWriteStream();
    if (csvFile.newline) csv.write('\n');
    if (csvFile.header) csv.write(csvHeader() + '\n');
    csv.on('error', (e) => process.stderr.write(`leakbar: cannot write ${o.csv}: ${e.message}\n`));
  }
  const print = (line: string) => out.write(terminalSafe(line, o.json) + '\n');
  const iso = (ms: number) => new Date(ms).toISOString();
  // Lines come out in time order (see TimeOrderedLines): a sample before what was found while it was read.
  const lines = new TimeOrderedLines(print, sampleHoldMs((await service.getSettings({})).cadences.sampleMs));
  const findings = new Set<string>();
  // A watch by --pid has nothing left to watch once that process exits: it ends, non-zero.
  let ended: (() => void) | null = null;
  let targetExited = false;
  // Nor has a watch whose output can no longer be read (its terminal closed): it stops as at SIGHUP.
  let outputGone = false;
  whenOutputGone([out, process.stderr], () => {
    outputGone = true;
    ended?.();
  });
  service.subscribe((e) => {
    if (e.type === 'sample') {
      lines.sample(e.sample.timeMs, o.json ? JSON.stringify(sampleJson(e.sample)) : formatSampleLine(e.sample));
      csv?.write(csvRow(e.sample) + '\n');
    } else if (e.type === 'status') {
      // The sample interval may change while watching (settings.json): so does how long a sample may take.
      const sampleJob = e.status.jobs.find((j) => j.name === 'sample');
      if (sampleJob) lines.holdMs = sampleHoldMs(sampleJob.intervalMs);
    } else if (e.type === 'watch') {
      const event = e.event;
      const { timeMs, ...rest } = event;
      lines.line(timeMs, (at) => (o.json ? JSON.stringify({ ...rest, time: iso(at) }) : formatEventLine({ ...event, timeMs: at })));
      if ('pid' in target.selector && event.type === 'status' && event.source === 'target' && event.code === 'no-such-process' && !targetExited) {
        targetExited = true;
        ended?.();
      }
    } else if (e.type === 'alert') {
      const a = e.alert;
      const { evidence: _evidence, ...alert } = a;
      const change = e.change;
      if (change === 'updated' && e.previousId !== undefined && o.json) {
        // Printed as fired under its own id, it goes on as the alert another leakbar recording this history has for the
        // same condition: a reader of --json is told the new id, to follow it to its resolution (people see one alert).
        const previousId = e.previousId;
        lines.line(alert.lastMs, (at) => JSON.stringify({ ...alert, type: 'alert', event: 'renamed', previousId, time: iso(at) }));
      }
      // A capture's result is stamped when it came in (the alert's own times are in its line, and in --json's alert).
      if (a.finding && !findings.has(`${a.id} ${a.finding}`)) {
        // The alert's capture came in and names the leaking thing: say it once.
        findings.add(`${a.id} ${a.finding}`);
        const finding = a.finding;
        lines.line(Date.now(), (at) => (o.json ? JSON.stringify({ type: 'finding', key: a.key, alertId: a.id, captureId: a.captureId, finding, time: iso(at) }) : `${time(at)}  found (${a.title}): ${finding}`));
      }
      if (a.captureError && !findings.has(`${a.id} failed ${a.captureError}`)) {
        // The capture taken for the alert failed: say why once, else the alert would just never name anything.
        findings.add(`${a.id} failed ${a.captureError}`);
        const message = a.captureError;
        lines.line(Date.now(), (at) => (o.json ? JSON.stringify({ type: 'capture-failed', key: a.key, alertId: a.id, message, time: iso(at) }) : `${time(at)}  no capture (${a.title}): ${message}`));
      }
      if (change !== 'fired' && change !== 'resolved') return;
      lines.line(alertLineMs(change, a), (at) => (o.json ? JSON.stringify({ ...alert, type: 'alert', event: change, time: iso(at) }) : formatAlertLine(change, a, at)));
    }
  });

  // A line held when watching ends (or cannot go on) is printed still.
  try {
    // By --pid: the target recording that process now, or that recorded it earlier in its life (a serve, the app,
    // another watch by --match), so one program keeps one history rather than a second copy under pid-N.
    const joined = 'pid' in target.selector && o.store ? await targetWatching(dataDir, target.selector.pid, Date.now(), startTimeMs) : null;
    const input: TargetInput = {
      ...(joined ? { id: joined } : {}),
      name: joined ?? target.name,
      ...('pid' in target.selector ? { pid: target.selector.pid } : { match: target.selector.match }),
      pprofUrl: target.pprofUrl,
    };
    if (!o.json) {
      const how = 'pid' in target.selector ? `pid ${target.selector.pid}` : `processes matching /${target.selector.match}/`;
      const where = o.store ? `; history in ${join(dataDir, 'targets', targetConfigFrom(input, new Set()).id)}` : '';
      const everyS = (await service.getSettings({})).cadences.sampleMs / 1000;
      print(`leakbar: watching ${how} every ${everyS}s${target.pprofUrl ? `, pprof at ${target.pprofUrl}` : ''}${where}`);
    }
    const { target: added } = await service.addTarget(input);
    // Alerts still open from the history read back: say them once, so a restart of leakbar hides nothing.
    for (const a of await service.alerts({ targetId: added.id })) {
      const { evidence: _evidence, ...alert } = a;
      // Stamped now, as the lines around it are (in --json too: its firstMs and lastMs say when it fired and was last
      // updated); its message is as of the alert's last update, said as such.
      lines.line(Date.now(), (at) =>
        o.json
          ? JSON.stringify({ ...alert, type: 'alert', event: 'open', time: iso(at) })
          : `${time(at)}  open since ${time(a.firstMs)} (${a.severity}${openState(a)}) ${a.title}: ${a.message} (as of ${time(a.lastMs)})`,
      );
    }
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      ended = done;
      if (targetExited || outputGone) done();
      if (stopAtMs !== null) atTime(stopAtMs, done);
      for (const s of STOP_SIGNALS) process.once(s, done);
    });
    const unwritten = await service.close();
    lines.end();
    sayUnwritten(unwritten);
    if (csv) await new Promise<void>((r) => csv!.end(r));
    if (targetExited) {
      process.stderr.write(`leakbar: process ${(target.selector as { pid: number }).pid} has exited; nothing left to watch (watch by --match to follow restarts)\n`);
      process.exitCode = 1;
    }
  } finally {
    lines.end();
  }
}

/**
 * What `watch`, `serve` and `overnight` say at exit of history lines a full disk kept from being written: held until
 * then, they are lost when the process ends, and nothing else would say so.
 */
export function sayUnwritten(unwritten: readonly UnwrittenHistory[], write: (line: string) => void = (l) => process.stderr.write(l)): void {
  for (const u of unwritten) write(`${unwrittenMessage(u)}\n`);
}

/** Adds `watch` to the program. */
export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('sample a process and print one line per sample (RSS, CPU, threads, FDs, goroutines, heap)')
    .addOption(new Option('--pid <pid>', 'the process id to watch').argParser(parsePid))
    .addOption(new Option('--match <regex>', 'a regular expression over the full command line (like pgrep -f); follows restarts'))
    .addOption(new Option('--pprof <url>', 'the pprof base URL').default(DEFAULT_PPROF_URL).argParser(parsePprofUrl))
    .option('--no-pprof', 'the target serves no pprof endpoint: system figures only')
    .addOption(intervalOption())
    .addOption(heapIntervalOption())
    .addOption(new Option('--duration <seconds>', 'stop after this many seconds').argParser(parseSeconds))
    .option('--json', 'print one JSON object per line')
    .option('--csv <file>', 'also write the samples to a CSV file')
    .option('--data-dir <dir>', 'where history is kept (default: LEAKBAR_DATA_DIR or the per-user data folder)')
    .option('--no-store', 'keep nothing on disk: no history, no automatic captures')
    .option('--alerts <file>', 'a JSON file of alert settings (thresholds, growth window, …) laid over the defaults')
    .action(async (opts: WatchOptions) => {
      await runWatch(opts);
    });
}
