/**
 * `leakbar capture` given inputs a new user gets wrong, run for real (the built CLI against the Go fixture): a PID no
 * process has, the data folder named by --data-dir or by its older name --out.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
    const r = await leakbar(['capture', kind, '--pid', String(pid), '--pprof', fx.pprofUrl, '--seconds', '1', '--out', data]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`leakbar: no process has PID ${pid} (check it with \`ps -p ${pid}\`, or watch by --match REGEX to wait for the program)\n`);
    expect(existsSync(join(data, 'captures')) ? readdirSync(join(data, 'captures')) : []).toEqual([]);
  });

  it('says so without --pprof too, rather than that the default address refused', async () => {
    const pid = unusedPid();
    const r = await leakbar(['capture', 'heap', '--pid', String(pid), '--out', join(dir, 'gone-default')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^leakbar: no process has PID ${pid} `));
  });
});
