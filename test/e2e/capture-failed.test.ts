/**
 * The popover's alert list when the capture taken for an alert fails: it says why ("No capture: …"), where before the
 * alert simply never named anything. A proxy in front of the Go fixture lets the goroutine count through and answers
 * a goroutine capture's reads with 500; a goroutine line of 3 (settings.json) makes the alert fire at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { closeServer, forward, listen } from '../helpers/odd-servers.js';
import { launchChromium, startServe, type Serve } from './serve-helper.js';

describe('leakbar serve when an alert’s automatic capture fails', () => {
  let dir: string;
  let fx: Fixture;
  let proxy: Server;
  let serve: Serve;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-capture-failed-'));
    fx = await startFixture({ dir });
    const upstream = new URL(fx.baseUrl);
    proxy = createServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/debug/pprof/goroutine') && !url.includes('debug=1')) res.writeHead(500, { 'content-type': 'text/plain' }).end('profile broken\n');
      else forward(upstream, req, res);
    });
    const base = await listen(proxy);
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'settings.json'), JSON.stringify({ detectors: { thresholds: { goroutines: { line: 3 } } } }));
    serve = await startServe(['--pid', String(fx.pid), '--pprof', `${base}/debug/pprof/`, '--port', '0', '--interval', '1', '--data-dir', data]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    if (proxy) await closeServer(proxy);
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows under the alert why it has no capture', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 560 } });
    page.setDefaultTimeout(30_000);
    await page.goto(serve.url);
    const failed = page.getByTestId('alert-capture-error');
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/^No capture: http:\/\/127\.0\.0\.1:\d+\/debug\/pprof\/goroutine.* answered 500: "profile broken"/);
    expect(await page.getByTestId('alert-finding').count()).toBe(0);
    // The whole reason on hover, however narrow the popover.
    expect(await failed.getAttribute('title')).toMatch(/answered 500: "profile broken"/);
    await page.close();
  });
});
