import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openSeriesStore, parseWriterLock, WRITER_LOCK } from './series-store.js';
import type { Alert } from '../shared/alerts.js';
import type { Sample } from '../shared/types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STORE_MODULE = fileURLToPath(new URL('./series-store.ts', import.meta.url));
const LINUX = process.platform === 'linux';

const dirs: string[] = [];
const procs: ChildProcess[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'leakbar-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const timesOnDisk = (dir: string) =>
  readFileSync(join(dir, 'samples.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as Sample).timeMs);
const lockText = (dir: string) => readFileSync(join(dir, WRITER_LOCK), 'utf8');

/** Field 22 of /proc/PID/stat, read here on its own so that the test does not lean on the store's parser. */
function startTicksOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

function startSleep(): ChildProcess & { pid: number } {
  const p = spawn('sleep', ['60'], { stdio: 'ignore' });
  procs.push(p);
  return p as ChildProcess & { pid: number };
}

async function exited(p: ChildProcess, ms = 10_000): Promise<{ code: number | null; signal: string | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return { code: p.exitCode, signal: p.signalCode };
  try {
    const [code, signal] = (await once(p, 'exit', { signal: AbortSignal.timeout(ms) })) as [number | null, string | null];
    return { code, signal };
  } catch (e) {
    throw new Error(`process ${p.pid} did not exit within ${ms} ms`, { cause: e });
  }
}

/**
 * Another leakbar process holding a store on `dir`, driven one command a line over stdin (open, append N, close);
 * each answers with the store's writeError code. It exits once its stdin ends, if nothing of the store keeps it alive.
 */
function otherProcess(dir: string) {
  const script = `
    const { openSeriesStore } = await import(${JSON.stringify(STORE_MODULE)});
    const { createInterface } = await import('node:readline');
    let store;
    for await (const line of createInterface({ input: process.stdin })) {
      const [cmd, arg] = line.split(' ');
      if (cmd === 'open') store = await openSeriesStore(${JSON.stringify(dir)}, { lockRetryMs: 0 });
      else if (cmd === 'append') {
        store.append({ timeMs: Number(arg), pid: 1 });
        await store.flush();
      } else if (cmd === 'close') await store.close();
      process.stdout.write(JSON.stringify({ cmd, error: store.writeError()?.code ?? null }) + '\\n');
    }
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  procs.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  return {
    child,
    pid: child.pid!,
    async send(cmd: string): Promise<string | null> {
      const answer = once(lines, 'line', { signal: AbortSignal.timeout(20_000) });
      child.stdin!.write(cmd + '\n');
      try {
        const [line] = (await answer) as [string];
        return (JSON.parse(line) as { error: string | null }).error;
      } catch (e) {
        throw new Error(`the other process did not answer "${cmd}": ${stderr || (e as Error).message}`, { cause: e });
      }
    },
    /** Ends its stdin; resolves with how it exited. */
    end: () => {
      child.stdin!.end();
      return exited(child);
    },
  };
}

const alert = (state: 'firing' | 'resolved') =>
  ({ id: 'growth:fds@1000', key: 'growth:fds', firstMs: 1000, lastMs: state === 'firing' ? 2000 : 3000, resolvedMs: state === 'firing' ? null : 3000, state }) as unknown as Alert;

describe('writer lock', () => {
  it('a reader records once the recorder closes its store: what arrives from then on, not what it kept in memory', async () => {
    const dir = tmp();
    const recorder = otherProcess(dir);
    expect(await recorder.send('open')).toBeNull();
    expect(await recorder.send('append 1')).toBeNull();

    const reader = await openSeriesStore(dir, { lockRetryMs: 0 });
    // One that tries again only every minute: its open was its try, so it stays a reader a while after the recorder goes.
    const patient = await openSeriesStore(dir, { lockRetryMs: 60_000 });
    expect(reader.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${recorder.pid})`) });
    reader.append({ timeMs: 2, pid: 1 });
    reader.putAlert(alert('firing'));
    await reader.flush();
    expect(reader.writeError()?.code).toBe('busy');
    expect(timesOnDisk(dir)).toEqual([1]);
    expect(existsSync(join(dir, 'alerts.jsonl'))).toBe(false);

    expect(await recorder.send('close')).toBeNull();
    expect(await recorder.end()).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, WRITER_LOCK))).toBe(false);

    patient.append({ timeMs: 2.5, pid: 1 });
    await patient.flush();
    expect(patient.writeError()?.code).toBe('busy');
    expect(existsSync(join(dir, WRITER_LOCK))).toBe(false);

    reader.append({ timeMs: 3, pid: 1 });
    await reader.flush();
    expect(reader.writeError()).toBeNull();
    expect(parseWriterLock(lockText(dir))?.pid).toBe(process.pid);
    // Sample 2 was the other process's to record (it recorded its own): only what came after the takeover is appended.
    expect(timesOnDisk(dir)).toEqual([1, 3]);
    // The alert this one changed while a reader is on record now, and its next version is appended.
    expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8')).toBe(JSON.stringify(alert('firing')) + '\n');
    reader.putAlert(alert('resolved'));
    reader.appendEvent({ type: 'restart', timeMs: 4, oldPid: 1, newPid: 2 });
    await reader.close();
    await patient.close();
    expect(existsSync(join(dir, WRITER_LOCK))).toBe(false);

    const after = await openSeriesStore(dir);
    expect(after.samples().map((s) => s.timeMs)).toEqual([1, 3]);
    expect(after.alerts().map((a) => a.state)).toEqual(['resolved']);
    expect(after.events()).toEqual([{ type: 'restart', timeMs: 4, oldPid: 1, newPid: 2 }]);
    await after.close();
  });

  it('a reader records once the recorder process is killed, its lock left behind', async () => {
    const dir = tmp();
    const recorder = otherProcess(dir);
    expect(await recorder.send('open')).toBeNull();
    expect(await recorder.send('append 1')).toBeNull();
    const reader = await openSeriesStore(dir, { lockRetryMs: 0 });
    reader.append({ timeMs: 2, pid: 1 });
    await reader.flush();
    expect(reader.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${recorder.pid})`) });

    recorder.child.kill('SIGKILL');
    expect(await exited(recorder.child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(parseWriterLock(lockText(dir))?.pid).toBe(recorder.pid);

    reader.append({ timeMs: 3, pid: 1 });
    reader.append({ timeMs: 4, pid: 1 });
    await reader.flush();
    expect(reader.writeError()).toBeNull();
    expect(parseWriterLock(lockText(dir))?.pid).toBe(process.pid);
    expect(timesOnDisk(dir)).toEqual([1, 3, 4]);
    await reader.close();
    expect(readdirSync(dir).filter((n) => n.startsWith(WRITER_LOCK))).toEqual([]);
  });

  it('a reader in another process takes over from this one, and exits by itself once it closes its store', async () => {
    const dir = tmp();
    const recorder = await openSeriesStore(dir);
    recorder.append({ timeMs: 1, pid: 1 });
    await recorder.flush();
    const reader = otherProcess(dir);
    expect(await reader.send('open')).toBe('busy');
    expect(await reader.send('append 2')).toBe('busy');
    await recorder.close();
    expect(await reader.send('append 3')).toBeNull();
    expect(parseWriterLock(lockText(dir))?.pid).toBe(reader.pid);
    expect(await reader.send('close')).toBeNull();
    // No timer or handle of the store keeps it running.
    expect(await reader.end()).toEqual({ code: 0, signal: null });
    expect(timesOnDisk(dir)).toEqual([1, 3]);
    expect(existsSync(join(dir, WRITER_LOCK))).toBe(false);
  });

  it('lets go of a lock taken over while it closes', async () => {
    const dir = tmp();
    const holder = startSleep();
    writeFileSync(join(dir, WRITER_LOCK), `${holder.pid}\n`);
    const reader = await openSeriesStore(dir, { lockRetryMs: 0 });
    expect(reader.writeError()?.code).toBe('busy');
    holder.kill('SIGKILL');
    await exited(holder);
    reader.append({ timeMs: 1, pid: 1 });
    await reader.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes its PID and start time into the lock', async () => {
    const dir = tmp();
    const store = await openSeriesStore(dir);
    const owner = parseWriterLock(lockText(dir));
    expect(owner?.pid).toBe(process.pid);
    if (LINUX) {
      expect(owner?.startTicks).toBe(startTicksOf(process.pid));
      expect(owner?.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    }
    expect(lockText(dir)).toBe(JSON.stringify(owner) + '\n');
    await store.close();
  });

  it.skipIf(!LINUX)('takes over a lock whose PID is alive but belongs to a process started at another time, or in another boot', async () => {
    const dir = tmp();
    const other = startSleep();
    const ticks = startTicksOf(other.pid);
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

    // The same process: it records, this one reads.
    writeFileSync(join(dir, WRITER_LOCK), JSON.stringify({ pid: other.pid, startTicks: ticks, bootId: boot }) + '\n');
    const reader = await openSeriesStore(dir);
    expect(reader.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${other.pid})`) });
    await reader.close();
    expect(parseWriterLock(lockText(dir))?.pid).toBe(other.pid);

    for (const stale of [{ pid: other.pid, startTicks: ticks + 1 }, { pid: other.pid, startTicks: ticks, bootId: '00000000-0000-0000-0000-000000000000' }]) {
      writeFileSync(join(dir, WRITER_LOCK), JSON.stringify(stale) + '\n');
      const store = await openSeriesStore(dir);
      expect(store.writeError()).toBeNull();
      expect(parseWriterLock(lockText(dir))?.pid).toBe(process.pid);
      await store.close();
    }
    expect(other.exitCode).toBeNull();
  });

  it('understands a lock in the old format (the PID alone): a live PID is the recorder, a gone one is taken over', async () => {
    const dir = tmp();
    const other = startSleep();
    writeFileSync(join(dir, WRITER_LOCK), `${other.pid}\n`);
    const reader = await openSeriesStore(dir, { lockRetryMs: 0 });
    reader.append({ timeMs: 1, pid: 1 });
    await reader.flush();
    expect(reader.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${other.pid})`) });
    expect(existsSync(join(dir, 'samples.jsonl'))).toBe(false);
    expect(lockText(dir)).toBe(`${other.pid}\n`);

    other.kill('SIGKILL');
    await exited(other);
    reader.append({ timeMs: 2, pid: 1 });
    await reader.flush();
    expect(reader.writeError()).toBeNull();
    expect(timesOnDisk(dir)).toEqual([2]);
    await reader.close();
    expect(parseWriterLock(`${other.pid}\n`)).toEqual({ pid: other.pid });
    expect(parseWriterLock('not a pid\n')).toBeNull();
  });
});
