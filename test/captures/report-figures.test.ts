/**
 * `leakbar report` on the real Go fixture, as a new user met it: the watcher's last sample came just before a goroutine
 * capture, before the leak was read. The figures at the captures come from the captures themselves, and the report says
 * where each number comes from; with base and current reversed it warns that the changes read backwards. From the bundle
 * (`npm run build:cli`).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../src/shared/captures.js';
import type { Sample } from '../../src/shared/types.js';
import { leakbar } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { tempDir } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');

let fx: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };
let base: CaptureMeta;
let current: CaptureMeta;
let samples: Sample[];
let heapBefore: CaptureMeta;
let heapAfter: CaptureMeta;

/** A watcher's sample of the fixture now: its goroutine count as the runtime reports it. */
async function sampleNow(): Promise<Sample> {
  const timeMs = Date.now();
  const text = await (await fetch(`${fx.pprofUrl}goroutine?debug=1`)).text();
  return { timeMs, pid: fx.pid, goroutines: Number(/^goroutine profile: total (\d+)/.exec(text)![1]) };
}

async function capture(kind = 'goroutine'): Promise<CaptureMeta> {
  const r = await leakbar(['capture', kind, '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--out', tmp.dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CaptureMeta;
}

const section = (md: string, heading: string) => md.slice(md.indexOf(`## ${heading}`)).split('\n## ')[0]!;
const goroutinesAt = (md: string) => /\| Goroutines \| (\d+) \| (\d+) \| ([+-]?\d+) \| both: its goroutine dump \|/.exec(section(md, 'Figures at the captures'));

beforeAll(async () => {
  if ((await leakbar(['report', '--help'])).code !== 0) await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: root });
  tmp = await tempDir();
  fx = await startFixture({ dir: tmp.dir });
  await fx.leak({ goroutines: 300 });
  base = await capture();
  // The watcher samples, then the leak grows and the next capture comes before the next sample.
  samples = [await sampleNow(), await sampleNow()];
  await fx.leak({ goroutines: 500 });
  current = await capture();
  const history = join(tmp.dir, 'targets', current.targetId);
  await mkdir(history, { recursive: true });
  await writeFile(join(history, 'samples.jsonl'), samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
  heapBefore = await capture('heap');
  await fx.leak({ heapkb: 5_000 });
  heapAfter = await capture('heap');
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  await tmp?.cleanup();
});

describe('leakbar report: the figures at the captures', () => {
  it('reads goroutines off the captures, agreeing with the goroutine section, and says why the history differs', async () => {
    const r = await leakbar(['report', '--base', base.id, '--current', current.id, '--data-dir', tmp.dir]);
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    if (process.env.SHOW_MD) console.log(md);
    expect(md).not.toContain('Warning');
    const at = goroutinesAt(md);
    expect(at, md).not.toBeNull();
    const [, b, c, change] = at!.map(Number);
    expect(b).toBeGreaterThanOrEqual(300);
    expect(c! - b!).toBe(change);
    expect(change).toBeGreaterThanOrEqual(500);
    expect(section(md, 'Goroutine groups that changed')).toMatch(/\| main\.waitForever \| 300 \| 800 \| \+500 \|/);
    // The history's figures: the last sample came before the leak grew, and the report says so beside the table.
    const last = samples.at(-1)!.goroutines!;
    expect(last).toBeLessThan(c!);
    const period = section(md, 'Figures over the period');
    expect(period).toMatch(new RegExp(`\\| Goroutines \\| \\d+ \\| ${last} \\| `));
    expect(period).toContain("From the watcher's history: 2 samples from ");
    expect(period).toMatch(
      new RegExp(
        `- Goroutines: the figures over the period end at ${last}, the watcher's sample at \\d\\d:\\d\\d:\\d\\dZ \\([\\d.]+m?s before the current capture \`${current.id}\`\\); ` +
          `at the current capture itself it is ${c}, read from its goroutine dump, as the sections below count\\.`,
      ),
    );
  });

  it('with base and current reversed, warns that the changes read backwards, and every comparison reads the same way', async () => {
    const r = await leakbar(['report', '--base', current.id, '--current', base.id, '--data-dir', tmp.dir]);
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    if (process.env.SHOW_MD) console.log(md);
    const warning = md.indexOf('**Warning:** The base is newer than the current capture: the changes read backwards.');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(md.indexOf('## '));
    expect(md).toContain(`The base \`${current.id}\` was taken `);
    expect(Number(goroutinesAt(md)?.[3])).toBeLessThanOrEqual(-500);
    // The drop is the growth over time: shown first, with what the section's heading says of it.
    const groups = section(md, 'Goroutine groups that changed');
    expect(groups).toContain('_Drops are shown too, largest change first: with the base newer than the current capture, a drop here is growth over time._');
    expect(groups.split('\n').find((l) => l.startsWith('| ') && !l.startsWith('| group'))).toMatch(/^\| main\.waitForever \| 800 \| 300 \| -500 \|/);
    expect(section(md, 'Figures over the period')).toContain('- In time order, these read the other way from the comparison');

    const html = await leakbar(['report', '--base', current.id, '--current', base.id, '--data-dir', tmp.dir, '--format', 'html']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('<p class="warn"><strong>Warning:</strong> The base is newer than the current capture: the changes read backwards.');
    expect(html.stdout).toContain('<h2>Figures at the captures</h2>');
    expect(html.stdout).toMatch(/a drop here is growth over time\.<\/p><table>.*?<tbody><tr><td class="mono">main\.waitForever<\/td><td class="n">800<\/td><td class="n">300<\/td><td class="n">-500<\/td>/);
  });

  it('with heap captures reversed, the heap section shows the drop that is the growth, as the figures read it', async () => {
    const r = await leakbar(['report', '--base', heapAfter.id, '--current', heapBefore.id, '--data-dir', tmp.dir]);
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    expect(md).toContain('**Warning:** The base is newer than the current capture: the changes read backwards.');
    expect(section(md, 'Figures at the captures')).toMatch(/\| Heap profile in use \| [\d.]+ MB \| [\d.]+ (?:kB|MB) \| -[45]\.\d MB \| both: its heap profile/);
    const heap = section(md, 'Heap growth by function');
    expect(heap).not.toContain('Nothing grew');
    expect(heap.split('\n').find((l) => l.startsWith('| ') && !l.startsWith('| function'))).toMatch(/^\| main\.leakHeap \| [\d.]+ MB \| 0 B \| -[45]\.\d MB \|/);
  });
});
