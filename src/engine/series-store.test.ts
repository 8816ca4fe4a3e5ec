import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSeriesStore } from './series-store.js';
import { toCsv } from '../shared/csv.js';
import type { Alert } from '../shared/alerts.js';

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

describe('toCsv', () => {
  it('starts with the mem-monitor columns and writes ISO times', () => {
    const csv = toCsv([{ timeMs: Date.UTC(2026, 0, 2, 3, 4, 5), pid: 9, heapAllocBytes: 1024, heapInuseBytes: 2048, goroutines: 12, rssBytes: 50 * 1024 * 1024 }]);
    const [header, row] = csv.split('\n');
    expect(header!.startsWith('time,heap_alloc_bytes,heap_inuse_bytes,goroutines,rss_mb,')).toBe(true);
    expect(row!.startsWith('2026-01-02T03:04:05.000Z,1024,2048,12,50,9,')).toBe(true);
  });
});
