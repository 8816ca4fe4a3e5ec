import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { leakbar } from '../helpers/cli.js';
import { startHangingServer } from '../helpers/endpoint-doubles.js';
import { until } from '../helpers/until.js';

const cli = resolve(import.meta.dirname, '../../bin/leakbar.js');

describe('leakbar overnight', () => {
  let dir: string;
  let fx: Fixture;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-overnight-'));
    fx = await startFixture({ dir });
  });
  afterAll(async () => {
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a baseline, captures on its interval, and writes a report naming what grew', async () => {
    const out = join(dir, 'night.md');
    const child = spawn(process.execPath, [cli, 'overnight', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--every', '0.17', '--interval', '1', '--duration', '16', '--out', out, '--data-dir', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Leak while the night goes on: goroutines blocked forever and retained heap.
    await new Promise((r) => setTimeout(r, 3000));
    await fx.leak({ goroutines: 400, heapkb: 30_000 });
    const code = await new Promise<number | null>((ok) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (c) => {
        clearTimeout(t);
        ok(c);
      });
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/overnight test of .* started; baseline [a-z0-9-]+ \(now the target’s baseline\)/);
    expect(stdout).toContain(`report written to ${out}`);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('main.leakHeap');
    expect(md).toContain(`- Base: \`${/baseline ([a-z0-9-]+)/.exec(stdout)![1]}\` (bundle, pid ${fx.pid}): the overnight baseline bundle, marked as the target's baseline`);
    expect(md).toContain('main.waitForever');
    expect(md).toMatch(/\+400\b/);
    // Said first, before the tables: what grew most, by name.
    const summary = md.slice(md.indexOf('## What grew'), md.indexOf('\n## ', md.indexOf('## What grew') + 1));
    expect(md.indexOf('## What grew')).toBeLessThan(md.indexOf('## Figures'));
    expect(summary).toMatch(/^- Goroutines: [\d,]+ → [\d,]+ \(\+[\d,]+\) over /m);
    expect(summary).toMatch(/^- Heap[^:]*: most in `main\.leakHeap`, .* → .* \(\+[\d.]+ MB\)$/m);
    expect(summary).toMatch(/^- Goroutine[^:]*: most in `main\.waitForever`, [\d,]+ → [\d,]+ \(\+400\)$/m);
    const html = readFileSync(out.replace(/\.md$/, '.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src="http/i);
    expect(existsSync(join(dir, 'data', 'captures'))).toBe(true);
  });
  it('refuses at once an --out whose folder does not exist, rather than lose the report in the morning', async () => {
    const data = join(dir, 'data-refused');
    const r = await leakbar(['overnight', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--duration', '30', '--out', join(dir, 'no-such-folder', 'night.md'), '--data-dir', data]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot write the report to ${join(dir, 'no-such-folder', 'night.md')}: its folder ${join(dir, 'no-such-folder')} does not exist`);
    expect(existsSync(data)).toBe(false);
  });

  it('stopped by Ctrl-C while the baseline is being taken (the endpoint hangs), says there is no report, at once', async () => {
    const hanging = await startHangingServer();
    try {
      const out = join(dir, 'early.md');
      const child = spawn(process.execPath, [cli, 'overnight', '--pid', String(fx.pid), '--pprof', hanging.pprofUrl, '--interval', '1', '--out', out, '--data-dir', join(dir, 'data-early')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
      // The baseline bundle is waiting on the endpoint (which never answers, for up to 20 s a request).
      await until(() => hanging.requests().length > 0, 15_000, 'the baseline to ask the endpoint');
      const sentMs = Date.now();
      child.kill('SIGINT');
      const code = await exited;
      expect(Date.now() - sentMs).toBeLessThan(5000);
      expect(code).toBe(130);
      expect(stderr).toBe('');
      expect(stdout).toBe('leakbar: stopped (SIGINT) before the baseline was taken; no report (the overnight test compares everything with the baseline)\n');
      expect(existsSync(out)).toBe(false);
    } finally {
      await hanging.close();
    }
  });

  it('writes the report into the data folder when its --out folder went during the night, and says where', async () => {
    const gone = join(dir, 'gone');
    mkdirSync(gone);
    const data = join(dir, 'data-fallback');
    const running = leakbar(['overnight', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '1', '--duration', '4', '--out', join(gone, 'night.md'), '--data-dir', data]);
    await new Promise((ok) => setTimeout(ok, 1500));
    rmSync(gone, { recursive: true, force: true });
    const r = await running;
    expect(r.code).toBe(0);
    const [md] = readdirSync(join(data, 'reports')).filter((f) => f.endsWith('.md'));
    const written = join(data, 'reports', md!);
    expect(r.stdout).toContain(`cannot write the report to ${join(gone, 'night.md')} (`);
    expect(r.stdout).toContain(`writing it to ${written} instead`);
    expect(r.stdout).toContain(`report written to ${written} and ${written.replace(/\.md$/, '.html')}`);
    expect(readFileSync(written, 'utf8')).toMatch(/^# /);
    expect(existsSync(written.replace(/\.md$/, '.html'))).toBe(true);
  });
});

