/**
 * The desktop app's Content-Security-Policy (src/main/security-policy.ts), run over the real pages: `leakbar serve`
 * watching the Go fixture, in Debian's Chromium, with every page file answered under the app's policy instead of
 * serve's. Nothing of the popover, the timeline, the settings or the inspector's views may be refused by it; so
 * `style-src` needs no 'unsafe-inline' (React's style props go through the CSSOM, which style-src does not govern).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { contentSecurityPolicy } from '../../src/main/security-policy.js';
import { startInspectorEnv, type InspectorEnv } from './inspector-env.js';

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

describe("the desktop app's CSP over the real pages", () => {
  let env: InspectorEnv;
  let page: Page;
  const consoleCsp: string[] = [];
  let caps: Record<'heap' | 'heap2' | 'goroutine' | 'system', CaptureMeta>;

  beforeAll(async () => {
    env = await startInspectorEnv();
    // Two heap captures, so the later one has one to be compared with.
    caps = { heap: await env.capture('heap'), goroutine: await env.capture('goroutine'), system: await env.capture('system'), heap2: await env.capture('heap') };
    page = await env.browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(30_000);
    // The page files (HTML, JS, CSS, the worker) carry the app's policy, as its app:// handler sends it with every
    // file; the API and its event stream (a never-ending answer) go through untouched.
    await page.route(`${env.serve.origin}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path.startsWith('/api/') || path === '/metrics') return route.continue();
      const res = await route.fetch();
      await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': contentSecurityPolicy() } });
    });
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.cspViolations!.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample} @${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  // Every refusal counts (zod is told not to probe for eval, which the policy would refuse: see main.tsx).
  const violations = async () => page.evaluate(() => window.cspViolations ?? []);

  it('is the policy the pages are answered with', async () => {
    const answered = await page.goto(`${env.serve.origin}/?token=${encodeURIComponent(env.serve.token)}#/popover`);
    expect(answered?.headers()['content-security-policy']).toBe(contentSecurityPolicy());
    expect(contentSecurityPolicy()).toMatch(/style-src 'self'(;|$)/);
    await page.getByTestId('figure-fds').locator('.figure-value[data-value]').waitFor();
  });

  it('refuses nothing the popover, the timeline and the settings do', async () => {
    await page.goto(`${env.serve.origin}/?token=${encodeURIComponent(env.serve.token)}#/popover`);
    await page.getByTestId('figure-rssBytes').locator('.figure-value[data-value]').waitFor();
    await page.evaluate(() => (location.hash = '#/inspector'));
    await page.locator('.recharts-surface').first().waitFor();
    await page.evaluate(() => (location.hash = '#/settings'));
    await page.getByTestId('settings-form').waitFor();
    expect(await violations()).toEqual([]);
    expect(consoleCsp).toEqual([]);
  });

  it("refuses nothing the inspector's views do: top, flame graph, diff, goroutines, FDs, memory map", async () => {
    const views: Array<[CaptureMeta, string, string]> = [
      [caps.heap, 'view=top', 'top-row'],
      [caps.heap, 'view=flame', 'flame-canvas'],
      [caps.heap2, 'view=diff', 'diff-base'],
      [caps.goroutine, 'view=goroutines', 'goroutine-group'],
      [caps.system, 'view=fds', 'fds-view'],
      [caps.system, 'view=memory', 'memory-view'],
    ];
    for (const [cap, query, testId] of views) {
      await env.openInspector(page, cap.id, query);
      await page.getByTestId(testId).first().waitFor();
      // Hover the flame graph and the tables: tooltips are placed by style props.
      await page.getByTestId(testId).first().hover({ force: true });
      expect(await violations(), query).toEqual([]);
    }
    expect(consoleCsp).toEqual([]);
  });

  it('would say so if a page set a style attribute (the check can fail)', async () => {
    await page.evaluate(() => document.body.setAttribute('style', 'outline: 1px solid red'));
    await expect.poll(violations).toEqual([expect.stringMatching(/^style-src-attr inline/)]);
  });
});
