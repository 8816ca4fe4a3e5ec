/**
 * The popover's card of a growth alert, in Chromium through a real `leakbar serve` of the Go fixture: its title keeps
 * the rate the alert fired at, while its text follows the rate of each step. Once the two can differ, the title says its
 * rate is the one at firing and the text says it is now, so one card never shows two rates as if both were current.
 * The fixture leaks 10 goroutines a second from the start, and more after the alert fired (so the rate changes); a
 * 30-second growth window (settings.json) makes the alert fire within the test, and updates go out at every step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { Alert } from '../../src/shared/alerts.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { apiCall, launchChromium, startServe, until, type Serve } from './serve-helper.js';

describe('the popover’s card of a growth alert whose rate changed since it fired', () => {
  let dir: string;
  let fx: Fixture;
  let serve: Serve;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-alert-card-'));
    fx = await startFixture({ dir, 'goroutine-rate': 10 });
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'settings.json'), JSON.stringify({ detectors: { growth: { windowMs: 30_000, minSamples: 12 }, updateEveryMs: 0 } }));
    serve = await startServe(['--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', data]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('labels the title’s rate as at firing, and the text’s as now', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
    page.setDefaultTimeout(30_000);
    await page.goto(serve.url);
    const card = page.locator('[data-testid="alert"][data-key="growth:goroutines"]');
    await card.waitFor({ timeout: 75_000 });

    // The leak speeds up (10/s, then 40/s): the trend of each step moves away from the rate in the title.
    const rateIn = (text: string, re: RegExp) => re.exec(text)?.[1];
    let stop = false;
    const faster = (async () => {
      while (!stop) {
        await fx.leak({ goroutines: 30 }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    let alert: Alert;
    try {
      alert = await until(
        'a step of the alert whose trend differs from the rate in its title',
        async () => {
          const a = (await apiCall<Alert[]>(serve, 'alerts', {})).find((x) => x.key === 'growth:goroutines' && x.state === 'firing');
          if (!a || a.lastMs <= a.firstMs) return undefined;
          const fired = rateIn(a.title, /\(([^()]+)\)$/);
          const now = rateIn(a.message, /trend ([^)]+)\)/);
          return fired && now && fired !== now ? a : undefined;
        },
        45_000,
        500,
      );
    } finally {
      stop = true;
      await faster;
    }
    const firedRate = rateIn(alert.title, /\(([^()]+)\)$/)!;
    const titleHead = alert.title.slice(0, alert.title.lastIndexOf(' ('));

    // The title: the rate it fired at, said so.
    // By class, as the card had them before it said so (their test ids came with this test).
    const title = card.locator('.alert-title');
    await expect.poll(() => title.textContent(), { timeout: 15_000 }).toBe(`${titleHead} (${firedRate} at firing)`);
    // The text: the latest step's figures, said to be now (the card follows the updates as they come).
    const meta = card.locator('.alert-meta');
    await expect.poll(() => meta.textContent(), { timeout: 15_000 }).toMatch(/^since \d\d:\d\d · now: Goroutines rose from .* \(.*; trend [^)]+\)/);
    const shown = (await meta.textContent())!;
    expect(rateIn(shown, /trend ([^)]+)\)/)).not.toBe(firedRate);
    // The hover of the title says the same.
    expect(await title.getAttribute('title')).toMatch(/^now: Goroutines rose from /);
    await page.close();
  }, 180_000);
});
