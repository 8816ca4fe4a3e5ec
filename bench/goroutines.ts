/**
 * Bench: parse and group a `goroutine?debug=2` dump of 100,000 goroutines from the Go fixture
 * (test/fixtures/leaky), in process, median of several runs; `grep -c '^goroutine '` on the same file
 * is the peer (it only counts; we parse every line and group). Target: under 1 s.
 */
import { readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixture } from '../test/helpers/fixture.js';
import { parseGoroutineDump, diffGoroutineDumps } from '../src/analysis/goroutines/index.js';
import { median, runProcess, type BenchSection } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = join(root, 'bench', 'tmp');
const GOROUTINES = 100_000;
const REPS = 7;

/**
 * Harder dumps for context: the ten goroutines of the debug=2 sample (deep net/http stacks, long paths, pointer
 * arguments) repeated to 100,000 with fresh ids and arguments, the top frame's line varied `variants` ways
 * (50: 50 stacks; 100,000: every goroutine its own stack, the worst case for grouping).
 */
function deepDump(variants: number): string {
  const sample = readFileSync(join(root, '..', 'shared', 'samples', 'goroutine-debug2-1.txt'), 'utf8');
  const blocks = sample.slice(sample.indexOf('\n') + 1).split('\n\n').map((b) => `${b.trim()}\n`);
  const parts: string[] = [];
  let seed = 1;
  const rand = (): string => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) * 16).toString(16);
  for (let i = 0; i < GOROUTINES; i++) {
    parts.push(
      blocks[i % blocks.length]!
        .replace(/^goroutine \d+/, `goroutine ${i + 1}`)
        .replace(/0xc0[0-9a-f]+/g, () => `0xc${rand()}`)
        .replace(/\.go:(\d+) /, (_m, l: string) => `.go:${Number(l) + (i % variants)} `),
    );
  }
  return parts.join('\n');
}

function time(f: () => unknown): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

/** Runs the bench and returns its RESULTS.md section. */
export async function run(): Promise<BenchSection> {
  mkdirSync(tmp, { recursive: true });
  const fx = await startFixture({ goroutines: GOROUTINES });
  let debug2: string;
  let debug1: string;
  try {
    debug2 = await (await fetch(`${fx.pprofUrl}goroutine?debug=2`, { signal: AbortSignal.timeout(60_000) })).text();
    debug1 = await (await fetch(`${fx.pprofUrl}goroutine?debug=1`, { signal: AbortSignal.timeout(60_000) })).text();
  } finally {
    await fx.stop();
  }
  const file = join(tmp, 'goroutines-100k-debug2.txt');
  writeFileSync(file, debug2);
  const sizeMb = statSync(file).size / 1e6;

  /** Parses `text` once (warm-up, and its figures), then REPS times with a GC before each, keeping no result alive. */
  const timeParse = (text: string): { ms: number[]; total: number; groups: number } => {
    const first = parseGoroutineDump(text);
    const figures = { total: first.total, groups: first.groups.length };
    const ms: number[] = [];
    for (let i = 0; i < REPS; i++) {
      globalThis.gc?.();
      ms.push(time(() => parseGoroutineDump(text)));
    }
    return { ms, ...figures };
  };
  const fixture = timeParse(debug2);
  const parseMs = fixture.ms;
  const debug1Ms = timeParse(debug1).ms;
  const dump = parseGoroutineDump(debug2);
  const other = parseGoroutineDump(debug2);
  const diffMs = Array.from({ length: REPS }, () => time(() => diffGoroutineDumps(dump, other)));
  const grepMs: number[] = [];
  for (let i = 0; i < REPS; i++) grepMs.push((await runProcess('grep', ['-c', '^goroutine ', file])).wallMs);
  // Each synthetic dump lives only inside its own function call, so the next one is timed without it in memory.
  const synthetic = (variants: number): { mb: number; run: ReturnType<typeof timeParse> } => {
    const text = deepDump(variants);
    return { mb: Buffer.byteLength(text) / 1e6, run: timeParse(text) };
  };
  const { mb: deepMb, run: deepRun } = synthetic(50);
  const deepMs = deepRun.ms;
  const { mb: distinctMb, run: distinctRun } = synthetic(GOROUTINES);
  const distinctMs = distinctRun.ms;
  const grepCount = Number((await runProcess('grep', ['-c', '^goroutine ', file])).stdout.trim());
  const parse = median(parseMs);
  const grep = median(grepMs);
  const markdown = [
    `A \`goroutine?debug=2\` dump of the Go fixture started with ${GOROUTINES.toLocaleString('en-US')} leaked goroutines (${sizeMb.toFixed(1)} MB, ` +
      `${dump.total.toLocaleString('en-US')} goroutines, ${dump.groups.length} stacks), parsed and grouped in process by \`parseGoroutineDump\`, median of ${REPS} runs after a warm-up. ` +
      `\`grep -c '^goroutine '\` on the same file (a process of its own, so its time includes a spawn) is the peer: it only counts lines. Target: parse + group under 1 s.`,
    '',
    '| step | median | throughput |',
    '|---|---|---|',
    `| parse + group, debug=2 | **${parse.toFixed(0)} ms** | ${(sizeMb / (parse / 1000)).toFixed(0)} MB/s |`,
    `| \`grep -c '^goroutine '\` (counts ${grepCount.toLocaleString('en-US')}) | ${grep.toFixed(0)} ms | ${(sizeMb / (grep / 1000)).toFixed(0)} MB/s |`,
    `| parse + group, deeper synthetic debug=2 (${deepMb.toFixed(0)} MB, ${deepRun.total.toLocaleString('en-US')} goroutines, ${deepRun.groups} stacks) | ${median(deepMs).toFixed(0)} ms | ${(deepMb / (median(deepMs) / 1000)).toFixed(0)} MB/s |`,
    `| parse + group, worst case: every goroutine its own stack (${distinctMb.toFixed(0)} MB, ${distinctRun.groups.toLocaleString('en-US')} stacks) | ${median(distinctMs).toFixed(0)} ms | ${(distinctMb / (median(distinctMs) / 1000)).toFixed(0)} MB/s |`,
    `| parse + group, debug=1 of the same process (${(debug1.length / 1e3).toFixed(1)} kB) | ${median(debug1Ms).toFixed(1)} ms | |`,
    `| diff of two parsed dumps | ${median(diffMs).toFixed(2)} ms | |`,
    '',
    `The deeper dumps repeat the ten goroutines of shared/samples/goroutine-debug2-1.txt (stacks up to 13 frames, pointer arguments) with fresh ids and arguments; in the worst case each of the 100,000 gets its own top-frame line, so grouping builds 100,000 groups with their frames.`,
    '',
    `Raw parse times: fixture ${parseMs.map((x) => x.toFixed(0)).join(', ')} ms; deeper ${deepMs.map((x) => x.toFixed(0)).join(', ')} ms; worst case ${distinctMs.map((x) => x.toFixed(0)).join(', ')} ms; grep: ${grepMs.map((x) => x.toFixed(0)).join(', ')} ms.`,
  ].join('\n');
  return { title: 'goroutine dump: parse and group 100k goroutines', markdown };
}
