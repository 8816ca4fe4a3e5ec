/** Captures that fail keep nothing and say why: a program killed mid-capture, a second capture of a kind, cancel, an unwritable or full store, not a Go endpoint. */
import { createServer, request, type Server } from 'node:http';
import { readdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { checkProfileResponse, createCaptureFetch, createCaptureService, createCaptureStore, type CaptureEvent, type CaptureStore } from '../../src/engine/captures/index.js';
import { LeakbarError } from '../../src/shared/errors.js';
import type { TargetConfig } from '../../src/shared/types.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { createCollectors } from '../../src/collectors/index.js';
import { tempDir } from './helpers.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
const fixtures: Fixture[] = [];

beforeAll(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.stop()));
});
afterAll(async () => {
  await tmp?.cleanup();
});

const targetOf = (fx: { pid: number; pprofUrl: string }, id = 'leaky'): TargetConfig => ({ id, name: `fixture ${id}`, selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] });

/** Everything in a target's folder: captures and any leftover temporary folder. */
async function entries(store: CaptureStore, targetId: string): Promise<string[]> {
  return readdir(join(store.root, targetId)).catch(() => []);
}

describe('a failed capture keeps nothing', () => {
  it('fails clearly when the program is killed during a CPU capture', async () => {
    const fx = await startFixture();
    fixtures.push(fx);
    const store = await createCaptureStore(join(tmp.dir, 'killed'));
    const events: CaptureEvent[] = [];
    const service = createCaptureService({ store, collectors: createCollectors(), onEvent: (e) => events.push(e) });
    const p = service.capture({ target: targetOf(fx), pid: fx.pid, kind: 'cpu', seconds: 5 });
    await new Promise((r) => setTimeout(r, 700));
    expect(service.inProgress('leaky')).toEqual([expect.objectContaining({ kind: 'cpu', expectedMs: 5000 })]);
    fx.child.kill('SIGKILL');
    await expect(p).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: expect.stringMatching(/^the connection to http:.*\/debug\/pprof\/profile\?seconds=5 closed before the profile arrived/),
      hint: 'did the program exit or restart during the capture?',
    });
    expect(await entries(store, 'leaky')).toEqual([]);
    expect(await store.list()).toEqual([]);
    expect(service.inProgress()).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['capture-started', 'capture-failed']);
  });

  it('refuses a second capture of the same kind while one runs, then cancels the first', async () => {
    const fx = await startFixture();
    fixtures.push(fx);
    const store = await createCaptureStore(join(tmp.dir, 'busy'));
    const service = createCaptureService({ store, collectors: null });
    const target = targetOf(fx);
    const first = service.capture({ target, pid: fx.pid, kind: 'cpu', seconds: 10 });
    first.catch(() => {});
    await new Promise((r) => setTimeout(r, 1100));
    await expect(service.capture({ target, pid: fx.pid, kind: 'cpu', seconds: 1 })).rejects.toMatchObject({
      code: 'busy',
      message: expect.stringMatching(/^a cpu capture of fixture leaky is already running, started 1\.\ds ago$/),
    });
    // A bundle with CPU needs the CPU slot too; another kind goes ahead.
    await expect(service.capture({ target, pid: fx.pid, kind: 'bundle', includeCpu: true, seconds: 1 })).rejects.toMatchObject({ code: 'busy' });
    await expect(service.capture({ target, pid: fx.pid, kind: 'heap' })).resolves.toMatchObject({ kind: 'heap' });
    expect(service.cancel('leaky', 'cpu')).toBe(true);
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    expect((await store.list('leaky')).map((m) => m.kind)).toEqual(['heap']);
    expect((await entries(store, 'leaky')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(service.cancel('leaky', 'cpu')).toBe(false);
  });

  it('cancels through the caller’s AbortSignal', async () => {
    const fx = await startFixture();
    fixtures.push(fx);
    const store = await createCaptureStore(join(tmp.dir, 'abort'));
    const service = createCaptureService({ store, collectors: null });
    const ac = new AbortController();
    const p = service.capture({ target: targetOf(fx), pid: fx.pid, kind: 'cpu', seconds: 10, signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    await expect(p).rejects.toMatchObject({ code: 'cancelled', message: 'the cpu capture of fixture leaky was cancelled' });
    expect(await entries(store, 'leaky')).toEqual([]);
  });

  it('fails to open a store under a regular file, saying so', async () => {
    const file = join(tmp.dir, 'a-file');
    await writeFile(file, 'not a folder');
    await expect(createCaptureStore(join(file, 'data'))).rejects.toMatchObject({ code: 'io-error', message: expect.stringContaining('create the capture store'), hint: expect.stringContaining('writable folder') });
  });

  it('fails a capture whose target folder became unwritable (a regular file in its place), keeping nothing', async () => {
    const fx = await startFixture();
    fixtures.push(fx);
    const store = await createCaptureStore(join(tmp.dir, 'unwritable'));
    await writeFile(join(store.root, 'leaky'), 'in the way');
    const service = createCaptureService({ store, collectors: null });
    await expect(service.capture({ target: targetOf(fx), pid: fx.pid, kind: 'heap' })).rejects.toMatchObject({ code: 'io-error' });
    expect(await readdir(store.root)).toEqual(['leaky']);
  });

  it('fails with disk-full when the disk fills mid-capture (ENOSPC from the writer), keeping nothing', async () => {
    const fx = await startFixture();
    fixtures.push(fx);
    let writes = 0;
    // No tmpfs can be mounted here: the writer is injected, and fails the way write(2) does on a full disk.
    const store = await createCaptureStore(join(tmp.dir, 'full'), {
      writeFile: async (path, bytes) => {
        if (++writes === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        await writeFile(path, bytes);
      },
    });
    const service = createCaptureService({ store, collectors: createCollectors() });
    await expect(service.capture({ target: targetOf(fx), pid: fx.pid, kind: 'bundle' })).rejects.toMatchObject({
      code: 'disk-full',
      message: expect.stringContaining('the disk is full'),
      hint: expect.stringContaining('nothing half-written was kept'),
    });
    expect(await entries(store, 'leaky')).toEqual([]);
  });
});

describe('an endpoint that is not Go pprof', () => {
  let server: Server;
  let base: string;
  // A gzip bomb: 300 MiB of zeros, 1.3 MB gzipped.
  const bomb = gzipSync(new Uint8Array(300 << 20), { level: 1 });
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/bomb/debug/pprof/')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bomb);
      } else if (req.url?.startsWith('/html/debug/pprof/')) {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Login</body></html>');
      } else if (req.url?.startsWith('/text/debug/pprof/')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('heap profile: 0: 0 [0: 0] @ heap/1048576\n');
      } else if (req.url?.startsWith('/slow/')) {
        setTimeout(() => res.writeHead(200).end(), 5000);
      } else res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const serviceFor = async (name: string) => {
    const store = await createCaptureStore(join(tmp.dir, name));
    return { store, service: createCaptureService({ store, collectors: null }) };
  };
  const target = (path: string): TargetConfig => ({ id: 'web', name: 'a web server', selector: { match: 'x' }, pprofUrl: `${base}${path}`, fdPatterns: [] });

  it('says a 404 on /debug/pprof/heap is not a Go program', async () => {
    const { store, service } = await serviceFor('404');
    await expect(service.capture({ target: target('/debug/pprof/'), pid: null, kind: 'heap' })).rejects.toMatchObject({
      code: 'endpoint-status',
      message: expect.stringMatching(/heap\?gc=1 answered 404 Not Found: this does not look like a Go program serving net\/http\/pprof/),
    });
    expect(await entries(store, 'web')).toEqual([]);
  });

  it('says an HTML page is not a profile', async () => {
    const { service } = await serviceFor('html');
    await expect(service.capture({ target: target('/html/debug/pprof/'), pid: null, kind: 'heap' })).rejects.toMatchObject({ code: 'not-a-profile', message: expect.stringContaining('HTML page') });
  });

  it('says text is not a gzipped profile', async () => {
    const { service } = await serviceFor('text');
    await expect(service.capture({ target: target('/text/debug/pprof/'), pid: null, kind: 'allocs' })).rejects.toMatchObject({ code: 'not-a-profile', message: expect.stringContaining('first bytes 68 65 61 70') });
  });

  it('stops inflating a gzip bomb at 256 MB, off the event loop, and says so naming the URL', async () => {
    const { store, service } = await serviceFor('bomb');
    await expect(service.capture({ target: target('/bomb/debug/pprof/'), pid: null, kind: 'heap' })).rejects.toMatchObject({
      code: 'corrupt-profile',
      message: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/bomb\/debug\/pprof\/heap\?gc=1: the profile inflates to more than 256 MB/),
    });
    expect(await entries(store, 'web')).toEqual([]);
    // The capture fetch inflates on zlib's thread pool, so checkProfileResponse never inflates on the event loop.
    const res = await createCaptureFetch()(`${base}/bomb/debug/pprof/heap`, { timeoutMs: 20_000 });
    expect(res.inflated).toBeInstanceOf(LeakbarError);
    expect(() => checkProfileResponse('u', res)).toThrow(/^u: the profile inflates to more than 256 MB/);
  });

  it('says when the endpoint is down, and leaves no empty folder for the target', async () => {
    const { store, service } = await serviceFor('down');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(service.capture({ target: { ...target(''), pprofUrl: `http://127.0.0.1:${port}/debug/pprof/` }, pid: null, kind: 'goroutine' })).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect(await readdir(store.root)).toEqual([]);
  });

  it('times a CPU profile out at 1.5 × its seconds', async () => {
    const { service } = await serviceFor('slow');
    const started = Date.now();
    await expect(service.capture({ target: target('/slow/debug/pprof/'), pid: null, kind: 'cpu', seconds: 1 })).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining('within 1.5 s') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('leaves a bundle that got nothing as a failure', async () => {
    const { store, service } = await serviceFor('bundle-nothing');
    await expect(service.capture({ target: target('/debug/pprof/'), pid: null, kind: 'bundle' })).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/^nothing could be captured of a web server: system snapshot \(.*\); heap \(.*answered 404 Not Found.*\); allocs/),
    });
    expect(await entries(store, 'web')).toEqual([]);
  });

  it('says of the parts a bundle did not try after an answer that broke off that it broke off, not that the endpoint refused', async () => {
    const fx = await startFixture();
    fixtures.push(fx);
    const { store } = await serviceFor('bundle-broke-off');
    // The fixture's own endpoint (its cmdline, so it is pid's), but the heap profile stops after 500 of 100000 bytes.
    const upstream = new URL(fx.pprofUrl);
    const proxy = createServer((req, res) => {
      if ((req.url ?? '').startsWith('/debug/pprof/heap')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100000' });
        res.write(Buffer.alloc(500, 1), () => res.destroy());
        return;
      }
      const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end();
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    try {
      const pprofUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/debug/pprof/`;
      const service = createCaptureService({ store, collectors: createCollectors(), fetch: createCaptureFetch() });
      const meta = await service.capture({ target: targetOf({ pid: fx.pid, pprofUrl }, 'broke'), pid: fx.pid, kind: 'bundle' });
      expect(meta.files.map((f) => f.name)).toEqual(['process.json', 'fds.json', 'memory-map.json']);
      expect(meta.note).toMatch(/^Skipped: heap \(the answer from .*heap.* broke off: the connection closed after 500 bytes of the answer \(did the program exit or restart during the capture\?\)\); allocs \(not tried: the endpoint’s answer broke off before\); goroutine \(not tried: the endpoint’s answer broke off before\)/);
      expect(meta.note).not.toContain('refused');
    } finally {
      await new Promise((ok) => proxy.close(ok));
    }
  });

  it('keeps the system snapshot of a bundle whose endpoint is stuck, asking it only once', async () => {
    const fx = await startFixture();
    fixtures.push(fx);
    const { store } = await serviceFor('bundle-stuck');
    let asked = 0;
    const service = createCaptureService({
      store,
      collectors: createCollectors(),
      fetch: async (url) => {
        asked++;
        throw new LeakbarError('timeout', `no answer from ${url} within 60 s`);
      },
    });
    const meta = await service.capture({ target: targetOf(fx, 'stuck'), pid: fx.pid, kind: 'bundle' });
    expect(asked).toBe(1);
    expect(meta.files.map((f) => f.name)).toEqual(['process.json', 'fds.json', 'memory-map.json']);
    expect(meta.note).toMatch(/^Skipped: heap \(no answer from .* within 60 s\); allocs \(not tried: the endpoint timed out before\); goroutine \(not tried/);
    expect(await entries(store, 'stuck')).toEqual([meta.id]);
  });
});
