/** Every capture kind against the real Go fixture: stored as fetched, reopened by `go tool pprof -top`, metadata true to the files. */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProfile } from '../../src/analysis/pprof/index.js';
import { createCaptureService, createCaptureStore, type CaptureService, type CaptureStore } from '../../src/engine/captures/index.js';
import type { CaptureKind, CaptureMeta } from '../../src/shared/captures.js';
import type { TargetConfig } from '../../src/shared/types.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { createCollectors } from '../../src/collectors/index.js';
import { pprofTop, tempDir } from './helpers.js';

let fx: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };
let store: CaptureStore;
let service: CaptureService;
let target: TargetConfig;

beforeAll(async () => {
  fx = await startFixture({ goroutines: 20 });
  tmp = await tempDir();
  store = await createCaptureStore(tmp.dir);
  service = createCaptureService({ store, collectors: createCollectors() });
  target = { id: 'leaky', name: 'the leaky fixture', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: ['leaky-'] };
  await fx.leak({ heapkb: 2048, goroutines: 10, fds: 5 });
});

afterAll(async () => {
  await fx?.stop();
  await tmp?.cleanup();
});

/** Checks meta.files against the folder: same names, same sizes, and nothing else but meta.json. */
async function expectMetaMatchesFolder(meta: CaptureMeta): Promise<string> {
  const dir = await store.dir(meta.id);
  expect(dir).toBe(join(tmp.dir, 'captures', 'leaky', meta.id));
  const onDisk = (await readdir(dir)).sort();
  expect(onDisk).toEqual([...meta.files.map((f) => f.name), 'meta.json'].sort());
  for (const f of meta.files) expect((await stat(join(dir, f.name))).size, f.name).toBe(f.bytes);
  expect(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))).toEqual(meta);
  return dir;
}

async function expectOpensInPprof(dir: string, name: string): Promise<void> {
  const bytes = await readFile(join(dir, name));
  expect([bytes[0], bytes[1]], `${name} is gzip`).toEqual([0x1f, 0x8b]);
  expect(() => decodeProfile(bytes, { gunzip: (b) => gunzipSync(b), allowNoSamples: true })).not.toThrow();
  const top = await pprofTop(join(dir, name));
  expect(top.code, top.stderr).toBe(0);
  expect(top.stdout).toContain('Type:');
}

describe('each capture kind against the Go fixture', () => {
  it.each<[CaptureKind, string[]]>([
    ['heap', ['heap.pb.gz']],
    ['allocs', ['allocs.pb.gz']],
    ['goroutine', ['goroutine.pb.gz', 'goroutine-debug2.txt']],
  ])('takes a %s capture that go tool pprof reopens', async (kind, names) => {
    const meta = await service.capture({ target, pid: fx.pid, kind });
    expect(meta.id).toMatch(new RegExp(`^\\d{8}-\\d{6}-${kind}-[0-9a-f]{4}$`));
    expect(meta).toMatchObject({ kind, targetId: 'leaky', pid: fx.pid, baseline: false, pinned: false, alertKey: null });
    expect(meta.files.map((f) => f.name)).toEqual(names);
    const dir = await expectMetaMatchesFolder(meta);
    for (const n of names.filter((n) => n.endsWith('.pb.gz'))) await expectOpensInPprof(dir, n);
    if (kind === 'heap') expect(meta.files[0]!.url).toBe(`${fx.pprofUrl}heap?gc=1`);
    if (kind === 'goroutine') expect(await readFile(join(dir, 'goroutine-debug2.txt'), 'utf8')).toMatch(/^goroutine \d+ \[/);
  });

  it('takes a CPU profile of the seconds asked for, which go tool pprof reopens', async () => {
    const started = Date.now();
    const meta = await service.capture({ target, pid: fx.pid, kind: 'cpu', seconds: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(meta.files.map((f) => f.name)).toEqual(['cpu.pb.gz']);
    expect(meta.files[0]!.url).toBe(`${fx.pprofUrl}profile?seconds=1`);
    await expectOpensInPprof(await expectMetaMatchesFolder(meta), 'cpu.pb.gz');
  });

  it.each(['block', 'mutex'] as const)('says a %s profile is off, and keeps nothing', async (kind) => {
    const before = await store.list('leaky');
    await expect(service.capture({ target, pid: fx.pid, kind })).rejects.toMatchObject({ code: 'empty-profile', message: expect.stringContaining(`${kind} profiling on`) });
    expect(await store.list('leaky')).toHaveLength(before.length);
    expect((await readdir(join(tmp.dir, 'captures', 'leaky'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('takes a system snapshot: FD list with types and paths, memory map, process figures', async () => {
    const meta = await service.capture({ target, pid: fx.pid, kind: 'system', figures: { timeMs: 1, pid: fx.pid, fds: 12 }, alertKey: 'fds-high' });
    expect(meta.files.map((f) => f.name)).toEqual(['process.json', 'fds.json', 'memory-map.json']);
    expect(meta.figures).toEqual({ timeMs: 1, pid: fx.pid, fds: 12 });
    expect(meta.alertKey).toBe('fds-high');
    const dir = await expectMetaMatchesFolder(meta);
    const fds = JSON.parse(await readFile(join(dir, 'fds.json'), 'utf8')) as { entries: Array<{ type: string; name: string }>; breakdown: { total: number } };
    expect(fds.entries.filter((e) => /leaky-\d+-\d\.dat$/.test(e.name) && e.type === 'file').length).toBeGreaterThanOrEqual(5);
    expect(fds.breakdown.total).toBe(fds.entries.length);
    expect(JSON.parse(await readFile(join(dir, 'process.json'), 'utf8'))).toMatchObject({ pid: fx.pid, threads: expect.any(Number) });
    expect(JSON.parse(await readFile(join(dir, 'memory-map.json'), 'utf8'))).toMatchObject({ source: 'smaps' });
  });

  it('takes a bundle of everything, skipping the profiles that are off and saying so', async () => {
    const meta = await service.capture({ target, pid: fx.pid, kind: 'bundle', includeCpu: true, seconds: 1 });
    expect(meta.files.map((f) => f.name)).toEqual(['process.json', 'fds.json', 'memory-map.json', 'heap.pb.gz', 'allocs.pb.gz', 'goroutine.pb.gz', 'goroutine-debug2.txt', 'cpu.pb.gz']);
    expect(meta.note).toMatch(/Skipped: block \(profiling is off, or empty\); mutex \(profiling is off, or empty\)/);
    const dir = await expectMetaMatchesFolder(meta);
    for (const n of ['heap.pb.gz', 'allocs.pb.gz', 'goroutine.pb.gz', 'cpu.pb.gz']) await expectOpensInPprof(dir, n);
  });

  it('lists captures newest first and reads a file back byte for byte', async () => {
    const all = await store.list('leaky');
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(all.map((m) => m.startedMs)).toEqual([...all.map((m) => m.startedMs)].sort((a, b) => b - a));
    const heap = all.find((m) => m.kind === 'heap')!;
    expect(Buffer.from(await store.readFile(heap.id, 'heap.pb.gz')).equals(await readFile(join(await store.dir(heap.id), 'heap.pb.gz')))).toBe(true);
  });
});
