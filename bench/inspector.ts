/**
 * Bench: the inspector on a heap profile with 200,000 distinct allocation stacks (test/fixtures/manystacks),
 * opened through `leakbar serve` in Debian's Chromium. Measures, from the page's performance marks
 * (window.__leakbarInspector): navigation to a drawn flame graph (fetch, gunzip + decode and analysis
 * in the worker, layout, first draw), and the cost of a zoom and a hover redraw, both the canvas draw
 * alone and the whole event (React render included). Targets: open→drawn < 1.5 s; redraws < 16 ms.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { TargetSummary } from '../src/shared/api.js';
import type { CaptureMeta } from '../src/shared/captures.js';
import { buildGoFixture } from '../test/helpers/fixture.js';
import { launchChromium, startServe, until } from '../test/e2e/serve-helper.js';
import { median, type BenchSection } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = join(root, 'bench', 'tmp');
const OPENS = 5;
const ZOOMS = 12;
const HOVERS = 60;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;

/** Opens the capture and resolves with the inspector's timings once the flame graph is drawn. */
async function openOnce(page: Page, url: string): Promise<{ drawnMs: number; decodeMs: number; analyzeMs: number; steps: Record<string, number> }> {
  await page.goto(url);
  return until(
    'the flame graph drawn',
    () => page.evaluate(() => {
      const p = window.__leakbarInspector;
      return p && p.firstFlameDrawMs !== null ? { drawnMs: p.firstFlameDrawMs, decodeMs: p.decodeMs ?? NaN, analyzeMs: p.analyzeMs ?? NaN, steps: { ...p.steps } } : undefined;
    }),
    30_000,
    20,
  );
}

/** Runs the bench and returns its RESULTS.md section. */
export async function run(): Promise<BenchSection> {
  if (!existsSync(join(root, 'out', 'renderer', 'index.html')) || !existsSync(join(root, 'dist', 'cli.js'))) throw new Error('build first: npm run build');
  mkdirSync(tmp, { recursive: true });
  const heap = join(tmp, 'heap-200k.pb.gz');
  if (!existsSync(heap)) execFileSync(buildGoFixture('manystacks'), ['-heap-out', heap, '-stacks', '200000', '-depth', '18']);

  const dir = mkdtempSync(join(tmpdir(), 'leakbar-bench-insp-'));
  const dataDir = join(dir, 'data');
  // Serve watches this process (no pprof): the capture is put into its store by hand, as the store lays it out.
  const serve = await startServe(['--pid', String(process.pid), '--no-pprof', '--port', '0', '--interval', '60', '--data-dir', dataDir]);
  const browser = await launchChromium();
  try {
    const r = await fetch(`${serve.origin}/api/call/listTargets`, { method: 'POST', headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' }, body: '{}' });
    const targetId = ((await r.json()) as TargetSummary[])[0]!.target.id;
    const captureId = 'bench-heap-200k';
    const capDir = join(dataDir, 'captures', targetId, captureId);
    mkdirSync(capDir, { recursive: true });
    writeFileSync(join(capDir, 'heap.pb.gz'), readFileSync(heap));
    const now = Date.now();
    const meta: CaptureMeta = { id: captureId, targetId, kind: 'heap', pid: null, startedMs: now, endedMs: now, files: [{ name: 'heap.pb.gz', role: 'heap', bytes: statSync(heap).size }], figures: null, alertKey: null, baseline: false, pinned: false, note: '200,000-stack bench profile' };
    writeFileSync(join(capDir, 'meta.json'), JSON.stringify(meta, null, 2));
    const url = `${serve.origin}/?token=${encodeURIComponent(serve.token)}#/inspector/capture/${captureId}?view=flame`;

    const opens: Array<{ drawnMs: number; decodeMs: number; analyzeMs: number; steps: Record<string, number> }> = [];
    let page: Page | null = null;
    for (let i = 0; i < OPENS; i++) {
      await page?.close();
      page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
      opens.push(await openOnce(page, url));
    }
    const p = page!;
    const frames = await p.evaluate(() => Number(document.querySelector<HTMLCanvasElement>('[data-testid=flame-canvas]')?.dataset.frames ?? 0));

    // Zoom: click a frame (main.allocateStacks, then deeper ones), Esc back out; each event is synchronous (React flushes a click at once).
    const zoomEventMs: number[] = [];
    const targets = ['main.allocateStacks', 'main.L', 'main.R', 'main.leaf'];
    for (let i = 0; i < ZOOMS; i++) {
      const name = targets[i % targets.length]!;
      const t = await p.evaluate((n) => {
        const rect = window.__leakbarInspector!.frameRect(n);
        if (!rect) return null;
        const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=flame-canvas]')!;
        const t0 = performance.now();
        canvas.dispatchEvent(new MouseEvent('click', { clientX: rect.x + Math.min(8, rect.width / 2), clientY: rect.y + 8, bubbles: true }));
        return performance.now() - t0;
      }, name);
      if (t !== null) zoomEventMs.push(t);
      if (i % targets.length === targets.length - 1) {
        const t1 = await p.evaluate(() => {
          const t0 = performance.now();
          window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
          return performance.now() - t0;
        });
        zoomEventMs.push(t1);
        // Esc zooms out one level per press; go back to the root through the URL.
        await p.evaluate(() => history.back());
        await p.waitForTimeout(50);
      }
    }
    // Hover: sweep the pointer across the graph.
    const hoverEventMs = await p.evaluate((n) => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=flame-canvas]')!;
      const r = canvas.getBoundingClientRect();
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = r.left + ((i * 37) % Math.max(1, r.width - 2)) + 1;
        const y = r.top + r.height - 4 - ((i * 11) % Math.max(1, r.height - 8));
        const t0 = performance.now();
        canvas.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: y, bubbles: true }));
        out.push(performance.now() - t0);
      }
      return out;
    }, HOVERS);
    const draws = await p.evaluate(() => window.__leakbarInspector!.draws);
    const zoomDraw = draws.filter((d) => d.reason === 'zoom').map((d) => d.ms);
    const hoverDraw = draws.filter((d) => d.reason === 'hover').map((d) => d.ms);
    const layoutDraw = draws.filter((d) => d.reason === 'layout').map((d) => d.ms);

    const drawn = opens.map((o) => o.drawnMs);
    const rows = [
      ['open → flame graph drawn (navigation start to first draw)', ms(median(drawn)), ms(Math.max(...drawn)), '< 1500 ms', median(drawn) < 1500 ? 'yes' : 'no'],
      ['  of which: gunzip + decode in the worker', ms(median(opens.map((o) => o.decodeMs))), ms(Math.max(...opens.map((o) => o.decodeMs))), '', ''],
      ['  of which: top table + call tree + layout in the worker', ms(median(opens.map((o) => o.analyzeMs))), ms(Math.max(...opens.map((o) => o.analyzeMs))), '', ''],
      ['first draw (canvas only)', ms(median(layoutDraw)), ms(Math.max(...layoutDraw)), '', ''],
      ['zoom redraw (canvas only)', ms(median(zoomDraw)), ms(quantile(zoomDraw, 0.95)), '< 16 ms', quantile(zoomDraw, 0.95) < 16 ? 'yes' : 'no'],
      ['zoom event → drawn (React render + draw)', ms(median(zoomEventMs)), ms(quantile(zoomEventMs, 0.95)), '< 16 ms', quantile(zoomEventMs, 0.95) < 16 ? 'yes' : 'no'],
      ['hover redraw (canvas only)', ms(median(hoverDraw)), ms(quantile(hoverDraw, 0.95)), '< 16 ms', quantile(hoverDraw, 0.95) < 16 ? 'yes' : 'no'],
      ['hover event → drawn (hit test + tooltip + draw)', ms(median(hoverEventMs)), ms(quantile(hoverEventMs, 0.95)), '< 16 ms', quantile(hoverEventMs, 0.95) < 16 ? 'yes' : 'no'],
    ];
    const markdown = [
      `The inspector on \`bench/tmp/heap-200k.pb.gz\` (${(statSync(heap).size / 1024).toFixed(0)} kB gzipped, 200,000 stacks), served by \`leakbar serve\`, in Debian's Chromium (headless, 1280×800, software rendering); ${OPENS} fresh page loads, ${zoomEventMs.length} zooms, ${hoverEventMs.length} hovers; ${frames.toLocaleString('en-US')} frames drawn at the root view. Times from \`window.__leakbarInspector\` and \`performance.now()\` in the page.`,
      '',
      '| measure | median | max / p95 | target | met |',
      '|---|---:|---:|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      `Raw open→drawn ms: ${drawn.map((d) => d.toFixed(0)).join(', ')}.`,
      '',
      `Steps, median ms since navigation start: ${['capture-meta', 'file-fetched', 'decoded', 'analysed'].map((k) => `${k} ${median(opens.map((o) => o.steps[k] ?? NaN)).toFixed(0)}`).join(' · ')} · drawn ${median(drawn).toFixed(0)}.`,
    ].join('\n');
    return { title: 'Inspector: 200k-stack heap profile in Chromium', markdown };
  } finally {
    await browser.close().catch(() => undefined);
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
