/** The watcher's check that the pprof endpoint is its process's own, on real Go programs: an endpoint that comes up late is checked once it answers. */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
import { Watcher } from '../../src/engine/watcher.js';
import type { WatchEvent } from '../../src/shared/events.js';
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
});
