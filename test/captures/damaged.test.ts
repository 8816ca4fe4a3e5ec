/**
 * Captures damaged by hand, from the built command (`npm run build:cli`) and a real `leakbar serve`, against the Go
 * fixture: a file of a capture deleted, a meta.json broken. Nothing readable is lost, and each says what is wrong.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { formatBytes } from '../../src/shared/units.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { leakbar } from '../helpers/cli.js';
import { apiCall, startServe, type Serve } from '../e2e/serve-helper.js';
import { createCaptureStore, type StoredCapture } from '../../src/engine/captures/index.js';
import { tempDir } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');

let fx: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };
let serve: Serve | undefined;

beforeAll(async () => {
  if ((await leakbar(['captures', '--help'])).code !== 0) await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: root });
  tmp = await tempDir();
  fx = await startFixture({ dir: tmp.dir });
}, 120_000);

afterAll(async () => {
  await serve?.stop();
  await fx?.stop();
  await tmp?.cleanup();
});

/** A real capture of the fixture, taken by `leakbar capture KIND`, into `dataDir`. */
async function capture(kind: string, dataDir: string): Promise<CaptureMeta & { dir: string }> {
  const r = await leakbar(['capture', kind, '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--data-dir', dataDir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CaptureMeta & { dir: string };
}

/** GET a capture file from the serve, with its token. */
async function getFile(s: Serve, id: string, name: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${s.origin}/api/captures/${id}/files/${name}`, { headers: { Authorization: `Bearer ${s.token}` }, signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: await r.text() };
}

describe('a capture file deleted by hand', () => {
  it('answers 404 "this file of the capture was deleted" (not a data-folder error), and `leakbar captures` counts only what is left', async () => {
    const data = join(tmp.dir, 'deleted-file');
    const meta = await capture('goroutine', data);
    expect(meta.files.length).toBeGreaterThanOrEqual(2);
    const [gone, kept] = [meta.files.find((f) => f.name.endsWith('.pb.gz'))!, meta.files.find((f) => !f.name.endsWith('.pb.gz'))!];
    await rm(join(meta.dir, gone.name));

    serve = await startServe(['--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', data]);
    const r = await getFile(serve, meta.id, gone.name);
    expect(r.status, r.body).toBe(404);
    const body = JSON.parse(r.body) as { code: string; message: string; hint?: string };
    expect(body.code).toBe('not-found');
    expect(body.message).toContain('this file of the capture was deleted');
    expect(body.message).toContain(gone.name);
    expect(`${body.message} ${body.hint}`).not.toMatch(/must be a folder you can write|data folder/);
    // The capture's other file is served as before, byte for byte.
    const other = await getFile(serve, meta.id, kept.name);
    expect(other.status).toBe(200);
    expect(other.body).toBe(await readFile(join(meta.dir, kept.name), 'utf8'));
    // The API (which the pages list captures and their files by) looks at the disk as `leakbar captures` does: the
    // deleted file is marked missing, where it gave meta.json's size for a file that answers 404.
    const listed = (await apiCall<CaptureMeta[]>(serve, 'listCaptures', { targetId: meta.targetId })).find((c) => c.id === meta.id)!;
    const got = await apiCall<CaptureMeta>(serve, 'getCapture', { captureId: meta.id });
    for (const c of [listed, got]) {
      expect(c.files.find((f) => f.name === gone.name)).toMatchObject({ name: gone.name, missing: true });
      expect(c.files.find((f) => f.name === kept.name)!.missing).toBeUndefined();
      expect(c.missingFiles).toEqual([gone.name]);
    }
    // Nothing of it is written to meta.json.
    expect(await readFile(join(meta.dir, 'meta.json'), 'utf8')).not.toMatch(/missing/);
    await serve.stop();
    serve = undefined;

    const table = await leakbar(['captures', '--data-dir', data]);
    expect(table.code, table.stderr).toBe(0);
    const row = table.stdout.split('\n').find((l) => l.startsWith(meta.id))!;
    // The size is what is left on disk, not meta.json's sum.
    expect(row).toContain(`${formatBytes((await stat(join(meta.dir, kept.name))).size)} (${gone.name} deleted)`);
    const json = JSON.parse((await leakbar(['captures', '--data-dir', data, '--json'])).stdout) as Array<CaptureMeta & { missingFiles?: string[] }>;
    expect(json.find((c) => c.id === meta.id)!.missingFiles).toEqual([gone.name]);
  }, 90_000);
});

describe('a capture whose meta.json is damaged', () => {
  it('is listed as damaged, saying what is wrong, with the files its folder holds; read as usual, never deleted by retention, and no advice to delete it', async () => {
    const data = join(tmp.dir, 'damaged-meta');
    const meta = await capture('heap', data);
    const whole = await capture('goroutine', data);
    const metaText = await readFile(join(meta.dir, 'meta.json'), 'utf8');
    // Cut short, as a crash of an editor or a full disk leaves it.
    await writeFile(join(meta.dir, 'meta.json'), metaText.slice(0, 40));
    const heapBytes = await readFile(join(meta.dir, 'heap.pb.gz'));

    const table = await leakbar(['captures', '--data-dir', data]);
    expect(table.code, table.stderr).toBe(0);
    const row = table.stdout.split('\n').find((l) => l.startsWith(meta.id));
    expect(row, table.stdout).toBeDefined();
    expect(row).toMatch(/\bheap\b/);
    expect(row).toContain('DAMAGED: its meta.json is not JSON');
    expect(row).toContain(formatBytes(heapBytes.byteLength));
    expect(table.stdout.split('\n').some((l) => l.startsWith(whole.id))).toBe(true);
    expect(table.stderr).toContain(`capture ${meta.id} has a damaged meta.json`);
    expect(table.stderr).not.toMatch(/delete/i);
    const json = JSON.parse((await leakbar(['captures', '--data-dir', data, '--json'])).stdout) as Array<StoredCapture & { dir: string }>;
    const listed = json.find((c) => c.id === meta.id)!;
    expect(listed.damaged).toMatch(/^its meta.json is not JSON \(/);
    expect(listed.files).toEqual([{ name: 'heap.pb.gz', role: 'heap', bytes: heapBytes.byteLength }]);
    expect(listed.dir).toBe(meta.dir);

    // A change to it is refused, saying why and that its files are kept; the damaged text is left as it was.
    const pin = await leakbar(['pin', meta.id, '--data-dir', data]);
    expect(pin.code).not.toBe(0);
    expect(pin.stderr).toContain(`cannot pin capture ${meta.id}: its meta.json is not JSON`);
    expect(pin.stderr).not.toMatch(/delete/i);
    expect(await readFile(join(meta.dir, 'meta.json'), 'utf8')).toBe(metaText.slice(0, 40));

    // The API lists it and hands it out, and its profile is served byte for byte.
    serve = await startServe(['--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', data]);
    const all = await apiCall<StoredCapture[]>(serve, 'listCaptures', { targetId: meta.targetId });
    expect(all.map((c) => c.id)).toEqual(expect.arrayContaining([meta.id, whole.id]));
    const got = await apiCall<StoredCapture>(serve, 'getCapture', { captureId: meta.id });
    expect(got.damaged).toMatch(/not JSON/);
    expect(JSON.stringify(got)).not.toMatch(/delete/i);
    const file = await fetch(`${serve.origin}/api/captures/${meta.id}/files/heap.pb.gz`, { headers: { Authorization: `Bearer ${serve.token}` } });
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(heapBytes)).toBe(true);
    await serve.stop();
    serve = undefined;

    // Retention, however strict, keeps it (it may have been a baseline or pinned: meta.json no longer says).
    const store = await createCaptureStore(data);
    expect(await store.applyRetention(meta.targetId, { maxCaptures: 0, maxBytes: 0, maxAgeMs: 0 })).toEqual([whole.id]);
    expect((await stat(join(meta.dir, 'heap.pb.gz'))).size).toBe(heapBytes.byteLength);
  }, 90_000);
});
