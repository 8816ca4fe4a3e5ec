import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TargetSummary } from '../../src/shared/api.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { apiCall, launchChromium, startServe, until, type Serve } from './serve-helper.js';

/** Where screenshots of this walk go, to look at by eye (LEAKBAR_SHOTS=dir); none by default. */
const shots = process.env.LEAKBAR_SHOTS;

/**
 * A new user's walk through `leakbar serve` with two targets whose names differ only by a port, one of them without a
 * pprof endpoint: what each tile, badge, picker and range control says.
 */
describe('a new user’s walk through the popover and the timeline', () => {
  let dir: string;
  let fx: Fixture;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let withPprof: TargetSummary;
  let noPprof: TargetSummary;
  const pageProblems: string[] = [];
  const names = ['leaky -addr 127.0.0.1:17001 -duration 10m -memprofilerate 1', 'leaky -addr 127.0.0.1:17002 -duration 10m -memprofilerate 1'];
  const shot = async (name: string) => {
    if (shots) await page.screenshot({ path: join(shots, `${name}.png`) });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-walk-'));
    fx = await startFixture({ dir });
    const config = join(dir, 'targets.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: names[0], match: `leaky.*${dir}`, pprofUrl: fx.pprofUrl }, { name: names[1], match: `leaky.*${dir}`, pprofUrl: null }] }));
    serve = await startServe(['--config', config, '--port', '0', '--interval', '1', '--data-dir', join(dir, 'data')]);
    const listed = await apiCall<TargetSummary[]>(serve, 'listTargets', {});
    withPprof = listed.find((t) => t.target.name === names[0])!;
    noPprof = listed.find((t) => t.target.name === names[1])!;
    expect(noPprof.target.pprofUrl).toBeNull();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 360, height: 480 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageProblems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageProblems.push(`console: ${m.text()}`);
    });
    await page.goto(serve.url.replace('#/popover', `#/popover?target=${noPprof.target.id}`));
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says a target without pprof has no goroutine or heap figures, rather than that they are coming', async () => {
    await until('the FD figure of the target without pprof', async () => ((await page.getByTestId('figure-fds').locator('.figure-value').getAttribute('data-value')) ? true : undefined));
    for (const key of ['goroutines', 'heapInuseBytes']) {
      await expect.poll(() => page.getByTestId(`problem-${key}`).textContent(), { timeout: 10_000 }).toBe('no pprof endpoint');
      expect(await page.getByTestId(`figure-${key}`).textContent()).not.toContain('collecting');
    }
    // No profile to take, but what the system shows: a bundle takes the FDs and the memory map.
    for (const kind of ['heap', 'goroutine', 'cpu']) expect(await page.getByTestId(`capture-${kind}`).isDisabled(), kind).toBe(true);
    const bundle = page.getByTestId('capture-bundle');
    expect(await bundle.getAttribute('title')).toBe('FDs and memory map (this target has no pprof endpoint for profiles)');
    await bundle.click();
    await page.getByTestId('capture-result').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('capture-result').textContent()).toMatch(/^Bundle \(everything\) saved: process\.json, fds\.json \+\d/);
    await shot('walk-no-pprof');
  });

  it('tells two targets that differ only by a port apart in the picker, with the whole name on hover', async () => {
    const picker = page.getByTestId('target-name');
    expect(await picker.getAttribute('title')).toBe(names[1]);
    const options = await picker.locator('option').evaluateAll((os) => os.map((o) => ({ text: o.textContent ?? '', title: o.getAttribute('title') })));
    expect(options.map((o) => o.title)).toEqual(names);
    expect(options[0]!.text).toContain('17001');
    expect(options[1]!.text).toContain('17002');
    // The label shown fits the select: the native control cuts at the end what does not.
    const fit = await picker.evaluate((el: HTMLSelectElement) => {
      const ctx = document.createElement('canvas').getContext('2d')!;
      const cs = getComputedStyle(el);
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const text = el.selectedOptions[0]!.textContent ?? '';
      return { textPx: ctx.measureText(text).width, boxPx: el.clientWidth, right: el.getBoundingClientRect().right, badgeLeft: document.querySelector('[data-testid=state]')!.getBoundingClientRect().left };
    });
    // About 24 px go to the padding and the arrow.
    expect(fit.textPx + 24).toBeLessThanOrEqual(fit.boxPx);
    expect(fit.right).toBeLessThanOrEqual(fit.badgeLeft);
  });

  it('keeps the alert rows where they are when one is acknowledged', async () => {
    await page.goto(`${serve.origin}/#/popover?target=${withPprof.target.id}`);
    await fx.leak({ fds: 1100 });
    await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), { timeout: 30_000, interval: 250 }).toBe('alert');
    const rows = page.getByTestId('alert');
    // The FD threshold, and the same file opened again and again, fire within a few samples of each other.
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    // The rows there now, in their order; an alert that fires later may join them, and is left out of the comparison.
    const all = () => rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')));
    const before = await all();
    const keys = async () => (await all()).filter((k) => before.includes(k));
    await shot('walk-alerts');
    // Acknowledge the top row: sorted firing first, it went to the bottom under the cursor; now it stays.
    expect(await rows.first().getAttribute('data-state')).toBe('firing');
    await rows.first().getByTestId('alert-ack').click();
    await expect.poll(() => rows.first().getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    expect(await keys()).toEqual(before);
    // And with the pointer gone too: the order is by when each fired, not by state.
    await page.mouse.move(1, 1);
    await page.waitForTimeout(500);
    expect(await keys()).toEqual(before);
  });

  it('gives the same state in the popover and the inspector once every open alert is acknowledged', async () => {
    const rows = page.getByTestId('alert');
    for (let i = 0; i < (await rows.count()); i++) {
      const ack = rows.nth(i).getByTestId('alert-ack');
      if (await ack.count()) {
        await ack.click();
        await expect.poll(() => rows.nth(i).getAttribute('data-state'), { timeout: 10_000 }).not.toBe('firing');
      }
    }
    await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), { timeout: 10_000 }).toBe('warning');
    // An alert that fires meanwhile would change both; there is none left to fire for this leak.
    const openInPopover = await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-state')));
    expect(openInPopover.every((s) => s !== 'firing')).toBe(true);
    await shot('walk-popover-acknowledged');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${serve.origin}/#/inspector?target=${withPprof.target.id}&range=15m`);
    await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), { timeout: 10_000 }).toBe('warning');
    // Judged from the same alerts as the popover: the reason names the acknowledged one.
    await expect.poll(() => page.getByTestId('state').getAttribute('title'), { timeout: 10_000 }).toMatch(/\(acknowledged\)/);
    await shot('walk-inspector-acknowledged');
  });

  it('says why a custom range that runs backwards cannot be applied, and highlights Custom alone while editing', async () => {
    const on = () => page.locator('.segmented button.on').allTextContents();
    expect(await on()).toEqual(['15 min']);
    await page.getByTestId('range-custom').click();
    // The click's re-render may come a moment after it.
    await expect.poll(on, { timeout: 5_000 }).toEqual(['Custom']);
    const from = page.getByLabel('From');
    const to = page.getByLabel('To');
    const fromValue = await from.inputValue();
    const day = fromValue.slice(0, 10);
    await from.fill(`${day}T01:12`);
    await to.fill(`${day}T01:10`);
    await expect.poll(() => page.getByTestId('range-apply').isDisabled(), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('range-problem').textContent(), { timeout: 5_000 }).toBe('the end is before the start');
    await shot('walk-range-backwards');
    await to.fill(`${day}T01:14`);
    await expect.poll(() => page.getByTestId('range-problem').count(), { timeout: 5_000 }).toBe(0);
    await page.getByTestId('range-apply').click();
    await expect.poll(() => page.evaluate(() => location.hash), { timeout: 5_000 }).toMatch(/from=\d+&to=\d+/);
    await expect.poll(on, { timeout: 5_000 }).toEqual(['Custom']);
  });

  it('ran without page errors', () => {
    expect(pageProblems).toEqual([]);
  });
});
