import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { History, TargetSummary } from '../../src/shared/api.js';
import type { Settings } from '../../src/shared/settings.js';
import type { WatcherStatus } from '../../src/shared/status.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { apiCall, launchChromium, startServe, until, type Serve } from './serve-helper.js';

const SAMPLE = 'setting-cadences.sampleMs';

/** The gaps between consecutive sample times, in ms. */
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('sampling intervals and pprof URLs on the settings page, in a browser against leakbar serve on the Go fixture', () => {
  let dir: string;
  let fx: Fixture;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let targetId = '';
  const pageProblems: string[] = [];

  const call = <T,>(name: string, input: unknown): Promise<T> => apiCall<T>(serve, name, input);
  const settingsFile = () => join(dir, 'data', 'settings.json');
  const sampleTimes = async (fromMs: number) => (await call<History>('history', { targetId, fromMs })).samples.map((s) => s.timeMs);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-intervals-'));
    fx = await startFixture({ dir });
    // `--interval 3` and `--heap-interval 2` fix the sample and MemStats intervals for this run, as a person starting serve that way does.
    serve = await startServe(['--match', `leaky.*${dir}`, '--pprof', fx.pprofUrl, '--port', '0', '--interval', '3', '--heap-interval', '2', '--data-dir', join(dir, 'data')]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 1200 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageProblems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageProblems.push(`console: ${m.text()}`);
    });
    targetId = await until('the fixture to be watched', async () => (await call<TargetSummary[]>('listTargets', {}))[0]?.target.id);
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the four intervals in seconds with their limits, those --interval and --heap-interval fix said so', async () => {
    await page.goto(serve.url.replace('#/popover', '#/settings'));
    await expect.poll(() => page.getByTestId(SAMPLE).inputValue(), { timeout: 15_000 }).toBe('3');
    expect(await page.getByTestId('setting-cadences.fdBreakdownMs').inputValue()).toBe('30');
    expect(await page.getByTestId('setting-cadences.memStatsMs').inputValue()).toBe('2');
    expect(await page.getByTestId('setting-cadences.memoryMapMs').inputValue()).toBe('300');
    expect(await page.getByTestId(SAMPLE).evaluate((i) => i.closest('label')!.textContent)).toContain('Process samples(1 s to 1 day)');
    await expect.poll(() => page.getByTestId('fixed-cadences.sampleMs').textContent()).toBe('set by --interval for this run; a value saved here takes over');
    expect(await page.getByTestId('fixed-cadences.memStatsMs').textContent()).toBe('set by --heap-interval for this run; a value saved here takes over');
    expect((await call<WatcherStatus>('status', { targetId })).jobs.find((j) => j.name === 'memstats')?.intervalMs).toBe(2000);
  });

  it('refuses 0.5 s with the schema’s reason beside the field, and saves nothing', async () => {
    await page.getByTestId(SAMPLE).fill('0.5');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('problem-cadences.sampleMs').textContent()).toBe('must be at least 1 s (got 0.5 s)');
    expect(await page.getByTestId('settings-status').getAttribute('data-kind')).toBe('refused');
    expect(() => readFileSync(settingsFile())).toThrow(/ENOENT/);
    expect((await call<Settings>('getSettings', {})).cadences.sampleMs).toBe(3000);
  });

  it('saves 1 s to settings.json, takes over from --interval, and the running watcher samples every second', async () => {
    // Sampling at 3 s now.
    await until('samples 3 s apart', async () => {
      const g = gaps(await sampleTimes(Date.now() - 20_000));
      return g.length >= 2 && median(g) > 2500 ? true : undefined;
    });
    await page.getByTestId(SAMPLE).fill('1');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-status').getAttribute('data-kind')).toBe('saved');
    const savedMs = Date.now();
    expect(await page.getByTestId('settings-status').textContent()).toBe('Saved. The new intervals apply now.');
    expect((JSON.parse(readFileSync(settingsFile(), 'utf8')) as Settings).cadences).toEqual({ sampleMs: 1000, fdBreakdownMs: 30_000, memStatsMs: 30_000, memoryMapMs: 300_000 });
    expect((await call<Settings>('getSettings', {})).cadences.sampleMs).toBe(1000);
    // The file keeps its own MemStats interval; --heap-interval still fixes it for this run, as the page says.
    expect(await call<{ paths: string[] }>('fixedSettings', {})).toEqual({ paths: ['cadences.memStatsMs'] });
    await expect.poll(() => page.getByTestId('fixed-cadences.sampleMs').count()).toBe(0);
    expect(await page.getByTestId('fixed-cadences.memStatsMs').count()).toBe(1);
    expect((await call<WatcherStatus>('status', { targetId })).jobs.find((j) => j.name === 'sample')?.intervalMs).toBe(1000);
    // The history the watcher records from then on: a sample every second.
    const times = await until('five samples after the change', async () => {
      const t = await sampleTimes(savedMs + 500);
      return t.length >= 6 ? t : undefined;
    });
    const g = gaps(times);
    expect(median(g)).toBeGreaterThan(700);
    expect(median(g)).toBeLessThan(1500);
  });

  it('takes a pprof URL as host:port or a profile’s own URL, shows what it made of it, and says what one looks like', async () => {
    const row = page.getByTestId('target-row');
    const hostPort = fx.pprofUrl.replace(/^http:\/\//, '').replace(/\/debug\/pprof\/$/, '');
    await row.getByTestId('target-pprof-input').fill(`${fx.pprofUrl}heap?debug=1`);
    await row.getByTestId('target-save').click();
    // The same URL once read: nothing to change.
    await expect.poll(async () => (await call<TargetSummary[]>('listTargets', {}))[0]!.target.pprofUrl).toBe(fx.pprofUrl);
    await row.getByTestId('target-pprof-input').fill(hostPort.replace('127.0.0.1', 'localhost'));
    await row.getByTestId('target-save').click();
    const localhost = fx.pprofUrl.replace('127.0.0.1', 'localhost');
    await expect.poll(() => row.getByTestId('target-note').textContent()).toBe(`Saved, the pprof URL as ${localhost}.`);
    expect((await call<TargetSummary[]>('listTargets', {}))[0]!.target.pprofUrl).toBe(localhost);
    await expect.poll(() => row.getByTestId('target-pprof-input').inputValue()).toBe(localhost);

    await row.getByTestId('target-pprof-input').fill('127.0.0.1 16060');
    await row.getByTestId('target-save').click();
    await expect.poll(() => row.getByTestId('target-note').textContent()).toBe('pprof URL: "127.0.0.1 16060" is not a URL; it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)');
    expect((await call<TargetSummary[]>('listTargets', {}))[0]!.target.pprofUrl).toBe(localhost);
  });

  it('says on the page what in a hand-edited settings.json is not in force, until a change is saved', async () => {
    const doc = JSON.parse(readFileSync(settingsFile(), 'utf8')) as Settings;
    writeFileSync(settingsFile(), JSON.stringify({ ...doc, cadences: { ...doc.cadences, sampleMs: 400 } }, null, 2));
    // The engine looks at the file every 2 s.
    // The open page says so by itself, without a reload.
    const notes = page.getByTestId('settings-notes');
    await notes.waitFor({ timeout: 15_000 });
    expect(await notes.locator('li').allTextContents()).toEqual([`${settingsFile()}: cadences.sampleMs: must be at least 1000 ms (got 400); keeping 1000, the value in force`]);
    expect(await page.getByTestId(SAMPLE).inputValue()).toBe('1');
    await page.screenshot({ path: join(tmpdir(), 'leakbar-settings-notes.png') });
    // A change saved writes the file whole, with the value in force: nothing left to say.
    await page.getByTestId('setting-cadences.memoryMapMs').fill('600');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-status').getAttribute('data-kind')).toBe('saved');
    await expect.poll(() => notes.count()).toBe(0);
    expect((JSON.parse(readFileSync(settingsFile(), 'utf8')) as Settings).cadences).toMatchObject({ sampleMs: 1000, memoryMapMs: 600_000 });
  });

  it('ran without page errors or CSP violations', () => {
    // The refused pprof URL is a 400 answer the page shows; the browser logs such a failed request as a console error.
    expect(pageProblems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  });
});
