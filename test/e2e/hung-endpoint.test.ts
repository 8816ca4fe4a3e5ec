/** The popover against a pprof address that accepts and never answers: each pprof tile says why it is empty. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { startOddServers, type OddServers } from '../helpers/odd-servers.js';
import { launchChromium, startServe, type Serve } from './serve-helper.js';

describe('leakbar serve with a pprof address that never answers', () => {
  let dir: string;
  let fx: Fixture;
  let odd: OddServers;
  let serve: Serve;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-hung-'));
    fx = await startFixture({ dir });
    odd = await startOddServers();
    serve = await startServe(['--pid', String(fx.pid), '--pprof', odd.hang, '--port', '0', '--interval', '1', '--data-dir', join(dir, 'data')]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await odd?.close();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says on the goroutine and heap tiles that the address does not answer, where it said "collecting…" forever', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 480 } });
    page.setDefaultTimeout(30_000);
    await page.goto(serve.url);
    // The process figures come; the pprof ones cannot.
    await page.locator('[data-testid="figure-fds"] .figure-value').filter({ hasNotText: '—' }).waitFor();
    for (const key of ['goroutines', 'heapInuseBytes']) {
      const problem = page.getByTestId(`problem-${key}`);
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(/no answer within/);
      expect(await problem.getAttribute('title')).toMatch(/no answer within/);
    }
    await expect(page.getByTestId('figure-fds').locator('.figure-problem').count()).resolves.toBe(0);
    await page.close();
  });
});
