import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { startInspectorEnv, type InspectorEnv } from './inspector-env.js';
import { until } from './serve-helper.js';

const run = promisify(execFile);

/** The rows `go tool pprof -top` prints: flat, flat%, sum%, cum, cum%, name (inline marks dropped). */
function pprofTopRows(text: string): string[][] {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => /^\s+flat\s+flat%/.test(l));
  return lines
    .slice(head + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*?)(?: \((?:partial-)?inline\))?$/.exec(l)!;
      return m.slice(1, 7);
    });
}

describe('the capture inspector in a browser, on captures of the Go fixture', () => {
  let env: InspectorEnv;
  let page: Page;
  const problems: string[] = [];
  const caps: Record<'heapFirst' | 'heapBefore' | 'heap' | 'grBefore' | 'goroutine' | 'sysBefore' | 'system', CaptureMeta> = {} as never;

  beforeAll(async () => {
    env = await startInspectorEnv();
    // A little retained heap first, so the leak shows as growth of an existing function.
    await env.fx.leak({ heapkb: 1000 });
    // Marked as the baseline later, from its page in the browser.
    caps.heapFirst = await env.capture('heap');
    caps.heapBefore = await env.capture('heap');
    await env.call('markBaseline', { captureId: caps.heapBefore.id });
    caps.grBefore = await env.capture('goroutine');
    caps.sysBefore = await env.capture('system');
    await env.fx.leak({ heapkb: 20000, goroutines: 300, fds: 50 });
    caps.heap = await env.capture('heap');
    caps.goroutine = await env.capture('goroutine');
    caps.system = await env.capture('system');
    page = await env.browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, colorScheme: 'light' });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await env?.stop();
  });

  it("shows the top table with go tool pprof -top's names and numbers for the same file", async () => {
    const file = join(env.dir, 'data', 'captures', caps.heap.targetId, caps.heap.id, 'heap.pb.gz');
    const { stdout } = await run('go', ['tool', 'pprof', '-top', '-sample_index=inuse_space', file], { timeout: 30_000, env: { ...process.env, TZ: 'UTC' } });
    const want = pprofTopRows(stdout).slice(0, 8);
    expect(want.length).toBeGreaterThan(3);
    await env.openInspector(page, caps.heap.id, 'view=top');
    await page.getByTestId('top-row').first().waitFor();
    const got = await page.getByTestId('top-row').evaluateAll((rows) =>
      rows.map((r) => ['flat', 'flatPct', 'sumPct', 'cum', 'cumPct'].map((c) => r.querySelector(`[data-col=${c}]`)!.textContent!.trim()).concat(r.getAttribute('data-name')!)),
    );
    expect(got.slice(0, want.length)).toEqual(want);
    expect(got[0]![5]).toBe('main.leakHeap');
    // Rows pprof leaves out (cum under 0.5 %) come back on request, and a search looks at all of them.
    const shown = await page.getByTestId('top-row').count();
    await page.getByTestId('top-show-all').click();
    await expect.poll(() => page.evaluate(() => decodeURIComponent(location.hash)), { timeout: 15_000 }).toContain('all=1');
    expect(await page.getByTestId('top-row').count()).toBeGreaterThanOrEqual(shown);
  });

  it('zooms into a clicked frame, shows it in the breadcrumb and the URL, and zooms out with Esc', async () => {
    await env.openInspector(page, caps.heap.id, 'view=flame');
    await page.getByTestId('flame-canvas').waitFor();
    const rect = await until('main.leakHeap drawn', () => page.evaluate(() => window.__leakbarInspector?.frameRect('main.leakHeap') ?? undefined));
    await page.mouse.move(rect.x + 10, rect.y + rect.height / 2);
    await expect.poll(() => page.getByTestId('flame-tip').textContent(), { timeout: 15_000 }).toContain('main.leakHeap');
    await page.mouse.click(rect.x + 10, rect.y + rect.height / 2);
    await expect.poll(() => page.getByTestId('flame-breadcrumb').locator('[aria-current=true]').textContent(), { timeout: 15_000 }).toBe('main.leakHeap');
    const hash = await page.evaluate(() => decodeURIComponent(location.hash));
    expect(hash).toMatch(/[?&]z=[^&]*main\.leakHeap/);
    // The zoom is linkable: loading the same URL again shows it.
    await page.reload();
    await expect.poll(() => page.getByTestId('flame-breadcrumb').locator('[aria-current=true]').textContent(), { timeout: 30_000 }).toBe('main.leakHeap');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('flame-breadcrumb').locator('[aria-current=true]').textContent(), { timeout: 15_000 }).not.toBe('main.leakHeap');

    // Zoomed into leakHeap's caller, a search for "http" highlights the net/http frames on the path to it,
    // and the count says so: the frames drawn highlighted, all of the zoomed frame, and the whole graph's count beside.
    await page.keyboard.press('/');
    await page.keyboard.type('http');
    const count = Number(await until('the zoomed search count', async () => (await page.getByTestId('search-count').textContent({ timeout: 1000 })) ?? undefined));
    expect(count).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('flame-canvas').getAttribute('data-matched'), { timeout: 15_000 }).toBe(String(count));
    expect(await page.getByTestId('search-summary').textContent()).toMatch(/^\d+ of \d+ matching frames in this zoom \(\d+ on its path\) · 100\.0% of the zoomed frame \(/);
    expect(Number(await page.getByTestId('search-count-all').textContent())).toBeGreaterThanOrEqual(count);
    await page.keyboard.press('Escape');
  });

  it("highlights the leaking function when searched and gives its share of the total", async () => {
    await env.openInspector(page, caps.heap.id, 'view=flame');
    await page.getByTestId('flame-canvas').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('main.leakHeap');
    const share = await until('the search share', async () => (await page.getByTestId('search-share').textContent({ timeout: 1000 })) ?? undefined);
    expect(Number(share.replace('%', ''))).toBeGreaterThan(80);
    expect(await page.evaluate(() => decodeURIComponent(location.hash))).toContain('q=main.leakHeap');
    // The match keeps its colour; everything else (the root, say) is dimmed.
    const colours = await page.evaluate(() => {
      const perf = window.__leakbarInspector!;
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=flame-canvas]')!;
      const box = canvas.getBoundingClientRect();
      const ctx = canvas.getContext('2d')!;
      const px = (x: number, y: number) => Array.from(ctx.getImageData(Math.round((x - box.left) * devicePixelRatio), Math.round((y - box.top) * devicePixelRatio), 1, 1).data.slice(0, 3));
      const leak = perf.frameRect('main.leakHeap')!;
      const root = perf.frameRect('root')!;
      return { leak: px(leak.x + leak.width - 4, leak.y + 3), root: px(root.x + root.width - 4, root.y + 3) };
    });
    expect(colours.root).toEqual([0xec, 0xee, 0xf1]);
    expect(colours.leak).not.toEqual([0xec, 0xee, 0xf1]);
  });

  it('lists main.leakHeap as grown in the diff against the baseline heap capture', async () => {
    await env.openInspector(page, caps.heap.id, 'view=diff&df=grown');
    const row = page.locator('[data-testid=diff-row][data-name="main.leakHeap"]');
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('grown');
    expect(await page.getByTestId('diff-base').inputValue()).toBe(caps.heapBefore.id);
    await page.getByTestId('diff-flame-canvas').waitFor();
    // Captures taken in the same minute read apart: each option of the picker is its own.
    const options = await page.getByTestId('diff-base').locator('option').allTextContents();
    expect(options.length).toBeGreaterThanOrEqual(2);
    expect(new Set(options).size).toBe(options.length);
  });

  it('marks a capture as the baseline from its page; a later capture then diffs against it, without a reload', async () => {
    await env.openInspector(page, caps.heapFirst.id, 'view=top');
    const marks = page.getByTestId('capture-marks');
    const mark = page.getByTestId('mark-baseline');
    expect(await marks.getAttribute('data-baseline')).toBe('false');
    expect(await mark.textContent()).toBe('Mark as baseline');
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await mark.click();
    await expect.poll(() => marks.getAttribute('data-baseline'), { timeout: 15_000 }).toBe('true');
    expect(await mark.isDisabled()).toBe(true);
    await expect.poll(() => page.getByTestId('fact-baseline').textContent(), { timeout: 15_000 }).toMatch(/^yes/);
    await page.getByTestId('pin-capture').click();
    await expect.poll(() => marks.getAttribute('data-pinned'), { timeout: 15_000 }).toBe('true');
    expect(await env.call<CaptureMeta>('getCapture', { captureId: caps.heapFirst.id })).toMatchObject({ baseline: true, pinned: true });
    expect(await env.call<CaptureMeta>('getCapture', { captureId: caps.heapBefore.id })).toMatchObject({ baseline: false });

    // The later capture, opened in the same page: its Diff tab compares with the new baseline.
    await page.evaluate((id) => (location.hash = `#/inspector/capture/${id}?view=diff&df=grown`), caps.heap.id);
    await expect.poll(() => page.getByTestId('diff-base').inputValue(), { timeout: 30_000 }).toBe(caps.heapFirst.id);
    const row = page.locator('[data-testid=diff-row][data-name="main.leakHeap"]');
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('grown');

    // The capture list shows the marks.
    await page.evaluate((t) => (location.hash = `#/inspector/captures?target=${t}`), env.targetId);
    const first = page.locator(`[data-testid=capture-row][data-id="${caps.heapFirst.id}"]`);
    await first.waitFor();
    expect([await first.getAttribute('data-baseline'), await first.getAttribute('data-pinned')]).toEqual(['true', 'true']);
    expect(await first.locator('.tag').allTextContents()).toEqual(['baseline', 'pinned']);
    // At 1280 px, sizes ("271.8 kB") and dates stay on one line each.
    const lines = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=capture-size], [data-testid=capture-taken]')].map((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return [td.textContent, new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size] as const;
      }),
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const [text, n] of lines) expect(n, text ?? '').toBe(1);
    expect(await page.locator(`[data-testid=capture-row][data-id="${caps.heapBefore.id}"]`).getAttribute('data-baseline')).toBe('false');
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });

  it('shows the leaked goroutine group with its count, and that it grew', async () => {
    await env.openInspector(page, caps.goroutine.id);
    const group = page.getByTestId('goroutine-group').first();
    await group.waitFor();
    expect(await group.getAttribute('data-name')).toBe('main.waitForever');
    expect(Number(await group.getAttribute('data-count'))).toBeGreaterThanOrEqual(300);
    const grew = page.locator('[data-testid=goroutine-growth-row][data-name="main.waitForever"]');
    await grew.waitFor();
    expect(await grew.textContent()).toContain('+300');
    // The summary says what the number counts and what it is compared with.
    expect(await page.getByTestId('goroutine-delta').textContent()).toMatch(/^\+\d[\d,]* goroutines since the base capture \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/);
    // The download is the file this view shows: the text dump, not a profile.
    expect(await page.getByTestId('download-profile').textContent()).toBe('Download goroutine-debug2.txt');
    // The Diff view of a goroutine profile leads with the runtime's wait frame, and says where the stacks are compared.
    await page.getByTestId('view-diff').click();
    await page.getByTestId('diff-goroutine-hint').waitFor();
    await page.getByTestId('diff-goroutine-link').click();
    await page.getByTestId('goroutine-group').first().waitFor();
  });

  it('shows the file the fixture opened again and again in the FD view', async () => {
    await env.openInspector(page, caps.system.id, 'view=fds');
    const rows = page.getByTestId('fd-repeated-row');
    await rows.first().waitFor();
    const names = await rows.evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-name')!, r.textContent!]));
    const leaked = names.filter(([n]) => new RegExp(`leaky-${env.fx.pid}-\\d+\\.dat$`).test(n!));
    expect(leaked.length).toBeGreaterThan(0);
    expect(Number(/(\d+)×/.exec(leaked[0]![1]!)![1])).toBeGreaterThanOrEqual(16);
    await page.getByTestId('fd-diff').waitFor();
    const fdFile = caps.system.files.find((f) => f.role === 'fds')!;
    expect(await page.getByTestId('download-profile').textContent()).toBe(`Download ${fdFile.name}`);
    // The memory map names the process's own /proc file, not a placeholder.
    const memFile = caps.system.files.find((f) => f.role === 'memory-map')!;
    expect(memFile).toBeDefined();
    await page.getByTestId('view-memory').click();
    await page.getByTestId('memory-view').waitFor();
    expect(await page.getByTestId('download-profile').textContent()).toBe(`Download ${memFile.name}`);
    expect(caps.system.pid).toBe(env.fx.pid);
    expect(await page.getByTestId('memory-source').textContent()).toMatch(new RegExp(`^Figures summed from /proc/${env.fx.pid}/smaps, and its regions grouped by what they map`));
    // The regions, largest resident first: the Go heap's anonymous memory is among them.
    const regions = await page.getByTestId('memory-region').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    expect(regions).toContain('[anon]');
  });

  it('switches views with number keys, links the raw profile, and exports the view as one HTML file', async () => {
    await env.openInspector(page, caps.heap.id, 'view=top');
    await page.getByTestId('top-row').first().waitFor();
    await page.keyboard.press('2');
    await expect.poll(() => page.getByTestId('capture-inspector').getAttribute('data-view'), { timeout: 15_000 }).toBe('flame');
    // The link carries the token in its URL (a link cannot send a header, and no cookie holds it).
    const href = await page.getByTestId('download-profile').getAttribute('href');
    expect(href).toBe(`/api/captures/${caps.heap.id}/files/heap.pb.gz?token=${env.serve.token}`);
    const served = await page.evaluate(async (h) => new Uint8Array(await (await fetch(h)).arrayBuffer()).length, href!);
    expect(served).toBe(caps.heap.files.find((f) => f.name === 'heap.pb.gz')!.bytes);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('export-html').click()]);
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain('main.leakHeap');
    expect(html).toMatch(/<img src="data:image\/png;base64,/);
    expect(html).not.toMatch(/<script/i);
  });

  it('logged no page errors', () => {
    expect(problems).toEqual([]);
  });
});
