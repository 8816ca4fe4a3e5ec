/**
 * Regenerates test/golden: captures profiles from the Go fixtures (leaky: heap, allocs, goroutine;
 * manystacks: CPU), then records `go tool pprof -top` for every case in cases.json. Run:
 * `npx tsx scripts/update-goldens.ts` (needs Go). TZ is fixed to UTC so the Time: lines are stable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoFixture, startFixture } from '../test/helpers/fixture.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dir = join(root, 'test', 'golden');

/** One golden case: our options, and the same as pprof flags. */
export interface GoldenCase {
  name: string;
  file: string;
  base?: string;
  baseMode?: 'diff-base' | 'base';
  sampleType?: string;
  cum?: boolean;
  nodeCount?: number;
  granularity?: 'functions' | 'files' | 'lines';
  focus?: string;
  ignore?: string;
  hide?: string;
  show?: string;
}

async function capture(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) rmSync(join(dir, f));
  const save = async (url: string, name: string): Promise<void> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    writeFileSync(join(dir, name), new Uint8Array(await res.arrayBuffer()));
  };
  const fx = await startFixture({ memprofilerate: 8192 });
  try {
    await fx.leak({ heapkb: 512, goroutines: 20 });
    await save(`${fx.pprofUrl}heap?gc=1`, 'heap-1.pb.gz');
    await save(`${fx.pprofUrl}goroutine`, 'goroutine-1.pb.gz');
    for (let i = 0; i < 6; i++) await fx.leak({ heapkb: 700, goroutines: 30 });
    await save(`${fx.pprofUrl}heap?gc=1`, 'heap-2.pb.gz');
    await save(`${fx.pprofUrl}allocs`, 'allocs-2.pb.gz');
    await save(`${fx.pprofUrl}goroutine`, 'goroutine-2.pb.gz');
  } finally {
    await fx.stop();
  }
  const many = buildGoFixture('manystacks');
  execFileSync(many, ['-cpu-out', join(dir, 'cpu-1.pb.gz'), '-cpu-seconds', '1', '-burners', '2']);
  execFileSync(many, ['-cpu-out', join(dir, 'cpu-2.pb.gz'), '-cpu-seconds', '1.5', '-burners', '1']);
  execFileSync(many, ['-heap-out', join(dir, 'manystacks-heap.pb.gz'), '-stacks', '3000', '-depth', '12']);
}

function cases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  const heapTypes = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'];
  const single: Array<[string, string[]]> = [
    ['heap-1', heapTypes],
    ['heap-2', heapTypes],
    ['allocs-2', heapTypes],
    ['goroutine-1', ['goroutine']],
    ['goroutine-2', ['goroutine']],
    ['cpu-1', ['samples', 'cpu']],
    ['cpu-2', ['samples', 'cpu']],
    ['manystacks-heap', ['inuse_space', 'alloc_objects']],
  ];
  for (const [p, types] of single) {
    out.push({ name: `${p}.default`, file: `${p}.pb.gz` });
    for (const t of types) {
      out.push({ name: `${p}.${t}`, file: `${p}.pb.gz`, sampleType: t });
      out.push({ name: `${p}.${t}.cum`, file: `${p}.pb.gz`, sampleType: t, cum: true });
    }
  }
  const pairs: Array<[string, string, string[]]> = [
    ['heap-2', 'heap-1', heapTypes],
    ['goroutine-2', 'goroutine-1', ['goroutine']],
    ['cpu-2', 'cpu-1', ['samples', 'cpu']],
    ['cpu-1', 'cpu-2', ['cpu']],
  ];
  for (const [p, b, types] of pairs) {
    for (const t of types) {
      for (const mode of ['diff-base', 'base'] as const) {
        out.push({ name: `${p}.vs.${b}.${mode}.${t}`, file: `${p}.pb.gz`, base: `${b}.pb.gz`, baseMode: mode, sampleType: t });
        out.push({ name: `${p}.vs.${b}.${mode}.${t}.cum`, file: `${p}.pb.gz`, base: `${b}.pb.gz`, baseMode: mode, sampleType: t, cum: true });
      }
    }
  }
  for (const p of ['heap-2', 'cpu-1', 'goroutine-2']) {
    for (const g of ['files', 'lines'] as const) out.push({ name: `${p}.${g}`, file: `${p}.pb.gz`, granularity: g });
    out.push({ name: `${p}.nodecount5`, file: `${p}.pb.gz`, nodeCount: 5 });
    out.push({ name: `${p}.nodecount3.cum`, file: `${p}.pb.gz`, nodeCount: 3, cum: true });
  }
  out.push({ name: 'cpu-1.focus', file: 'cpu-1.pb.gz', focus: 'sortWork' });
  out.push({ name: 'cpu-1.ignore', file: 'cpu-1.pb.gz', ignore: 'mixWork' });
  out.push({ name: 'cpu-1.hide', file: 'cpu-1.pb.gz', hide: 'runtime\\.|main\\.main' });
  out.push({ name: 'cpu-1.show', file: 'cpu-1.pb.gz', show: 'main\\.' });
  out.push({ name: 'cpu-1.focus-hide.lines', file: 'cpu-1.pb.gz', focus: 'burn', hide: 'hashWork', granularity: 'lines' });
  out.push({ name: 'heap-2.focus', file: 'heap-2.pb.gz', focus: 'leakHeap|net/http', sampleType: 'alloc_space' });
  out.push({ name: 'heap-2.ignore-show', file: 'heap-2.pb.gz', ignore: 'runtime\\.main', show: 'http' });
  out.push({ name: 'goroutine-2.hide', file: 'goroutine-2.pb.gz', hide: 'runtime' });
  out.push({ name: 'heap-2.vs.heap-1.focus', file: 'heap-2.pb.gz', base: 'heap-1.pb.gz', baseMode: 'diff-base', focus: 'main\\.' });
  return out;
}

/** The pprof flags for a case. */
export function pprofArgs(c: GoldenCase): string[] {
  const a = ['tool', 'pprof', '-top'];
  if (c.cum) a.push('-cum');
  if (c.sampleType) a.push(`-sample_index=${c.sampleType}`);
  if (c.nodeCount) a.push(`-nodecount=${c.nodeCount}`);
  if (c.granularity) a.push(`-${c.granularity}`);
  for (const k of ['focus', 'ignore', 'hide', 'show'] as const) if (c[k]) a.push(`-${k}=${c[k]}`);
  if (c.base) a.push(c.baseMode === 'base' ? `-base=${join(dir, c.base)}` : `-diff_base=${join(dir, c.base)}`);
  a.push(join(dir, c.file));
  return a;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--no-capture')) await capture();
  const all = cases();
  for (const c of all) {
    const text = execFileSync('go', pprofArgs(c), { env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    writeFileSync(join(dir, `${c.name}.txt`), text);
  }
  writeFileSync(join(dir, 'cases.json'), `${JSON.stringify(all, null, 1)}\n`);
  console.error(`wrote ${all.length} goldens to ${dir}`);
}
