import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TargetSummary } from '../../src/shared/api.js';
import { apiCall, startServe, type Serve } from './serve-helper.js';

const cli = resolve(import.meta.dirname, '../../bin/leakbar.js');

/** Runs `leakbar serve …` expecting it to refuse before serving (bounded at 20 s). */
function serveRefuses(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stderr, stdout });
    });
  });
}

describe('leakbar serve refuses what it cannot do safely', () => {
  it('listens on 127.0.0.1 only', async () => {
    const r = await serveRefuses(['--host', '0.0.0.0', '--pid', String(process.pid)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/127\.0\.0\.1 only/);
    expect(r.stdout).not.toMatch(/token=/);
  });

  it('wants exactly one of --pid, --match or --config', async () => {
    const r = await serveRefuses(['--pid', '1', '--match', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exactly one of --pid N, --match REGEX or --config FILE/);
  });

  it('refuses a --pid that names no process, as watch does', async () => {
    const r = await serveRefuses(['--pid', '999999999']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no process has PID 999999999/);
    expect(r.stdout).not.toMatch(/token=/);
  });

  it('names each bad field of a --config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-serve-cli-'));
    try {
      const file = join(dir, 'targets.json');
      writeFileSync(file, JSON.stringify({ targets: [{ name: 'api', match: '(' }, { name: '', pid: -1, extra: true }] }));
      const r = await serveRefuses(['--config', file, '--data-dir', join(dir, 'data')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/targets\.0\.match: not a valid regular expression/);
      expect(r.stderr).toMatch(/targets\.1\.name/);
      expect(r.stderr).toMatch(/targets\.1\.pid/);
      writeFileSync(file, '{ nope');
      expect((await serveRefuses(['--config', file])).stderr).toMatch(/is not JSON/);
      // Two targets of one name (named, or by the same pattern): which is which could not be told on the page.
      writeFileSync(file, JSON.stringify({ targets: [{ name: 'api', match: 'a' }, { match: 'b' }, { name: 'api', match: 'c' }] }));
      expect((await serveRefuses(['--config', file])).stderr).toContain('targets.2.name: "api" is also the name of target 0: give each target its own');
      // Two ids alike (given twice): which history is whose would hang on the order in the file.
      writeFileSync(file, JSON.stringify({ targets: [{ id: 'api', name: 'one', match: 'a' }, { id: 'api', name: 'two', match: 'b' }] }));
      expect((await serveRefuses(['--config', file])).stderr).toContain(`targets.1.id: its history would be kept as "api", as target 0's is: give it another id`);
      // A PID in the file that no process has: refused as --pid is ("has exited" said of one that never was).
      writeFileSync(file, JSON.stringify({ targets: [{ name: 'gone', pid: 999999999, pprofUrl: null }] }));
      const gone = await serveRefuses(['--config', file, '--data-dir', join(dir, 'data')]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/^leakbar: no process has PID 999999999/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a --config pprof URL as --pprof does, and says what one looks like on a whole line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-serve-cli-'));
    let serve: Serve | null = null;
    try {
      const file = join(dir, 'targets.json');
      const targets = [
        { name: 'a', match: `no-such-program-a-${process.pid}`, pprofUrl: '127.0.0.1:16062' },
        { name: 'b', match: `no-such-program-b-${process.pid}`, pprofUrl: 'http://127.0.0.1:16063/debug/pprof/heap?debug=1' },
      ];
      writeFileSync(file, JSON.stringify({ targets }));
      serve = await startServe(['--config', file, '--port', '0', '--data-dir', join(dir, 'data')]);
      const listed = await apiCall<TargetSummary[]>(serve, 'listTargets', {});
      expect(listed.map((t) => [t.target.name, t.target.pprofUrl])).toEqual([
        ['a', 'http://127.0.0.1:16062/debug/pprof/'],
        ['b', 'http://127.0.0.1:16063/debug/pprof/'],
      ]);
      await serve.stop();
      serve = null;

      writeFileSync(file, JSON.stringify({ targets: [targets[0], { ...targets[1], pprofUrl: '127.0.0.1 16062' }] }));
      const refused = await serveRefuses(['--config', file, '--data-dir', join(dir, 'data')]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `leakbar: ${file}: targets.1.pprofUrl: "127.0.0.1 16062" is not a URL; it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060) (expected {"targets": [{"name": "…", "match": "regex" or "pid": N, "pprofUrl": "http://127.0.0.1:6060/debug/pprof/"}]})\n`,
      );
    } finally {
      await serve?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
