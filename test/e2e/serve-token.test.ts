/**
 * Where `leakbar serve`'s token goes in a real browser: only back to its own origin. No cookie holds it
 * (cookies ignore the port, so the browser would send one to every server on 127.0.0.1: the watched
 * program's pprof page, a dev server, another user's server); the tab keeps it in sessionStorage, so a
 * reload works; a download link carries it in its own URL. And on port 80, where a browser leaves the
 * port out of the Host header, the page works too.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInspectorEnv, type InspectorEnv } from './inspector-env.js';
import { startServe, until } from './serve-helper.js';

/** What another server on 127.0.0.1 received: each request's URL and headers. */
interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

/** Whether 127.0.0.1:80 can be listened on just now (root, or a low ip_unprivileged_port_start, and free). */
function port80Free(): Promise<boolean> {
  return new Promise((ok) => {
    const s = createNetServer();
    s.once('error', () => ok(false));
    s.listen(80, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

describe('the token of leakbar serve in a browser', () => {
  let env: InspectorEnv;
  let other: Server;
  let otherPort: number;
  const seen: Seen[] = [];
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    env = await startInspectorEnv();
    other = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>another server</title><p>hi</p>');
    });
    await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
    otherPort = (other.address() as { port: number }).port;
    page = await env.browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });

  afterAll(async () => {
    await new Promise<void>((ok) => (other ? other.close(() => ok()) : ok()));
    await env?.stop();
  });

  const streamOpen = (p: Page) => expect.poll(() => p.getByTestId('stream').getAttribute('data-state'), { timeout: 20_000 }).toBe('open');

  it('never reaches another server on 127.0.0.1 that the browser visits afterwards', async () => {
    await page.goto(env.serve.url);
    await streamOpen(page);
    await until('the token to leave the URL', async () => ((await page.evaluate(() => location.search)) === '' ? true : undefined), 10_000);
    expect(await page.evaluate(() => sessionStorage.getItem('leakbar-token'))).toBe(env.serve.token);

    // The reviewer's reproduction: the same browser then opens another server on 127.0.0.1.
    await page.goto(`http://127.0.0.1:${otherPort}/`);
    await page.goto(`http://localhost:${otherPort}/x`);
    expect(seen.map((s) => s.url)).toEqual(expect.arrayContaining(['/', '/x']));
    for (const s of seen) {
      expect(s.headers.cookie, s.url).toBeUndefined();
      expect(JSON.stringify(s), s.url).not.toContain(env.serve.token);
    }
    // And that server's page cannot read the token: sessionStorage is per origin, and the port is part of it.
    await page.goto(`http://127.0.0.1:${otherPort}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('leakbar-token'))).toBeNull();
    // The page works (calls with the header, the stream with ?token=) and leaves no cookie anywhere.
    expect(await page.context().cookies()).toEqual([]);
  });

  it('keeps working after a reload, with the token no longer in the address bar', async () => {
    await page.goto(env.serve.url);
    await streamOpen(page);
    await until('the token to leave the URL', async () => ((await page.evaluate(() => location.search)) === '' ? true : undefined), 10_000);
    const reloaded = await page.reload();
    expect(reloaded!.status()).toBe(200);
    expect(reloaded!.url()).not.toContain('token=');
    await streamOpen(page);
    const fds = page.getByTestId('figure-fds').locator('.figure-value');
    await until('an FD count after the reload', async () => ((await fds.getAttribute('data-value')) ? true : undefined));
    expect(await page.getByTestId('token-needed').count()).toBe(0);
    // Another route of the same origin, opened by its address without the token, works too (the same tab).
    await page.goto(`${env.serve.origin}/#/inspector?range=15m`);
    await streamOpen(page);
    expect(await page.getByTestId('token-needed').count()).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
  });

  it('in a new tab without the token, loads the page, which says where the token is', async () => {
    const ctx = await env.browser.newContext();
    try {
      const p = await ctx.newPage();
      const apiAnswers: number[] = [];
      p.on('response', (r) => void (new URL(r.url()).pathname.startsWith('/api/') && apiAnswers.push(r.status())));
      const res = await p.goto(`${env.serve.origin}/#/popover`);
      expect(res!.status()).toBe(200);
      await expect.poll(() => p.locator('.fatal').textContent(), { timeout: 15_000 }).toBe('This page needs the token leakbar serve printed. Open the full URL from its output (…/?token=…).');
      expect(apiAnswers.every((s) => s === 401)).toBe(true);
    } finally {
      await ctx.close();
    }
  });

  it('downloads a capture file through its link, byte for byte', async () => {
    const cap = await env.capture('heap');
    const file = cap.files.find((f) => f.name === 'heap.pb.gz')!;
    await env.openInspector(page, cap.id, 'view=top');
    const link = page.getByTestId('download-profile');
    expect(await link.getAttribute('href')).toBe(`/api/captures/${cap.id}/files/heap.pb.gz?token=${env.serve.token}`);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), link.click()]);
    expect(download.suggestedFilename()).toBe('heap.pb.gz');
    const got = readFileSync((await download.path())!);
    expect(cap.dir).toBeDefined();
    const onDisk = readFileSync(join(cap.dir!, 'heap.pb.gz'));
    expect(got.length).toBe(file.bytes);
    expect(got.equals(onDisk)).toBe(true);
  });

  it('works on port 80, where the browser sends the Host without the port', async (ctx) => {
    if (!(await port80Free())) return ctx.skip();
    const serve80 = await startServe(['--pid', String(env.fx.pid), '--no-pprof', '--port', '80', '--interval', '1', '--data-dir', join(env.dir, 'data80')]);
    try {
      expect(serve80.origin).toBe('http://127.0.0.1:80');
      const p = await env.browser.newPage();
      try {
        // What `serve --open` opens: the printed URL.
        const res = await p.goto(serve80.url);
        expect(res!.status()).toBe(200);
        expect(p.url()).toMatch(/^http:\/\/127\.0\.0\.1\/#\/popover$/);
        await streamOpen(p);
        const fds = p.getByTestId('figure-fds').locator('.figure-value');
        await until('an FD count on port 80', async () => ((await fds.getAttribute('data-value')) ? true : undefined));
        await p.reload();
        await streamOpen(p);
      } finally {
        await p.close();
      }
    } finally {
      await serve80.stop();
    }
  });

  it('logged no page errors', () => {
    expect(problems).toEqual([]);
  });
});
