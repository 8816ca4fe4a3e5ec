import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeApi, fakeAlert, fakeStatus, type FakeApi } from '../../test/e2e/fake-api.js';
import { EventRing, formatMetrics, hostAllowed, isPublicRequest, startHttpServer, tokensMatch, type RunningHttpServer } from './http-server.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

/** A raw request (fetch cannot set Host), resolving with status, headers and body. */
function raw(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Reads an event stream until `count` data frames arrived (or 5 s passed). */
function readEvents(port: number, headers: Record<string, string>, count: number): Promise<{ frames: string[]; status: number }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/events?token=${TOKEN}`, headers }, (res) => {
      let buf = '';
      const frames: string[] = [];
      const timer = setTimeout(() => (req.destroy(), ok({ frames, status: res.statusCode ?? 0 })), 5000);
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, at);
          buf = buf.slice(at + 2);
          if (/^(data|event):/m.test(frame)) frames.push(frame);
        }
        if (frames.length >= count) {
          clearTimeout(timer);
          req.destroy();
          ok({ frames, status: res.statusCode ?? 0 });
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : fail(e)));
    req.end();
  });
}

describe('the HTTP door', () => {
  let api: FakeApi;
  let server: RunningHttpServer;
  let dir: string;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-http-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>leakbar</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, '..', 'leakbar-http-secret.txt'), 'TOP-SECRET-CONTENT');
    api = createFakeApi();
    server = await startHttpServer({ api, token: TOKEN, staticDir: dir, port: 0, replayEvents: 3 });
    base = server.origin;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'leakbar-http-secret.txt'), { force: true });
  });

  it('prints a URL on 127.0.0.1 that carries the token and the route', () => {
    expect(server.urlFor('/popover')).toBe(`${base}/?token=${TOKEN}#/popover`);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startHttpServer({ api, token: TOKEN, staticDir: null, host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1 only/);
  });

  it('answers 401 and nothing else to every route with data without the right token, and wherever a wrong one is given', async () => {
    for (const [path, headers] of [
      ['/metrics', {}],
      [`/metrics?token=${TOKEN}x`, {}],
      ['/', { Authorization: 'Bearer wrong' }],
      ['/assets/app.js', { Authorization: 'Bearer wrong' }],
      [`/assets/app.js?token=${TOKEN}x`, {}],
      [`/nope?token=${TOKEN}x`, {}],
    ] as const) {
      const r = await fetch(`${base}${path}`, { headers });
      expect(r.status, path).toBe(401);
      expect(await r.text()).toBe('401 Unauthorized\n');
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await fetch(`${base}/`, { method });
      expect(r.status, method).toBe(401);
    }
    for (const path of ['/api/events', '/api/captures/c1/files/heap.pb.gz', `/api/events?token=${TOKEN}x`]) {
      const r = await fetch(`${base}${path}`, { headers: { Accept: 'text/html,*/*' } });
      expect(r.status, path).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await r.json()).toMatchObject({ code: 'unauthorized' });
    }
    const wrong = await fetch(`${base}/api/call/listTargets`, { method: 'POST', headers: { Authorization: 'Bearer wrong', 'Content-Type': 'application/json' }, body: '{}' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'unauthorized', hint: expect.stringContaining('leakbar serve') });
    expect((await fetch(`${base}/?token=${TOKEN}x`)).status).toBe(401);
    expect(api.calls.some((c) => c.name === 'listTargets')).toBe(false);
  });

  it('answers a browser asking for a page without the right token with a short page saying where the token is', async () => {
    const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const [path, headers] of [
      [`/?token=${TOKEN}x`, {}],
      ['/index.html?token=stale-token-from-the-last-run', {}],
      ['/', { Authorization: 'Bearer stale-token-from-the-last-run' }],
    ] as const) {
      const r = await fetch(`${base}${path}`, { headers: { Accept: accept, ...headers } });
      expect(r.status, path).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await r.text();
      expect(html).toContain('This leakbar page needs its token: open the URL <code>leakbar serve</code> printed (it changes each time serve starts).');
      expect(html).not.toMatch(/<script|<style|style=/i);
      expect(html).not.toContain(TOKEN);
      expect(html).toContain(`http://127.0.0.1:${server.port}/?token=`);
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    // Not a page: plain text, as before.
    expect(await (await fetch(`${base}/assets/app.js?token=wrong`, { headers: { Accept: '*/*' } })).text()).toBe('401 Unauthorized\n');
    expect(await (await fetch(`${base}/metrics`, { headers: { Accept: accept } })).text()).toBe('401 Unauthorized\n');
  });

  it('serves the renderer’s own files without the token, and sets no cookie', async () => {
    for (const path of ['/', '/index.html', `/?token=${TOKEN}`, '/assets/app.js']) {
      const r = await fetch(`${base}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('set-cookie'), path).toBeNull();
      expect(r.headers.get('content-security-policy'), path).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(r.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
      expect(await r.text(), path).not.toContain(TOKEN);
    }
    const asset = await fetch(`${base}/assets/app.js`);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await asset.text()).toBe('console.log(1)');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    // Without a token, nothing outside the folder either.
    expect((await raw(server.port, '/../leakbar-http-secret.txt', { Host: `127.0.0.1:${server.port}` })).status).toBe(404);
  });

  it('takes the token from no cookie: the browser would send one to every server on 127.0.0.1', async () => {
    const before = api.calls.length;
    for (const name of ['leakbar_token', `leakbar_token_${server.port}`, 'token']) {
      const cookie = { Cookie: `${name}=${TOKEN}` };
      const call = await fetch(`${base}/api/call/listTargets`, { method: 'POST', headers: { ...cookie, 'Content-Type': 'application/json' }, body: '{}' });
      expect(call.status, name).toBe(401);
      expect((await fetch(`${base}/api/captures/c1/files/heap.pb.gz`, { headers: cookie })).status, name).toBe(401);
      expect((await fetch(`${base}/metrics`, { headers: cookie })).status, name).toBe(401);
      const events = await raw(server.port, '/api/events', { ...cookie, Host: `127.0.0.1:${server.port}` });
      expect(events.status, name).toBe(401);
    }
    expect(api.calls.length).toBe(before);
  });

  it('answers a malformed percent-encoding in the path with a 400 that says so', async () => {
    for (const path of ['/%', '/%E0%A4%A', '/assets/%ZZ.js', '/api/captures/%/files/x', '/api/captures/c1/files/%E0%A4%A']) {
      const r = await raw(server.port, path, { ...auth, Host: `127.0.0.1:${server.port}` });
      expect(r.status, path).toBe(400);
      const body = JSON.parse(r.body) as { code: string; message: string };
      expect(body.code, path).toBe('bad-input');
      expect(body.message, path).toMatch(/^the path has a malformed percent-encoding: ".*%.*" \(each % starts %XX of valid UTF-8; % itself is %25\)$/);
    }
    const call = await fetch(`${base}/api/call/%E0%A4%A`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
    expect(call.status).toBe(400);
    expect(((await call.json()) as { message: string }).message).toContain('"%E0%A4%A"');
    // Without the token, the API still says nothing but 401.
    expect((await raw(server.port, '/api/captures/%/files/x', { Host: `127.0.0.1:${server.port}` })).status).toBe(401);
    // A well-formed one still works.
    expect((await raw(server.port, '/assets/app%2Ejs', { Host: `127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('sends security headers and no CORS headers', async () => {
    const r = await fetch(`${base}/?token=${TOKEN}`, { headers: { Origin: 'http://evil.example' } });
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    for (const host of [`evil.example:${server.port}`, 'evil.example', '127.0.0.1', 'localhost', `127.0.0.1:${server.port + 1}`, `127.0.0.1:${server.port}.evil.example`]) {
      const r = await raw(server.port, `/?token=${TOKEN}`, { Host: host });
      expect(r.status, host).toBe(421);
      expect((await raw(server.port, '/assets/app.js', { Host: host })).status, host).toBe(421);
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
      expect((await raw(server.port, '/assets/app.js', { Host: host })).status, host).toBe(200);
    }
  });

  it('never serves files outside the renderer folder', async () => {
    for (const path of ['/../leakbar-http-secret.txt', '/%2e%2e/leakbar-http-secret.txt', '/assets/%2e%2e%2f..%2fleakbar-http-secret.txt']) {
      const r = await raw(server.port, path, { ...auth, Host: `127.0.0.1:${server.port}` });
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain('TOP-SECRET-CONTENT');
    }
  });

  it('hands a call with valid input to the API and answers its JSON', async () => {
    const r = await fetch(`${base}/api/call/listTargets`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as Array<{ target: { id: string } }>;
    expect(body[0]!.target.id).toBe('api');
  });

  it('answers 400 with every bad field, without calling the API', async () => {
    const before = api.calls.length;
    const r = await fetch(`${base}/api/call/history`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ targetId: 'API!', maxPoints: 3, extra: 1 }) });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { code: string; issues: Array<{ path: string }> };
    expect(body.code).toBe('bad-input');
    expect(body.issues.map((i) => i.path).sort()).toEqual(['(input)', 'maxPoints', 'targetId']);
    expect(api.calls.length).toBe(before);
    const notJson = await fetch(`${base}/api/call/status`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    const form = await fetch(`${base}/api/call/status`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'targetId=api' });
    expect(form.status).toBe(415);
    const get = await fetch(`${base}/api/call/status`, { headers: auth });
    expect(get.status).toBe(405);
    const unknown = await fetch(`${base}/api/call/deleteEverything`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
    expect(unknown.status).toBe(404);
    const big = await fetch(`${base}/api/call/status`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ targetId: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
  });

  it('turns a LeakbarError into its status with code, message and hint; anything else into 500', async () => {
    const post = (name: string, body: unknown) => fetch(`${base}/api/call/${name}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const missing = await post('status', { targetId: 'other' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'not-found', message: 'no target', hint: 'list them first' });
    const busy = await post('startCapture', { targetId: 'api', kind: 'heap' });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { code: string }).code).toBe('busy');
    const boom = await post('compare', { captureId: 'c1' });
    expect(boom.status).toBe(500);
    expect(((await boom.json()) as { code: string }).code).toBe('internal');
  });

  it('serves a capture file byte for byte, and validates its name', async () => {
    const r = await fetch(`${base}/api/captures/c1/files/heap.pb.gz`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="heap.pb.gz"');
    expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([0x1f, 0x8b, 0, 255]);
    expect((await fetch(`${base}/api/captures/c1/files/..%2Fmeta.json`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${base}/api/captures/c1/files/other.pb.gz`, { headers: auth })).status).toBe(404);
  });

  it('exposes every target’s figures in the Prometheus text format', async () => {
    const r = await fetch(`${base}/metrics?token=${TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toContain('# TYPE leakbar_open_fds gauge');
    expect(text).toContain('leakbar_open_fds{target="api"} 12');
    expect(text).toContain(`leakbar_rss_bytes{target="api"} ${50 * 1024 * 1024}`);
    expect(text).toContain('leakbar_alerts_firing{target="api"} 1');
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) leakbar_\w+ .+|leakbar_\w+\{target="[^"]*"\} -?[\d.e+]+)$/);
  });

  it('streams live events with ids, and replays what a reconnecting client missed', async () => {
    const first = readEvents(server.port, auth, 2);
    await new Promise((r) => setTimeout(r, 100));
    api.emit({ type: 'status', targetId: 'api', status: fakeStatus('api', null) });
    api.emit({ type: 'alert', targetId: 'api', change: 'fired', alert: fakeAlert('api') });
    const got = await first;
    expect(got.status).toBe(200);
    expect(got.frames.map((f) => /^id: (\d+)/m.exec(f)?.[1])).toEqual(['1', '2']);
    expect(JSON.parse(/^data: (.*)$/m.exec(got.frames[1]!)![1]!).type).toBe('alert');

    api.emit({ type: 'status', targetId: 'api', status: fakeStatus('api', null) });
    const replay = await readEvents(server.port, { 'Last-Event-ID': '2' }, 1);
    expect(replay.frames.map((f) => /^id: (\d+)/m.exec(f)?.[1])).toEqual(['3']);

    // The ring holds 3 events: after two more, id 1 is gone and a client that last saw it must resync.
    api.emit({ type: 'status', targetId: 'api', status: fakeStatus('api', null) });
    api.emit({ type: 'status', targetId: 'api', status: fakeStatus('api', null) });
    const gap = await readEvents(server.port, { 'Last-Event-ID': '1' }, 1);
    expect(gap.frames[0]).toMatch(/^event: resync$/m);
  });
});

describe('the HTTP door on port 80', () => {
  it('takes the Host a browser sends there, without the port, and still refuses other names', async (ctx) => {
    const api = createFakeApi();
    let server: RunningHttpServer;
    try {
      server = await startHttpServer({ api, token: TOKEN, staticDir: null, port: 80 });
    } catch (e) {
      // Port 80 needs root (or a lower ip_unprivileged_port_start) and may be taken: then hostAllowed's own test below stands.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EADDRINUSE') return ctx.skip();
      throw e;
    }
    try {
      for (const host of ['127.0.0.1', 'localhost', '127.0.0.1:80', 'localhost:80']) {
        const r = await raw(80, '/api/call/listTargets', { ...auth, Host: host });
        expect(r.status, host).toBe(405); // a GET: past the Host and token checks
      }
      // What a client that leaves out the default port does, as a browser does.
      const r = await fetch('http://127.0.0.1/api/call/listTargets', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
      expect(r.status).toBe(200);
      for (const host of ['evil.example', 'evil.example:80', '127.0.0.1:8080']) expect((await raw(80, `/?token=${TOKEN}`, { Host: host })).status, host).toBe(421);
    } finally {
      await server.close();
    }
  });
});

describe('pieces of the HTTP door', () => {
  it('takes a Host naming 127.0.0.1 or localhost at the port, and the bare name on port 80 only', () => {
    expect(hostAllowed('127.0.0.1:7070', 7070)).toBe(true);
    expect(hostAllowed('localhost:7070', 7070)).toBe(true);
    expect(hostAllowed('127.0.0.1', 7070)).toBe(false);
    expect(hostAllowed('127.0.0.1:7071', 7070)).toBe(false);
    expect(hostAllowed(undefined, 7070)).toBe(false);
    expect(hostAllowed('', 80)).toBe(false);
    expect(hostAllowed('127.0.0.1', 80)).toBe(true);
    expect(hostAllowed('localhost', 80)).toBe(true);
    expect(hostAllowed('127.0.0.1:80', 80)).toBe(true);
    expect(hostAllowed('evil.example', 80)).toBe(false);
  });

  it('serves only GETs of the renderer’s files without the token', () => {
    for (const path of ['/', '/index.html', '/assets/index-abc.js', '/favicon.svg']) {
      expect(isPublicRequest('GET', path), path).toBe(true);
      expect(isPublicRequest('HEAD', path), path).toBe(true);
      expect(isPublicRequest('POST', path), path).toBe(false);
    }
    for (const path of ['/api/events', '/api/call/listTargets', '/api/captures/c1/files/heap.pb.gz', '/api/', '/api', '/metrics']) expect(isPublicRequest('GET', path), path).toBe(false);
  });

  it('compares tokens without regard to length', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abd', 'abc')).toBe(false);
    expect(tokensMatch('', 'abc')).toBe(false);
    expect(tokensMatch(null, 'abc')).toBe(false);
  });

  it('keeps a bounded ring and says when a gap cannot be filled', () => {
    const ring = new EventRing(2);
    const e = { type: 'status', targetId: 't', status: fakeStatus('t', null) } as const;
    ring.push(e);
    ring.push(e);
    ring.push(e);
    expect(ring.since(2)!.map((n) => n.id)).toEqual([3]);
    expect(ring.since(3)).toEqual([]);
    expect(ring.since(1)!.map((n) => n.id)).toEqual([2, 3]);
    expect(ring.since(0)).toBeNull();
    expect(ring.since(9)).toBeNull();
    expect(ring.since(Number('x'))).toBeNull();
  });

  it('escapes label values and leaves out unknown figures', () => {
    const t = { target: { id: 'a"b', name: 'x', selector: { pid: 1 }, pprofUrl: null, fdPatterns: [] }, status: fakeStatus('a"b', { timeMs: 1000, pid: 1, fds: 3 }), openAlerts: 0 };
    const text = formatMetrics([t], new Map());
    expect(text).toContain('leakbar_open_fds{target="a\\"b"} 3');
    expect(text).not.toMatch(/leakbar_goroutines\{/);
    expect(text).toContain('leakbar_alerts_firing{target="a\\"b"} 0');
  });
});
