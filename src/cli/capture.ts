/** `leakbar capture` takes one capture into the store and prints its folder; `leakbar report` compares two captures as Markdown, HTML or JSON. */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createCollectors } from '../collectors/index.js';
import { CAPTURE_KINDS, type CaptureKind, type CaptureMeta } from '../shared/captures.js';
import { LeakbarError } from '../shared/errors.js';
import { DEFAULT_FD_PATTERNS, DEFAULT_PPROF_URL, type Sample, type TargetConfig } from '../shared/types.js';
import { DAY_MS, formatBytes } from '../shared/units.js';
import { DEFAULT_SETTINGS } from '../shared/settings.js';
import { buildReport, createCaptureService, createCaptureStore, DEFAULT_RETENTION, reportHtml, reportMarkdown } from '../engine/captures/index.js';
import { openSettingsFile } from '../engine/settings-file.js';
import { defaultDataDir, slugify } from '../engine/data-dir.js';
import { openAlertCaptureIds, readJsonLines, targetWatching } from '../engine/series-store.js';
import { getForCli, listCommand } from './captures.js';
import { checkPidExists, parsePprofUrl, targetFromOptions } from './watch.js';

/** Options of `leakbar capture` as commander hands them over. */
export interface CaptureOptions {
  pid?: number;
  match?: string;
  /** A URL, false for --no-pprof, undefined when not given. */
  pprof?: string | false;
  seconds: number;
  withCpu?: boolean;
  /** The data folder, as every other command names it. */
  dataDir?: string;
  /** The data folder by its older name, kept (hidden) for scripts written before --data-dir. */
  out?: string;
  json?: boolean;
  baseline?: boolean;
  pin?: boolean;
  note?: string;
}

/** Options of `leakbar report` as commander hands them over. */
export interface ReportOptions {
  current: string;
  base?: string;
  dataDir?: string;
  format: 'md' | 'html' | 'json';
  out?: string;
}

function parsePid(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a process id (a positive integer), got ${JSON.stringify(value)}`);
  return n;
}

function parseCpuSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 600) throw new InvalidArgumentError(`expected whole seconds from 1 to 600, got ${JSON.stringify(value)}`);
  return n;
}

function parseKind(value: string): CaptureKind {
  if (!(CAPTURE_KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${CAPTURE_KINDS.join(', ')}, got ${JSON.stringify(value)}`);
  return value as CaptureKind;
}

/** The target and PID a capture command names: --pid, --match (exactly one process), or only --pprof. */
export async function resolveCaptureTarget(o: Pick<CaptureOptions, 'pid' | 'match' | 'pprof'>, findProcesses?: (pattern: RegExp) => Promise<Array<{ pid: number; command: string }>>): Promise<{ target: TargetConfig; pid: number | null }> {
  if (o.pid === undefined && o.match === undefined) {
    if (typeof o.pprof !== 'string') throw new LeakbarError('bad-input', 'give --pid N, --match REGEX or --pprof URL', { hint: 'leakbar capture heap --pprof http://127.0.0.1:6060/debug/pprof/' });
    const host = new URL(o.pprof).host;
    // No process is named: the selector matches nothing, and only pprof kinds (and a pprof-only bundle) work.
    return { target: { id: `pprof-${slugify(host)}`.slice(0, 64), name: o.pprof, selector: { match: '^$' }, pprofUrl: o.pprof, fdPatterns: DEFAULT_FD_PATTERNS }, pid: null };
  }
  const target = targetFromOptions({ pid: o.pid, match: o.match, pprof: o.pprof === undefined ? DEFAULT_PPROF_URL : o.pprof });
  if (o.pid !== undefined) return { target, pid: o.pid };
  if (!findProcesses) throw new LeakbarError('unsupported', 'no process finder to resolve --match');
  const found = await findProcesses(new RegExp(o.match!));
  if (found.length === 0) throw new LeakbarError('no-such-process', `no process matches /${o.match}/`, { hint: 'check the pattern against `ps -eo pid,args` (leakbar leaves its own commands out)' });
  if (found.length > 1) {
    throw new LeakbarError('bad-input', `${found.length} processes match /${o.match}/: ${found.slice(0, 5).map((p) => `${p.pid} (${p.command.slice(0, 60)})`).join(', ')}`, { hint: 'make the pattern more specific, or use --pid' });
  }
  return { target, pid: found[0]!.pid };
}

/** The data folder a capture goes to: --data-dir, or --out (its older name), else the default; both, differing, are refused. */
export function captureDataDir(o: Pick<CaptureOptions, 'dataDir' | 'out'>): string {
  if (o.dataDir !== undefined && o.out !== undefined && resolve(o.dataDir) !== resolve(o.out)) {
    throw new LeakbarError('bad-input', `--data-dir ${o.dataDir} and --out ${o.out} name two data folders`, { hint: '--out is the older name of --data-dir: give only --data-dir' });
  }
  return o.dataDir ?? o.out ?? defaultDataDir();
}

/** Takes one capture; resolves with its metadata and folder. */
export async function runCapture(kind: CaptureKind, o: CaptureOptions, err: NodeJS.WritableStream = process.stderr): Promise<{ meta: CaptureMeta; dir: string }> {
  const dataDir = captureDataDir(o);
  const needsProcess = o.pid !== undefined || o.match !== undefined;
  const collectors = needsProcess ? createCollectors() : null;
  const resolved = await resolveCaptureTarget(o, collectors ? (re) => collectors.findProcesses(re) : undefined);
  const { pid } = resolved;
  // A PID nobody has would otherwise reach the pprof address alone, and file another program's profile under pid-N.
  const startTimeMs = collectors && o.pid !== undefined ? await checkPidExists(collectors, o.pid, 'capture') : null;
  if (kind === 'system' && pid === null) {
    throw new LeakbarError('bad-input', 'a system snapshot needs a process: give --pid N or --match REGEX');
  }
  // By --pid or --match: the target watching that process now (a serve, a watch, the app), so the capture joins its
  // history and baseline, whatever that target is named; else a target of its own (pid-N, or the pattern's).
  // (Or that recorded it earlier in its life: a sample since it started is of this very process.)
  const started = startTimeMs ?? (collectors && pid !== null ? await collectors.readProcess(pid, null).then((r) => r.figures.startTimeMs, () => null) : null);
  const watching = pid !== null ? await targetWatching(dataDir, pid, Date.now(), started) : null;
  const target = watching ? { ...resolved.target, id: watching, name: watching } : resolved.target;
  // The same retention as the app and `serve`: the capture space and days in the data folder's settings. While the
  // settings are defaults standing in for a settings.json that could not be used (unreadable, or set aside as .bad),
  // nothing is deleted, as the engine does: the defaults could delete what the user's own retention keeps. The settings
  // file says so once on stderr ("nothing is deleted as old …", with how to end it).
  const settings = openSettingsFile(dataDir, { warn: (m) => err.write(`${m}\n`) });
  const { retention } = settings.get();
  const held = settings.retentionHeld;
  settings.close();
  const store = await createCaptureStore(dataDir, {
    retention: held ? { maxBytes: Number.POSITIVE_INFINITY, maxAgeMs: Number.POSITIVE_INFINITY, maxCaptures: Number.POSITIVE_INFINITY } : { maxBytes: retention.maxCaptureBytes, maxAgeMs: retention.captureDays * DAY_MS },
  });
  // Nor the capture an alert still open points to, as the engine keeps it; when the alerts cannot be read, none of the target's.
  const keep = await openAlertCaptureIds(join(dataDir, 'targets', target.id)).catch(async (e: unknown) => {
    err.write(`leakbar: cannot read the alerts of ${target.id} (${e instanceof Error ? e.message : String(e)}): no capture of it is deleted this time\n`);
    return (await store.list(target.id)).map((m) => m.id);
  });
  const service = createCaptureService({ store, collectors, keepIds: () => keep });
  let figures: Sample | null = null;
  if (collectors && pid !== null) {
    // The figures at that moment, as a watcher would have them (best effort: the capture matters more).
    const p = await collectors.readProcess(pid, null).catch(() => null);
    if (p) figures = { timeMs: Date.now(), pid, rssBytes: p.figures.rssBytes, vszBytes: p.figures.vszBytes, threads: p.figures.threads };
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!o.json && (kind === 'cpu' || (kind === 'bundle' && o.withCpu))) err.write(`leakbar: profiling CPU of ${target.name} for ${o.seconds} s…\n`);
    let meta = await service.capture({ target, pid, kind, seconds: o.seconds, includeCpu: o.withCpu ?? false, figures, note: o.note ?? '', signal: abort.signal });
    if (o.baseline) meta = await store.markBaseline(meta.id);
    if (o.pin) meta = await store.setPinned(meta.id, true);
    return { meta, dir: await store.dir(meta.id) };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Builds the report of two captures in the format asked for. */
export async function runReport(o: ReportOptions): Promise<string> {
  const dataDir = o.dataDir ?? defaultDataDir();
  const store = await createCaptureStore(dataDir);
  const service = createCaptureService({ store, collectors: null });
  // Named ids and the missing baseline are explained with the commands that fix them.
  const named = await getForCli(store, o.current, o.dataDir);
  if (o.base !== undefined) await getForCli(store, o.base, o.dataDir);
  else if (!(await store.baseline(named.targetId))) {
    throw new LeakbarError('not-found', `${named.targetId} has no baseline capture to compare ${named.id} with`, {
      hint: `mark one with \`leakbar baseline ID${o.dataDir ? ` --data-dir ${o.dataDir}` : ''}\` (\`${listCommand(o.dataDir, named.targetId)}\` lists them), or name one with --base ID`,
    });
  }
  const comparison = await service.compare(o.current, o.base);
  if (o.format === 'json') return JSON.stringify(comparison, null, 2) + '\n';
  const { base, current } = comparison;
  const fromMs = Math.min(base.startedMs, current.startedMs);
  const toMs = Math.max(base.endedMs, current.endedMs);
  // Figures over the period come from the target's history, when `leakbar watch` kept one there.
  const inPeriod = (s: Sample) => s.timeMs >= fromMs && s.timeMs <= toMs;
  const { items } = await readJsonLines<Sample>(join(dataDir, 'targets', current.targetId, 'samples.jsonl'), inPeriod).catch(() => ({ items: [] as Sample[] }));
  const report = buildReport({
    title: `leakbar report: ${current.targetId}, ${base.id} → ${current.id}`,
    targetId: current.targetId,
    fromMs,
    toMs,
    base,
    baseNote: o.base === undefined ? "the target's baseline" : 'named with --base',
    current,
    captures: [base, current],
    sections: comparison.sections,
    samples: items,
    notes: comparison.markdown
      .split('\n')
      .filter((l) => /^_No .*_$/.test(l))
      .map((l) => l.slice(1, -1)),
  });
  return o.format === 'html' ? reportHtml(report) : reportMarkdown(report);
}

/** Adds `capture` to the program. */
export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description('take a capture into the store and print its folder: heap, allocs, goroutine, cpu, block, mutex, system (FDs, memory map, process figures) or bundle (all at once)')
    .argument('<kind>', `one of ${CAPTURE_KINDS.join(', ')}`, parseKind)
    .addOption(new Option('--pid <pid>', 'the process id').argParser(parsePid))
    .addOption(new Option('--match <regex>', 'a regular expression over the full command line; exactly one process must match'))
    .addOption(new Option('--pprof <url>', `the pprof base URL (default with --pid/--match: ${DEFAULT_PPROF_URL}); alone, captures pprof kinds only`).argParser(parsePprofUrl))
    .option('--no-pprof', 'the process serves no pprof endpoint (system snapshots only)')
    .addOption(new Option('--seconds <n>', 'CPU profile length in seconds (timeout 1.5 × this)').default(30).argParser(parseCpuSeconds))
    .option('--with-cpu', 'include a CPU profile in a bundle (takes --seconds)')
    .option('--data-dir <dir>', 'the data folder holding the capture store (default: LEAKBAR_DATA_DIR or the per-user data folder); captures go to <dir>/captures/<target>/<id>/')
    // The option's name before it matched the other commands' --data-dir: kept for scripts, out of the help.
    .addOption(new Option('--out <dir>', 'the data folder (the older name of --data-dir)').hideHelp())
    .option('--json', 'print the capture metadata (meta.json, plus "dir") instead of the folder path')
    .option('--baseline', "mark the capture as its target's baseline")
    .option('--pin', 'pin the capture so retention never deletes it')
    .option('--note <text>', 'a note kept with the capture')
    .addHelpText(
      'after',
      `
Examples:
  leakbar capture heap --pprof http://127.0.0.1:6060/debug/pprof/ --baseline
  leakbar capture bundle --match 'myserver' --with-cpu --seconds 10
  leakbar capture system --pid 4242 --json

Each capture is a folder with the bytes exactly as fetched (heap.pb.gz opens in \`go tool pprof\`)
and meta.json. Retention keeps, per target, the last ${DEFAULT_RETENTION.maxCaptures} captures within the capture space and days the
settings give (${formatBytes(DEFAULT_SETTINGS.retention.maxCaptureBytes)} and ${DEFAULT_SETTINGS.retention.captureDays} days unless changed), never a baseline or pinned one.`,
    )
    .action(async (kind: CaptureKind, opts: CaptureOptions) => {
      const { meta, dir } = await runCapture(kind, opts);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ...meta, dir }, null, 2) + '\n');
        return;
      }
      const total = meta.files.reduce((n, f) => n + f.bytes, 0);
      process.stderr.write(`leakbar: ${meta.kind} capture ${meta.id}: ${meta.files.map((f) => f.name).join(', ')} (${formatBytes(total)})${meta.note ? `\n${meta.note}` : ''}\n`);
      process.stdout.write(dir + '\n');
    });
}

/** Adds `report` to the program. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('compare a capture with a base capture (or its target\'s baseline): heap growth by function, goroutine groups that grew, FD growth')
    .requiredOption('--current <id>', 'the later capture (`leakbar captures` lists them)')
    .option('--base <id>', "the earlier capture (default: the target's baseline, set with `leakbar baseline ID`)")
    .addOption(new Option('--format <format>', 'md (Markdown), html (one self-contained file with charts) or json (the Comparison)').choices(['md', 'html', 'json']).default('md'))
    .option('--out <file>', 'write the report to this file instead of printing it')
    .option('--data-dir <dir>', 'the data folder holding the capture store (default: LEAKBAR_DATA_DIR or the per-user data folder)')
    .addHelpText(
      'after',
      `
Examples:
  leakbar report --current 20261125-070000-bundle-9f2c
  leakbar report --base 20261124-220000-heap-ab12 --current 20261125-070000-heap-77e0 --format html --out night.html`,
    )
    .action(async (opts: ReportOptions) => {
      const text = await runReport(opts);
      if (opts.out) {
        try {
          await writeFile(opts.out, text);
        } catch (e) {
          throw new LeakbarError('io-error', `cannot write ${opts.out}: ${(e as Error).message}`, { cause: e });
        }
        process.stdout.write(opts.out + '\n');
      } else process.stdout.write(text);
    });
}
