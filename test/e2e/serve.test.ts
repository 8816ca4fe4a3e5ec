import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { csvHeader } from '../../src/shared/csv.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { apiCall, launchChromium, startServe, until, type Serve } from './serve-helper.js';

const procFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** Every file under `dir`, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('leakbar serve in a browser, watching the Go fixture', () => {
  let dir: string;
  let fx: Fixture;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];

  const call = <T,>(name: string, input: unknown): Promise<T> => apiCall<T>(serve, name, input);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-'));
    fx = await startFixture({ dir });
    serve = await startServe(['--match', `leaky.*${dir}`, '--pprof', fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', join(dir, 'data')]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 360, height: 480 }, acceptDownloads: true });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageProblems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // The cancelled CPU capture answers 409 on purpose; Chromium logs every non-2xx fetch.
      if (m.type() === 'error' && !/status of 409/.test(m.text())) pageProblems.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 to every request for data without the token, and to a wrong one; the page’s own files need none', async () => {
    for (const path of ['/metrics', '/api/events', `/api/events?token=${serve.token.slice(1)}`, `/?token=${serve.token.slice(1)}`]) {
      const r = await fetch(`${serve.origin}${path}`, { signal: AbortSignal.timeout(5000) });
      expect(r.status, path).toBe(401);
    }
    const post = await fetch(`${serve.origin}/api/call/listTargets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
    const ok = await fetch(serve.url, { signal: AbortSignal.timeout(5000) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toBeNull();
    const html = await ok.text();
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
    // The bundle is code, no data: served without the token, so a reload (the token no longer in the address bar) loads it.
    const bundle = await fetch(`${serve.origin}/${asset}`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).not.toContain(serve.token);
    expect((await fetch(`${serve.origin}/`)).status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  });

  it('shows live figures in the popover that match the process', async () => {
    await page.goto(serve.url);
    // The token leaves the address bar once the page has it.
    await until('the token to leave the URL', async () => ((await page.evaluate(() => location.search)) === '' ? true : undefined), 10_000);
    const fdTile = page.getByTestId('figure-fds');
    await until('an FD count in the popover', async () => ((await fdTile.locator('.figure-value').getAttribute('data-value')) ? true : undefined));
    // Compare with procfs around the read: the popover's value is at most a tick old.
    const before = procFds(fx.pid);
    const shown = Number(await fdTile.locator('.figure-value').getAttribute('data-value'));
    const after = procFds(fx.pid);
    expect(shown).toBeGreaterThanOrEqual(Math.min(before, after) - 2);
    expect(shown).toBeLessThanOrEqual(Math.max(before, after) + 2);
    await expect.poll(() => page.locator('.pop-sub').textContent(), { timeout: 10_000 }).toContain(`pid ${fx.pid}`);
    expect(await page.getByTestId('state').getAttribute('data-state')).toBe('healthy');
    for (const key of ['rssBytes', 'goroutines', 'heapInuseBytes', 'threads']) {
      await until(`a value for ${key}`, async () => ((await page.getByTestId(`figure-${key}`).locator('.figure-value').getAttribute('data-value')) ? true : undefined));
    }
    const threads = Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${fx.pid}/status`, 'utf8'))![1]);
    const shownThreads = Number(await page.getByTestId('figure-threads').locator('.figure-value').getAttribute('data-value'));
    expect(Math.abs(shownThreads - threads)).toBeLessThanOrEqual(2);
    // The numbers move without a reload: the live stream is open.
    await expect.poll(() => page.locator('.stream').textContent(), { timeout: 10_000 }).toBe('live');
  });

  it('takes a heap capture with one click, and go tool pprof opens the file', async () => {
    await page.getByTestId('capture-heap').click();
    const open = page.getByTestId('capture-open');
    await open.waitFor({ state: 'visible', timeout: 30_000 });
    const id = (await open.getAttribute('data-capture-id'))!;
    expect(id).toMatch(/^[a-z0-9-]+$/);
    const meta = await call<CaptureMeta>('getCapture', { captureId: id });
    const file = meta.files.find((f) => f.name.endsWith('.pb.gz'))!;
    expect(file).toBeDefined();
    // The bytes the API serves are the bytes in the data folder.
    const served = new Uint8Array(await (await fetch(`${serve.origin}/api/captures/${id}/files/${file.name}`, { headers: { Authorization: `Bearer ${serve.token}` } })).arrayBuffer());
    const onDisk = walk(join(dir, 'data')).find((p) => p.includes(id) && p.endsWith(file.name))!;
    expect(onDisk).toBeDefined();
    // The popover says where the capture went: its folder on disk.
    expect(meta.dir).toBe(dirname(onDisk));
    await expect.poll(() => page.getByTestId('capture-dir').getAttribute('title')).toBe(meta.dir);
    expect(Buffer.from(served).equals(readFileSync(onDisk))).toBe(true);
    const copy = join(dir, 'copy-heap.pb.gz');
    writeFileSync(copy, served);
    const top = await new Promise<{ code: number; out: string }>((ok) =>
      execFile('go', ['tool', 'pprof', '-top', copy], { timeout: 30_000, env: { ...process.env, PPROF_TMPDIR: dir } }, (e, stdout, stderr) => ok({ code: e ? 1 : 0, out: stdout + stderr })),
    );
    expect(top.code, top.out).toBe(0);
    expect(top.out).toMatch(/flat\s+flat%\s+sum%\s+cum\s+cum%/);
    // The result opens with one more click.
    await open.click();
    await page.getByTestId('capture-detail').waitFor();
    await expect.poll(() => page.getByTestId('capture-file').first().getAttribute('data-name')).toBe(file.name);
    // The figures shown are the watcher's last sample, and the page says how old they were.
    expect(meta.figures).not.toBeNull();
    expect(meta.figures!.timeMs).toBeLessThanOrEqual(meta.startedMs);
    expect(await page.getByTestId('figures-heading').textContent()).toMatch(/^Figures of the last sample, at \d\d:\d\d:\d\d/);
    await page.goto(`${serve.origin}/#/popover`);
  });

  it('shows a CPU capture’s progress and cancels it', async () => {
    await page.getByTestId('capture-cpu').click();
    const progress = page.getByTestId('progress-cpu');
    await progress.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('capture-cpu').isDisabled()).toBe(true);
    await expect.poll(() => progress.locator('progress').evaluate((p: HTMLProgressElement) => p.value), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await progress.textContent()).toMatch(/\d+s left/);
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await progress.waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => page.getByTestId('capture-failed').textContent(), { timeout: 10_000 }).toMatch(/cancel/i);
    expect(await page.getByTestId('capture-cpu').isDisabled()).toBe(false);
  });

  it('turns to alert on an FD leak and shows the alert', async () => {
    await page.getByTestId('state').waitFor();
    await fx.leak({ fds: 1100 });
    await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), { timeout: 30_000, interval: 250 }).toBe('alert');
    const row = page.locator('[data-testid=alert][data-key="threshold:fds"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-state')).toBe('firing');
    expect(await page.getByTestId('reason').textContent()).toMatch(/fd|file descriptor/i);
    expect(Number(await page.getByTestId('figure-fds').locator('.figure-value').getAttribute('data-value'))).toBeGreaterThan(1000);
    const metrics = await (await fetch(`${serve.origin}/metrics`, { headers: { Authorization: `Bearer ${serve.token}` } })).text();
    expect(Number(/^leakbar_open_fds\{target="[^"]+"\} (\d+)$/m.exec(metrics)![1])).toBeGreaterThan(1000);
    expect(Number(/^leakbar_alerts_firing\{target="[^"]+"\} (\d+)$/m.exec(metrics)![1])).toBeGreaterThanOrEqual(1);
  });

  it('acknowledges an alert from the popover', async () => {
    const row = page.locator('[data-testid=alert][data-key="threshold:fds"]');
    await row.getByTestId('alert-ack').click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    await expect.poll(() => page.getByTestId('state').getAttribute('data-state'), { timeout: 10_000 }).not.toBe('alert');
  });

  it('marks the alert and the capture on the timeline, reads out every figure on hover, and exports the range as CSV', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${serve.origin}/#/inspector?range=15m`);
    await page.locator('[data-testid=chart-fds] .recharts-reference-line.marker-alert').first().waitFor({ state: 'attached', timeout: 30_000 });
    await page.locator('[data-testid=chart-fds] .recharts-reference-line.marker-capture').first().waitFor({ state: 'attached', timeout: 30_000 });
    expect(await page.locator('[data-testid=marker-row][data-kind=alert]').count()).toBeGreaterThanOrEqual(1);

    const box = (await page.getByTestId('chart-fds').locator('.recharts-surface').boundingBox())!;
    // The right end of the plot (the y axis is 64 px on the left, the margin 12 px on the right): the latest samples.
    await page.mouse.move(box.x + box.width - 14, box.y + box.height / 2);
    await expect.poll(() => page.locator('.readout-time').textContent(), { timeout: 5_000 }).not.toContain('Latest');
    for (const key of ['rssBytes', 'fds', 'goroutines', 'heapInuseBytes', 'threads', 'cpuPercent']) {
      expect(await page.locator(`.readout-cell[data-figure=${key}] .readout-value`).textContent(), key).not.toBe('—');
    }

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId('export-csv').click()]);
    // Named by the range's ends, each date and time apart: leakbar-<target>-2026-11-24_18-49_to_2026-11-24_19-04.csv.
    expect(download.suggestedFilename()).toMatch(/^leakbar-[a-z0-9-]+-\d{4}-\d\d-\d\d_\d\d-\d\d_to_\d{4}-\d\d-\d\d_\d\d-\d\d\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(csvHeader());
    expect(lines.length).toBeGreaterThan(3);
  });

  it('zooms into a dragged stretch', async () => {
    const box = (await page.getByTestId('chart-goroutines').locator('.recharts-surface').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.85, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.92, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.97, y, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.evaluate(() => location.hash), { timeout: 5_000 }).toMatch(/from=\d+&to=\d+/);
    await page.getByTestId('reset-zoom').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('range=15m');
  });

  it('ran without page errors or CSP violations', () => {
    expect(pageProblems).toEqual([]);
  });
});
