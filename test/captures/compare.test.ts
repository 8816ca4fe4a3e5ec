/** Compare with baseline against the real Go fixture: a leak between two bundles shows in the heap, goroutine and FD diffs, naming what leaks. */
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaptureService, createCaptureStore, type CaptureService } from '../../src/engine/captures/index.js';
import type { Comparison } from '../../src/shared/api.js';
import type { TargetConfig } from '../../src/shared/types.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { createCollectors } from '../../src/collectors/index.js';
import { tempDir } from './helpers.js';
import { buildReport, reportHtml, reportMarkdown } from '../../src/engine/captures/report.js';

let fx: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };
let service: CaptureService;
let comparison: Comparison;

beforeAll(async () => {
  fx = await startFixture();
  tmp = await tempDir();
  const store = await createCaptureStore(tmp.dir);
  service = createCaptureService({ store, collectors: createCollectors() });
  const target: TargetConfig = { id: 'leaky', name: 'leaky', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] };
  const base = await service.capture({ target, pid: fx.pid, kind: 'bundle', figures: { timeMs: 1, pid: fx.pid, goroutines: 5, rssBytes: 10e6 } });
  await store.markBaseline(base.id);
  await fx.leak({ goroutines: 300, heapkb: 20_000, fds: 50 });
  const current = await service.capture({ target, pid: fx.pid, kind: 'bundle', figures: { timeMs: 2, pid: fx.pid, goroutines: 305, rssBytes: 40e6 } });
  comparison = await service.compare(current.id);
});

afterAll(async () => {
  await fx?.stop();
  await tmp?.cleanup();
});

describe('compare with baseline', () => {
  it('names main.leakHeap as the top heap growth, about 20 MB', () => {
    const heap = comparison.sections.find((s) => s.kind === 'heap')!;
    expect(heap.rows[0]).toMatchObject({ function: 'main.leakHeap' });
    const delta = Number(heap.rows[0]!.deltaBytes);
    expect(delta).toBeGreaterThan(15 * 1024 * 1024);
    expect(delta).toBeLessThan(25 * 1024 * 1024);
    expect(Number(heap.rows[0]!.currentBytes) - Number(heap.rows[0]!.baseBytes)).toBe(delta);
  });

  it('names the main.waitForever goroutine group as grown by 300', () => {
    const g = comparison.sections.find((s) => s.kind === 'goroutine')!;
    expect(g.rows[0]).toMatchObject({ group: 'main.waitForever', delta: 300, current: expect.any(Number) });
    // From the debug=2 dumps: the group's state and that it is the kind a person hunts for.
    expect(g.rows[0]).toMatchObject({ state: 'chan receive', suspicious: 'yes' });
    expect(String(g.rows[0]!.stack)).toMatch(/^main\.waitForever/);
  });

  it('names the leaky-*.dat files among the FDs that grew', () => {
    const f = comparison.sections.find((s) => s.kind === 'fds')!;
    const total = f.rows.find((r) => r.what === 'total')!;
    expect(Number(total.delta)).toBeGreaterThanOrEqual(50);
    expect(f.rows.find((r) => r.what === 'type' && r.name === 'file')).toMatchObject({ delta: expect.any(Number) });
    const files = f.rows.filter((r) => r.what === 'file' && /leaky-\d+-\d\.dat$/.test(String(r.name)));
    expect(files).toHaveLength(3);
    // Sockets (leakbar's own HTTP connections to the endpoint among them) are counted by type, not listed as files.
    expect(f.rows.filter((r) => r.what === 'file' && !String(r.name).startsWith('/'))).toEqual([]);
    expect(files.reduce((n, r) => n + Number(r.delta), 0)).toBe(50);
  });

  it('writes a Markdown summary with the figures and the leaking names', () => {
    if (process.env.SHOW_MD) console.log(comparison.markdown);
    const md = comparison.markdown;
    // Goroutines are read off the captures' own dumps (the figures stored with them say 5 and 305), RSS off those figures.
    const g = /\| Goroutines \| (\d+) \| (\d+) \| \+\d+ \| both: its goroutine dump \|/.exec(md);
    expect(Number(g?.[2]) - Number(g?.[1])).toBeGreaterThanOrEqual(300);
    expect(md).toMatch(/\| RSS \| 9\.5 MB \| 38\.1 MB \| \+28\.6 MB \| .*watcher sample at 1970-01-01T00:00:00Z, .* before the capture \|/);
    expect(md).toMatch(/\| main\.leakHeap \| .* \| \+(19|20)\.\d MB \|/);
    expect(md).toMatch(/\| main\.waitForever \| \d+ \| \d+ \| \+300 \|/);
    expect(md).toMatch(/leaky-\d+-0\.dat/);
  });

  it('refuses to compare without a baseline, or with itself', async () => {
    await expect(service.compare(comparison.base.id)).rejects.toMatchObject({ code: 'bad-input', message: `capture ${comparison.base.id} is the baseline itself` });
    await expect(service.compare(comparison.current.id, comparison.current.id)).rejects.toMatchObject({
      code: 'bad-input',
      message: `the base and the current capture are the same (${comparison.current.id})`,
    });
    await service.store.setPinned(comparison.base.id, true);
    const other = await createCaptureStore(join(tmp.dir, 'empty')).then((s) => createCaptureService({ store: s, collectors: null }));
    await expect(other.compare('20261124-153012-heap-ab12')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('says when the baseline is of a kind that shares nothing with the capture, and how to name another', async () => {
    const store = await createCaptureStore(join(tmp.dir, 'kinds'));
    const kinds = createCaptureService({ store, collectors: createCollectors() });
    const target: TargetConfig = { id: 'leaky', name: 'leaky', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] };
    const goroutine = await kinds.capture({ target, pid: fx.pid, kind: 'goroutine', figures: null });
    await store.markBaseline(goroutine.id);
    const heap = await kinds.capture({ target, pid: fx.pid, kind: 'heap', figures: null });
    await expect(kinds.compare(heap.id)).rejects.toMatchObject({
      code: 'unsupported',
      message: `the baseline of leaky, ${goroutine.id}, is a goroutine capture: it has nothing to compare with ${heap.id} (heap)`,
      hint: expect.stringContaining('name a heap or bundle capture'),
    });
  });
});

describe('compare: goroutines that wait by design (real idle keep-alive connections to the fixture)', () => {
  const agents: http.Agent[] = [];
  afterAll(() => {
    for (const a of agents) a.destroy();
  });
  /** Opens `n` keep-alive connections to the fixture, one request each, and leaves them open and idle. */
  const openIdle = async (n: number) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: n });
    agents.push(agent);
    await Promise.all(Array.from({ length: n }, () => new Promise<void>((ok, fail) => void http.get(`${fx.baseUrl}/debug/pprof/cmdline`, { agent, timeout: 10_000 }, (res) => res.resume().on('end', ok)).on('error', fail))));
    // The server's goroutines go back to reading the next request.
    await new Promise((ok) => setTimeout(ok, 300));
  };
  const idleRow = (c: Comparison) => {
    const rows = c.sections.find((s) => s.kind === 'goroutine')!.rows;
    // The server side of a keep-alive connection, reading its next request.
    return rows.find((r) => String(r.stack).endsWith('net.(*netFD).Read ← net.(*conn).Read'));
  };

  it('says a few idle connections are idle by design, and why many more are suspicious, in the rows, Markdown and HTML', async () => {
    const store = await createCaptureStore(join(tmp.dir, 'idle'));
    const idle = createCaptureService({ store, collectors: createCollectors() });
    const target: TargetConfig = { id: 'leaky', name: 'leaky', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] };
    const base = await idle.capture({ target, pid: fx.pid, kind: 'bundle', figures: null });
    await store.markBaseline(base.id);

    await openIdle(2);
    const few = await idle.compare((await idle.capture({ target, pid: fx.pid, kind: 'bundle', figures: null })).id);
    expect(idleRow(few)).toMatchObject({ delta: 2, suspicious: '', idle: 'idle by design: HTTP keep-alive connection, waiting for its next request' });
    expect(few.markdown).toContain('| idle by design: HTTP keep-alive connection, waiting for its next request |');

    await openIdle(12);
    const many = await idle.compare((await idle.capture({ target, pid: fx.pid, kind: 'bundle', figures: null })).id);
    const row = idleRow(many)!;
    expect(row).toMatchObject({ delta: 14, suspicious: 'yes', idle: `idle HTTP connections: ${String(row.current)}, grew by 14` });
    expect(many.markdown).toContain(`| idle HTTP connections: ${String(row.current)}, grew by 14 |`);
    const report = buildReport({ title: 'night', targetId: 'leaky', fromMs: 0, toMs: 1, base: many.base, current: many.current, sections: many.sections });
    expect(reportMarkdown(report)).toContain(`| idle HTTP connections: ${String(row.current)}, grew by 14 |`);
    expect(reportHtml(report)).toContain('<th>waits by design</th>');
    expect(reportHtml(report)).toContain(`<td>idle HTTP connections: ${String(row.current)}, grew by 14</td>`);
  }, 60_000);
});
