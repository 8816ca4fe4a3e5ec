import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaptureKind, CaptureMeta } from '../../shared/captures.js';
import { checkId, newCaptureId, resolveInside } from './ids.js';
import { createCaptureStore, type CaptureStore } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leakbar-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let seq = 0;
/** Stores a capture with one file of `bytes` bytes, started at `startedMs`. */
async function put(store: CaptureStore, targetId: string, startedMs: number, bytes = 10, kind: CaptureKind = 'heap'): Promise<CaptureMeta> {
  const id = newCaptureId(startedMs, kind, () => (seq++).toString(16).padStart(4, '0'));
  const p = await store.begin(targetId, id);
  await p.writeFile('heap.pb.gz', new Uint8Array(bytes).fill(7), 'heap', 'http://x/debug/pprof/heap?gc=1');
  return p.commit({ kind, pid: 42, startedMs, endedMs: startedMs + 5, figures: null, alertKey: null, baseline: false, pinned: false, note: '' });
}

describe('capture ids', () => {
  it('makes ids of time, kind and 4 hex digits', () => {
    expect(newCaptureId(Date.UTC(2026, 10, 24, 15, 30, 12), 'heap', () => 'AB12')).toBe('20261124-153012-heap-ab12');
  });

  it.each(['../../etc', '..', '', '-x', 'A', 'a/b', 'a'.repeat(65), 'x\u0000'])('refuses the id %j', (id) => {
    expect(() => checkId(id)).toThrow(expect.objectContaining({ code: 'bad-input' }));
  });

  it('never resolves outside the root', () => {
    expect(() => resolveInside('/data/captures', '../../etc')).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => resolveInside('/data/captures', '/etc/passwd')).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => resolveInside('/data/captures', '')).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(resolveInside('/data/captures', 't', 'c')).toBe('/data/captures/t/c');
  });
});

describe('the capture store', () => {
  it('commits a capture by renaming its temporary folder into place', async () => {
    const store = await createCaptureStore(dir);
    const p = await store.begin('t1', '20261124-153012-heap-ab12');
    expect(await readdir(join(dir, 'captures', 't1'))).toEqual(['.tmp-20261124-153012-heap-ab12']);
    expect(await store.list('t1')).toEqual([]);
    await p.writeFile('heap.pb.gz', new Uint8Array([0x1f, 0x8b, 1]), 'heap');
    const meta = await p.commit({ kind: 'heap', pid: 1, startedMs: 1, endedMs: 2, figures: { timeMs: 1, pid: 1, rssBytes: 5 }, alertKey: 'a', baseline: false, pinned: false, note: '' });
    expect(await readdir(join(dir, 'captures', 't1'))).toEqual(['20261124-153012-heap-ab12']);
    expect(meta.files).toEqual([{ name: 'heap.pb.gz', role: 'heap', bytes: 3 }]);
    expect(await store.get(meta.id)).toEqual(meta);
    expect(await store.readFile(meta.id, 'heap.pb.gz')).toEqual(new Uint8Array([0x1f, 0x8b, 1]));
  });

  it('discards a capture without a trace', async () => {
    const store = await createCaptureStore(dir);
    const p = await store.begin('t1', '20261124-153012-heap-ab12');
    await p.writeFile('heap.pb.gz', new Uint8Array(3), 'heap');
    await p.discard();
    // Not even the target's folder, which it was the first in.
    expect(await readdir(join(dir, 'captures'))).toEqual([]);
  });

  it('removes what a crash left at open; a folder whose meta.json was deleted is listed as damaged, one with nothing of a capture not at all', async () => {
    const t = join(dir, 'captures', 't1');
    await mkdir(join(t, '.tmp-20261124-153012-heap-ab12'), { recursive: true });
    await writeFile(join(t, '.tmp-20261124-153012-heap-ab12', 'heap.pb.gz'), 'half');
    await mkdir(join(t, '20261124-153013-heap-cd34'));
    await writeFile(join(t, '20261124-153013-heap-cd34', 'heap.pb.gz'), 'no meta');
    await mkdir(join(t, '20261124-153014-heap-ef56'));
    await mkdir(join(dir, 'captures', '.tmp-del-x'), { recursive: true });
    const store = await createCaptureStore(dir);
    expect(store.cleanedAtOpen).toBe(2);
    expect((await readdir(t)).sort()).toEqual(['20261124-153013-heap-cd34', '20261124-153014-heap-ef56']);
    expect(await store.list()).toEqual([
      expect.objectContaining({ id: '20261124-153013-heap-cd34', targetId: 't1', kind: 'heap', startedMs: Date.UTC(2026, 10, 24, 15, 30, 13), files: [{ name: 'heap.pb.gz', role: 'heap', bytes: 7 }], damaged: 'its meta.json is missing' }),
    ]);
    expect(new TextDecoder().decode(await store.readFile('20261124-153013-heap-cd34', 'heap.pb.gz'))).toBe('no meta');
    await expect(store.setPinned('20261124-153013-heap-cd34', true)).rejects.toThrow(/cannot pin capture 20261124-153013-heap-cd34: its meta.json is missing/);
    await expect(store.get('20261124-153014-heap-ef56')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('refuses ids and file names that would reach outside the store', async () => {
    const store = await createCaptureStore(dir);
    const m = await put(store, 't1', 1000);
    await expect(store.get('../../etc')).rejects.toMatchObject({ code: 'bad-input' });
    await expect(store.dir('..')).rejects.toMatchObject({ code: 'bad-input' });
    await expect(store.readFile(m.id, '../meta.json')).rejects.toMatchObject({ code: 'bad-input' });
    await expect(store.readFile(m.id, 'meta.json')).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.list('../..')).rejects.toMatchObject({ code: 'bad-input' });
    await expect(store.begin('t1', '../../etc')).rejects.toMatchObject({ code: 'bad-input' });
    await expect(store.begin('..', 'x')).rejects.toMatchObject({ code: 'bad-input' });
    const p = await store.begin('t1', 'ok-1');
    await expect(p.writeFile('../../x', new Uint8Array(1), 'heap')).rejects.toMatchObject({ code: 'bad-input' });
    await expect(p.writeFile('meta.json', new Uint8Array(1), 'heap')).rejects.toMatchObject({ code: 'bad-input' });
    await p.discard();
  });

  it('keeps one baseline per target', async () => {
    const store = await createCaptureStore(dir);
    const a = await put(store, 't1', 1000);
    const b = await put(store, 't1', 2000);
    const other = await put(store, 't2', 1500);
    await store.markBaseline(a.id);
    await store.markBaseline(other.id);
    expect((await store.baseline('t1'))?.id).toBe(a.id);
    await Promise.all([store.markBaseline(b.id), store.markBaseline(b.id)]);
    expect((await store.list('t1')).filter((m) => m.baseline).map((m) => m.id)).toEqual([b.id]);
    expect((await store.baseline('t2'))?.id).toBe(other.id);
    expect(JSON.parse(await readFile(join(await store.dir(a.id), 'meta.json'), 'utf8')).baseline).toBe(false);
    expect((await readdir(await store.dir(b.id))).sort()).toEqual(['heap.pb.gz', 'meta.json']);
  });

  it('keeps the last N captures, never the baseline or pinned ones', async () => {
    const store = await createCaptureStore(dir);
    const made: CaptureMeta[] = [];
    for (let i = 0; i < 8; i++) made.push(await put(store, 't1', 1000 + i * 1000));
    await store.markBaseline(made[0]!.id);
    await store.setPinned(made[1]!.id, true);
    const deleted = await store.applyRetention('t1', { maxCaptures: 4 });
    expect(deleted).toEqual([made[2]!.id, made[3]!.id, made[4]!.id, made[5]!.id]);
    expect((await store.list('t1')).map((m) => m.id)).toEqual([made[7]!.id, made[6]!.id, made[1]!.id, made[0]!.id]);
    // Protected captures may hold the target over the limit: they are still never deleted.
    expect(await store.applyRetention('t1', { maxCaptures: 1 })).toEqual([made[6]!.id, made[7]!.id]);
    expect((await store.list('t1')).map((m) => m.id)).toEqual([made[1]!.id, made[0]!.id]);
    expect((await readdir(join(dir, 'captures', 't1'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('keeps at most N bytes per target, and the ids it is told to keep', async () => {
    const store = await createCaptureStore(dir, { retention: { maxBytes: 250 } });
    const made: CaptureMeta[] = [];
    for (let i = 0; i < 5; i++) made.push(await put(store, 't1', 1000 + i * 1000, 100));
    expect(await store.applyRetention('t1', { keepIds: [made[0]!.id] })).toEqual([made[1]!.id, made[2]!.id, made[3]!.id]);
    expect((await store.list('t1')).map((m) => m.id)).toEqual([made[4]!.id, made[0]!.id]);
  });

  it('deletes captures older than maxAgeMs, never the baseline, pinned ones or the ids it is told to keep', async () => {
    const day = 24 * 60 * 60_000;
    const now = Date.UTC(2026, 0, 31);
    const store = await createCaptureStore(dir, { now: () => now });
    const [baseline, pinned, kept, old, recent] = [
      await put(store, 't1', now - 60 * day),
      await put(store, 't1', now - 50 * day),
      await put(store, 't1', now - 45 * day),
      await put(store, 't1', now - 31 * day),
      await put(store, 't1', now - 29 * day),
    ];
    const other = await put(store, 't2', now - 40 * day);
    await store.markBaseline(baseline!.id);
    await store.setPinned(pinned!.id, true);
    expect(await store.applyRetention('t1', { maxAgeMs: 30 * day, keepIds: [kept!.id] })).toEqual([old!.id]);
    expect((await store.list('t1')).map((m) => m.id)).toEqual([recent!.id, kept!.id, pinned!.id, baseline!.id]);
    // Without an age limit (the default), age alone deletes nothing; other targets are left alone.
    expect(await store.applyRetention('t1')).toEqual([]);
    expect((await store.list('t2')).map((m) => m.id)).toEqual([other.id]);
  });

  it('pins, notes and deletes', async () => {
    const store = await createCaptureStore(dir);
    const a = await put(store, 't1', 1000);
    expect((await store.setPinned(a.id, true)).pinned).toBe(true);
    expect((await store.setNote(a.id, 'before the deploy')).note).toBe('before the deploy');
    expect(await store.get(a.id)).toMatchObject({ pinned: true, note: 'before the deploy' });
    await store.delete(a.id);
    await expect(store.get(a.id)).rejects.toMatchObject({ code: 'not-found' });
    expect(await readdir(join(dir, 'captures', 't1'))).toEqual([]);
  });
});
