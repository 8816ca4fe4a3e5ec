/**
 * The popover's alert list when the capture taken for an alert fails: it says why ("No capture: …"), where before the
 * alert simply never named anything. A proxy in front of the Go fixture lets the goroutine count through and answers
 * a goroutine capture's reads with 500; a goroutine line of 3 (settings.json) makes the alert fire at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { startProxyFailingGoroutineCaptures } from '../helpers/odd-servers.js';
import { launchChromium, startServe, type Serve } from './serve-helper.js';

describe('leakbar serve when an alert’s automatic capture fails', () => {
  let dir: string;
  let fx: Fixture;
  let proxy: Awaited<ReturnType<typeof startProxyFailingGoroutineCaptures>> | undefined;
  let serve: Serve;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-capture-failed-'));
    fx = await startFixture({ dir });
    proxy = await startProxyFailingGoroutineCaptures(fx.baseUrl);
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'settings.json'), JSON.stringify({ detectors: { thresholds: { goroutines: { line: 3 } } } }));
    serve = await startServe(['--pid', String(fx.pid), '--pprof', proxy.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', data]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await proxy?.close();
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
