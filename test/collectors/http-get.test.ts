/** httpGet over real HTTP on 127.0.0.1: redirects, whole-answer timeout, cancel, refusal, odd statuses, and nothing left behind. */
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProfileBytes } from '../../src/cli/profile.js';
import { createCaptureFetch } from '../../src/engine/captures/fetch.js';
import { HttpGetError, httpGet } from '../../src/collectors/http-get.js';
import { createPprofFetch } from '../../src/collectors/pprof-http.js';

/** Waits until `cond()` holds, checking every 10 ms, for at most `ms`. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`the condition did not hold within ${ms} ms`);
    await new Promise((ok) => setTimeout(ok, 10));
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** What the test server saw of one connection. */
interface Conn {
  closed: boolean;
  connectionHeader: string | undefined;
}

let server: Server;
let base: string;
const conns: Conn[] = [];
/** Trickling and half-sent answers, so a test can stop them (bounded: each ends on its own after 10 s). */
const timers = new Set<ReturnType<typeof setInterval>>();

function route(req: IncomingMessage, res: ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://x');
  const conn = conns.at(-1);
  if (conn) conn.connectionHeader = req.headers.connection;
  const hops = Number(u.searchParams.get('hops') ?? '0');
  switch (u.pathname) {
    case '/ok':
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('goroutine profile: total 7\n');
      return;
    case '/big':
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(3 << 20, 0xab));
      return;
    case '/garbage':
      // A status no server should send, a reason phrase of its own, and a body: returned as they are.
      res.writeHead(599, 'Weird Thing', { 'content-type': 'text/html' }).end('<html>nope</html>');
      return;
    case '/not-found':
      res.writeHead(404).end('404 page not found\n');
      return;
    case '/redirect':
      // A chain of `hops` redirects, relative and absolute, 302 then 307, ending at /ok.
      if (hops <= 0) res.writeHead(302, { location: '/ok' }).end();
      else res.writeHead(hops % 2 ? 307 : 302, { location: hops % 2 ? `${base}/redirect?hops=${hops - 1}` : `redirect?hops=${hops - 1}` }).end('moved');
      return;
    case '/redirect-elsewhere':
      // The same server under another name is another address: localhost is not 127.0.0.1.
      res.writeHead(302, { location: base.replace('127.0.0.1', 'localhost') + '/ok' }).end();
      return;
    case '/claims-huge':
      // Says 2 GB are coming: refused on the header, before a byte is read.
      res.writeHead(200, { 'content-length': String(2 * 1024 ** 3) });
      res.write('x');
      return;
    case '/redirect-ftp':
      res.writeHead(301, { location: 'ftp://127.0.0.1/x' }).end();
      return;
    case '/redirect-nowhere':
      // A 3xx without a Location is an answer like any other.
      res.writeHead(302, { 'content-type': 'text/plain' }).end('no location');
      return;
    case '/trickle': {
      // Headers at once, then one byte every 50 ms: each byte is on time, the whole answer never is.
      res.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      const t = setInterval(() => {
        if (res.destroyed || ++n > 200) {
          clearInterval(t);
          timers.delete(t);
          res.end();
        } else res.write('x');
      }, 50);
      timers.add(t);
      return;
    }
    case '/half':
      // 1 KiB of a promised 1 MiB, then nothing (until the client goes, or 10 s).
      res.writeHead(200, { 'content-length': String(1 << 20) });
      res.write(Buffer.alloc(1024, 0x61));
      return;
    case '/cut':
      // 1 KiB of a promised 1 MiB, then the connection is closed.
      res.writeHead(200, { 'content-length': String(1 << 20) });
      res.write(Buffer.alloc(1024, 0x61), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    case '/hang-up':
      // The connection is taken, then closed without an answer (a program going down).
      req.socket.destroy();
      return;
    case '/hang':
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer(route);
  server.requestTimeout = 0;
  server.on('connection', (s: Socket) => {
    const c: Conn = { closed: false, connectionHeader: undefined };
    conns.push(c);
    s.once('close', () => (c.closed = true));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

/** The port of a server that was listening and is closed now: nothing listens there. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((ok) => probe.close(ok));
  return port;
}

const reasonOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof HttpGetError ? e.reason : `not an HttpGetError: ${String(e)}`));

describe('httpGet answers', () => {
  it('reads a whole answer on a connection of its own, sent with Connection: close and closed after', async () => {
    const before = conns.length;
    const res = await httpGet(`${base}/ok`, { timeoutMs: 5000 });
    expect(res).toMatchObject({ status: 200, statusText: 'OK', contentType: 'text/plain; charset=utf-8', url: `${base}/ok` });
    expect(new TextDecoder().decode(res.body)).toBe('goroutine profile: total 7\n');
    const big = await httpGet(`${base}/big`, { timeoutMs: 5000 });
    expect(big.body.length).toBe(3 << 20);
    expect(big.body.every((b) => b === 0xab)).toBe(true);
    expect(big.body.byteOffset).toBe(0);
    expect(big.body.buffer.byteLength).toBe(3 << 20);
    expect(conns.length - before).toBe(2);
    expect(conns.slice(before).map((c) => c.connectionHeader)).toEqual(['close', 'close']);
    await until(() => conns.slice(before).every((c) => c.closed));
  });

  it('returns a garbage status, its reason phrase and its body for the caller to judge', async () => {
    const res = await httpGet(`${base}/garbage`, { timeoutMs: 5000 });
    expect(res).toMatchObject({ status: 599, statusText: 'Weird Thing', contentType: 'text/html' });
    expect(new TextDecoder().decode(res.body)).toBe('<html>nope</html>');
    expect(await httpGet(`${base}/not-found`, { timeoutMs: 5000 })).toMatchObject({ status: 404, statusText: 'Not Found', contentType: '' });
    // The callers judge it: the pprof readers' fetch and the capture fetch return it too.
    expect(await createPprofFetch()(`${base}/garbage`, { timeoutMs: 5000 })).toMatchObject({ status: 599, contentType: 'text/html' });
    expect(await createCaptureFetch()(`${base}/garbage`, { timeoutMs: 5000 })).toMatchObject({ status: 599, contentType: 'text/html' });
    await expect(readProfileBytes(`${base}/garbage`)).rejects.toMatchObject({ code: 'endpoint-status', message: `${base}/garbage answered 599 Weird Thing: "<html>nope</html>"` });
  });

  it('follows redirects (relative and absolute, 302 and 307) up to 5, closing each hop’s connection', async () => {
    const before = conns.length;
    const res = await httpGet(`${base}/redirect?hops=4`, { timeoutMs: 5000 });
    expect(res).toMatchObject({ status: 200, url: `${base}/ok` });
    expect(new TextDecoder().decode(res.body)).toBe('goroutine profile: total 7\n');
    expect(conns.length - before).toBe(6);
    await until(() => conns.slice(before).every((c) => c.closed));
    expect(await reasonOf(httpGet(`${base}/redirect?hops=5`, { timeoutMs: 5000 }))).toBe('redirect');
    await expect(createCaptureFetch()(`${base}/redirect?hops=5`, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'endpoint-garbage', message: `GET ${base}/redirect?hops=5: more than 5 redirects` });
    expect(await httpGet(`${base}/redirect?hops=5`, { timeoutMs: 5000, maxRedirects: 6 })).toMatchObject({ status: 200 });
    expect(await reasonOf(httpGet(`${base}/redirect-ftp`, { timeoutMs: 5000 }))).toBe('redirect');
    expect(await httpGet(`${base}/redirect-nowhere`, { timeoutMs: 5000 })).toMatchObject({ status: 302, url: `${base}/redirect-nowhere` });
    // Only within the address asked: another host, port or scheme is another program's answer.
    const elsewhere = `redirected to another address (${base.replace('127.0.0.1', 'localhost')}), which leakbar does not follow`;
    expect(await httpGet(`${base}/redirect-elsewhere`, { timeoutMs: 5000 }).catch((e: unknown) => e)).toMatchObject({ reason: 'redirect', message: elsewhere });
    for (const get of [createPprofFetch(), createCaptureFetch()]) {
      await expect(get(`${base}/redirect-elsewhere`, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'endpoint-garbage', message: `GET ${base}/redirect-elsewhere: ${elsewhere}` });
    }
    await expect(readProfileBytes(`${base}/redirect-elsewhere`)).rejects.toMatchObject({ code: 'endpoint-garbage' });
    // Through the callers too.
    expect(await createPprofFetch()(`${base}/redirect?hops=2`, { timeoutMs: 5000 })).toMatchObject({ status: 200 });
    expect(await createCaptureFetch()(`${base}/redirect?hops=2`, { timeoutMs: 5000 })).toMatchObject({ status: 200 });
  });
});

describe('httpGet failures', () => {
  it('times out on the whole answer: a body that trickles in, a byte every 50 ms, is cut at the timeout', async () => {
    const before = conns.length;
    const t0 = performance.now();
    expect(await reasonOf(httpGet(`${base}/trickle`, { timeoutMs: 400 }))).toBe('timeout');
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(1500);
    await until(() => conns.slice(before).every((c) => c.closed));
    // The callers say 'timeout' naming the wait, and that an answer was coming: not a stuck program.
    for (const get of [createPprofFetch(), createCaptureFetch()]) {
      const e = await get(`${base}/trickle`, { timeoutMs: 300 }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'timeout', hint: 'the program writes it slowly, or it is very large' });
      expect((e as Error).message).toMatch(new RegExp(`^GET ${base}/trickle: the answer was still arriving after 300 ms \\(\\d+ B in\\)$`));
    }
  });

  it('stops reading an answer larger than maxBytes, and one that says it will be before it starts', async () => {
    expect(await httpGet(`${base}/big`, { timeoutMs: 5000, maxBytes: 3 << 20 })).toMatchObject({ status: 200 });
    const over = await httpGet(`${base}/big`, { timeoutMs: 5000, maxBytes: (3 << 20) - 1 }).catch((e: unknown) => e);
    expect(over).toMatchObject({ reason: 'too-large', message: `the answer is larger than ${(3 << 20) - 1} bytes, the most leakbar reads` });
    const before = conns.length;
    const t0 = performance.now();
    await expect(createCaptureFetch()(`${base}/claims-huge`, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'endpoint-garbage',
      message: `GET ${base}/claims-huge: the answer is larger than ${512 * 1024 * 1024} bytes, the most leakbar reads`,
    });
    // On the header: not after a wait for 2 GB, and the connection is closed.
    expect(performance.now() - t0).toBeLessThan(4000);
    await until(() => conns.slice(before).every((c) => c.closed));
  });

  it('cancels mid-body at once, closing the connection, and says it was cancelled', async () => {
    for (const [get, expected] of [
      [(signal: AbortSignal) => httpGet(`${base}/half`, { timeoutMs: 60_000, signal }), { reason: 'cancelled' }],
      [(signal: AbortSignal) => createPprofFetch()(`${base}/half`, { timeoutMs: 60_000, signal }), { code: 'cancelled', message: `GET ${base}/half was cancelled` }],
      [(signal: AbortSignal) => createCaptureFetch()(`${base}/half`, { timeoutMs: 60_000, signal }), { code: 'cancelled', message: `the fetch of ${base}/half was cancelled` }],
    ] as const) {
      const before = conns.length;
      const cancel = new AbortController();
      const outcome = get(cancel.signal).catch((e: unknown) => e);
      await until(() => conns.length > before);
      await sleep(100); // the first KiB of the body is in
      const t0 = performance.now();
      cancel.abort();
      expect(await outcome).toMatchObject(expected);
      expect(performance.now() - t0).toBeLessThan(250);
      await until(() => conns.slice(before).every((c) => c.closed), 1000);
      expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
    }
  });

  it('does not connect for a signal that has already aborted', async () => {
    const before = conns.length;
    expect(await reasonOf(httpGet(`${base}/ok`, { timeoutMs: 5000, signal: AbortSignal.abort() }))).toBe('cancelled');
    await sleep(100);
    expect(conns.length).toBe(before);
  });

  it('says endpoint-refused for a port nothing listens on, in each caller’s words', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/debug/pprof/heap`;
    const e = await httpGet(url, { timeoutMs: 5000 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ reason: 'connect', code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${port}` });
    await expect(createPprofFetch()(url, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: `GET ${url}: connection refused (ECONNREFUSED)`,
      hint: 'is the program running with net/http/pprof imported, and is the URL right?',
    });
    await expect(createCaptureFetch()(url, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: `could not fetch ${url}: connect ECONNREFUSED 127.0.0.1:${port}`,
      hint: 'is the program running, and serving net/http/pprof at this address?',
    });
    await expect(readProfileBytes(url)).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: `could not fetch ${url}: connect ECONNREFUSED 127.0.0.1:${port}`,
      hint: 'check that the program serves net/http/pprof at this address',
    });
  });

  it('tells a connection closed before any answer from an answer cut short', async () => {
    expect(await httpGet(`${base}/hang-up`, { timeoutMs: 5000 }).catch((e: unknown) => e)).toMatchObject({ reason: 'closed', code: 'ECONNRESET' });
    await expect(createCaptureFetch()(`${base}/hang-up`, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: `the connection to ${base}/hang-up closed before the profile arrived (ECONNRESET: socket hang up)`,
    });
    expect(await httpGet(`${base}/cut`, { timeoutMs: 5000 }).catch((e: unknown) => e)).toMatchObject({ reason: 'broke-off', message: 'the connection closed after 1024 bytes of the answer' });
    await expect(createCaptureFetch()(`${base}/cut`, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: `the answer from ${base}/cut broke off: the connection closed after 1024 bytes of the answer`,
    });
    await expect(createPprofFetch()(`${base}/hang-up`, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'endpoint-refused',
      message: `GET ${base}/hang-up: the connection was closed before any answer (ECONNRESET)`,
    });
    await expect(createPprofFetch()(`${base}/cut`, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'io-error', message: `GET ${base}/cut failed: the connection closed after 1024 bytes of the answer` });
  });

  it('refuses a URL that is not http(s) without connecting', async () => {
    expect(await reasonOf(httpGet('ftp://127.0.0.1/x', { timeoutMs: 5000 }))).toBe('bad-url');
    expect(await reasonOf(httpGet('not a url', { timeoutMs: 5000 }))).toBe('bad-url');
  });
});

describe('a long-lived signal', () => {
  it('carries no listener after each GET, however it ended (answered, refused, timed out, cut short)', async () => {
    const watcher = new AbortController();
    const port = await closedPort();
    const count = () => getEventListeners(watcher.signal, 'abort').length;
    const fetchPprof = createPprofFetch();
    for (let i = 0; i < 50; i++) {
      await httpGet(`${base}/ok`, { timeoutMs: 5000, signal: watcher.signal });
      await fetchPprof(`${base}/redirect?hops=1`, { timeoutMs: 5000, signal: watcher.signal });
      await fetchPprof(`http://127.0.0.1:${port}/`, { timeoutMs: 5000, signal: watcher.signal }).catch(() => {});
      expect(count()).toBe(0);
    }
    await httpGet(`${base}/hang`, { timeoutMs: 50, signal: watcher.signal }).catch(() => {});
    await httpGet(`${base}/cut`, { timeoutMs: 5000, signal: watcher.signal }).catch(() => {});
    expect(count()).toBe(0);
  });
});
