/**
 * SIGHUP (the terminal `watch` or `serve` runs in is closed) stops them as SIGTERM does, with the built command against
 * the Go fixture: the history flushed (its last line whole), the store's lock let go, and serve --open's page and its
 * folder removed. By default Node ends the process on the spot at SIGHUP, leaving all three behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LEAKBAR_BIN } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { until } from '../helpers/until.js';

let fx: Fixture;
let dir: string;
const procs: ChildProcess[] = [];

beforeAll(async () => {
  fx = await startFixture();
  dir = mkdtempSync(join(tmpdir(), 'leakbar-sighup-'));
}, 120_000);

afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

afterAll(async () => {
  await fx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `leakbar ARGS…` left running with `env`, its output collected. */
function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [LEAKBAR_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  procs.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    out,
    /** Closes what it writes to, as a terminal that is closed stops taking its output (EIO there, EPIPE here). */
    closeOutput(): void {
      child.stdout!.destroy();
      child.stderr!.destroy();
    },
    /** Sends SIGHUP and waits (≤ 15 s) for how it ended. */
    async hangUp(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGHUP');
      const [code, signal] = await exited;
      clearTimeout(killer);
      return { code, signal };
    },
  };
}

/** Every file named `name` under `root`. */
function findFiles(root: string, name: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.split('/').at(-1) === name)
    .map((p) => join(root, p));
}

/** A stand-in `xdg-open` that records the file:// URL it was handed (as test/e2e/serve-open.test.ts does). */
function fakeXdgOpen(binDir: string, record: string): void {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, 'xdg-open'), [`#!${process.execPath}`, `require('node:fs').writeFileSync(${JSON.stringify(record)}, process.argv[2]);`, ''].join('\n'));
  chmodSync(join(binDir, 'xdg-open'), 0o755);
}

describe('SIGHUP', () => {
  it('stops watch cleanly: every sample it printed is in the history, its last line whole, the lock let go', async () => {
    const dataDir = join(dir, 'watch-data');
    const watch = run(['watch', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '0.2', '--json', '--data-dir', dataDir]);
    const printed = () => watch.out.stdout.split('\n').filter((l) => l.startsWith('{"type":"sample"'));
    await until(() => printed().length >= 5 || watch.child.exitCode !== null, 20_000, 'five samples');
    const [lock] = findFiles(dataDir, 'writer.pid');
    expect(lock, 'the watch records the history').toBeDefined();
    expect(readFileSync(lock!, 'utf8').trim()).toBe(String(watch.child.pid));

    expect(await watch.hangUp()).toEqual({ code: 0, signal: null });
    expect(watch.out.stderr).toBe('');
    expect(existsSync(lock!)).toBe(false);
    const text = readFileSync(join(dirname(lock!), 'samples.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const recorded = new Set(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => new Date((JSON.parse(l) as { timeMs: number }).timeMs).toISOString()),
    );
    const times = printed().map((l) => (JSON.parse(l) as { time: string }).time);
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times.filter((t) => !recorded.has(t))).toEqual([]);
  }, 60_000);

  it('stops serve --open cleanly: the page and its folder removed, the lock let go, the history whole', async () => {
    const dataDir = join(dir, 'serve-data');
    const tmp = join(dir, 'serve-tmp');
    mkdirSync(tmp);
    const binDir = join(dir, 'bin');
    const record = join(dir, 'opened.txt');
    fakeXdgOpen(binDir, record);
    const serve = run(['serve', '--open', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '0.2', '--data-dir', dataDir], {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      TMPDIR: tmp,
    });
    await until(() => existsSync(record) || serve.child.exitCode !== null, 20_000, 'xdg-open to be run');
    const page = new URL(readFileSync(record, 'utf8')).pathname;
    expect(dirname(page).startsWith(join(tmp, 'leakbar-open-'))).toBe(true);
    expect(existsSync(page)).toBe(true);
    // A few samples recorded, so there is a history to flush.
    const samples = () => findFiles(dataDir, 'samples.jsonl').map((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).length)[0] ?? 0;
    await until(() => samples() >= 3 || serve.child.exitCode !== null, 20_000, 'three samples recorded');
    const [lock] = findFiles(dataDir, 'writer.pid');
    expect(lock, 'the serve records the history').toBeDefined();

    expect(await serve.hangUp()).toEqual({ code: 0, signal: null });
    expect(serve.out.stdout.trimEnd().split('\n').at(-1)).toBe('leakbar: stopped serving (SIGHUP)');
    expect(serve.out.stderr).toBe('');
    expect(existsSync(dirname(page))).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.startsWith('leakbar-open-'))).toEqual([]);
    expect(existsSync(lock!)).toBe(false);
    const text = readFileSync(join(dirname(lock!), 'samples.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const l of text.split('\n').filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
  }, 60_000);

  it.each(['watch', 'serve'])('stops %s cleanly when its terminal is closed: output that fails to be written, then SIGHUP', async (command) => {
    const dataDir = join(dir, `${command}-closed-data`);
    const tmp = join(dir, `${command}-closed-tmp`);
    mkdirSync(tmp);
    const binDir = join(dir, 'bin-closed');
    const record = join(dir, `${command}-closed-opened.txt`);
    fakeXdgOpen(binDir, record);
    const open = command === 'serve' ? ['--open'] : [];
    const p = run([command, ...open, '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '0.2', '--data-dir', dataDir], {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      TMPDIR: tmp,
    });
    const samples = () => findFiles(dataDir, 'samples.jsonl').map((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).length)[0] ?? 0;
    await until(() => (samples() >= 3 && (command === 'watch' || existsSync(record))) || p.child.exitCode !== null, 20_000, 'three samples recorded');
    const [lock] = findFiles(dataDir, 'writer.pid');
    expect(lock, `the ${command} records the history`).toBeDefined();
    // serve writes to its terminal only now and then: a line of its own (a source failing) finds it gone.
    p.closeOutput();
    if (command === 'serve') await fx.leak({ threads: 1 });
    await new Promise((ok) => setTimeout(ok, 600));
    expect(await p.hangUp()).toEqual({ code: 0, signal: null });
    expect(existsSync(lock!)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.startsWith('leakbar-open-'))).toEqual([]);
    expect(readFileSync(join(dirname(lock!), 'samples.jsonl'), 'utf8').endsWith('\n')).toBe(true);
  }, 60_000);

  it('ends overnight as Ctrl-C does once the baseline is in: the report is written, the lock let go', async () => {
    const dataDir = join(dir, 'overnight-data');
    const out = join(dir, 'night.md');
    const p = run(['overnight', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--interval', '0.5', '--out', out, '--data-dir', dataDir]);
    await until(() => /overnight test of .* started/.test(p.out.stdout) || p.child.exitCode !== null, 40_000, 'the baseline');
    const [lock] = findFiles(dataDir, 'writer.pid');
    expect(lock, 'the overnight test records the history').toBeDefined();
    expect(await p.hangUp()).toEqual({ code: 0, signal: null });
    expect(p.out.stdout).toContain(`leakbar: report written to ${out}`);
    expect(readFileSync(out, 'utf8')).toMatch(/^# /);
    expect(existsSync(lock!)).toBe(false);
  }, 90_000);
});
