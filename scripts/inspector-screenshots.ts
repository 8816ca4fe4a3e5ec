/**
 * Writes the inspector's screenshots (docs/screenshots/inspector-*.png, light theme, 1280×800): the top
 * table, flame graph (search and sandwich), diff, goroutines, file descriptors and memory map of real
 * captures of the Go fixture before and after it leaks heap, goroutines and FDs.
 * Run after `npm run build`: `npx tsx scripts/inspector-screenshots.ts` (about half a minute).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startInspectorEnv } from '../test/e2e/inspector-env.js';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'docs', 'screenshots');
const log = (s: string) => process.stdout.write(`inspector-screenshots: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'cli.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) throw new Error('build first: npm run build');
  mkdirSync(outDir, { recursive: true });
  const env = await startInspectorEnv();
  try {
    log('capturing before the leak');
    // A little retained heap first, so the diff shows the leak as growth of a function that was there.
    await env.fx.leak({ heapkb: 1000 });
    const heapBefore = await env.capture('heap');
    await env.call('markBaseline', { captureId: heapBefore.id });
    await env.capture('goroutine');
    await env.capture('system');
    await env.fx.leak({ heapkb: 20000, goroutines: 300, fds: 50 });
    await sleep(1500);
    log('capturing after the leak');
    const heap = await env.capture('heap');
    const goroutine = await env.capture('goroutine');
    const system = await env.capture('system');

    const shots: Array<[string, string, string, (p: Page) => Promise<void>]> = [
      ['inspector-top', heap.id, 'view=top', async (p) => void (await p.getByTestId('top-row').first().waitFor())],
      ['inspector-flame', heap.id, 'view=flame&q=main.leak', async (p) => void (await p.getByTestId('search-share').waitFor())],
      [
        'inspector-flame-zoom',
        heap.id,
        'view=flame',
        async (p) => {
          await p.getByTestId('flame-canvas').waitFor();
          const r = await p.evaluate(() => window.__leakbarInspector?.frameRect('net/http.(*conn).serve') ?? null);
          if (r) await p.mouse.click(r.x + 4, r.y + 6);
          const leak = await p.evaluate(() => window.__leakbarInspector?.frameRect('main.leakHeap') ?? null);
          if (leak) await p.mouse.move(leak.x + leak.width / 2, leak.y + 8);
        },
      ],
      [
        'inspector-sandwich',
        heap.id,
        'view=flame&sw=main.leakHeap',
        async (p) => {
          await p.getByTestId('sandwich-callers').waitFor();
          await p.getByTestId('sandwich').evaluate((e) => e.scrollIntoView({ block: 'center' }));
        },
      ],
      ['inspector-diff', heap.id, 'view=diff&df=grown', async (p) => void (await p.getByTestId('diff-row').first().waitFor())],
      ['inspector-goroutines', goroutine.id, 'view=goroutines', async (p) => void (await p.getByTestId('goroutine-group').first().waitFor())],
      ['inspector-fds', system.id, 'view=fds', async (p) => void (await p.getByTestId('fd-repeated-row').first().waitFor())],
      ['inspector-memory', system.id, 'view=memory', async (p) => void (await p.getByTestId('memory-view').waitFor())],
    ];
    const dark = process.env.INSPECTOR_SHOTS_DARK === '1';
    for (const [name, id, query, ready] of shots) {
      const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 2, colorScheme: dark ? 'dark' : 'light' });
      page.setDefaultTimeout(30_000);
      await env.openInspector(page, id, query);
      await ready(page);
      await sleep(400);
      // INSPECTOR_SHOTS_DARK=1 checks the dark theme without touching the docs.
      const file = dark ? join(tmpdir(), `${name}-dark.png`) : join(outDir, `${name}.png`);
      await page.screenshot({ path: file });
      await page.close();
      log(`wrote ${file}`);
    }
  } finally {
    await env.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
