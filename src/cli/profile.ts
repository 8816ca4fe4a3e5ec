/** `leakbar profile`: reads pprof profiles (files or URLs) and prints pprof's reports; `profile top` matches `go tool pprof -top`. */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LeakbarError } from '../shared/errors.js';
import { answerError, HttpGetError, httpGet, type HttpGetResponse } from '../collectors/http-get.js';
import { describeBody, escapeUnsafe } from '../collectors/pprof-http.js';
import { gunzipCapped, profileTimeoutMs } from '../engine/captures/fetch.js';
import { registerProfileGoroutines } from './profile-goroutines.js';

/** Options of `leakbar profile top`, as commander parses them. */
interface TopFlags {
  sampleIndex?: string;
  cum?: boolean;
  nodecount?: number;
  nodefraction?: number;
  edgefraction?: number;
  granularity?: 'functions' | 'filefunctions' | 'files' | 'lines';
  diffBase?: string;
  base?: string;
  focus?: string;
  ignore?: string;
  hide?: string;
  show?: string;
  json?: boolean;
}

function parseNodeCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a number of rows (0 = no limit), got ${JSON.stringify(value)}`);
  return n;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a fraction from 0 to 1, got ${JSON.stringify(value)}`);
  return n;
}

/** How long to wait for a profile URL: as a capture waits (1.5 × its `seconds` parameter when given, else 20 s). */
export function fetchTimeoutMs(url: string): number {
  const seconds = Number(new URL(url).searchParams.get('seconds'));
  return profileTimeoutMs(Number.isFinite(seconds) && seconds > 0 ? seconds : undefined);
}

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Reads a profile's bytes from a file or an http(s) URL. Failures are LeakbarErrors. */
export async function readProfileBytes(source: string): Promise<Uint8Array> {
  if (isUrl(source)) {
    const timeoutMs = fetchTimeoutMs(source);
    let res: HttpGetResponse;
    try {
      res = await httpGet(source, { timeoutMs });
    } catch (e) {
      const odd = e instanceof HttpGetError ? answerError(source, e, timeoutMs) : null;
      if (odd) throw odd;
      throw new LeakbarError('endpoint-refused', `could not fetch ${source}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        hint: 'check that the program serves net/http/pprof at this address',
      });
    }
    if (res.status < 200 || res.status > 299) {
      // What a server sent is quoted escaped: it must not reach the terminal raw.
      throw new LeakbarError('endpoint-status', `${source} answered ${res.status} ${escapeUnsafe(res.statusText)}${res.body.length ? `: ${describeBody(res.body, 120)}` : ''}`, { hint: 'check the profile name and parameters in the URL' });
    }
    if (res.body.length === 0) throw new LeakbarError('empty-profile', `${source} answered with 0 bytes`, { hint: 'try again; is the program shutting down?' });
    return res.body;
  }
  try {
    return await readFile(source);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LeakbarError('not-found', `no such profile file: ${source}`, { cause: e });
    if (code === 'EACCES' || code === 'EPERM') throw new LeakbarError('permission-denied', `cannot read ${source}: permission denied`, { cause: e });
    throw new LeakbarError('io-error', `cannot read ${source}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Puts the file or URL a profile came from before a LeakbarError's message, as `profile goroutines` does
 * (`old.pb.gz: the profile is corrupt: …`), so that with `--diff-base` or `--base` the user knows which of
 * the two is at fault. Anything else is passed through.
 */
export function namingSource(e: unknown, source: string): unknown {
  if (e instanceof LeakbarError && !e.message.startsWith(source)) {
    return new LeakbarError(e.code, `${source}: ${e.message}`, { hint: e.hint, cause: e });
  }
  return e;
}

async function runTop(file: string, flags: TopFlags): Promise<void> {
  // Loaded on use, so other commands do not pay for the analysis code.
  const { decodeProfile, isGzip, top, formatTopText } = await import('../analysis/pprof/index.js');
  const baseFile = flags.diffBase ?? flags.base;
  const [bytes, baseBytes] = await Promise.all([readProfileBytes(file), baseFile ? readProfileBytes(baseFile) : Promise.resolve(null)]);
  const decode = (b: Uint8Array, source: string): ReturnType<typeof decodeProfile> => {
    try {
      // Inflated at most MAX_INFLATED_BYTES: a gzip bomb fails at once, naming the cap.
      return decodeProfile(b, { gunzip: gunzipCapped, allowNoSamples: true });
    } catch (e) {
      // A URL's answer that is neither gzip nor readable protobuf is said as `capture` says it.
      if (isUrl(source) && !isGzip(b) && e instanceof LeakbarError && e.code === 'corrupt-profile') {
        throw new LeakbarError('not-a-profile', `${source} answered with something other than a gzipped profile (${describeBody(b)})`, {
          hint: 'check that the URL is a Go pprof endpoint',
          cause: e,
        });
      }
      throw namingSource(e, source);
    }
  };
  const profile = decode(bytes, file);
  const base = baseBytes && baseFile ? decode(baseBytes, baseFile) : undefined;
  const report = top(
    { profile, base, baseMode: flags.base ? 'base' : 'diff-base' },
    {
      sampleType: flags.sampleIndex ?? '',
      cum: flags.cum ?? false,
      nodeCount: flags.nodecount ?? 0,
      ...(flags.nodefraction !== undefined ? { nodeFraction: flags.nodefraction } : {}),
      ...(flags.edgefraction !== undefined ? { edgeFraction: flags.edgefraction } : {}),
      granularity: flags.granularity ?? 'functions',
      focus: flags.focus,
      ignore: flags.ignore,
      hide: flags.hide,
      show: flags.show,
    },
  );
  // pprof says so on stderr, before the report: a typo in a regex is not an empty profile.
  for (const w of report.warnings) process.stderr.write(`${w}\n`);
  if (flags.json) {
    const json = {
      sampleType: report.sampleType,
      unit: report.unit,
      total: report.total,
      // Rows under --nodefraction, left out as pprof's "Dropped N nodes" says; --nodefraction 0 keeps them.
      droppedNodes: report.droppedNodes,
      rows: report.rows.map((r) => ({ name: r.name, flat: r.flat, cum: r.cum })),
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else process.stdout.write(formatTopText(report));
}

/** Adds `leakbar profile` (with `top`, and the goroutine commands) to the program; returns the `profile` command. */
export function registerProfile(program: Command): Command {
  const profile = program.command('profile').description('analyse pprof profiles (files or URLs of a pprof endpoint)');
  profile
    .command('top')
    .description('Top functions by flat or cum value, as `go tool pprof -top` prints them.')
    .argument('<file>', 'a profile file (.pb.gz or raw) or a pprof URL, e.g. http://127.0.0.1:6060/debug/pprof/heap')
    .option('--sample-index <name>', "sample type by name (e.g. alloc_space) or index (default: the profile's default, else the last)")
    .option('--cum', 'sort by cumulative value')
    .option('--nodecount <n>', 'show at most n rows (0 = no limit; rows under --nodefraction are dropped first)', parseNodeCount)
    .option('--nodefraction <f>', "drop rows whose |cum| is under this fraction of the total, as pprof's -nodefraction (default 0.005; 0 keeps every row)", parseFraction)
    .option('--edgefraction <f>', "ignore calls under this fraction of the total when marking rows (inline), as pprof's -edgefraction (default 0.001)", parseFraction)
    .addOption(new Option('--granularity <g>', 'merge frames by function, file or line').choices(['functions', 'filefunctions', 'files', 'lines']).default('functions'))
    .addOption(new Option('--diff-base <file>', 'compare with a base profile: base values negated, percentages of the base total').conflicts('base'))
    .addOption(new Option('--base <file>', 'subtract an earlier cumulative profile; percentages of the difference').conflicts('diffBase'))
    .option('--focus <regex>', 'keep samples with a frame matching regex')
    .option('--ignore <regex>', 'drop samples with a frame matching regex')
    .option('--hide <regex>', 'remove frames matching regex from stacks')
    .option('--show <regex>', 'keep only frames matching regex')
    .option('--json', 'print {sampleType, unit, total, droppedNodes, rows: [{name, flat, cum}]} with raw values')
    .action((file: string, flags: TopFlags) => runTop(file, flags));
  registerProfileGoroutines(profile);
  return profile;
}
