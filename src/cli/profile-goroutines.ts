/** `leakbar profile goroutines`: groups a goroutine dump (file or URL, debug=1 or debug=2 text) by stack, or shows what grew since a base dump. */
import { InvalidArgumentError, type Command } from 'commander';
import { LeakbarError } from '../shared/errors.js';
import type { GoroutineDiff, GoroutineDump } from '../analysis/goroutines/index.js';

/** Options of `leakbar profile goroutines`, as commander parses them. */
interface GoroutineFlags {
  base?: string;
  json?: boolean;
  longMinutes?: number;
  groups?: number;
  frames?: number;
}

function parseWholeNumber(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number of ${what}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/**
 * Turns fetched or read bytes into dump text, refusing a protobuf profile (gzip-compressed or not) with a
 * hint to ask for `?debug=2`.
 */
export function goroutineDumpText(bytes: Uint8Array, source: string): string {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new LeakbarError('not-a-profile', `${source} is a protobuf goroutine profile (gzip), not a text dump`, {
      hint: 'ask for the text form with ?debug=2, e.g. http://127.0.0.1:6060/debug/pprof/goroutine?debug=2',
    });
  }
  // A raw (not gzipped) protobuf decodes to text with NULs and U+FFFD, which the parser refuses with the same advice.
  return new TextDecoder('utf-8').decode(bytes);
}

/** Reads and parses one dump from a file or URL. */
async function loadDump(source: string, longWaitMinutes: number | undefined): Promise<GoroutineDump> {
  // Loaded on use (as `profile top` does), so other commands do not pay for them; profile.js holds the shared file/URL reader.
  const [{ readProfileBytes, namingSource }, { parseGoroutineDump }] = await Promise.all([import('./profile.js'), import('../analysis/goroutines/index.js')]);
  const bytes = await readProfileBytes(source);
  try {
    return parseGoroutineDump(goroutineDumpText(bytes, source), { longWaitMinutes });
  } catch (e) {
    throw namingSource(e, source);
  }
}

async function runGoroutines(source: string, flags: GoroutineFlags): Promise<void> {
  const { formatGoroutineDumpText, formatGoroutineDiffText, diffGoroutineDumps } = await import('../analysis/goroutines/index.js');
  const [dump, base] = await Promise.all([loadDump(source, flags.longMinutes), flags.base ? loadDump(flags.base, flags.longMinutes) : Promise.resolve(null)]);
  const report = { maxGroups: flags.groups ?? 0, maxFrames: flags.frames };
  if (base) {
    const diff: GoroutineDiff = diffGoroutineDumps(base, dump);
    process.stdout.write(flags.json ? `${JSON.stringify(diff)}\n` : formatGoroutineDiffText(diff, report));
    return;
  }
  process.stdout.write(flags.json ? `${JSON.stringify(dump)}\n` : formatGoroutineDumpText(dump, report));
}

/** Adds `goroutines FILE|URL [--base FILE|URL] [--json] [--long-minutes N]` to `leakbar profile`. */
export function registerProfileGoroutines(profile: Command): void {
  profile
    .command('goroutines')
    .description('Group a goroutine dump by stack (states, wait, creator; ! marks suspicious stacks: blocked, other than the waits a program has by design, such as idle HTTP connections unless they pile up), or with --base show the stacks that grew.')
    .argument('<file>', 'a goroutine dump as text (debug=2 or debug=1), or its URL, e.g. http://127.0.0.1:6060/debug/pprof/goroutine?debug=2')
    .option('--base <file>', 'an earlier dump (file or URL) to compare with: groups that grew, new and gone')
    .option('--json', 'print the grouped dump (or the diff) as JSON')
    .option('--long-minutes <n>', 'a suspicious group where some goroutine has waited this many minutes or more is marked !! (default 10)', parseWholeNumber('minutes'))
    .option('--groups <n>', 'show at most n groups (0 = all)', parseWholeNumber('groups'))
    .option('--frames <n>', 'show at most n frames of each group (0 = all)', parseWholeNumber('frames'))
    .action((file: string, flags: GoroutineFlags) => runGoroutines(file, flags));
}
