/**
 * A file of a capture deleted by hand, as the pages show it, in Debian's Chromium through a real `leakbar serve`: a
 * real goroutine capture of the Go fixture (`leakbar capture`, from `npm run build:cli`), then its profile removed from
 * the capture's folder. The capture's page says "deleted" instead of a size and offers no download for it, with what
 * to do; the capture list's size counts only what is left, and says "(1 deleted)". Needs `npx vite build`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { formatBytes } from '../../src/shared/units.js';
import { leakbar } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { launchChromium, startServe, until, type Serve } from './serve-helper.js';

describe('a capture file deleted by hand, on the capture pages', () => {
  let dir: string;
  let fx: Fixture;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let meta: CaptureMeta & { dir: string };
  let gone: CaptureMeta['files'][number];
  let kept: CaptureMeta['files'];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-e2e-deleted-'));
    const data = join(dir, 'data');
    fx = await startFixture({ dir });
    const r = await leakbar(['capture', 'goroutine', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--data-dir', data, '--json']);
    expect(r.code, r.stderr).toBe(0);
    meta = JSON.parse(r.stdout) as CaptureMeta & { dir: string };
    gone = meta.files.find((f) => f.name.endsWith('.pb.gz'))!;
    kept = meta.files.filter((f) => f !== gone);
    expect(gone).toBeDefined();
    expect(kept.length).toBeGreaterThan(0);
    // Deleted by hand, as a person cleaning up a folder would.
    await rm(join(meta.dir, gone.name));
    serve = await startServe(['--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', data]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The page takes the token from the printed URL once, and keeps it for the tab.
    await page.goto(serve.url);
    await until('the token to leave the URL', async () => ((await page.evaluate(() => location.search)) === '' ? true : undefined), 10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the capture page says "deleted" for that file, offers no download of it, and says what to do; the others download as before', async () => {
    await page.goto(`${serve.origin}/#/inspector/capture/${meta.id}`);
    await page.getByTestId('capture-detail').waitFor();
    const row = page.locator(`[data-testid="capture-file"][data-name="${gone.name}"]`);
    await row.waitFor();
    // The size column (the third): "deleted", not the size meta.json recorded.
    const sizeOf = (r: typeof row) => r.locator('td').nth(2).textContent().then((t) => t?.trim());
    expect(await sizeOf(row)).toBe('deleted');
    expect(await row.getAttribute('data-missing')).toBe('true');
    expect(await row.locator('button, a').count()).toBe(0);
    expect(await row.textContent()).not.toContain(formatBytes(gone.bytes));
    // The files still there keep their size and their Download button.
    for (const f of kept) {
      const other = page.locator(`[data-testid="capture-file"][data-name="${f.name}"]`);
      expect(await sizeOf(other)).toBe(formatBytes(f.bytes));
      expect(await other.getByRole('button', { name: 'Download' }).count()).toBe(1);
    }
    // What happened and what can be done.
    const hint = (await page.getByTestId('deleted-files-hint').textContent()) ?? '';
    expect(hint).toContain(`${gone.name} was deleted from the capture's folder`);
    expect(hint).toContain(meta.dir);
    expect(hint).toContain('Take a new goroutine capture');
    expect(hint).toContain('leakbar capture goroutine');
    // The total says what the folder holds now, as the capture list does.
    const keptBytes = kept.reduce((n, f) => n + f.bytes, 0);
    expect((await page.getByTestId('capture-detail-size').textContent())?.trim()).toBe(`${formatBytes(keptBytes)} (1 deleted)`);
    // No promise that `go tool pprof` opens a profile that is not there.
    expect(await page.getByTestId('profiles-hint').count()).toBe(0);
    expect(await page.getByTestId('profile-unreadable-hint').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("the inspector's header offers no download of the deleted profile, and does of the dump still there", async () => {
    await page.goto(`${serve.origin}/#/inspector/capture/${meta.id}?view=top`);
    await page.getByTestId('capture-inspector').waitFor();
    await page.getByTestId('download-profile-deleted').waitFor();
    expect(await page.getByTestId('download-profile').count()).toBe(0);
    expect((await page.getByTestId('download-profile-deleted').textContent())?.trim()).toBe(`${gone.name} deleted`);
    // The goroutine view shows the dump, which is still in the folder: its download is offered.
    await page.getByTestId('view-goroutines').click();
    await expect.poll(() => page.getByTestId('download-profile').textContent(), { timeout: 15_000 }).toMatch(/^Download .+\.txt$/);
    expect(await page.getByTestId('download-profile-deleted').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("the capture list's size counts only the files still on disk, and says how many were deleted", async () => {
    await page.goto(`${serve.origin}/#/inspector/captures?target=${encodeURIComponent(meta.targetId)}`);
    const cell = page.locator(`[data-testid="capture-row"][data-id="${meta.id}"] [data-testid="capture-size"]`);
    await cell.waitFor();
    const keptBytes = kept.reduce((n, f) => n + f.bytes, 0);
    expect((await cell.textContent())?.trim()).toBe(`${formatBytes(keptBytes)} (1 deleted)`);
    expect(await cell.getAttribute('data-bytes')).toBe(String(keptBytes));
    expect(await cell.getAttribute('title')).toContain(gone.name);
    expect(pageErrors).toEqual([]);
  });
});
