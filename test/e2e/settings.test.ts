import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TargetSummary } from '../../src/shared/api.js';
import type { Settings } from '../../src/shared/settings.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { apiCall, launchChromium, startServe, until, type Serve } from './serve-helper.js';

const procFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const FD_LINE = 'setting-detectors.thresholds.fds.line';

describe('the settings view, in a browser against leakbar serve on the Go fixture', () => {
  let dir: string;
  let fx: Fixture;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let lowered = 0;
  const pageProblems: string[] = [];

  const call = <T,>(name: string, input: unknown): Promise<T> => apiCall<T>(serve, name, input);
  const settingsFile = () => join(dir, 'data', 'settings.json');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-settings-'));
    fx = await startFixture({ dir });
    serve = await startServe(['--match', `leaky.*${dir}`, '--pprof', fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', join(dir, 'data')]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageProblems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageProblems.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens #/settings with the engine’s settings, and no quiet hours in a browser', async () => {
    await page.goto(serve.url.replace('#/popover', '#/settings'));
    await expect.poll(() => page.getByTestId(FD_LINE).inputValue(), { timeout: 15_000 }).toBe('1000');
    expect(await page.getByTestId('setting-detectors.growth.windowMs').inputValue()).toBe('10');
    expect(await page.getByTestId('setting-retention.maxCaptureBytes').inputValue()).toBe('2048');
    expect(await page.getByTestId('setting-retention.historyDays').inputValue()).toBe('30');
    expect(await page.getByTestId('setting-retention.captureDays').inputValue()).toBe('30');
    expect(await page.getByTestId('group-quiet-hours').count()).toBe(0);
    await expect.poll(() => page.getByTestId('target-row').count()).toBe(1);
    // The size limit reads as a size, in its unit.
    expect(await page.getByTestId('setting-retention.maxCaptureBytes').evaluate((i) => i.closest('label')!.textContent)).toBe('Capture space per targetMB');
    // The target's name (its command line here) shows whole, not cut off.
    const name = page.getByTestId('target-name-input');
    expect((await name.inputValue()).length).toBeGreaterThan(20);
    expect(await name.evaluate((i: HTMLInputElement) => i.scrollWidth <= i.clientWidth)).toBe(true);
    // No settings file until something is saved.
    expect(() => readFileSync(settingsFile())).toThrow(/ENOENT/);
  });

  it('saves an FD line below the fixture’s FD count, and the popover turns to alert with the FD alert', async () => {
    // Wait for samples so the popover has something to judge, then put the line a few FDs under the count.
    await until('the fixture to be watched', async () => ((await call<TargetSummary[]>('listTargets', {}))[0]?.status.lastSample?.fds ? true : undefined));
    lowered = Math.max(1, procFds(fx.pid) - 3);
    await page.getByTestId(FD_LINE).fill(String(lowered));
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-status').getAttribute('data-kind')).toBe('saved');
    expect((await call<Settings>('getSettings', {})).detectors.thresholds.fds.line).toBe(lowered);
    expect((JSON.parse(readFileSync(settingsFile(), 'utf8')) as Settings).detectors.thresholds.fds.line).toBe(lowered);

    await page.getByRole('link', { name: 'Popover' }).click();
    await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), { timeout: 30_000, interval: 250 }).toBe('alert');
    const row = page.locator('[data-testid=alert][data-key="threshold:fds"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-state')).toBe('firing');
    expect(await page.getByTestId('reason').textContent()).toMatch(/fd|file descriptor/i);
    // The FD tile draws the line the user saved, not the default 1,000.
    await expect.poll(() => page.getByTestId('figure-fds').locator('.figure-line').textContent()).toContain(String(lowered));
  });

  it('refuses -5 with the reason beside the field, and saves nothing', async () => {
    await page.getByTestId('open-settings').click();
    await expect.poll(() => page.getByTestId(FD_LINE).inputValue()).toBe(String(lowered));
    const before = readFileSync(settingsFile(), 'utf8');
    await page.getByTestId(FD_LINE).fill('-5');
    await page.getByTestId('settings-save').click();
    const reason = page.getByTestId('problem-detectors.thresholds.fds.line');
    await reason.waitFor();
    expect(await reason.textContent()).toMatch(/greater than 0.*-5/);
    expect(await page.getByTestId('settings-status').getAttribute('data-kind')).toBe('refused');
    expect(await page.getByTestId(FD_LINE).getAttribute('aria-invalid')).toBe('true');
    expect((await call<Settings>('getSettings', {})).detectors.thresholds.fds.line).toBe(lowered);
    expect(readFileSync(settingsFile(), 'utf8')).toBe(before);
    // Text that is no number never reaches the engine.
    await page.getByTestId(FD_LINE).fill('lots');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => reason.textContent()).toMatch(/enter a number/);
  });

  it('renames the target (updateTarget) and the popover shows the new name; the id and history stay', async () => {
    const [before] = await call<TargetSummary[]>('listTargets', {});
    const history = await call<{ samples: unknown[] }>('history', { targetId: before!.target.id });
    const row = page.getByTestId('target-row');
    await row.getByTestId('target-name-input').fill('renamed fixture');
    await row.getByTestId('target-save').click();
    await expect.poll(() => page.getByTestId('target-note').textContent()).toBe('Saved.');
    const [after] = await call<TargetSummary[]>('listTargets', {});
    expect(after!.target).toMatchObject({ id: before!.target.id, name: 'renamed fixture', pprofUrl: fx.pprofUrl });
    expect((await call<{ samples: unknown[] }>('history', { targetId: after!.target.id })).samples.length).toBeGreaterThanOrEqual(history.samples.length);

    await page.getByRole('link', { name: 'Popover' }).click();
    await expect.poll(() => page.getByTestId('target-name').textContent(), { timeout: 15_000 }).toBe('renamed fixture');
    // The watcher restarted on the new description and keeps sampling the same process.
    await expect.poll(() => page.locator('.pop-sub').textContent(), { timeout: 15_000 }).toContain(`pid ${fx.pid}`);
  });

  it('is linked from the inspector header', async () => {
    await page.goto(`${serve.origin}/#/inspector`);
    await page.getByTestId('open-settings').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/settings');
    await page.getByTestId('group-targets').waitFor();
  });

  it('saves how many days history and captures are kept', async () => {
    const days = (path: string) => page.getByTestId(`setting-retention.${path}`);
    await expect.poll(() => days('historyDays').inputValue()).toBe('30');
    await days('historyDays').fill('7');
    await days('captureDays').fill('14');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-status').getAttribute('data-kind')).toBe('saved');
    expect((await call<Settings>('getSettings', {})).retention).toMatchObject({ historyDays: 7, captureDays: 14 });
    expect((JSON.parse(readFileSync(settingsFile(), 'utf8')) as Settings).retention).toMatchObject({ historyDays: 7, captureDays: 14 });
  });

  it('adds a target with no name under its pattern, says a browser’s list lasts while serve runs, and removes it', async () => {
    const pattern = `no-such-program-${process.pid}`;
    await page.getByTestId('target-add-selector').fill(pattern);
    await page.getByTestId('target-add-submit').click();
    const row = page.locator(`[data-testid=target-row][data-id=${pattern}]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('target-name-input').inputValue()).toBe(pattern);
    expect((await call<TargetSummary[]>('listTargets', {})).find((t) => t.target.id === pattern)?.target).toMatchObject({ name: pattern, selector: { match: pattern } });
    expect(await page.getByTestId('targets-note').textContent()).toContain('Targets added or removed here last while this leakbar serve runs');
    // Renamed, then the name emptied: back to the pattern, as the command line names it.
    const nameOf = async () => (await call<TargetSummary[]>('listTargets', {})).find((t) => t.target.id === pattern)?.target.name;
    await row.getByTestId('target-name-input').fill('renamed');
    await row.getByTestId('target-save').click();
    await expect.poll(nameOf).toBe('renamed');
    await row.getByTestId('target-name-input').fill('');
    await row.getByTestId('target-save').click();
    await expect.poll(nameOf).toBe(pattern);
    expect(await row.getByTestId('target-note').textContent()).toBe('Saved.');
    await row.getByTestId('target-remove').click();
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
  });

  it('with no target left, the popover points to Settings to add one', async () => {
    await page.getByTestId('target-row').first().getByTestId('target-remove').click();
    await expect.poll(() => page.getByTestId('target-row').count(), { timeout: 10_000 }).toBe(0);
    await page.getByRole('link', { name: 'Popover' }).click();
    await expect.poll(() => page.getByTestId('no-target').textContent(), { timeout: 15_000 }).toBe('No target is watched. Add one in Settings, or start leakbar with --pid, --match or --config.');
    await page.getByTestId('add-target-link').click();
    await page.getByTestId('target-add-selector').waitFor();
  });

  it('ran without page errors or CSP violations', () => {
    expect(pageProblems).toEqual([]);
  });
});
