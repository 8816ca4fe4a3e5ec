/**
 * `leakbar capture` given inputs a new user gets wrong, run for real (the built CLI against the Go fixture): a PID no
 * process has, the data folder named by --data-dir or by its older name --out.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE_KINDS } from '../../src/shared/captures.js';
import { leakbar } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'leakbar-capture-inputs-'));
let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture();
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A PID no process can have: past the highest the kernel hands out (Linux's pid_max; macOS stops at 99998). */
function unusedPid(): number {
  const pidMax = '/proc/sys/kernel/pid_max';
  return existsSync(pidMax) ? Number(readFileSync(pidMax, 'utf8').trim()) + 1 : 99_999;
}

describe('leakbar capture --pid of a process that does not exist', () => {
  it.each(CAPTURE_KINDS)('%s: says no process has that PID, exits non-zero and stores nothing, even with a live --pprof', async (kind) => {
    const pid = unusedPid();
    const data = join(dir, `gone-${kind}`);
    const r = await leakbar(['capture', kind, '--pid', String(pid), '--pprof', fx.pprofUrl, '--seconds', '1', '--data-dir', data]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`leakbar: no process has PID ${pid} (check it with \`ps -p ${pid}\`, or capture by --match REGEX)\n`);
    expect(existsSync(join(data, 'captures')) ? readdirSync(join(data, 'captures')) : []).toEqual([]);
  });

  it('says so without --pprof too, rather than that the default address refused', async () => {
    const pid = unusedPid();
    const r = await leakbar(['capture', 'heap', '--pid', String(pid), '--data-dir', join(dir, 'gone-default')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^leakbar: no process has PID ${pid} `));
  });
});

describe('leakbar capture: the data folder', () => {
  it('is --data-dir, as for every other command, and --data-dir is what the help shows', async () => {
    const data = join(dir, 'by-data-dir');
    const r = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--data-dir', data, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout) as CaptureMeta & { dir: string };
    expect(meta.dir).toBe(join(data, 'captures', meta.targetId, meta.id));
    const listed = await leakbar(['captures', '--data-dir', data, '--json']);
    expect((JSON.parse(listed.stdout) as CaptureMeta[]).map((c) => c.id)).toEqual([meta.id]);
    const help = await leakbar(['capture', '--help']);
    expect(help.stdout).toContain('--data-dir <dir>');
    expect(help.stdout).not.toContain('--out');
  });

  it('may still be given as --out (its older name), alone or with the same --data-dir', async () => {
    const data = join(dir, 'by-out');
    const alone = await leakbar(['capture', 'goroutine', '--pprof', fx.pprofUrl, '--out', data, '--json']);
    expect(alone.code, alone.stderr).toBe(0);
    expect((JSON.parse(alone.stdout) as { dir: string }).dir.startsWith(join(data, 'captures'))).toBe(true);
    const both = await leakbar(['capture', 'goroutine', '--pprof', fx.pprofUrl, '--out', data, '--data-dir', `${data}/`, '--json']);
    expect(both.code, both.stderr).toBe(0);
  });

  it('is refused when --data-dir and --out name two folders, and nothing is captured', async () => {
    const a = join(dir, 'two-a');
    const b = join(dir, 'two-b');
    const r = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--data-dir', a, '--out', b]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`leakbar: --data-dir ${a} and --out ${b} name two data folders (--out is the older name of --data-dir: give only --data-dir)\n`);
    expect([existsSync(a), existsSync(b)]).toEqual([false, false]);
  });
});
