import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELD_MAX_BYTES, openSeriesStore, parseWriterLock, targetWatching, WRITER_LOCK, writerIdFile, type AppendTextFn, type WriteChunksFn } from './series-store.js';
import { toCsv } from '../shared/csv.js';
import type { Alert } from '../shared/alerts.js';
import type { Sample } from '../shared/types.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'leakbar-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openSeriesStore', () => {
  it('reads back what it wrote after a restart', async () => {
    const dir = tmp();
    const a = await openSeriesStore(dir);
    for (let i = 0; i < 5; i++) a.append({ timeMs: 1000 * i, pid: 7, rssBytes: 100 + i });
    a.appendEvent({ type: 'restart', timeMs: 2500, oldPid: 6, newPid: 7 });
    await a.close();
    const b = await openSeriesStore(dir);
    expect(b.samples().map((s) => s.rssBytes)).toEqual([100, 101, 102, 103, 104]);
    expect(b.samples(1000, 3000).map((s) => s.timeMs)).toEqual([1000, 2000, 3000]);
    expect(b.events()).toEqual([{ type: 'restart', timeMs: 2500, oldPid: 6, newPid: 7 }]);
    await b.close();
  });

  it('skips a last line cut short by a crash, and the next write starts on a fresh line', async () => {
    const dir = tmp();
    const a = await openSeriesStore(dir);
    a.append({ timeMs: 1, pid: 1, fds: 10 });
    a.append({ timeMs: 2, pid: 1, fds: 11 });
    await a.close();
    appendFileSync(join(dir, 'samples.jsonl'), '{"timeMs":3,"pid":1,"fd');
    const b = await openSeriesStore(dir);
    expect(b.loaded).toEqual({ samples: 2, events: 0, alerts: 0, skippedLines: 1 });
    b.append({ timeMs: 4, pid: 1, fds: 13 });
    await b.close();
    const c = await openSeriesStore(dir);
    expect(c.samples().map((s) => s.fds)).toEqual([10, 11, 13]);
    await c.close();
  });

  it('skips sample lines no collector writes (a time no date holds, no PID) and drops figures that cannot be', async () => {
    const dir = tmp();
    const good = (timeMs: number, fds: number) => JSON.stringify({ timeMs, pid: 7, fds, rssBytes: 1000 });
    const lines = [
      good(1000, 10),
      // A digit doubled by a hand edit, a time past what a number holds, no PID (it would read as a restart), PID 0.
      '{"timeMs":99999999999999999,"pid":7,"fds":11}',
      '{"timeMs":1e400,"pid":7,"fds":12}',
      '{"timeMs":1500,"fds":13}',
      '{"timeMs":1600,"pid":0,"fds":13}',
      // Kept, without the figures no collector gives.
      '{"timeMs":2000,"pid":7,"fds":1e308,"rssBytes":-5,"threads":3}',
      good(3000, 14),
    ];
    writeFileSync(join(dir, 'samples.jsonl'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'events.jsonl'), '{"type":"restart","timeMs":1e400,"oldPid":6,"newPid":7}\n{"type":"restart","timeMs":2500,"oldPid":6,"newPid":7}\n');
    const b = await openSeriesStore(dir);
    expect(b.loaded).toEqual({ samples: 3, events: 1, alerts: 0, skippedLines: 5 });
    expect(b.samples()).toEqual([
      { timeMs: 1000, pid: 7, fds: 10, rssBytes: 1000 },
      { timeMs: 2000, pid: 7, threads: 3 },
      { timeMs: 3000, pid: 7, fds: 14, rssBytes: 1000 },
    ]);
    expect(b.events().map((e) => e.timeMs)).toEqual([2500]);
    await b.close();
  });

  it('reads back the newest version of each alert, and keeps a memory-only history without files', async () => {
    const dir = tmp();
    const a = await openSeriesStore(dir);
    const alert = { id: 'threshold:fds@1000', key: 'threshold:fds', firstMs: 1000, lastMs: 1000, resolvedMs: null, state: 'firing' } as unknown as Alert;
    a.putAlert(alert);
    a.putAlert({ ...alert, lastMs: 9000, resolvedMs: 9000, state: 'resolved' });
    await a.close();
    const b = await openSeriesStore(dir);
    expect(b.alerts().map((x) => [x.id, x.state, x.lastMs])).toEqual([['threshold:fds@1000', 'resolved', 9000]]);
    expect(b.alerts(10_000)).toEqual([]);
    await b.close();
    const m = await openSeriesStore(null);
    m.append({ timeMs: 1, pid: 1 });
    await m.close();
    expect(m.samples()).toHaveLength(1);
    expect(m.dir).toBeNull();
  });

  it('keeps the in-memory window bounded', async () => {
    const b = await openSeriesStore(tmp(), { windowSize: 100 });
    for (let i = 0; i < 1000; i++) b.append({ timeMs: i, pid: 1 });
    const s = b.samples();
    expect(s).toHaveLength(100);
    expect(s[0]!.timeMs).toBe(900);
    await b.close();
  });

  it.skipIf(process.getuid?.() === 0)('reports a write it cannot make and keeps the history in memory', async () => {
    // Root ignores file modes, so this case only runs as a normal user; the disk-full path shares its code.
    const dir = tmp();
    writeFileSync(join(dir, 'samples.jsonl'), '');
    chmodSync(join(dir, 'samples.jsonl'), 0o400);
    const b = await openSeriesStore(dir);
    b.append({ timeMs: 1, pid: 1 });
    await b.flush();
    expect(b.writeError()?.code).toBe('permission-denied');
    expect(b.samples()).toHaveLength(1);
    await b.close();
  });

  it('cuts the file back after an append that landed only in part (a full disk), and writes the lines held meanwhile whole once there is room', async () => {
    const dir = tmp();
    // While `full`, an append writes its first 12 bytes, then fails as write(2) does on a full disk.
    let full = false;
    const diskFillsUp: AppendTextFn = async (file, text) => {
      if (!full) return file.appendFile(text);
      await file.appendFile(text.slice(0, 12));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const a = await openSeriesStore(dir, { appendText: diskFillsUp });
    a.append({ timeMs: 1, pid: 1, fds: 10 });
    await a.flush();
    full = true;
    a.append({ timeMs: 2, pid: 1, fds: 11 });
    await a.flush();
    expect(a.writeError()?.code).toBe('disk-full');
    expect(a.writeError()?.hint).toBe('free some space; what is recorded meanwhile is held and written once there is room');
    // No line cut short is left in the file.
    expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(jsonl([{ timeMs: 1, pid: 1, fds: 10 }]));
    full = false;
    a.append({ timeMs: 3, pid: 1, fds: 12 });
    a.append({ timeMs: 4, pid: 1, fds: 13 });
    await a.flush();
    expect(a.writeError()).toBeNull();
    await a.close();
    const b = await openSeriesStore(dir);
    expect(b.loaded).toEqual({ samples: 4, events: 0, alerts: 0, skippedLines: 0 });
    expect(b.samples().map((s) => s.fds)).toEqual([10, 11, 12, 13]);
    await b.close();
  });

  it('does not cut back a failed append once another process has taken the lock: its lines appended meanwhile stay', async () => {
    const dir = tmp();
    // Another live process (a sleep stands in for it) takes the lock while this store's append is under way, and
    // appends its own line after the part of this one that landed, on a fresh line; then this append fails.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    let displaced = false;
    let tookOver = false;
    const othersLine = JSON.stringify({ timeMs: 99, pid: 2 });
    const displacedMidAppend: AppendTextFn = async (file, text) => {
      if (!displaced) return file.appendFile(text);
      // The disk stays full for this store's later tries.
      if (!tookOver) {
        tookOver = true;
        await file.appendFile(text.slice(0, 12));
        writeFileSync(join(dir, WRITER_LOCK), `${other.pid}\n`);
        appendFileSync(join(dir, 'samples.jsonl'), `\n${othersLine}\n`);
      }
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    try {
      const a = await openSeriesStore(dir, { appendText: displacedMidAppend });
      a.append({ timeMs: 1, pid: 1 });
      await a.flush();
      displaced = true;
      a.append({ timeMs: 2, pid: 1 });
      await a.flush();
      expect(a.writeError()?.code).toBe('disk-full');
      const text = readFileSync(join(dir, 'samples.jsonl'), 'utf8');
      expect(text.endsWith(`\n${othersLine}\n`)).toBe(true);
      // Nor does its close try the line it holds into the file the other records now, nor call it lost: it is the
      // other's to record.
      displaced = false;
      expect(await a.close()).toEqual([]);
      expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(text);
      expect(readFileSync(join(dir, WRITER_LOCK), 'utf8')).toBe(`${other.pid}\n`);
      // Read back, the other's line is there; only the part of this one that landed is skipped.
      const b = await openSeriesStore(dir);
      expect(b.samples().map((x) => x.timeMs)).toEqual([1, 99]);
      expect(b.loaded.skippedLines).toBe(1);
      await b.close();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('writes the lines held while nothing could be written, in order, with no blank line', async () => {
    const dir = tmp();
    let fail = false;
    const diskFull: AppendTextFn = async (file, text) => {
      if (fail) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return file.appendFile(text);
    };
    const a = await openSeriesStore(dir, { appendText: diskFull });
    a.append({ timeMs: 1, pid: 1 });
    await a.flush();
    fail = true;
    a.append({ timeMs: 2, pid: 1 });
    await a.flush();
    a.append({ timeMs: 3, pid: 1 });
    await a.flush();
    fail = false;
    a.append({ timeMs: 4, pid: 1 });
    await a.close();
    expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(jsonl([1, 2, 3, 4].map((timeMs) => ({ timeMs, pid: 1 }))));
  });

  it('writes a rarely written file’s held lines at a later sample once there is room, and clears the status', async () => {
    const dir = tmp();
    let full = true;
    const eventsFull: AppendTextFn = async (file, text) => {
      if (full && text.includes('"type":"status"')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return file.appendFile(text);
    };
    const a = await openSeriesStore(dir, { appendText: eventsFull });
    a.appendEvent({ type: 'status', timeMs: 1, source: 'fds', ok: false, message: 'x' });
    a.append({ timeMs: 1, pid: 1 });
    await new Promise((ok) => setTimeout(ok, 50));
    expect(a.writeError()?.code).toBe('disk-full');
    // Room again; no event comes, only samples: the held event goes with the first sample after its retry time.
    full = false;
    await new Promise((ok) => setTimeout(ok, 1100));
    a.append({ timeMs: 2, pid: 1 });
    await new Promise((ok) => setTimeout(ok, 50));
    expect(a.writeError()).toBeNull();
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toContain('"message":"x"');
    await a.close();
  });

  it('loses no line written while an append is under way (a slow disk), nor in a burst', async () => {
    const dir = tmp();
    const slow: AppendTextFn = async (file, text) => {
      await new Promise((ok) => setTimeout(ok, 50));
      return file.appendFile(text);
    };
    const a = await openSeriesStore(dir, { appendText: slow });
    a.append({ timeMs: 1, pid: 1 });
    await new Promise((ok) => setTimeout(ok, 20));
    a.append({ timeMs: 2, pid: 1 });
    a.append({ timeMs: 3, pid: 1 });
    await a.close();
    expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(jsonl([1, 2, 3].map((timeMs) => ({ timeMs, pid: 1 }))));

    // 2,000 appends, one per turn of the event loop, on the real file system.
    const dir2 = tmp();
    const b = await openSeriesStore(dir2);
    for (let i = 0; i < 2000; i++) {
      b.append({ timeMs: i, pid: 1 });
      await new Promise((ok) => setImmediate(ok));
    }
    await b.close();
    const times = readFileSync(join(dir2, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Sample).timeMs);
    expect(times).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('holds at most HELD_MAX_BYTES while nothing can be written, dropping the oldest held lines', async () => {
    const dir = tmp();
    let fail = true;
    let tries = 0;
    const diskFull: AppendTextFn = async (file, text) => {
      tries++;
      if (fail) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return file.appendFile(text);
    };
    const a = await openSeriesStore(dir, { appendText: diskFull });
    const pad = 'x'.repeat(1000);
    const count = Math.ceil((HELD_MAX_BYTES * 1.5) / 1040);
    for (let i = 0; i < count; i++) a.append({ timeMs: i, pid: 1, pad } as Sample);
    await a.flush();
    // Tried once, then not again for a second but by the flush: not once per line, each time with megabytes.
    expect(tries).toBeLessThanOrEqual(3);
    // The status says lines are being lost, not that all is held.
    expect(a.writeError()?.message).toMatch(/^the disk is full: cannot write .*samples\.jsonl; past 4 MB held, the oldest lines recorded meanwhile are being lost$/);
    fail = false;
    a.append({ timeMs: count, pid: 1, pad } as Sample);
    await a.close();
    const text = readFileSync(join(dir, 'samples.jsonl'), 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(HELD_MAX_BYTES);
    const times = text.trim().split('\n').map((l) => (JSON.parse(l) as Sample).timeMs);
    // The newest, in order and without a hole; the oldest third or so gone.
    expect(times.at(-1)).toBe(count);
    expect(times.every((t, i) => i === 0 || t === times[i - 1]! + 1)).toBe(true);
    expect(times[0]).toBeGreaterThan(count / 4);
  });

  it('closes the file after each failed append, so a full disk does not pile up open handles', async () => {
    const dir = tmp();
    const failing: AppendTextFn = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const a = await openSeriesStore(dir, { appendText: failing });
    const ownFds = () => readdirSync('/proc/self/fd').length;
    a.append({ timeMs: 0, pid: 1 });
    await a.flush();
    const before = ownFds();
    for (let i = 1; i <= 40; i++) {
      a.append({ timeMs: i, pid: 1 });
      await a.flush();
    }
    expect(ownFds()).toBeLessThanOrEqual(before + 1);
    await a.close();
  });

  it('reports a write into a folder that vanished, as a clear error, and goes on in memory', async () => {
    const dir = tmp();
    const b = await openSeriesStore(dir);
    rmSync(dir, { recursive: true, force: true });
    b.append({ timeMs: 1, pid: 1 });
    await b.flush();
    expect(b.writeError()?.message).toMatch(/cannot write .*samples\.jsonl/);
    expect(b.samples()).toHaveLength(1);
    await b.close();
  });
});

const DAY = 24 * 60 * 60_000;
const NOW = Date.UTC(2026, 0, 31);

/** JSON lines, one per item. */
const jsonl = (items: readonly unknown[]) => items.map((x) => JSON.stringify(x) + '\n').join('');
/** What a history file holds now, parsed. */
const onDisk = <T,>(dir: string, name: string): T[] =>
  readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
/** One sample every `everyMs` from `fromMs` up to (not including) `toMs`. */
function samplesOver(fromMs: number, toMs: number, everyMs: number): Sample[] {
  const out: Sample[] = [];
  for (let t = fromMs; t < toMs; t += everyMs) out.push({ timeMs: t, pid: 7, fds: out.length });
  return out;
}
const alertAt = (key: string, firstMs: number, lastMs: number, resolvedMs: number | null) =>
  ({ id: `${key}@${firstMs}`, key, firstMs, lastMs, resolvedMs, state: resolvedMs === null ? 'firing' : 'resolved' }) as unknown as Alert;
/** A writer that fails the way write(2) does on a full disk, after writing part of the file. */
const fullDisk: WriteChunksFn = async (path, chunks) => {
  for await (const chunk of chunks) {
    await writeFile(path, chunk.slice(0, 10));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
};

describe('history retention', () => {
  it('loses no append of another store on the same folder (another process) when one compacts the file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'samples.jsonl'), jsonl(samplesOver(NOW - 40 * DAY, NOW - DAY, DAY)));
    // A: keeps everything, has its file open for appends. B: opens later with a 30-day history and compacts.
    const a = await openSeriesStore(dir, { now: () => NOW });
    a.append({ timeMs: NOW, pid: 7 });
    await a.flush();
    const b = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    await b.flush();
    a.append({ timeMs: NOW + 1000, pid: 7 });
    b.append({ timeMs: NOW + 2000, pid: 7 });
    a.append({ timeMs: NOW + 3000, pid: 7 });
    await Promise.all([a.close(), b.close()]);
    const times = onDisk<Sample>(dir, 'samples.jsonl').map((x) => x.timeMs);
    expect(times[0]).toBeGreaterThanOrEqual(NOW - 30 * DAY);
    // Two writers' lines interleave as their writes land; none is lost or doubled.
    expect(times.filter((t) => t >= NOW).sort((x, y) => x - y)).toEqual([NOW, NOW + 1000, NOW + 2000, NOW + 3000]);
    expect(readdirSync(dir).filter((n) => n.includes('.compact.'))).toEqual([]);
  });

  it('drops what is older than the history at open, from the files and from memory', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'samples.jsonl'), jsonl(samplesOver(NOW - 40 * DAY, NOW, 60 * 60_000)));
    writeFileSync(join(dir, 'events.jsonl'), jsonl([{ type: 'restart', timeMs: NOW - 35 * DAY, oldPid: 1, newPid: 2 }, { type: 'restart', timeMs: NOW - 2 * DAY, oldPid: 2, newPid: 7 }]));
    const gone = alertAt('threshold:fds', NOW - 38 * DAY, NOW - 36 * DAY, NOW - 36 * DAY);
    const longFiring = alertAt('growth:fds', NOW - 35 * DAY, NOW - 35 * DAY, null);
    writeFileSync(join(dir, 'alerts.jsonl'), jsonl([gone, longFiring, { ...longFiring, lastMs: NOW - DAY }]));

    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW, windowSize: 100_000 });
    const cutoff = NOW - 30 * DAY;
    expect(store.samples()).toHaveLength(30 * 24);
    expect(store.samples()[0]!.timeMs).toBe(cutoff);
    expect(store.events().map((e) => e.timeMs)).toEqual([NOW - 2 * DAY]);
    // An alert stays while its last activity is within the history, however long ago it fired.
    expect(store.alerts().map((a) => [a.id, a.lastMs])).toEqual([[longFiring.id, NOW - DAY]]);
    await store.flush();

    const samples = onDisk<Sample>(dir, 'samples.jsonl');
    expect(samples).toHaveLength(30 * 24);
    expect(samples.every((x) => x.timeMs >= cutoff)).toBe(true);
    expect(onDisk<{ timeMs: number }>(dir, 'events.jsonl').map((e) => e.timeMs)).toEqual([NOW - 2 * DAY]);
    expect(onDisk<Alert>(dir, 'alerts.jsonl').map((a) => a.lastMs)).toEqual([NOW - DAY]);
    // No temporary file is left; the writer lock (and its identity file) is this store's while it is open.
    expect(readdirSync(dir).sort()).toEqual(['alerts.jsonl', 'events.jsonl', 'samples.jsonl', writerIdFile(process.pid), WRITER_LOCK].sort());
    await store.close();
  });

  it('records a folder from one process at a time: a second leakbar reads the history, appends nothing, and says who records it', async () => {
    const dir = tmp();
    const first = await openSeriesStore(dir);
    first.append({ timeMs: 1, pid: 1 });
    await first.flush();
    // Another live process holds the lock (this test stands in a sleep for it).
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await first.close();
      writeFileSync(join(dir, WRITER_LOCK), `${other.pid}\n`);
      const second = await openSeriesStore(dir);
      expect(second.samples().map((x) => x.timeMs)).toEqual([1]);
      second.append({ timeMs: 2, pid: 1 });
      await second.flush();
      expect(second.samples().map((x) => x.timeMs)).toEqual([1, 2]);
      expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(jsonl([{ timeMs: 1, pid: 1 }]));
      expect(second.writeError()).toMatchObject({ code: 'busy', message: expect.stringContaining(`another leakbar (pid ${other.pid}) records this history`) });
      await second.close();
      expect(readFileSync(join(dir, WRITER_LOCK), 'utf8').trim()).toBe(String(other.pid));
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise((ok) => other.once('exit', ok));
    // Its process gone, the lock is taken over: this one records again, and lets go at close.
    const third = await openSeriesStore(dir);
    third.append({ timeMs: 3, pid: 1 });
    await third.flush();
    expect(third.writeError()).toBeNull();
    expect(parseWriterLock(readFileSync(join(dir, WRITER_LOCK), 'utf8'))?.pid).toBe(process.pid);
    await third.close();
    expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(jsonl([{ timeMs: 1, pid: 1 }, { timeMs: 3, pid: 1 }]));
    expect(existsSync(join(dir, WRITER_LOCK))).toBe(false);
  });

  it('keeps open alerts in memory past the alert window, letting the oldest resolved ones go', async () => {
    const store = await openSeriesStore(null, { alertWindowSize: 3 });
    const open = { ...alertAt('growth:fds', 1000, 1000, null), state: 'snoozed', snoozedUntilMs: 9e15 } as Alert;
    store.putAlert(open);
    for (let i = 0; i < 4; i++) store.putAlert(alertAt(`threshold:k${i}`, 2000 + i, 2000 + i, 3000 + i));
    expect(store.alerts().map((a) => a.id).sort()).toEqual([open.id, 'threshold:k2@2002', 'threshold:k3@2003'].sort());
  });

  it('keeps an open alert (firing, snoozed, acknowledged) however old its last activity, and drops a resolved one past the history', async () => {
    const dir = tmp();
    // Snoozed for 60 days: a snoozed alert writes nothing until the snooze ends, so its last line is 40 days old.
    const snoozed = { ...alertAt('growth:fds', NOW - 40 * DAY, NOW - 40 * DAY, null), state: 'snoozed', snoozedUntilMs: NOW + 20 * DAY } as Alert;
    const acknowledged = { ...alertAt('threshold:threads', NOW - 50 * DAY, NOW - 45 * DAY, null), state: 'acknowledged' } as Alert;
    const firing = alertAt('threshold:fds', NOW - 35 * DAY, NOW - 32 * DAY, null);
    const resolved = alertAt('restart:pid', NOW - 33 * DAY, NOW - 31 * DAY, NOW - 31 * DAY);
    const recent = alertAt('growth:goroutines', NOW - 2 * DAY, NOW - DAY, NOW - DAY);
    writeFileSync(join(dir, 'alerts.jsonl'), jsonl([acknowledged, firing, resolved, snoozed, recent]));

    let now = NOW;
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => now });
    // Newest first (by when they fired).
    expect(store.alerts().map((a) => a.id)).toEqual([recent.id, firing.id, snoozed.id, acknowledged.id]);
    // An open alert lasts until now, so a view of the last day shows it however old its last line.
    expect(store.alerts(NOW - DAY, NOW).map((a) => a.id)).toEqual([recent.id, firing.id, snoozed.id, acknowledged.id]);
    await store.flush();
    expect(onDisk<Alert>(dir, 'alerts.jsonl').map((a) => a.id)).toEqual([acknowledged.id, firing.id, snoozed.id, recent.id]);

    // Forty days on, with nothing written meanwhile: the open ones are still there, in memory and on disk.
    now = NOW + 40 * DAY;
    expect(await store.compact()).toEqual({ droppedLines: 1 });
    expect(store.alerts().map((a) => a.id)).toEqual([firing.id, snoozed.id, acknowledged.id]);
    expect(onDisk<Alert>(dir, 'alerts.jsonl').map((a) => a.id)).toEqual([acknowledged.id, firing.id, snoozed.id]);
    await store.close();
    const again = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => now });
    expect(again.alerts().map((a) => [a.id, a.state])).toEqual([
      [firing.id, 'firing'],
      [snoozed.id, 'snoozed'],
      [acknowledged.id, 'acknowledged'],
    ]);
    await again.close();
  });

  it('compacts alerts.jsonl to the newest version of each alert, which reads back as the same alerts', async () => {
    const dir = tmp();
    const fds = alertAt('threshold:fds', NOW - 3 * DAY, NOW - 3 * DAY, null);
    const heap = alertAt('growth:heapInuseBytes', NOW - 2 * DAY, NOW - 2 * DAY, null);
    const versions: Alert[] = [fds, heap];
    for (let i = 1; i <= 5; i++) versions.push({ ...fds, lastMs: fds.lastMs + i * 60_000 }, { ...heap, lastMs: heap.lastMs + i * 60_000 });
    versions.push({ ...heap, lastMs: NOW - DAY, resolvedMs: NOW - DAY, state: 'resolved' }, { ...fds, lastMs: NOW - DAY / 2, state: 'acknowledged' });
    writeFileSync(join(dir, 'alerts.jsonl'), jsonl(versions) + '{"id":"cut sho');

    // Opening compacts the file: it holds older versions.
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    const readBack = store.alerts();
    expect(readBack.map((a) => [a.id, a.state, a.lastMs])).toEqual([
      [heap.id, 'resolved', NOW - DAY],
      [fds.id, 'acknowledged', NOW - DAY / 2],
    ]);
    await store.flush();
    expect(store.writeError()).toBeNull();
    // One line per alert, each its newest version, in the order of their newest versions (the reader's order).
    expect(onDisk<Alert>(dir, 'alerts.jsonl')).toEqual([versions.at(-2), versions.at(-1)]);
    // Nothing more to drop: the next compaction leaves the file alone.
    const text = readFileSync(join(dir, 'alerts.jsonl'), 'utf8');
    expect(await store.compact()).toEqual({ droppedLines: 0 });
    expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8')).toBe(text);
    // Another alert's line goes after them, and all read back as they were.
    store.putAlert({ ...heap, id: 'growth:heapInuseBytes@1', firstMs: NOW, lastMs: NOW });
    await store.close();
    const after = await openSeriesStore(dir);
    expect(after.loaded.skippedLines).toBe(0);
    expect(after.alerts().slice(1)).toEqual(readBack);
    await after.close();
  });

  it('drops the old lines behind a first line dated in the future (the clock was stepped back), and keeps that one', async () => {
    const dir = tmp();
    // Written while the clock was 2 days ahead, then set right: later lines are older than the first ones.
    const ahead = samplesOver(NOW + 2 * DAY, NOW + 2 * DAY + 3 * 60_000, 60_000);
    writeFileSync(join(dir, 'samples.jsonl'), jsonl([...ahead, ...samplesOver(NOW - 40 * DAY, NOW, DAY)]));
    writeFileSync(join(dir, 'events.jsonl'), jsonl([{ type: 'restart', timeMs: NOW + DAY, oldPid: 1, newPid: 2 }, { type: 'restart', timeMs: NOW - 35 * DAY, oldPid: 2, newPid: 7 }]));
    let now = NOW;
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => now, windowSize: 1000 });
    await store.flush();
    const times = () => onDisk<Sample>(dir, 'samples.jsonl').map((x) => x.timeMs);
    expect(times()).toEqual([...ahead.map((x) => x.timeMs), ...samplesOver(NOW - 30 * DAY, NOW, DAY).map((x) => x.timeMs)]);
    expect(onDisk<{ timeMs: number }>(dir, 'events.jsonl').map((e) => e.timeMs)).toEqual([NOW + DAY]);

    // While running too: twenty days on, memory and disk both drop what is older than the new cutoff.
    now = NOW + 20 * DAY;
    expect(await store.compact()).toEqual({ droppedLines: 20 });
    const kept = [...ahead.map((x) => x.timeMs), ...samplesOver(NOW - 10 * DAY, NOW, DAY).map((x) => x.timeMs)];
    expect(times()).toEqual(kept);
    expect(store.samples().map((x) => x.timeMs)).toEqual(kept);
    await store.close();
  });

  it('leaves a file alone while its first line is within the history', async () => {
    const dir = tmp();
    const text = jsonl(samplesOver(NOW - 10 * DAY, NOW, 60 * 60_000));
    writeFileSync(join(dir, 'samples.jsonl'), text);
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    expect(await store.compact()).toEqual({ droppedLines: 0 });
    expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(text);
    await store.close();
  });

  it('drops what aged out while running, and loses no line appended during the compaction', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'samples.jsonl'), jsonl(samplesOver(NOW - 30 * DAY, NOW, 60_000)));
    let now = NOW;
    let store: Awaited<ReturnType<typeof openSeriesStore>> | null = null;
    const appended: number[] = [];
    const appendSome = (n: number) => {
      for (let i = 0; i < n; i++) {
        const timeMs = now + appended.length;
        appended.push(timeMs);
        store!.append({ timeMs, pid: 7 });
      }
    };
    // The writer appends between every two chunks it writes: those lines land while the compaction runs.
    const appendingWriter: WriteChunksFn = async (path, chunks) => {
      const out = createWriteStream(path, { flags: 'wx' });
      for await (const chunk of chunks) {
        appendSome(50);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
    };
    store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => now, writeFile: appendingWriter });
    expect(store.samples()).toHaveLength(17_280);

    now = NOW + 10 * DAY;
    appendSome(100);
    const compacting = store.compact();
    appendSome(100);
    const { droppedLines } = await compacting;
    appendSome(100);
    await store.close();

    expect(droppedLines).toBe(10 * 24 * 60);
    expect(appended.length).toBeGreaterThan(300 + 50 * 10);
    const lines = onDisk<Sample>(dir, 'samples.jsonl');
    expect(lines).toHaveLength(20 * 24 * 60 + appended.length);
    expect(lines[0]!.timeMs).toBe(NOW - 20 * DAY);
    // Every appended line is there once, in the order it was appended.
    expect(lines.slice(-appended.length).map((x) => x.timeMs)).toEqual(appended);
    // In memory, the window starts at the new cutoff too.
    const again = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => now, windowSize: 1_000_000 });
    expect(again.samples()).toHaveLength(lines.length);
    await again.close();
  });

  it('applies a shorter history set while running at the next compaction', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'samples.jsonl'), jsonl(samplesOver(NOW - 20 * DAY, NOW, 60 * 60_000)));
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    expect(store.samples()).toHaveLength(20 * 24);
    store.setHistoryMs(7 * DAY);
    expect(store.historyMs()).toBe(7 * DAY);
    expect(await store.compact()).toEqual({ droppedLines: 13 * 24 });
    expect(store.samples()).toHaveLength(7 * 24);
    expect(onDisk<Sample>(dir, 'samples.jsonl')).toHaveLength(7 * 24);
    await store.close();
  });

  it('drops a last line cut short along with the old lines, and the next append still starts a fresh line', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'samples.jsonl'), jsonl(samplesOver(NOW - 40 * DAY, NOW, DAY)) + '{"timeMs":' + NOW + ',"pid":7,"fd');
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    expect(store.loaded).toEqual({ samples: 30, events: 0, alerts: 0, skippedLines: 1 });
    store.append({ timeMs: NOW + 1, pid: 7, fds: 99 });
    await store.close();
    const text = readFileSync(join(dir, 'samples.jsonl'), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).not.toContain('"fd\n');
    expect(onDisk<Sample>(dir, 'samples.jsonl').at(-1)).toEqual({ timeMs: NOW + 1, pid: 7, fds: 99 });
  });

  it('keeps the file whole when the compaction cannot write it, says so, and keeps appending', async () => {
    const dir = tmp();
    const before = jsonl(samplesOver(NOW - 40 * DAY, NOW, DAY));
    writeFileSync(join(dir, 'samples.jsonl'), before);
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW, writeFile: fullDisk });
    store.append({ timeMs: NOW + 1, pid: 7 });
    await store.flush();
    expect(store.writeError()).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/cannot drop old history from .*samples\.jsonl/) });
    expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(before + JSON.stringify({ timeMs: NOW + 1, pid: 7 }) + '\n');
    expect(readdirSync(dir).sort()).toEqual(['samples.jsonl', writerIdFile(process.pid), WRITER_LOCK].sort());
    expect(await store.compact()).toEqual({ droppedLines: 0 });
    expect(store.writeError()?.code).toBe('disk-full');
    await store.close();

    // Once the disk takes it, the next compaction drops the old lines and clears the error.
    const healthy = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    await healthy.flush();
    expect(healthy.writeError()).toBeNull();
    expect(onDisk<Sample>(dir, 'samples.jsonl')).toHaveLength(31);
    await healthy.close();
  });

  it.skipIf(process.getuid?.() === 0)('keeps the file whole in a folder it may not write to', async () => {
    // Root ignores file modes; the injected full disk above covers the same path for root.
    const dir = tmp();
    const before = jsonl(samplesOver(NOW - 40 * DAY, NOW, DAY));
    writeFileSync(join(dir, 'samples.jsonl'), before);
    chmodSync(dir, 0o500);
    try {
      const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
      await store.flush();
      expect(store.writeError()?.code).toBe('permission-denied');
      expect(readFileSync(join(dir, 'samples.jsonl'), 'utf8')).toBe(before);
      await store.close();
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('reads a 200,000-line file back line by line, keeping only the window, and skips a line too long to be ours', async () => {
    const dir = tmp();
    const out = createWriteStream(join(dir, 'samples.jsonl'));
    for (let i = 0; i < 200_000; i++) {
      if (i === 100_000) out.write('x'.repeat(2 * 1024 * 1024) + '\n');
      if (!out.write(JSON.stringify({ timeMs: NOW - 200_000 + i, pid: 7, fds: i, rssBytes: 1e8 + i, goroutines: 12 }) + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const store = await openSeriesStore(dir, { windowSize: 1000 });
    expect(store.loaded).toEqual({ samples: 1000, events: 0, alerts: 0, skippedLines: 1 });
    expect(store.samples().map((s) => s.fds)).toEqual(Array.from({ length: 1000 }, (_, i) => 199_000 + i));
    await store.close();
  });
});

describe('toCsv', () => {
  it('starts with the mem-monitor columns and writes ISO times', () => {
    const csv = toCsv([{ timeMs: Date.UTC(2026, 0, 2, 3, 4, 5), pid: 9, heapAllocBytes: 1024, heapInuseBytes: 2048, goroutines: 12, rssBytes: 50 * 1024 * 1024 }]);
    const [header, row] = csv.split('\n');
    expect(header!.startsWith('time,heap_alloc_bytes,heap_inuse_bytes,goroutines,rss_mb,')).toBe(true);
    expect(row!.startsWith('2026-01-02T03:04:05.000Z,1024,2048,12,50,9,')).toBe(true);
  });
});

describe('targetWatching: the target whose history is of a process', () => {
  const T = 1_780_000_000_000;
  const MIN = 60_000;
  /** A data folder whose targets' samples files end on these (target id → last sample). */
  function dataDirWith(last: Record<string, { timeMs: number; pid: number }>): string {
    const dataDir = tmp();
    for (const [id, sample] of Object.entries(last)) {
      mkdirSync(join(dataDir, 'targets', id), { recursive: true });
      writeFileSync(join(dataDir, 'targets', id, 'samples.jsonl'), `${JSON.stringify({ timeMs: sample.timeMs - 5000, pid: sample.pid })}\n${JSON.stringify(sample)}\n`);
    }
    return dataDir;
  }

  it('is one sampling the process now, or, given its start time, one that sampled it at any time since', async () => {
    const dataDir = dataDirWith({ 'my-server': { timeMs: T, pid: 42 }, other: { timeMs: T + 2 * MIN, pid: 43 } });
    // Sampled within the last minute: watching it now.
    expect(await targetWatching(dataDir, 42, T + 30_000)).toBe('my-server');
    // An hour later, without a start time: nobody watches it now.
    expect(await targetWatching(dataDir, 42, T + 60 * MIN)).toBeNull();
    // With it: the process started before that sample, so the history is of this very process.
    expect(await targetWatching(dataDir, 42, T + 60 * MIN, T - 10 * MIN)).toBe('my-server');
    // A process that started after the sample (the PID was reused), or within the second its start is known to: not it.
    expect(await targetWatching(dataDir, 42, T + 60 * MIN, T + 1)).toBeNull();
    expect(await targetWatching(dataDir, 42, T + 60 * MIN, T - 500)).toBeNull();
    expect(await targetWatching(dataDir, 44, T + 60 * MIN, T - 10 * MIN)).toBeNull();
  });

  it('takes the newest of several histories of the process', async () => {
    const dataDir = dataDirWith({ 'pid-42': { timeMs: T, pid: 42 }, 'my-server': { timeMs: T + 5 * MIN, pid: 42 } });
    expect(await targetWatching(dataDir, 42, T + 60 * MIN, T - MIN)).toBe('my-server');
  });
});
