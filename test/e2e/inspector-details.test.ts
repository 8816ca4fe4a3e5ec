/** The inspector in a browser on captures of the Go fixture: the walkthrough's findings on the Captures list, a capture's note, the memory map and goroutines. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupWaitText, parseGoroutineDump, suspiciousLegend } from '../../src/analysis/goroutines/index.js';
import type { CaptureMeta } from '../../src/shared/captures.js';
import type { MemoryMap } from '../../src/shared/types.js';
import { leakbar } from '../helpers/cli.js';
import { startInspectorEnv, type InspectorEnv } from './inspector-env.js';

describe('the inspector, as a new user reads it', () => {
  let env: InspectorEnv;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    env = await startInspectorEnv();
    page = await env.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    expect(problems).toEqual([]);
  });

  const capturePath = (c: CaptureMeta, role: string) => join(env.dir, 'data', 'captures', c.targetId, c.id, c.files.find((f) => f.role === role)!.name);

  it('lists captures to the second, so two taken in one minute read apart', async () => {
    const a = await env.capture('system');
    const b = await env.capture('system');
    await page.goto(`${env.serve.origin}/?token=${encodeURIComponent(env.serve.token)}#/inspector/captures?target=${env.targetId}`);
    const taken = (c: CaptureMeta) => page.locator(`[data-testid=capture-row][data-id="${c.id}"] [data-testid=capture-taken]`).textContent();
    await page.locator(`[data-testid=capture-row][data-id="${b.id}"]`).waitFor();
    const [ta, tb] = [await taken(a), await taken(b)];
    const local = (ms: number) => {
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    };
    // The page runs in this machine's time zone, as `local` does.
    expect(ta!.startsWith(local(a.startedMs))).toBe(true);
    expect(tb!.startsWith(local(b.startedMs))).toBe(true);
    expect(ta).not.toBe(tb);
  });

  it("shows a capture's note line by line, its skipped parts apart from what the user wrote", async () => {
    // A bundle of the fixture, noted as the overnight test notes its last one: the fixture has no block or mutex
    // profiling on, so the service adds a "Skipped: …" line.
    const r = await leakbar(['capture', 'bundle', '--pid', String(env.fx.pid), '--pprof', env.fx.pprofUrl, '--out', join(env.dir, 'data'), '--note', 'overnight final', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout) as CaptureMeta;
    expect(meta.targetId).toBe(env.targetId);
    const lines = meta.note.split('\n');
    expect(lines[0]).toBe('overnight final');
    expect(lines[1]).toMatch(/^Skipped: /);
    await env.openInspector(page, meta.id);
    const note = page.locator('dl.facts dt:text-is("Note") + dd');
    await note.waitFor();
    expect((await note.innerText()).split('\n')).toEqual(lines);
    expect(await note.innerText()).not.toContain('overnight final Skipped');
  });

  it('names the file its memory map figures come from, as the capture says', async () => {
    const sys = await env.capture('system');
    const map = JSON.parse(readFileSync(capturePath(sys, 'memory-map'), 'utf8')) as MemoryMap;
    expect(map.source).toBe('smaps');
    expect(map.regions.length).toBeGreaterThan(0);
    await env.openInspector(page, sys.id, 'view=memory');
    await page.getByTestId('memory-view').waitFor();
    const footer = await page.getByTestId('memory-source').textContent();
    expect(footer).toMatch(new RegExp(`^Figures summed from /proc/${env.fx.pid}/smaps, and its regions grouped by what they map`));
    expect(footer).not.toContain('smaps_rollup');
  });

  it('words waits and the suspicious count as the command line does', async () => {
    await env.fx.leak({ goroutines: 5 });
    const gr = await env.capture('goroutine');
    const dump = parseGoroutineDump(readFileSync(capturePath(gr, 'goroutine-dump'), 'utf8'));
    const leak = dump.groups.find((g) => g.frames.some((f) => f.function === 'main.waitForever'))!;
    await env.openInspector(page, gr.id);
    const card = page.locator('[data-testid=goroutine-group][data-name="main.waitForever"]');
    await card.waitFor();
    // Just leaked: Go printed no minutes in their headers, so the card states no wait (it could be untimed yet).
    expect(groupWaitText(leak)).toBeNull();
    expect(leak.maxWaitMinutes).toBe(0);
    expect(await card.locator('summary').textContent()).not.toContain('waiting');
    expect(await page.getByTestId('goroutine-legend').textContent()).toBe(`Suspicious: ${suspiciousLegend('debug=2')}.`);
  });
});
