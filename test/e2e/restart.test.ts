/**
 * What an open page says when the things it shows go away: the watched process exits (its last figures
 * dimmed, with the time), and `leakbar serve` restarts with a new token (the page says to open the new URL,
 * and so does a reload, and the old URL gets a short page saying the same, not a bare 401).
 */
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { launchChromium, startServe, until, type Serve } from './serve-helper.js';

/** A port free on 127.0.0.1 just now, so a second `leakbar serve` can listen where the first one did. */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

const TOKEN_NEEDED = 'This leakbar page needs its token: open the URL leakbar serve printed (it changes each time serve starts).';

describe('an open page when the process exits and when leakbar serve restarts', () => {
  let dir: string;
  let fx: Fixture;
  let serve: Serve | undefined;
  let browser: Browser;
  let page: Page;
  let port: number;
  const pageErrors: string[] = [];
  const serveArgs = () => ['--match', `leaky.*${dir}`, '--port', String(port), '--interval', '1', '--data-dir', join(dir, 'data')];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-restart-'));
    fx = await startFixture({ dir });
    port = await freePort();
    serve = await startServe([...serveArgs(), '--pprof', fx.pprofUrl]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 360, height: 480 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dims the last figures of a process that exited and says when', async () => {
    await page.goto(serve!.url);
    const fds = page.getByTestId('figure-fds');
    await until('an FD count in the popover', async () => ((await fds.locator('.figure-value').getAttribute('data-value')) ? true : undefined));
    expect(await fds.getAttribute('data-stale')).toBeNull();
    const pid = fx.pid;
    await fx.stop();
    const gone = page.getByTestId('pop-gone');
    await gone.waitFor({ timeout: 30_000 });
    expect(await gone.textContent()).toMatch(new RegExp(`^pid ${pid} exited at \\d\\d:\\d\\d:\\d\\d$`));
    expect(await fds.getAttribute('data-stale')).toBe('true');
    // The value is still there to read, but faint.
    expect(await fds.locator('.figure-value').getAttribute('data-value')).not.toBe('');
    expect(Number(await fds.locator('.figure-value').evaluate((e) => getComputedStyle(e).opacity))).toBeLessThan(0.6);
    // Nothing to capture from a process that is gone: the buttons say so rather than fail when clicked.
    const heap = page.getByTestId('capture-heap');
    expect(await heap.isDisabled()).toBe(true);
    expect(await heap.getAttribute('title')).toMatch(new RegExp(`^pid ${pid} exited at \\d\\d:\\d\\d:\\d\\d: nothing to capture until a process is watched again$`));
    await page.screenshot({ path: join(tmpdir(), 'leakbar-popover-exited.png') });
  });

  it('says the page needs the new URL once serve restarted with a new token, and a reload and the old URL say the same', async () => {
    await expect.poll(() => page.getByTestId('stream').getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
    const oldToken = serve!.token;
    await serve!.stop();
    await expect.poll(() => page.getByTestId('stream').getAttribute('data-state'), { timeout: 15_000 }).toBe('reconnecting');
    serve = await startServe(serveArgs());
    expect(serve.token).not.toBe(oldToken);
    const banner = page.getByTestId('token-needed');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toBe(TOKEN_NEEDED);
    expect(await page.getByTestId('stream').getAttribute('data-state')).toBe('unauthorized');
    await page.screenshot({ path: join(tmpdir(), 'leakbar-popover-token-needed.png') });

    // A reload loads the page (its files need no token) with the old token from the tab's storage: the same words.
    const res = await page.reload();
    expect(res!.status()).toBe(200);
    await page.getByTestId('token-needed').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('token-needed').textContent()).toBe(TOKEN_NEEDED);
    // The old printed URL (its token in the address bar) gets a short readable page from the server, not a bare 401.
    const stale = await page.goto(`${serve.origin}/?token=${oldToken}#/popover`);
    expect(stale!.status()).toBe(401);
    expect((await page.locator('body').textContent())!.replace(/\s+/g, ' ')).toContain(TOKEN_NEEDED);
    await page.screenshot({ path: join(tmpdir(), 'leakbar-401-page.png') });

    // The URL serve printed this time opens the page again.
    await page.goto(serve.url);
    await expect.poll(() => page.getByTestId('stream').getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
    expect(await page.getByTestId('token-needed').count()).toBe(0);
  });

  it('draws the timeline’s lines apart across the time the process was gone, not straight through it', async () => {
    const oldPid = fx.pid;
    fx = await startFixture({ dir });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${serve!.origin}/#/inspector?range=15m`);
    // One moveto per stretch of samples: the old process's, then the new one's (a restart, after a gap).
    const moves = async () => ((await page.locator('[data-testid=chart-fds] .recharts-line .recharts-curve').first().getAttribute('d')) ?? '').split('M').length - 1;
    await expect.poll(moves, { timeout: 30_000 }).toBe(2);
    expect(fx.pid).not.toBe(oldPid);
    await page.screenshot({ path: join(tmpdir(), 'leakbar-timeline-gap.png') });
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
