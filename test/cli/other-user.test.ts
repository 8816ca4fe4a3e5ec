/**
 * `leakbar watch` of another user's process, run as an unprivileged user (nobody) against a process of root: the FD
 * list is permission-denied, said once, but the FD count and the FD limit (from /proc/PID/limits, readable by anyone)
 * still come, so the share of the limit and its alert are not lost. Needs root to start the two sides as two users
 * (setpriv); skipped, saying so, where that is not possible.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEAKBAR_BIN } from '../helpers/cli.js';

const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
/** Root, setpriv, and a checkout the user nobody can read (not one under a private home folder). */
const canSwitchUser = process.getuid?.() === 0 && spawnSync('setpriv', [...AS_NOBODY, process.execPath, LEAKBAR_BIN, '--version'], { timeout: 20_000 }).status === 0;

describe.skipIf(!canSwitchUser)(`leakbar watch of another user's process${canSwitchUser ? '' : ' (skipped: needs root, setpriv, and a checkout the user nobody can read, to run as two users)'}`, () => {
  it('keeps the FD count and the FD limit when the FD list may not be read', async () => {
    const target = spawn('sleep', ['60'], { stdio: 'ignore' });
    const home = mkdtempSync(join(tmpdir(), 'leakbar-other-user-'));
    chmodSync(home, 0o777);
    try {
      const limits = readFileSync(`/proc/${target.pid}/limits`, 'utf8');
      const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)![1]);
      const r = spawnSync('setpriv', [...AS_NOBODY, process.execPath, LEAKBAR_BIN, 'watch', '--pid', String(target.pid), '--no-pprof', '--json', '--interval', '0.5', '--duration', '2', '--no-store'], {
        env: { ...process.env, HOME: home, LEAKBAR_DATA_DIR: join(home, 'data') },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      const denied = lines.filter((l) => l.type === 'status' && l.source === 'fd-breakdown');
      expect(denied).toEqual([expect.objectContaining({ ok: false, code: 'permission-denied' })]);
      const samples = lines.filter((l) => l.type === 'sample');
      expect(samples.length).toBeGreaterThan(1);
      expect(samples.every((s) => typeof s.fds === 'number' && s.fdLimit === soft)).toBe(true);
    } finally {
      target.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});
