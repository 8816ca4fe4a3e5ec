/** `leakbar overnight`: the overnight test from the command line — baseline now, captures every hour, a report in the morning. */
import { constants } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createCollectors } from '../collectors/index.js';
import { LeakbarError } from '../shared/errors.js';
import { DEFAULT_PPROF_URL } from '../shared/types.js';
import { defaultDataDir } from '../engine/data-dir.js';
import { createService } from '../engine/service.js';
import { atTime, cadencesFromOptions, checkPidExists, heapIntervalOption, intervalOption, parsePprofUrl, parseSeconds, sayUnwritten, STOP_SIGNALS, targetFromOptions, whenOutputGone, terminalSafe } from './watch.js';

interface OvernightCliOptions {
  pid?: number;
  match?: string;
  pprof: string | false;
  every: number;
  /** Seconds between samples; without it, the settings' (5 s by default). */
  interval?: number;
  /** Seconds between reads of Go's MemStats; without it, the settings' (30 s by default). */
  heapInterval?: number;
  duration?: number;
  withCpu?: boolean;
  out: string;
  dataDir?: string;
}

function parseMinutes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 / 6 || n > 1440) throw new InvalidArgumentError(`expected minutes between 0.17 (10 s) and 1440, got ${JSON.stringify(value)}`);
  return n;
}

/** The HTML report's path beside the Markdown one. */
const htmlBeside = (md: string) => md.replace(/\.md$/i, '') + '.html';

/**
 * Refuses, before the night starts, an --out the morning could not write: a folder that does not exist or cannot be
 * written, or a folder where the file should be. (Found only at the end, it cost the night's report.)
 */
async function checkReportPath(out: string): Promise<void> {
  const folder = dirname(resolve(out));
  const folderStat = await stat(folder).catch(() => null);
  if (!folderStat?.isDirectory()) throw new LeakbarError('bad-input', `cannot write the report to ${out}: its folder ${folder} does not exist`, { hint: 'create it, or give --out a path in an existing folder' });
  for (const path of [out, htmlBeside(out)]) {
    const s = await stat(path).catch(() => null);
    if (s?.isDirectory()) throw new LeakbarError('bad-input', `cannot write the report to ${path}: it is a folder`, { hint: 'give --out a file name' });
  }
  await access(folder, constants.W_OK).catch((e: unknown) => {
    throw new LeakbarError('bad-input', `cannot write the report to ${out}: the folder ${folder} is not writable`, { hint: 'give --out a path in a folder you can write', cause: e });
  });
}

/**
 * Writes the report to `out` (and the HTML beside it); when that fails in the morning after all (the folder went, the
 * disk is full), into the data folder's `reports` instead, so the night is not lost. Returns where it went.
 */
async function writeReport(out: string, dataDir: string, report: { markdown: string; html: string }, say: (line: string) => void): Promise<string> {
  try {
    await writeFile(out, report.markdown);
    await writeFile(htmlBeside(out), report.html);
    return out;
  } catch (e) {
    const fallback = join(dataDir, 'reports', `overnight-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    say(`leakbar: cannot write the report to ${out} (${(e as Error).message}); writing it to ${fallback} instead`);
    await mkdir(dirname(fallback), { recursive: true });
    await writeFile(fallback, report.markdown);
    await writeFile(htmlBeside(fallback), report.html);
    return fallback;
  }
}

/** The exit status of a run ended by `signal` before it could do its work, as a shell gives it: 128 + the signal's number. */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 2);
}

/** Runs an overnight test until --duration passes or Ctrl-C, then writes the report (Markdown, and HTML beside it). */
export async function runOvernight(o: OvernightCliOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const target = targetFromOptions(o);
  if (!target.pprofUrl) throw new LeakbarError('bad-input', 'the overnight test compares heap and goroutine profiles: it needs a pprof endpoint (drop --no-pprof)');
  await checkReportPath(o.out);
  const collectors = createCollectors();
  if ('pid' in target.selector) await checkPidExists(collectors, target.selector.pid, 'overnight');
  const dataDir = o.dataDir ?? defaultDataDir();
  const service = await createService({ dataDir, collectors, cadences: cadencesFromOptions(o) });
  const print = (line: string) => out.write(terminalSafe(line) + '\n');
  // Output that can no longer be written (the terminal closed) is not the end of the test: its SIGHUP, or --duration, is.
  whenOutputGone([out, process.stderr], () => {});
  // Ctrl-C (or SIGTERM, or SIGHUP: the terminal closed) before the baseline is in ends the run, saying so: without a
  // baseline there is no report. A second one ends it at once, should closing (which cancels the capture under way) take long.
  let stoppedEarly: NodeJS.Signals | null = null;
  let wake: () => void = () => {};
  const stopEarly = (signal: NodeJS.Signals) => {
    if (stoppedEarly !== null) process.exit(signalExitCode(signal));
    stoppedEarly = signal;
    wake();
  };
  const untilStopped = new Promise<null>((ok) => (wake = () => ok(null)));
  for (const s of STOP_SIGNALS) process.on(s, stopEarly);
  const beforeBaseline = <T,>(step: Promise<T>): Promise<T | null> => {
    step.catch(() => {}); // left behind when stopped: close() cancels it
    return Promise.race([step, untilStopped]);
  };
  try {
    const added = await beforeBaseline(
      service.addTarget({
        name: target.name,
        ...('pid' in target.selector ? { pid: target.selector.pid } : { match: target.selector.match }),
        pprofUrl: target.pprofUrl,
      }),
    );
    const status = added && (await beforeBaseline(service.startOvernight({ targetId: added.target.id, intervalMs: Math.round(o.every * 60_000), includeCpu: o.withCpu ?? false })));
    for (const s of STOP_SIGNALS) process.off(s, stopEarly);
    if (stoppedEarly !== null || !added || !status) {
      print(`leakbar: stopped (${stoppedEarly ?? 'signal'}) before the baseline was taken; no report (the overnight test compares everything with the baseline)`);
      process.exitCode = signalExitCode(stoppedEarly ?? 'SIGINT');
      return;
    }
    const t = added.target;
    const marked = status.baselineId ? (await service.getCapture({ captureId: status.baselineId })).baseline : false;
    const note = status.baselineId ? (marked ? ' (now the target’s baseline)' : ' (the target keeps the baseline chosen before)') : '';
    print(`leakbar: overnight test of ${t.name} started; baseline ${status.baselineId ?? '(none: see the report notes)'}${note}, heap and goroutine captures every ${o.every} min.`);
    const end = o.duration !== undefined ? `It stops by itself in ${o.duration} s.` : 'Press Ctrl-C in the morning for the report.';
    print(process.platform === 'darwin' ? `Keep the Mac awake (run under \`caffeinate -i\`). ${end}` : end);
    await new Promise<void>((resolve) => {
      if (o.duration !== undefined) atTime(Date.now() + o.duration * 1000, resolve);
      // In the morning, or when the terminal is closed (SIGHUP): the report is written all the same.
      for (const s of STOP_SIGNALS) process.once(s, resolve);
    });
    print('leakbar: taking the final capture and writing the report…');
    const report = await service.stopOvernight({ targetId: t.id });
    const written = await writeReport(o.out, dataDir, report, print);
    print(`leakbar: report written to ${written} and ${htmlBeside(written)}`);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, stopEarly);
    sayUnwritten(await service.close());
  }
}

/** Adds `overnight` to the program. */
export function registerOvernight(program: Command): void {
  program
    .command('overnight')
    .description('the overnight test: a baseline bundle now, heap and goroutine captures every hour, and at the end a report of what grew')
    .addOption(new Option('--pid <pid>', 'the process id').argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a process id (a positive integer), got ${JSON.stringify(v)}`);
      return n;
    }))
    .option('--match <regex>', 'a regular expression over the full command line; follows restarts')
    .addOption(new Option('--pprof <url>', 'the pprof base URL').default(DEFAULT_PPROF_URL).argParser(parsePprofUrl))
    .addOption(new Option('--every <minutes>', 'minutes between periodic captures').default(60).argParser(parseMinutes))
    .addOption(intervalOption())
    .addOption(heapIntervalOption())
    .addOption(new Option('--duration <seconds>', 'stop by itself after this many seconds (default: at Ctrl-C)').argParser(parseSeconds))
    .option('--with-cpu', 'add a CPU profile to the baseline bundle')
    .option('--out <file>', 'the report, in Markdown; the HTML goes beside it', 'leakbar-overnight.md')
    .option('--data-dir <dir>', 'where history and captures are kept (default: LEAKBAR_DATA_DIR or the per-user data folder)')
    .action(async (opts: OvernightCliOptions) => {
      await runOvernight(opts);
    });
}
