/**
 * Records real series from the Go fixture for the detector replay tests: the watcher samples it every
 * 5 s for `--minutes` and each Sample becomes one JSON line in test/data/series/recorded-NAME.jsonl.
 *
 *   npx tsx scripts/record-series.ts healthy   # GC churn, a goroutine ramp and FDs that stop growing: nothing may fire
 *   npx tsx scripts/record-series.ts leak      # the same churn, goroutines leaking 1/s: the growth alert must fire
 *   npx tsx scripts/record-series.ts heap-leak # 200 kB/s retained under 20 MB/s of churn: heap growth, its numbers agreeing
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService } from '../src/engine/service.js';
import type { Sample } from '../src/shared/types.js';
import { startFixture, type FixtureFlags } from '../test/helpers/fixture.js';

const SCENARIOS: Record<string, FixtureFlags> = {
  healthy: { 'churn-kb': 30_000, 'goroutine-rate': 4, 'fd-rate': 3, 'leak-for': '100s' },
  leak: { 'churn-kb': 30_000, 'goroutine-rate': 1 },
  'heap-leak': { 'heap-rate-kb': 200, 'churn-kb': 20_000 },
};

const name = process.argv[2] ?? '';
const flags = SCENARIOS[name];
if (!flags) {
  console.error(`usage: record-series.ts ${Object.keys(SCENARIOS).join('|')} [--minutes N]`);
  process.exit(2);
}
const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1]) || 12.5;
const fx = await startFixture({ ...flags, duration: `${minutes + 2}m` });
const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-record-'));
const service = await createService({ dataDir, persist: false, cadences: { sampleMs: 5000, memStatsMs: 5000 } });
const samples: Sample[] = [];
service.subscribe((e) => {
  if (e.type === 'sample') samples.push(e.sample);
});
await service.addTarget({ name: `fixture ${name}`, pid: fx.pid, pprofUrl: fx.pprofUrl });
await new Promise((r) => setTimeout(r, minutes * 60_000));
await service.close();
await fx.stop();
rmSync(dataDir, { recursive: true, force: true });
const out = new URL(`../test/data/series/recorded-${name}.jsonl`, import.meta.url);
writeFileSync(out, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
console.log(`${samples.length} samples → ${out.pathname}`);
