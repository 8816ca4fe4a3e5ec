/**
 * Captures damaged by hand, from the built command (`npm run build:cli`) and a real `leakbar serve`, against the Go
 * fixture: a file of a capture deleted, a meta.json broken. Nothing readable is lost, and each says what is wrong.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { formatBytes } from '../../src/shared/units.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { leakbar } from '../helpers/cli.js';
import { startServe, type Serve } from '../e2e/serve-helper.js';
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
