import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMemStats } from '../analysis/memstats.js';
import { createPprofFetch, parseGoroutineTotal, pprofEndpointUrl, readGoroutineCount, readMemStats } from './pprof-http.js';
import type { FetchFn } from './types.js';

const sample = (name: string) => readFileSync(new URL(`../../../shared/samples/${name}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n');
const answer = (status: number, text: string): FetchFn => async () => ({ status, contentType: 'text/plain; charset=utf-8', body: new TextEncoder().encode(text) });

describe('parseMemStats on a real heap?debug=1 body', () => {
  it('reads every single-number line of a heap?debug=1 body, and splits the Inuse / Sys pairs', () => {
    const s = parseMemStats(sample('heap-debug1-1.txt'));
    expect(s).toMatchObject({
      Alloc: 473221184,
      TotalAlloc: 473230888,
      Sys: 487369080,
      Lookups: 0,
      Mallocs: 449,
      Frees: 106,
      HeapAlloc: 473221184,
      HeapSys: 482017280,
      HeapIdle: 8413184,
      HeapInuse: 473604096,
      HeapReleased: 8306688,
      HeapObjects: 343,
      StackInuse: 327680,
      StackSys: 327680,
      MSpanInuse: 33120,
      MSpanSys: 48960,
      MCacheInuse: 9664,
      MCacheSys: 15704,
      NextGC: 502996692,
      NumGC: 6,
      NumForcedGC: 0,
      GCCPUFraction: 0,
      MaxRSS: 66846720,
    });
    expect(s.LastGC).toBe(1257894032000000000);
    // Arrays and booleans stay out.
    expect(s).not.toHaveProperty('PauseNs');
    expect(s).not.toHaveProperty('PauseEnd');
    expect(s).not.toHaveProperty('DebugGC');
    expect(Object.keys(s)).toHaveLength(27);
  });
});

describe('pprof endpoint readers with an injected fetch', () => {
  it('joins the base URL with or without its final slash', () => {
    expect(pprofEndpointUrl('http://127.0.0.1:6060/debug/pprof/', 'goroutine?debug=1')).toBe('http://127.0.0.1:6060/debug/pprof/goroutine?debug=1');
    expect(pprofEndpointUrl('http://127.0.0.1:6060/debug/pprof', 'heap?debug=1')).toBe('http://127.0.0.1:6060/debug/pprof/heap?debug=1');
    expect(() => pprofEndpointUrl('not a url', 'heap')).toThrow(expect.objectContaining({ code: 'bad-input' }));
  });

  it('reads the goroutine total from the first line of a real goroutine?debug=1 body', async () => {
    expect(await readGoroutineCount('http://x/debug/pprof/', answer(200, sample('goroutine-debug1-1.txt')))).toBe(10);
    expect(parseGoroutineTotal('goroutine profile: total 1234\n')).toBe(1234);
  });

  it('reads MemStats from the end of a real heap?debug=1 body', async () => {
    const stats = await readMemStats('http://x/debug/pprof/', answer(200, sample('heap-debug1-1.txt')));
    expect(stats).toMatchObject({ HeapAlloc: 473221184, HeapInuse: 473604096, NumGC: 6 });
  });

  it('says endpoint-status for a 404 and endpoint-garbage for HTML, quoting its start', async () => {
    await expect(readGoroutineCount('http://x/debug/pprof/', answer(404, '404 page not found\n'))).rejects.toMatchObject({ code: 'endpoint-status', message: expect.stringContaining('404') });
    const html = '<!DOCTYPE html><html><head><title>Dashboard</title></head><body>' + 'x'.repeat(100);
    await expect(readGoroutineCount('http://x/debug/pprof/', answer(200, html))).rejects.toMatchObject({
      code: 'endpoint-garbage',
      message: `the pprof endpoint at http://x/debug/pprof/ does not answer like Go's net/http/pprof (got ${JSON.stringify(html.slice(0, 60))}…)`,
    });
    await expect(readMemStats('http://x/debug/pprof/', answer(200, 'heap profile: 0: 0 [0: 0] @ heap/1\n'))).rejects.toMatchObject({ code: 'endpoint-garbage' });
  });
});

/** Waits until `cond()` holds, checking every 20 ms, for at most 5 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !cond(); i++) await new Promise((ok) => setTimeout(ok, 20));
  if (!cond()) throw new Error('the condition did not hold within 5 s');
}

describe('pprof endpoint readers over real HTTP (127.0.0.1)', () => {
  let hanging: Server;
  /**
   * Every connection the hanging server took, and whether it has closed. (Each GET has a connection of its own,
   * and no spare one is opened after an abort, as the global fetch did: nodejs/undici#5845.)
   */
  const hangingSockets: Array<{ closed: boolean }> = [];
  let html: Server;
  const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/debug/pprof/`;
  const listen = (s: Server) => new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));

  beforeAll(async () => {
    // Never answers.
    hanging = createServer(() => {});
    hanging.on('connection', (socket: Socket) => {
      const entry = { closed: false };
      hangingSockets.push(entry);
      socket.once('close', () => (entry.closed = true));
    });
    html = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to the admin console</body></html>');
    });
    await Promise.all([listen(hanging), listen(html)]);
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await Promise.all([new Promise((ok) => hanging.close(ok)), new Promise((ok) => html.close(ok))]);
  });

  it('says endpoint-refused, with the hint, when nothing listens on the port', async () => {
    const probe = createServer();
    await listen(probe);
    const closed = url(probe);
    await new Promise((ok) => probe.close(ok));
    await expect(readGoroutineCount(closed, createPprofFetch())).rejects.toMatchObject({
      code: 'endpoint-refused',
      hint: 'is the program running with net/http/pprof imported, and is the URL right?',
    });
  });

  it('says timeout within the given timeout when the server never answers', async () => {
    const t0 = performance.now();
    await expect(readGoroutineCount(url(hanging), createPprofFetch(), { timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
    const tookMs = performance.now() - t0;
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(2000);
  });

  it('cancels a GET the moment its signal aborts, closing its connection, and says it was cancelled', async () => {
    const cancel = new AbortController();
    const before = hangingSockets.length;
    const read = readGoroutineCount(url(hanging), createPprofFetch(), { timeoutMs: 60_000, signal: cancel.signal });
    const outcome = read.catch((e: unknown) => e);
    await until(() => hangingSockets.length > before);
    cancel.abort();
    expect(await outcome).toMatchObject({ code: 'cancelled', message: `GET ${url(hanging)}goroutine?debug=1 was cancelled` });
    // The server side sees the connection go, not only the caller giving up on it; and no other comes.
    await until(() => hangingSockets.slice(before).every((s) => s.closed));
    await new Promise((ok) => setTimeout(ok, 300));
    expect(hangingSockets.length).toBe(before + 1);
  });

  it('does not start a GET whose signal has already aborted', async () => {
    const before = hangingSockets.length;
    await expect(readGoroutineCount(url(hanging), createPprofFetch(), { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((ok) => setTimeout(ok, 100));
    expect(hangingSockets.length).toBe(before);
  });

  it('says endpoint-garbage when the server answers with an HTML page', async () => {
    await expect(readMemStats(url(html), createPprofFetch())).rejects.toMatchObject({ code: 'endpoint-garbage', message: expect.stringContaining('<html><body>Welcome') });
  });
});
