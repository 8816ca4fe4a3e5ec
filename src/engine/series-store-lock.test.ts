import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openSeriesStore, parseWriterLock, WRITER_LOCK, writerIdFile } from './series-store.js';
import type { Alert } from '../shared/alerts.js';
import type { Sample } from '../shared/types.js';

/**
 * What this process's node:fs/promises does differently, for the store's lock (null / false: nothing). The files and
 * the other processes are real; only the moment a third process acts, and a file system without hard links, are made.
 */
const fsHooks = vi.hoisted(() => ({
  /** link() fails with EPERM, as on a file system without hard links. */
  noHardLinks: false,
  /** The code an exclusive create (`wx`) of writer.pid fails with. */
  createLockCode: null as string | null,
  /** Run once, just before and just after the store moves writer.pid aside to look at it. */
  beforeMoveAside: null as (() => Promise<void>) | null,
  afterMoveAside: null as (() => Promise<void>) | null,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const isLock = (path: unknown) => basename(String(path)) === 'writer.pid';
  const rename: typeof fs.rename = async (from, to) => {
    const aside = isLock(from) && String(to).endsWith('.old');
    const before = aside ? fsHooks.beforeMoveAside : null;
    if (before) {
      fsHooks.beforeMoveAside = null;
      await before();
    }
    await fs.rename(from, to);
    const after = aside ? fsHooks.afterMoveAside : null;
    if (after) {
      fsHooks.afterMoveAside = null;
      await after();
    }
  };
  const link: typeof fs.link = async (existing, path) => {
    if (fsHooks.noHardLinks) throw Object.assign(new Error(`EPERM: operation not permitted, link '${String(existing)}'`), { code: 'EPERM' });
    return fs.link(existing, path);
  };
  const open = (async (path: Parameters<typeof fs.open>[0], flags?: Parameters<typeof fs.open>[1], mode?: Parameters<typeof fs.open>[2]) => {
    const code = fsHooks.createLockCode;
    if (code && isLock(path) && flags === 'wx') throw Object.assign(new Error(`${code}: cannot open '${String(path)}'`), { code });
    return fs.open(path, flags, mode);
  }) as typeof fs.open;
  return { ...fs, rename, link, open };
});

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
  Object.assign(fsHooks, { noHardLinks: false, createLockCode: null, beforeMoveAside: null, afterMoveAside: null });
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

/**
 * A leakbar of a version before the identity file (commit 40f703d) taking the lock, in another process: its
 * takeWriterLock as it was (a lock it cannot read as a PID, or whose PID is gone, is removed and taken). It says
 * `{"holder":null}` when it took the lock, else the PID it found recording; it holds the lock until its stdin ends,
 * then lets go as it did, by removing writer.pid.
 */
function olderLeakbar(dir: string) {
  const script = `
    const { open, readFile, rm } = await import('node:fs/promises');
    const path = ${JSON.stringify(join(dir, WRITER_LOCK))};
    const isAlive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
    async function takeWriterLock() {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const fh = await open(path, 'wx');
          await fh.writeFile(process.pid + '\\n').finally(() => fh.close());
          return null;
        } catch (e) {
          if (e.code !== 'EEXIST') throw e;
        }
        const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) return holder;
        await rm(path, { force: true });
      }
      throw new Error('busy');
    }
    const holder = await takeWriterLock();
    process.stdout.write(JSON.stringify({ holder }) + '\\n');
    for await (const _ of process.stdin);
    if (holder === null) await rm(path, { force: true });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  procs.push(child);
  const lines = createInterface({ input: child.stdout! });
  return {
    child,
    pid: child.pid!,
    took: async (): Promise<{ holder: number | null }> => JSON.parse(((await once(lines, 'line', { signal: AbortSignal.timeout(20_000) })) as [string])[0]) as { holder: number | null },
    end: () => {
      child.stdin!.end();
      return exited(child);
    },
  };
}

/** The PID of a process that has exited (a `true` run to its end). */
async function deadPid(): Promise<number> {
  const p = spawn('true', { stdio: 'ignore' });
  await exited(p);
  return p.pid!;
}

/** The lock's files in a folder: writer.pid and the identity files, sorted. */
const lockFiles = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('writer')).sort();

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
    // The identity file of the killed one went at the takeover.
    expect(lockFiles(dir)).toEqual([writerIdFile(process.pid), WRITER_LOCK].sort());
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

  it('writes the bare PID into writer.pid, as an older leakbar reads it (Number(text.trim())), and its start time and boot beside it', async () => {
    const dir = tmp();
    const store = await openSeriesStore(dir);
    // What a leakbar before the identity file does with the lock it finds: a live PID records.
    const text = lockText(dir);
    expect(text).toBe(`${process.pid}\n`);
    const read = Number(text.trim());
    expect(read).toBe(process.pid);
    expect(process.kill(read, 0)).toBe(true);
    const id = JSON.parse(readFileSync(join(dir, writerIdFile(process.pid)), 'utf8')) as unknown;
    if (LINUX) expect(id).toEqual({ pid: process.pid, startTicks: startTicksOf(process.pid), bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() });
    else expect(id).toMatchObject({ pid: process.pid });
    await store.close();
    expect(lockFiles(dir)).toEqual([]);
  });

  it('an older leakbar (its lock code, in another process) and this one never record together, whichever opens first', async () => {
    const dir = tmp();
    const store = await openSeriesStore(dir, { lockRetryMs: 0 });
    store.append({ timeMs: 1, pid: 1 });
    await store.flush();
    // This one records: the older one finds a live PID in writer.pid, and leaves the lock as it is.
    const older = olderLeakbar(dir);
    expect(await older.took()).toEqual({ holder: process.pid });
    expect(await older.end()).toEqual({ code: 0, signal: null });
    expect(lockText(dir)).toBe(`${process.pid}\n`);
    store.append({ timeMs: 2, pid: 1 });
    await store.flush();
    expect(store.writeError()).toBeNull();
    await store.close();

    // The older one records: this one reads, and records once it is gone.
    const recorder = olderLeakbar(dir);
    expect(await recorder.took()).toEqual({ holder: null });
    const reader = await openSeriesStore(dir, { lockRetryMs: 0 });
    reader.append({ timeMs: 3, pid: 1 });
    await reader.flush();
    expect(reader.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${recorder.pid})`) });
    expect(lockText(dir)).toBe(`${recorder.pid}\n`);
    expect(await recorder.end()).toEqual({ code: 0, signal: null });
    reader.append({ timeMs: 4, pid: 1 });
    await reader.flush();
    expect(reader.writeError()).toBeNull();
    expect(timesOnDisk(dir)).toEqual([1, 2, 4]);
    await reader.close();
  });

  it('waits a moment on an empty lock, which an older leakbar creates before it writes its PID; one left empty is taken over', async () => {
    const dir = tmp();
    const other = startSleep();
    // As the older leakbar does it: created empty (exclusively), its PID written a moment later.
    const fd = openSync(join(dir, WRITER_LOCK), 'wx');
    const written = new Promise<void>((ok) =>
      setTimeout(() => {
        writeSync(fd, `${other.pid}\n`);
        closeSync(fd);
        ok();
      }, 20),
    );
    const reader = await openSeriesStore(dir);
    await written;
    expect(reader.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${other.pid})`) });
    expect(lockText(dir)).toBe(`${other.pid}\n`);
    await reader.close();

    // Left empty (a crash between the create and the write): stale.
    writeFileSync(join(dir, WRITER_LOCK), '');
    const store = await openSeriesStore(dir);
    expect(store.writeError()).toBeNull();
    expect(lockText(dir)).toBe(`${process.pid}\n`);
    await store.close();
  });

  it.skipIf(!LINUX)('takes over a lock whose PID is alive but belongs to a process started at another time, or in another boot', async () => {
    const dir = tmp();
    const other = startSleep();
    const ticks = startTicksOf(other.pid);
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const writeLock = (id: object | null, lock = `${other.pid}\n`) => {
      writeFileSync(join(dir, WRITER_LOCK), lock);
      if (id) writeFileSync(join(dir, writerIdFile(other.pid)), JSON.stringify(id) + '\n');
      else rmSync(join(dir, writerIdFile(other.pid)), { force: true });
    };

    // The same process: it records, this one reads (so does one whose identity file is gone: the PID is all there is).
    for (const id of [{ pid: other.pid, startTicks: ticks, bootId: boot }, null]) {
      writeLock(id);
      const reader = await openSeriesStore(dir);
      expect(reader.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${other.pid})`) });
      await reader.close();
      expect(lockText(dir)).toBe(`${other.pid}\n`);
    }

    const stale = [
      { pid: other.pid, startTicks: ticks + 1 },
      { pid: other.pid, startTicks: ticks, bootId: '00000000-0000-0000-0000-000000000000' },
    ];
    // Identity files of processes gone, or of another PID, do not count; those of processes gone go at the takeover.
    writeFileSync(join(dir, writerIdFile(999_999_999)), JSON.stringify({ pid: 999_999_999 }) + '\n');
    for (const [id, lock] of [...stale.map((x) => [x, undefined] as const), ...stale.map((x) => [null, JSON.stringify(x) + '\n'] as const)]) {
      // Written as this version writes it (the identity beside the PID), or whole in writer.pid, as one earlier version did.
      writeLock(id, lock);
      const store = await openSeriesStore(dir);
      expect(store.writeError()).toBeNull();
      expect(lockText(dir)).toBe(`${process.pid}\n`);
      expect(lockFiles(dir)).toEqual([writerIdFile(process.pid), WRITER_LOCK].sort());
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
  it('a holder whose writer.pid now names another live process stops appending at its next check, says so, and records once that one is gone', async () => {
    const dir = tmp();
    // Two stores of this process share its lock.
    const first = await openSeriesStore(dir, { lockRetryMs: 0 });
    const second = await openSeriesStore(dir, { lockRetryMs: 0 });
    first.append({ timeMs: 1, pid: 1 });
    await first.flush();
    // Another process's lock in its place, as an older leakbar writes it after taking this one for stale.
    const other = startSleep();
    writeFileSync(join(dir, WRITER_LOCK), `${other.pid}\n`);
    first.append({ timeMs: 2, pid: 1 });
    second.append({ timeMs: 3, pid: 1 });
    first.putAlert(alert('firing'));
    await Promise.all([first.flush(), second.flush()]);
    for (const store of [first, second]) expect(store.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${other.pid})`) });
    expect(timesOnDisk(dir)).toEqual([1]);
    expect(existsSync(join(dir, 'alerts.jsonl'))).toBe(false);
    expect(lockFiles(dir)).toEqual([WRITER_LOCK]);
    expect(lockText(dir)).toBe(`${other.pid}\n`);

    other.kill('SIGKILL');
    await exited(other);
    first.append({ timeMs: 4, pid: 1 });
    second.append({ timeMs: 5, pid: 1 });
    await Promise.all([first.flush(), second.flush()]);
    expect([first.writeError(), second.writeError()]).toEqual([null, null]);
    expect(timesOnDisk(dir)).toEqual([1, 4, 5]);
    // The alert it changed meanwhile is on record once it records again.
    expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8')).toBe(JSON.stringify(alert('firing')) + '\n');
    await first.close();
    expect(lockText(dir)).toBe(`${process.pid}\n`);
    await second.close();
    expect(lockFiles(dir)).toEqual([]);
  });

  it('a holder whose writer.pid names another live process now does not compact: the rename would lose that one\'s appends', async () => {
    const dir = tmp();
    // History kept for 1 s: the old samples are past it, so a compaction would rewrite the file.
    const store = await openSeriesStore(dir, { historyMs: 1000, lockRetryMs: 60_000 });
    const now = Date.now();
    for (let i = 0; i < 40; i++) store.append({ timeMs: now - 10 * 86_400_000 + i, pid: 1 });
    store.append({ timeMs: now, pid: 1 });
    await store.flush();
    const before = readFileSync(join(dir, 'samples.jsonl'), 'utf8');
    const other = startSleep();
    writeFileSync(join(dir, WRITER_LOCK), `${other.pid}\n`);
    expect(await store.compact()).toEqual({ droppedLines: 0 });
    expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(before);
    // While it holds the lock, it compacts.
    writeFileSync(join(dir, WRITER_LOCK), `${process.pid}\n`);
    expect((await store.compact()).droppedLines).toBeGreaterThan(0);
    await store.close();
  });

  it('a holder whose writer.pid was deleted by hand takes it back; once another leakbar took it, it appends nothing and says which', async () => {
    const dir = tmp();
    const store = await openSeriesStore(dir, { lockRetryMs: 0 });
    store.append({ timeMs: 1, pid: 1 });
    await store.flush();
    rmSync(join(dir, WRITER_LOCK));
    store.append({ timeMs: 2, pid: 1 });
    await store.flush();
    expect(store.writeError()).toBeNull();
    expect(lockText(dir)).toBe(`${process.pid}\n`);

    rmSync(join(dir, WRITER_LOCK));
    const other = otherProcess(dir);
    expect(await other.send('open')).toBeNull();
    store.append({ timeMs: 3, pid: 1 });
    await store.flush();
    expect(store.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${other.pid})`) });
    expect(await other.send('append 4')).toBeNull();
    store.append({ timeMs: 5, pid: 1 });
    await store.flush();
    expect(timesOnDisk(dir)).toEqual([1, 2, 4]);
    expect(lockText(dir)).toBe(`${other.pid}\n`);
    await store.close();
    expect(lockText(dir)).toBe(`${other.pid}\n`);
    expect(await other.send('close')).toBeNull();
    expect(await other.end()).toEqual({ code: 0, signal: null });
    expect(lockFiles(dir)).toEqual([]);
  });

  it('lets go at close only of a lock that still names this process', async () => {
    const dir = tmp();
    // Not looked at again before it closes.
    const store = await openSeriesStore(dir, { lockRetryMs: 60_000 });
    store.append({ timeMs: 1, pid: 1 });
    await store.flush();
    const other = startSleep();
    writeFileSync(join(dir, WRITER_LOCK), `${other.pid}\n`);
    await store.close();
    expect(lockText(dir)).toBe(`${other.pid}\n`);
    // Its own identity file goes all the same.
    expect(lockFiles(dir)).toEqual([WRITER_LOCK]);
  });

  describe('a stale lock moved aside and taken over meanwhile', () => {
    /** A lock left by a process that is gone: this store moves it aside to remove it; the hooks act around that move. */
    async function staleLock(dir: string) {
      writeFileSync(join(dir, WRITER_LOCK), `${await deadPid()}\n`);
    }

    it('is put back without hard links too: the one that took it records, this one reads', async () => {
      const dir = tmp();
      await staleLock(dir);
      const recorder = otherProcess(dir);
      fsHooks.noHardLinks = true;
      // Between this one's look at the stale lock and its move, another leakbar takes it over.
      fsHooks.beforeMoveAside = async () => expect(await recorder.send('open')).toBeNull();
      const store = await openSeriesStore(dir, { lockRetryMs: 0 });
      expect(fsHooks.beforeMoveAside).toBeNull();
      expect(store.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${recorder.pid})`) });
      expect(lockText(dir)).toBe(`${recorder.pid}\n`);
      expect(await recorder.send('append 1')).toBeNull();
      store.append({ timeMs: 2, pid: 1 });
      await store.flush();
      expect(store.writeError()?.code).toBe('busy');
      expect(await recorder.send('append 3')).toBeNull();
      expect(timesOnDisk(dir)).toEqual([1, 3]);
      await store.close();
    });

    it('cannot be put back over a third leakbar\'s lock: that one records, the one moved aside stops at its next append', async () => {
      const dir = tmp();
      await staleLock(dir);
      const recorder = otherProcess(dir);
      const third = otherProcess(dir);
      fsHooks.beforeMoveAside = async () => expect(await recorder.send('open')).toBeNull();
      // While it is aside, a third one finds no lock and creates its own.
      fsHooks.afterMoveAside = async () => expect(await third.send('open')).toBeNull();
      const store = await openSeriesStore(dir, { lockRetryMs: 0 });
      expect(fsHooks.afterMoveAside).toBeNull();
      expect(store.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${third.pid})`) });
      expect(lockText(dir)).toBe(`${third.pid}\n`);
      expect(await recorder.send('append 1')).toBe('busy');
      expect(await third.send('append 2')).toBeNull();
      store.append({ timeMs: 3, pid: 1 });
      await store.flush();
      expect(store.writeError()?.code).toBe('busy');
      expect(await recorder.send('append 4')).toBe('busy');
      expect(timesOnDisk(dir)).toEqual([2]);
      await store.close();
    });

    it('that cannot be put back at all is said, and not taken: the one moved aside takes its lock again at its next append', async () => {
      const dir = tmp();
      await staleLock(dir);
      const recorder = otherProcess(dir);
      fsHooks.noHardLinks = true;
      fsHooks.createLockCode = 'EACCES';
      fsHooks.beforeMoveAside = async () => expect(await recorder.send('open')).toBeNull();
      const store = await openSeriesStore(dir, { lockRetryMs: 0 });
      expect(fsHooks.beforeMoveAside).toBeNull();
      expect(store.writeError()).toMatchObject({
        code: 'permission-denied',
        message: expect.stringContaining(`moved the writer lock of pid ${recorder.pid} aside to check it, and could not put it back`),
      });
      expect(existsSync(join(dir, WRITER_LOCK))).toBe(false);
      fsHooks.noHardLinks = false;
      fsHooks.createLockCode = null;

      expect(await recorder.send('append 1')).toBeNull();
      expect(lockText(dir)).toBe(`${recorder.pid}\n`);
      store.append({ timeMs: 2, pid: 1 });
      await store.flush();
      expect(store.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`(pid ${recorder.pid})`) });
      expect(await recorder.send('append 3')).toBeNull();
      expect(timesOnDisk(dir)).toEqual([1, 3]);
      await store.close();
    });
  });
});
