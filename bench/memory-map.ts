/**
 * The memory map on Linux: leakbar's one read of /proc/PID/smaps (regions and totals) against
 * `pmap -x PID`, on processes holding 2,000 and 20,000 mappings (bench/manymaps), and how long
 * that read holds the event loop (it is synchronous: procfs answers from kernel memory).
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCollectors } from '../src/collectors/index.js';
import { buildGoProgram } from '../test/helpers/fixture.js';
import { median, type BenchSection } from './lib.js';

const benchDir = dirname(fileURLToPath(import.meta.url));

/** Starts manymaps with `n` mappings and resolves once it says it holds them all. */
function startManyMaps(bin: string, n: number): Promise<{ pid: number; stop(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-mappings', String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('manymaps did not say ready within 30 s'));
    }, 30_000);
    child.on('error', reject);
    child.stdout.once('data', () => {
      clearTimeout(timer);
      resolve({ pid: child.pid!, stop: () => child.kill() });
    });
  });
}

export async function run(): Promise<BenchSection> {
  const bin = buildGoProgram(join(benchDir, 'manymaps'), 'manymaps');
  const c = createCollectors();
  const rows: string[] = [];
  for (const n of [2_000, 20_000]) {
    const target = await startManyMaps(bin, n);
    try {
      const ours: number[] = [];
      const peer: number[] = [];
      let regions = 0;
      for (let i = 0; i < 10; i++) {
        let t = performance.now();
        const map = await c.readMemoryMap(target.pid);
        ours.push(performance.now() - t);
        regions = map.regionCount ?? 0;
        t = performance.now();
        execFileSync('pmap', ['-x', String(target.pid)], { encoding: 'utf8', maxBuffer: 256 << 20 });
        peer.push(performance.now() - t);
      }
      const smapsMb = readFileSync(`/proc/${target.pid}/smaps`).length / 2 ** 20;
      const [o, p] = [median(ours), median(peer)];
      rows.push(`| ${regions.toLocaleString('en-US')} | ${smapsMb.toFixed(1)} MB | ${o.toFixed(1)} ms | ${p.toFixed(1)} ms | ${(p / o).toFixed(2)}× |`);
    } finally {
      target.stop();
    }
  }
  return {
    title: 'Memory map: one read of /proc/PID/smaps against pmap -x',
    markdown: [
      '| mappings | smaps text | leakbar `readMemoryMap` (regions + totals) | `pmap -x PID` | leakbar cheaper by |',
      '|---|---|---|---|---|',
      ...rows,
      '',
      '10 interleaved runs each, medians. The memory map is read every 5 minutes. The read is synchronous, so the',
      "leakbar column is also how long it holds the event loop. Most of it is the kernel writing smaps, about 1.4 KB",
      'per mapping. A Go server has about 70 mappings, and a browser or a JVM has a few thousand.',
    ].join('\n'),
  };
}
