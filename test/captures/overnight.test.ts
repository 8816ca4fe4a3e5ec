/** The overnight test against the real Go fixture, on a seconds-long interval: a baseline bundle, periodic captures, a report of what grew. */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaptureService, createCaptureStore, reportHtml, reportMarkdown, type CaptureReport, type CaptureService } from '../../src/engine/captures/index.js';
import type { Sample, TargetConfig } from '../../src/shared/types.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { createCollectors } from '../../src/collectors/index.js';
import { tempDir } from './helpers.js';

let fx: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };
let service: CaptureService;
let report: CaptureReport;
const changes: Array<[boolean, string]> = [];

beforeAll(async () => {
  fx = await startFixture();
  tmp = await tempDir();
  const store = await createCaptureStore(tmp.dir);
  service = createCaptureService({ store, collectors: createCollectors(), onOvernightChange: (active, id) => changes.push([active, id]) });
  const target: TargetConfig = { id: 'night', name: 'leaky overnight', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] };
  // As the engine service starts it: the bundle becomes the baseline when the target has none.
  const status = await service.startOvernight({ target, pid: () => fx.pid, intervalMs: 1500, markBaseline: 'if-none', figures: () => ({ timeMs: Date.now(), pid: fx.pid }) });
  expect(status).toMatchObject({ active: true, intervalMs: 1500, baselineId: expect.stringMatching(/-bundle-/), captureIds: [] });
  await expect(service.startOvernight({ target, pid: fx.pid })).rejects.toMatchObject({ code: 'busy' });
  await fx.leak({ goroutines: 300, heapkb: 20_000, fds: 50 });
  await new Promise((r) => setTimeout(r, 3600));
  expect(service.overnightStatus('night')?.captureIds.length).toBeGreaterThanOrEqual(4);
  // Samples as the series store would pass them: goroutines climbing over the night, from the run's own start.
  const t0 = status.startedMs;
  const samples: Sample[] = Array.from({ length: 50 }, (_, i) => ({ timeMs: t0 + i * 60, pid: fx.pid, goroutines: 5 + i * 6, rssBytes: 10e6 + i * 6e5 }));
  report = await service.stopOvernight('night', { samples });
}, 60_000);

afterAll(async () => {
  await service?.close();
  await fx?.stop();
  await tmp?.cleanup();
});

describe('the overnight test', () => {
  it('tells the app to keep awake while it runs', () => {
    expect(changes).toEqual([
      [true, 'night'],
      [false, 'night'],
    ]);
    expect(service.overnightStatus('night')).toBeNull();
  });

  it('took a pinned baseline bundle, periodic heap and goroutine captures, and a pinned final bundle', async () => {
    const kinds = report.captures.map((c) => c.kind);
    expect(kinds[0]).toBe('bundle');
    expect(kinds.at(-1)).toBe('bundle');
    expect(kinds.filter((k) => k === 'heap').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((k) => k === 'goroutine').length).toBeGreaterThanOrEqual(2);
    expect(report.base?.pinned).toBe(true);
    expect(report.current?.pinned).toBe(true);
    const stored = await service.store.list('night');
    expect(stored.map((m) => m.id).sort()).toEqual(report.captures.map((c) => c.id).sort());
    expect((await readdir(`${service.store.root}/night`)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it("marks its baseline bundle as the target's baseline when the target had none, and says so", async () => {
    expect(report.base).toMatchObject({ kind: 'bundle', baseline: true });
    expect((await service.store.baseline('night'))?.id).toBe(report.base!.id);
    expect(reportMarkdown(report)).toContain(`- Base: \`${report.base!.id}\` (bundle, pid ${fx.pid}): the overnight baseline bundle, marked as the target's baseline`);
  });

  it("keeps a baseline a person chose, compares with its own bundle, and names both", async () => {
    const target: TargetConfig = { id: 'chosen', name: 'leaky chosen', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] };
    const chosen = await service.store.markBaseline((await service.capture({ target, pid: fx.pid, kind: 'heap' })).id);
    const status = await service.startOvernight({ target, pid: fx.pid, intervalMs: 60_000, markBaseline: 'if-none' });
    await fx.leak({ heapkb: 5_000 });
    const r = await service.stopOvernight('chosen');
    expect((await service.store.baseline('chosen'))?.id).toBe(chosen.id);
    expect(r.base).toMatchObject({ id: status.baselineId, kind: 'bundle', baseline: false, pinned: true });
    expect(r.baseNote).toBe(`the overnight baseline bundle; the target's baseline stays \`${chosen.id}\`, as chosen before`);
    expect(reportHtml(r)).toContain(`(the overnight baseline bundle; the target&#39;s baseline stays ${chosen.id}, as chosen before)`);
  }, 30_000);

  it('reports figures over the night, heap growth by function, goroutine groups and FDs that grew', () => {
    expect(report.figures.find((f) => f.name === 'goroutines')).toMatchObject({ first: 5, last: 5 + 49 * 6, min: 5 });
    expect(report.sections.map((s) => s.kind)).toEqual(['heap', 'goroutine', 'fds']);
    expect(report.sections[0]!.rows[0]).toMatchObject({ function: 'main.leakHeap' });
    expect(report.sections[1]!.rows[0]).toMatchObject({ group: 'main.waitForever', delta: 300 });
    expect(report.sections[2]!.rows.some((r) => /leaky-\d+-\d\.dat$/.test(String(r.name)))).toBe(true);
    expect(report.notes).toEqual([]);
  });

  it('exports Markdown and one self-contained HTML file with inline SVG charts', () => {
    const md = reportMarkdown(report);
    expect(md).toMatch(/^# Overnight test of leaky overnight/);
    expect(md).toMatch(/\| Goroutines \| 5 \| 299 \| \+294 \| 5 \| 299 \| [▁▂▃▄▅▆▇█]+ \|/);
    expect(md).toContain('main.leakHeap');
    expect(md).toContain('main.waitForever');
    const html = reportHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBe(report.figures.length);
    expect(html).toContain('main.leakHeap');
    expect(html).not.toMatch(/<script|<link|src=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
