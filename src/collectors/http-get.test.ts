import { describe, expect, it } from 'vitest';
import { answerError, HttpGetError, httpGet } from './http-get.js';
import { createPprofFetch } from './pprof-http.js';

/**
 * A host name that never resolves, and is never asked of a name server: the C library refuses an empty label
 * (`..`) itself (ENOTFOUND), so the test sends nothing past this machine.
 */
const NO_HOST = 'leakbar..invalid';

describe('a pprof URL whose host cannot be looked up', () => {
  it("is said as no such host, not as a refused connection, by the watcher's pprof GET", async () => {
    const failure = await httpGet(`http://${NO_HOST}:6060/debug/pprof/`, { timeoutMs: 10_000 }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HttpGetError);
    expect(failure).toMatchObject({ reason: 'connect', code: 'ENOTFOUND' });
    const said = `no host named ${NO_HOST} (ENOTFOUND)`;
    const url = `http://${NO_HOST}:6060/debug/pprof/heap`;
    const watcher = createPprofFetch()(url, { timeoutMs: 10_000 });
    await expect(watcher).rejects.toMatchObject({ code: 'endpoint-refused', message: `GET ${url}: ${said}` });
  });

  it.each([
    ['ENOTFOUND', 'no host named foo (ENOTFOUND)', 'check the host name in the URL for a typo; a program on this machine is at 127.0.0.1'],
    ['EAI_AGAIN', 'the address of foo could not be looked up (EAI_AGAIN)', 'the name server did not answer: check the network, or give the host as an IP address'],
    ['EAI_FAIL', 'the address of foo could not be looked up (EAI_FAIL)', 'the name server did not answer: check the network, or give the host as an IP address'],
  ])('%s: says %j', (code, message, hint) => {
    const e = new HttpGetError('connect', `getaddrinfo ${code} foo`, { code });
    expect(answerError('http://foo/debug/pprof/heap', e, 5000)).toMatchObject({ code: 'endpoint-refused', message: `GET http://foo/debug/pprof/heap: ${message}`, hint });
  });

  it('leaves a refused connection to the callers, who say it as one', () => {
    const e = new HttpGetError('connect', 'connect ECONNREFUSED 127.0.0.1:6060', { code: 'ECONNREFUSED' });
    expect(answerError('http://127.0.0.1:6060/debug/pprof/heap', e, 5000)).toBeNull();
  });
});

describe('a GET that keeps only the head and the tail of a long answer', () => {
  /** Serves `parts` in that order on 127.0.0.1 (each chunk written as it is), with no Content-Length. */
  async function serve(parts: readonly string[]): Promise<{ url: string; close(): Promise<void> }> {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const p of parts) res.write(p);
      res.end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/debug/pprof/heap?debug=1`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
  }

  it('gives the first and last bytes exactly, and how many between were dropped, past the whole-answer limit', async () => {
    const head = 'heap profile: 1: 2 [3: 4] @ heap/1048576\n';
    const middle = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}:${'x'.repeat(64 * 1024)}\n`);
    const tail = '# runtime.MemStats\n# Alloc = 123\n# HeapInuse = 456\n';
    const s = await serve([head, ...middle, tail]);
    try {
      const full = head + middle.join('') + tail;
      // A whole-answer limit well under the answer: keeping head and tail reads it anyway.
      const r = await httpGet(s.url, { timeoutMs: 10_000, maxBytes: 1024, keep: { head: 100, tail: 100_000 } });
      const text = new TextDecoder().decode(r.body);
      expect(r.body.length).toBe(100 + 100_000);
      expect(text.slice(0, 100)).toBe(full.slice(0, 100));
      expect(text.slice(100)).toBe(full.slice(full.length - 100_000));
      expect(r.skipped).toBe(full.length - 100 - 100_000);
      // Head only, as for a goroutine count: the GET ends once it is in.
      const first = await httpGet(s.url, { timeoutMs: 10_000, keep: { head: 4096, tail: 0 } });
      expect(new TextDecoder().decode(first.body)).toBe(full.slice(0, 4096));
      // An answer shorter than head and tail together comes whole.
      const short = await serve([head, tail]);
      try {
        const r2 = await httpGet(short.url, { timeoutMs: 10_000, keep: { head: 10, tail: 1000 } });
        expect([new TextDecoder().decode(r2.body), r2.skipped]).toEqual([head + tail, 0]);
      } finally {
        await short.close();
      }
    } finally {
      await s.close();
    }
  });
});

describe('a GET that needs only the head of an endless answer', () => {
  it('ends once the head is in, rather than read until its timeout', async () => {
    const { createServer } = await import('node:http');
    const chunk = Buffer.alloc(64 * 1024, 97);
    // Writes for as long as the connection is open.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    try {
      const r = await httpGet(`http://127.0.0.1:${port}/debug/pprof/goroutine?debug=1`, { timeoutMs: 20_000, keep: { head: 4096, tail: 0 } });
      expect(r.body.length).toBe(4096);
      expect(r.body.every((b) => b === 97)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });
});
