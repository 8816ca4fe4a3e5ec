/** Watcher.stop() on a real Go program whose pprof address hangs, or whose tools (macOS's ps, lsof) hang: every GET under way is cancelled, its connection closed, every tool killed. */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { createCollectors, createExec, type ExecFn } from '../../src/collectors/index.js';
import { Watcher } from '../../src/engine/watcher.js';
import { startHangingServer } from '../helpers/endpoint-doubles.js';
import { startFixture } from '../helpers/fixture.js';
import { until } from '../helpers/until.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('Watcher.stop()', () => {
  it('cancels the GETs that hang: it resolves at once, and the server sees every connection closed', async () => {
    const watched = await startFixture();
    cleanup.push(() => watched.stop());
    const hang = await startHangingServer();
    cleanup.push(() => hang.close());
    const w = new Watcher({
      target: { id: 't', name: 't', selector: { pid: watched.pid }, pprofUrl: hang.pprofUrl, fdPatterns: [] },
      // Nothing here gives up on its own before the test is over: only stop() can end these GETs.
      collectors: createCollectors({ fetchTimeoutMs: 120_000 }),
      store: null,
      cadences: { sampleMs: 60_000, memStatsMs: 60_000 },
    });
    cleanup.push(() => w.stop());
    await w.start();
    // Each way a GET starts: the owner check and the first MemStats (start()'s own), the goroutine count (the sample job's).
    const pages = () => hang.requests().map((r) => r.path.replace('/debug/pprof/', ''));
    await until(() => ['cmdline', 'heap?debug=1', 'goroutine?debug=1'].every((p) => pages().includes(p)), 10_000, 'the three GETs');
    expect(hang.requests().filter((r) => r.closed)).toEqual([]);

    // The GETs would wait 20 s (the readings' budget) or 120 s (the fetch's): a stop that waited for them is not prompt.
    const stopped = await Promise.race([w.stop().then(() => 'stopped'), new Promise((ok) => setTimeout(ok, 10_000, 'still waiting'))]);
    expect(stopped).toBe('stopped');
    await until(() => hang.requests().every((r) => r.closed), 10_000, 'the server seeing every connection closed');
    expect(hang.requests().map((r) => r.closed)).toEqual(hang.requests().map(() => true));
  });

  it("kills the tools a reading runs (macOS's ps, lsof, vmmap) instead of leaving them to their timeout", async () => {
    const marker = `leakbar-hung-tool-${process.pid}-${Date.now()}`;
    const running = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker);
          } catch {
            return false;
          }
        });
    // Each tool is a real program that never answers: only a kill ends it before its 120 s.
    const real = createExec();
    const exec: ExecFn = (_file, _args, options) => real(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', marker], options);
    const w = new Watcher({
      target: { id: 't', name: 't', selector: { pid: process.pid }, pprofUrl: null, fdPatterns: [] },
      collectors: createCollectors({ platform: 'darwin', exec, execTimeoutMs: 120_000 }),
      store: null,
      cadences: { sampleMs: 60_000 },
    });
    cleanup.push(() => w.stop());
    const started = w.start();
    await until(() => running().length > 0, 10_000, 'a hung tool running');
    const stopped = await Promise.race([w.stop().then(() => 'stopped'), new Promise((ok) => setTimeout(ok, 10_000, 'still waiting'))]);
    expect(stopped).toBe('stopped');
    await started;
    await until(() => running().length === 0, 10_000, 'every hung tool killed');
  });
});
