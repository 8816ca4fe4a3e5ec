/**
 * The goroutine count a watcher records is the program's, not swollen by the watcher's own other pprof read: each
 * request the endpoint serves runs on a goroutine of the program (two, with its connection's background read).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
import { createPprofFetch, readGoroutineCount, readMemStats } from '../../src/collectors/pprof-http.js';
import { Watcher } from '../../src/engine/watcher.js';
import type { WatchEvent } from '../../src/shared/events.js';
import type { Sample } from '../../src/shared/types.js';
import { startHangingServer } from '../helpers/endpoint-doubles.js';
import { startFixture } from '../helpers/fixture.js';
import { until } from '../helpers/until.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('the goroutine count beside MemStats reads', () => {
  it('does not count the watcher’s own MemStats request, though both are read at the same moments', async () => {
    const fx = await startFixture();
    cleanup.push(() => fx.stop());
    // What a count taken while a MemStats request is served says of this idle program: more than one taken alone.
    const fetch = createPprofFetch();
    const alone = await readGoroutineCount(fx.pprofUrl, fetch);
    const overlapped = new Set<number>();
    for (let i = 0; i < 20; i++) overlapped.add((await Promise.all([readGoroutineCount(fx.pprofUrl, fetch), readMemStats(fx.pprofUrl, fetch)]))[0]);
    expect([...overlapped].some((n) => n > alone), `counts beside a MemStats read: ${[...overlapped].join(', ')}; alone: ${alone}`).toBe(true);

    // A watcher reading both at every sample (the 5 s and 30 s cadences meet every 30 s; here at every 100 ms).
    const w = new Watcher({
      target: { id: 't', name: 't', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] },
      collectors: createCollectors(),
      store: null,
      cadences: { sampleMs: 100, memStatsMs: 100, fdBreakdownMs: 60_000, memoryMapMs: 60_000 },
    });
    cleanup.push(() => w.stop());
    const samples: Sample[] = [];
    w.onSample((s) => samples.push(s));
    await w.start();
    await until(() => samples.filter((s) => s.goroutines !== undefined && s.heapAllocBytes !== undefined).length >= 40, 30_000, '40 samples with both figures');
    await w.stop();
    const counts = new Set(samples.map((s) => s.goroutines).filter((n) => n !== undefined));
    expect([...counts]).toEqual([alone]);
  });

  it('waits for its turn within the reading’s own timeout: a hung endpoint is said of the goroutine count and MemStats, never as a job cut off', async () => {
    const fx = await startFixture();
    cleanup.push(() => fx.stop());
    const hang = await startHangingServer();
    cleanup.push(() => hang.close());
    // Both reads start at the same moments and hang for their whole budget (800 ms of a 1 s interval).
    const w = new Watcher({
      target: { id: 't', name: 't', selector: { pid: fx.pid }, pprofUrl: hang.pprofUrl, fdPatterns: [] },
      collectors: createCollectors(),
      store: null,
      cadences: { sampleMs: 1000, memStatsMs: 1000, fdBreakdownMs: 60_000, memoryMapMs: 60_000 },
    });
    cleanup.push(() => w.stop());
    const events: WatchEvent[] = [];
    const samples: Sample[] = [];
    w.onEvent((e) => events.push(e));
    w.onSample((s) => samples.push(s));
    await w.start();
    await until(() => samples.length >= 5, 20_000, '5 samples');
    await w.stop();
    const failed = events.flatMap((e) => (e.type === 'status' && !e.ok ? [`${e.source}: ${e.message}`] : []));
    // Each says what hung, in the reading's words: no job is cut off for having waited its turn first.
    expect(failed.filter((f) => f.startsWith('process:') || /did not finish within/.test(f))).toEqual([]);
    for (const source of ['goroutines', 'memstats']) expect(failed.some((f) => f.startsWith(`${source}:`) && /no answer within/.test(f)), failed.join('\n')).toBe(true);
  });
});
