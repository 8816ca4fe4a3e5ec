/**
 * Bench: `leakbar profile top` against `go tool pprof -top` on a real Go heap profile with 200,000
 * distinct allocation stacks (test/fixtures/manystacks), same file, same run, alternating, median of
 * several runs; the outputs must be identical. Targets: ≤ 1/7 of pprof's wall time, ≤ 1/3 of its peak memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoFixture } from '../test/helpers/fixture.js';
import { median, runProcess, type BenchSection } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = join(root, 'bench', 'tmp');
/** The leakbar command to time; LEAKBAR_CLI can point at another build of it. @default bin/leakbar.js */
const cli = process.env.LEAKBAR_CLI ?? join(root, 'bin', 'leakbar.js');
const REPS = 5;

interface Case {
  title: string;
  ours: string[];
  pprof: string[];
}

/** Runs the bench and returns its RESULTS.md section. */
export async function run(): Promise<BenchSection> {
  mkdirSync(tmp, { recursive: true });
  if (!existsSync(cli) || (cli.endsWith('bin/leakbar.js') && !existsSync(join(root, 'dist', 'cli.js')))) {
    throw new Error('dist/cli.js is missing: run `npm run build:cli` first');
  }
  const many = buildGoFixture('manystacks');
  const heapA = join(tmp, 'heap-200k.pb.gz');
  const heapB = join(tmp, 'heap-150k.pb.gz');
  execFileSync(many, ['-heap-out', heapA, '-stacks', '200000', '-depth', '18']);
  execFileSync(many, ['-heap-out', heapB, '-stacks', '150000', '-depth', '18']);
  const cases: Case[] = [
    { title: 'top, 200k stacks (inuse_space)', ours: ['profile', 'top', heapA], pprof: ['tool', 'pprof', '-top', heapA] },
    { title: 'top -cum, alloc_objects', ours: ['profile', 'top', heapA, '--cum', '--sample-index', 'alloc_objects'], pprof: ['tool', 'pprof', '-top', '-cum', '-sample_index=alloc_objects', heapA] },
    { title: 'diff_base 200k vs 150k', ours: ['profile', 'top', heapA, '--diff-base', heapB], pprof: ['tool', 'pprof', '-top', `-diff_base=${heapB}`, heapA] },
  ];
  const env = { ...process.env, TZ: 'UTC' };
  // `go tool pprof` runs the pprof binary as a child; time that binary directly so its peak memory is seen.
  const pprofBin = execFileSync('go', ['tool', '-n', 'pprof'], { encoding: 'utf8' }).trim();
  const rows: string[] = [];
  const raw: string[] = [];
  const ratios: Array<{ time: number; mem: number }> = [];
  for (const c of cases) {
    const ours: Array<{ wallMs: number; maxRssBytes: number }> = [];
    const theirs: Array<{ wallMs: number; maxRssBytes: number }> = [];
    let identical = true;
    for (let i = 0; i < REPS; i++) {
      const a = await runProcess(process.execPath, [cli, ...c.ours], env);
      const b = await runProcess(pprofBin, c.pprof.slice(2), env);
      if (a.stdout !== b.stdout) identical = false;
      ours.push(a);
      theirs.push(b);
    }
    const ms = (xs: typeof ours): number => median(xs.map((x) => x.wallMs));
    const mb = (xs: typeof ours): number => median(xs.map((x) => x.maxRssBytes)) / 2 ** 20;
    const time = ms(theirs) / ms(ours);
    const mem = mb(theirs) / mb(ours);
    ratios.push({ time, mem });
    rows.push(`| ${c.title} | ${ms(ours).toFixed(0)} ms | ${ms(theirs).toFixed(0)} ms | **${time.toFixed(1)}×** faster | ${mb(ours).toFixed(0)} MB | ${mb(theirs).toFixed(0)} MB | **${mem.toFixed(1)}×** less | ${identical ? 'yes' : '**NO**'} |`);
    raw.push(`- ${c.title}: leakbar ${ours.map((x) => x.wallMs.toFixed(0)).join(', ')} ms; pprof ${theirs.map((x) => x.wallMs.toFixed(0)).join(', ')} ms`);
    if (!identical) console.error(`bench profile-top: outputs differ for ${c.title}`);
  }
  const markdown = [
    `\`node bin/leakbar.js profile top\` vs \`go tool pprof -top\` on heap profiles written by test/fixtures/manystacks (MemProfileRate = 1, one allocation from each of 200,000 distinct call paths), median of ${REPS} alternating runs. Peak memory is the process's VmHWM; pprof is run as the binary that \`go tool pprof\` execs (found with \`go tool -n pprof\`), so its own peak is measured. Targets: time ratio ≥ 7, memory ratio ≥ 3, identical output.`,
    '',
    '| case | leakbar | pprof | time ratio | leakbar peak | pprof peak | memory ratio | identical text |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Worst ratios: ${Math.min(...ratios.map((r) => r.time)).toFixed(1)}× time, ${Math.min(...ratios.map((r) => r.mem)).toFixed(1)}× memory.`,
    '',
    'Raw wall times:',
    '',
    ...raw,
  ].join('\n');
  return { title: 'profile top vs go tool pprof -top', markdown };
}
