/**
 * Writes the README's screenshots (docs/screenshots/): the popover and the timeline, light and dark,
 * from a real `leakbar serve` watching the Go fixture while it leaks goroutines, heap and FDs.
 * Run after `npm run build`: `npx tsx scripts/screenshots.ts` (about two and a half minutes).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startFixture } from '../test/helpers/fixture.js';
import { launchChromium, startServe, until } from '../test/e2e/serve-helper.js';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'docs', 'screenshots');
/** How long the fixture leaks before the pictures are taken. */
const RUN_MS = Number(process.env.SCREENSHOT_RUN_MS ?? 140_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stdout.write(`screenshots: ${s}\n`);

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'cli.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
    throw new Error('build first: npm run build');
  }
  mkdirSync(outDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'leakbar-shots-'));
  // A steady goroutine and heap leak, FDs creeping up: the shapes leakbar exists to catch.
  const fx = await startFixture({ dir, 'goroutine-rate': 3, 'heap-rate-kb': 256, 'fd-rate': 2, goroutines: 40 });
  const config = join(dir, 'targets.json');
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'api-server', match: `leaky.*${dir}`, pprofUrl: fx.pprofUrl }] }));
  const serve = await startServe(['--config', config, '--port', '0', '--interval', '1', '--data-dir', join(dir, 'data')]);
  const browser = await launchChromium();
  try {
    const startedMs = Date.now();
    const call = async (name: string, input: unknown) => {
      const r = await fetch(`${serve.origin}/api/call/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) });
      if (!r.ok) throw new Error(`${name}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<unknown>;
    };
    const targetId = ((await call('listTargets', {})) as Array<{ target: { id: string } }>)[0]!.target.id;

    const shoot = async (name: string, route: string, viewport: { width: number; height: number }, ready: (p: Page) => Promise<void>) => {
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await browser.newPage({ viewport, deviceScaleFactor: 2, colorScheme });
        page.setDefaultTimeout(30_000);
        await page.goto(serve.url.replace('#/popover', `#${route}`));
        await ready(page);
        await sleep(600);
        const file = join(outDir, `${name}-${colorScheme}.png`);
        await page.screenshot({ path: file });
        log(`wrote ${file}`);
        await page.close();
      }
    };

    log(`leaking for ${Math.round(RUN_MS / 1000)} s (goroutines, heap, FDs)…`);
    await sleep(RUN_MS * 0.45);
    await call('startCapture', { targetId, kind: 'heap' });
    await sleep(RUN_MS * 0.35);
    // Past the FD line: the threshold fires after two samples over 1000.
    await fx.leak({ fds: Math.max(0, 1150 - readdirSync(`/proc/${fx.pid}/fd`).length) });
    await until('the FD alert', async () => (((await call('alerts', { targetId })) as Array<{ key: string }>).some((a) => a.key === 'threshold:fds') ? true : undefined), 30_000);
    await sleep(RUN_MS * 0.2);

    await shoot('popover', '/popover', { width: 360, height: 480 }, async (page) => {
      await page.locator('[data-testid=alert]').first().waitFor();
      await page.getByTestId('capture-goroutine').click();
      await page.getByTestId('capture-result').waitFor();
    });
    const toMs = Date.now() + 5_000;
    await shoot('timeline', `/inspector?target=${targetId}&from=${startedMs - 5_000}&to=${toMs}`, { width: 1280, height: 1000 }, async (page) => {
      await page.locator('.recharts-reference-line.marker-alert').first().waitFor({ state: 'attached' });
      const box = (await page.getByTestId('chart-memory').locator('.recharts-surface').boundingBox())!;
      // Hover part way in, so the readout and the shared cursor show.
      await page.mouse.move(box.x + 64 + (box.width - 76) * 0.4, box.y + box.height / 2);
    });
  } finally {
    await browser.close();
    await serve.stop();
    await fx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`screenshots: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
