/**
 * The watcher's check that the pprof endpoint is its process's own, on real Go programs: an endpoint that comes
 * up late is checked once it answers; one found to be another program's is checked again, and its figures come
 * back once the watched program answers there.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
import { Watcher } from '../../src/engine/watcher.js';
import type { WatchEvent } from '../../src/shared/events.js';
import type { Sample } from '../../src/shared/types.js';
import { startForwardingProxy } from '../helpers/endpoint-doubles.js';
import { until } from '../helpers/until.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A 127.0.0.1 port nothing listens on: bound, then released. */
function freePort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => ok(port));
    });
  });
}

describe('the watcher’s pprof owner check', () => {
  it('checks an endpoint that was down at the first sample once it answers, and finds another program there', async () => {
    const watched: Fixture = await startFixture({ files: 4 });
    cleanup.push(() => watched.stop());
    const port = await freePort();
    const w = new Watcher({
      target: { id: 't', name: 't', selector: { pid: watched.pid }, pprofUrl: `http://127.0.0.1:${port}/debug/pprof/`, fdPatterns: [] },
      collectors: createCollectors(),
      store: null,
      cadences: { sampleMs: 200, memStatsMs: 60_000 },
    });
    const events: WatchEvent[] = [];
    w.onEvent((e) => events.push(e));
    await w.start();
    cleanup.push(() => w.stop());
    await until(() => w.status().sources.goroutines?.ok === false, 5000, 'the refused goroutine read');
    // Another program comes up on that address (the flag given last wins over the helper's own -addr).
    const other = await startFixture({ addr: `127.0.0.1:${port}` });
    cleanup.push(() => other.stop());
    await until(() => w.status().sources.pprof?.ok === false, 10_000, 'the owner check');
    const pprof = events.filter((e) => e.type === 'status' && e.source === 'pprof');
    expect(pprof).toHaveLength(1);
    expect(pprof[0]).toMatchObject({ ok: false, message: expect.stringContaining(`belongs to another program`) });
    expect(pprof[0]).toMatchObject({ message: expect.stringContaining(`not to pid ${watched.pid}`) });
  });

  it('checks an endpoint found to be another program’s again, and once the watched program answers there its figures return, said once', async () => {
    const watched: Fixture = await startFixture({ files: 4 });
    cleanup.push(() => watched.stop());
    const other: Fixture = await startFixture();
    cleanup.push(() => other.stop());
    // The address the watcher is given leads to the other program first (a port-forward to the wrong pod, say).
    const address = await startForwardingProxy(other.baseUrl);
    cleanup.push(() => address.close());
    const w = new Watcher({
      target: { id: 't', name: 't', selector: { pid: watched.pid }, pprofUrl: address.pprofUrl, fdPatterns: [] },
      collectors: createCollectors(),
      store: null,
      cadences: { sampleMs: 200, memStatsMs: 60_000 },
      pprofRecheckMs: 1000,
    });
    const samples: Sample[] = [];
    const events: WatchEvent[] = [];
    w.onSample((s) => samples.push(s));
    w.onEvent((e) => events.push(e));
    await w.start();
    cleanup.push(() => w.stop());
    await until(() => w.status().sources.pprof?.ok === false, 10_000, 'the owner check');
    const flaggedAt = samples.length;
    await until(() => samples.length >= flaggedAt + 3, 10_000, 'three samples while flagged');
    expect(samples.slice(flaggedAt).filter((s) => s.goroutines !== undefined || s.heapAllocBytes !== undefined)).toEqual([]);

    address.forwardTo(watched.baseUrl);
    await until(() => samples.some((s) => s.goroutines !== undefined && s.heapAllocBytes !== undefined), 15_000, 'the goroutine and heap figures');
    // Still the watched program's: no further flag, no second "back".
    const backAt = samples.length;
    await until(() => samples.length >= backAt + 8, 10_000, 'eight more samples');
    await w.stop();
    const pprof = events.filter((e) => e.type === 'status' && e.source === 'pprof');
    expect(pprof).toHaveLength(2);
    expect(pprof[0]).toMatchObject({ ok: false, message: expect.stringContaining(`belongs to another program`) });
    expect(pprof[1]).toMatchObject({ ok: true, message: expect.stringMatching(`^the pprof endpoint at ${address.pprofUrl} is now pid ${watched.pid}'s own \\(/.*/leaky-.*\\); its goroutine and heap figures are back$`) });
    expect(samples.at(-1)).toMatchObject({ pid: watched.pid, goroutines: expect.any(Number), heapAllocBytes: expect.any(Number) });
  });
});
