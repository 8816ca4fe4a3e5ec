/** `leakbar overnight`: the overnight test from the command line — baseline now, captures every hour, a report in the morning. */
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createCollectors } from '../collectors/index.js';
import { LeakbarError } from '../shared/errors.js';
import { DEFAULT_PPROF_URL } from '../shared/types.js';
import { defaultDataDir } from '../engine/data-dir.js';
import { createService } from '../engine/service.js';
import { atTime, cadencesFromOptions, checkPidExists, heapIntervalOption, intervalOption, parsePprofUrl, parseSeconds, sayUnwritten, targetFromOptions } from './watch.js';

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

/** Runs an overnight test until --duration passes or Ctrl-C, then writes the report (Markdown, and HTML beside it). */
export async function runOvernight(o: OvernightCliOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const target = targetFromOptions(o);
  if (!target.pprofUrl) throw new LeakbarError('bad-input', 'the overnight test compares heap and goroutine profiles: it needs a pprof endpoint (drop --no-pprof)');
  const collectors = createCollectors();
  if ('pid' in target.selector) await checkPidExists(collectors, target.selector.pid);
  const service = await createService({ dataDir: o.dataDir ?? defaultDataDir(), collectors, cadences: cadencesFromOptions(o) });
  const print = (line: string) => out.write(line + '\n');
  try {
    const { target: t } = await service.addTarget({
      name: target.name,
      ...('pid' in target.selector ? { pid: target.selector.pid } : { match: target.selector.match }),
      pprofUrl: target.pprofUrl,
    });
    const status = await service.startOvernight({ targetId: t.id, intervalMs: Math.round(o.every * 60_000), includeCpu: o.withCpu ?? false });
    const marked = status.baselineId ? (await service.getCapture({ captureId: status.baselineId })).baseline : false;
    const note = status.baselineId ? (marked ? ' (now the target’s baseline)' : ' (the target keeps the baseline chosen before)') : '';
    print(`leakbar: overnight test of ${t.name} started; baseline ${status.baselineId ?? '(none: see the report notes)'}${note}, heap and goroutine captures every ${o.every} min.`);
    const end = o.duration !== undefined ? `It stops by itself in ${o.duration} s.` : 'Press Ctrl-C in the morning for the report.';
    print(process.platform === 'darwin' ? `Keep the Mac awake (run under \`caffeinate -i\`). ${end}` : end);
    await new Promise<void>((resolve) => {
      if (o.duration !== undefined) atTime(Date.now() + o.duration * 1000, resolve);
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    print('leakbar: taking the final capture and writing the report…');
    const report = await service.stopOvernight({ targetId: t.id });
    const html = o.out.replace(/\.md$/i, '') + '.html';
    await writeFile(o.out, report.markdown);
    await writeFile(html, report.html);
    print(`leakbar: report written to ${o.out} and ${html}`);
  } finally {
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
