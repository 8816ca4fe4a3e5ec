/**
 * `leakbar watch` recording onto a disk that fills up, for real: a 512 kB tmpfs, filled to the last byte while the
 * watch runs, then freed. The watch goes on, says once that the disk is full and once that it records again, and the
 * history on disk is whole: every sample it printed, none cut short, including those taken while the disk was full.
 * Mounting needs root (CAP_SYS_ADMIN); where it is refused, the test says so and is skipped.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEAKBAR_BIN } from '../helpers/cli.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { until } from '../helpers/until.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'leakbar-full-disk-'));
const disk = join(dir, 'disk');
mkdirSync(disk);
const tmpfs = mountTmpfs(disk, '512k');
const { mounted, why } = tmpfs;

/** Writes zeros into `path` until the file system has no room left. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!mounted)(`leakbar watch on a disk that fills up${mounted ? '' : ` (skipped: ${why})`}`, () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture({ dir });
  });
  afterAll(async () => {
    await fx?.stop();
    tmpfs.unmount();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes on, says so once each way, and writes what it took meanwhile once there is room', async () => {
    const data = join(disk, 'data');
    const filler = join(disk, 'filler');
    const child = spawn(process.execPath, [LEAKBAR_BIN, 'watch', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '0.1', '--heap-interval', '1', '--duration', '9', '--json', '--data-dir', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = { stdout: '', stderr: '', code: null as number | null };
    child.stdout.on('data', (d: Buffer) => (r.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (r.stderr += d.toString()));
    const exited = once(child, 'exit');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    // Full once it records (its lock and first lines are on disk), for 3 s: some 30 samples, more than the slack a
    // file's last page holds.
    await until(() => r.stdout.includes('"type":"sample"'), 15_000, 'the first sample');
    fillUp(filler);
    await new Promise((ok) => setTimeout(ok, 3000));
    rmSync(filler);
    [r.code] = (await exited) as [number | null];
    clearTimeout(killer);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');

    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const store = lines.filter((l) => l.type === 'status' && l.source === 'store');
    expect(store.map((l) => [l.ok, l.code ?? null])).toEqual([
      [false, 'disk-full'],
      [true, null],
    ]);
    expect(store[0]!.message).toMatch(/^the disk is full: cannot write .*samples\.jsonl$/);

    // Every sample printed is on disk, in order, and no line is cut short.
    const printed = lines.filter((l) => l.type === 'sample').map((l) => Date.parse(l.time as string));
    expect(printed.length).toBeGreaterThan(50);
    const [target] = readdirSync(join(data, 'targets'));
    const onDisk = readFileSync(join(data, 'targets', target!, 'samples.jsonl'), 'utf8').split('\n');
    expect(onDisk.pop()).toBe('');
    const times = onDisk.map((l) => (JSON.parse(l) as { timeMs: number }).timeMs);
    expect(times).toEqual(printed);
  });

  it('says at exit how many lines a disk still full kept from being written, matching what is missing on disk', async () => {
    const data = join(disk, 'data-exit');
    const filler = join(disk, 'filler-exit');
    const child = spawn(process.execPath, [LEAKBAR_BIN, 'watch', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '0.1', '--heap-interval', '1', '--duration', '4', '--json', '--data-dir', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (r.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (r.stderr += d.toString()));
    const exited = once(child, 'exit');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await until(() => r.stdout.includes('"type":"sample"'), 15_000, 'the first sample');
      fillUp(filler);
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      clearTimeout(killer);
      rmSync(filler, { force: true });
    }
    const printed = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'sample');
    const [target] = readdirSync(join(data, 'targets'));
    const onDisk = readFileSync(join(data, 'targets', target!, 'samples.jsonl'), 'utf8').split('\n').filter(Boolean);
    const lost = printed.length - onDisk.length;
    expect(lost).toBeGreaterThan(0);
    const said = r.stderr.split('\n').filter((l) => l.includes('samples.jsonl'));
    expect(said).toEqual([`leakbar: ${lost} lines of ${target}'s history (samples.jsonl) could not be written before exit and are lost (the disk is full: cannot write ${join(data, 'targets', target!, 'samples.jsonl')})`]);
  });

  it('serve says so on its terminal too, once each way', async () => {
    const filler = join(disk, 'filler-serve');
    const child = spawn(process.execPath, [LEAKBAR_BIN, 'serve', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '0.1', '--data-dir', join(disk, 'data-serve')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes('leakbar: open '), 15_000, 'serve listening');
      await new Promise((ok) => setTimeout(ok, 500));
      fillUp(filler);
      await until(() => out.includes('problem (store): the disk is full'), 15_000, 'the full disk said');
      rmSync(filler);
      await until(() => out.includes('note (store): the history is recorded on disk'), 15_000, 'recording again said');
      const store = out.split('\n').filter((l) => l.includes('(store)'));
      expect(store).toHaveLength(2);
      expect(store[0]).toMatch(/^leakbar: pid-\d+: \d\d:\d\d:\d\d {2}problem \(store\): the disk is full: cannot write .*\.jsonl — free some space; what is recorded meanwhile is held and written once there is room$/);
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
      rmSync(filler, { force: true });
    }
  });
});
