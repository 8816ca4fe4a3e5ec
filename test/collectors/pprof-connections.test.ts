/**
 * leakbar's pprof GETs leave nothing in the watched program: no kept-alive connection between samples, and
 * after a GET that is cancelled or times out the Go fixture's FD and goroutine counts are back where they were at
 * once, and stay there. (The global fetch, after an abort, opened a spare connection that stayed about 4 s,
 * nodejs/undici#5845: one FD and one goroutine more in the very figures leakbar reports.)
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProfileBytes } from '../../src/cli/profile.js';
import { httpGet } from '../../src/collectors/http-get.js';
import { createCollectors } from '../../src/collectors/index.js';
import { createPprofFetch, readGoroutineCount } from '../../src/collectors/pprof-http.js';
import { createCaptureFetch } from '../../src/engine/captures/fetch.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.platform !== 'linux')('reading pprof leaves nothing behind in the watched program', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });
  const fds = () => readdirSync(`/proc/${fx.pid}/fd`).length;
  /** The fixture's goroutines, as a watcher reads them (the reading's own handler is one of them, every time). */
  const goroutines = () => readGoroutineCount(fx.pprofUrl, createPprofFetch(), { timeoutMs: 5000 });

  /** The FD count once it holds still for 300 ms (at most 3 s). */
  async function settledFds(): Promise<number> {
    let last = fds();
    for (let i = 0; i < 30; i++) {
      await sleep(100);
      const now = fds();
      if (now === last && i >= 2) return now;
      last = now;
    }
    throw new Error(`the fixture's FD count did not settle (last ${last})`);
  }

  /** Waits until `cond()` holds, checking every 10 ms; throws naming `what` after `ms`. */
  async function within(ms: number, cond: () => boolean, what: string): Promise<void> {
    const t0 = performance.now();
    while (!cond()) {
      if (performance.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
      await sleep(10);
    }
  }

  it('closes its connection after each answer, so the program’s FD and goroutine counts do not include leakbar between samples', async () => {
    const c = createCollectors();
    const before = fds();
    const counts: number[] = [];
    // The server closes its side once the answer is written: give it a moment, bounded. A kept-alive
    // connection would stay, and the count would never come back.
    const settled = async () => {
      for (let i = 0; i < 100 && fds() !== before; i++) await sleep(20);
      expect(fds()).toBe(before);
    };
    for (let i = 0; i < 5; i++) {
      counts.push(await c.readGoroutineCount(fx.pprofUrl));
      await c.readMemStats(fx.pprofUrl);
      // Between samples: the last request's connection (and its goroutine, on a busy machine a moment later) is gone.
      await settled();
    }
    // Each count includes only the goroutine answering that very request, never one parked on a kept-alive connection.
    expect(new Set(counts).size).toBe(1);
  });

  const cases: Array<{ name: string; expected: object; run: (url: string, signal: AbortSignal) => Promise<unknown>; cancel: boolean }> = [
    { name: 'httpGet, cancelled', expected: { reason: 'cancelled' }, cancel: true, run: (base, signal) => httpGet(`${base}profile?seconds=5`, { timeoutMs: 60_000, signal }) },
    { name: 'the watcher’s pprof fetch, cancelled', expected: { code: 'cancelled' }, cancel: true, run: (base, signal) => createPprofFetch()(`${base}profile?seconds=5`, { timeoutMs: 60_000, signal }) },
    { name: 'the watcher’s pprof fetch, timed out', expected: { code: 'timeout' }, cancel: false, run: (base, signal) => createPprofFetch()(`${base}profile?seconds=5`, { timeoutMs: 400, signal }) },
    { name: 'the capture fetch, cancelled', expected: { code: 'cancelled' }, cancel: true, run: (base, signal) => createCaptureFetch()(`${base}trace?seconds=5`, { timeoutMs: 60_000, signal }) },
    // Go reads seconds=0.3 as its default 30 s; leakbar waits 1.5 × 0.3 s.
    { name: 'leakbar profile’s read of a URL, timed out', expected: { code: 'timeout' }, cancel: false, run: (base) => readProfileBytes(`${base}profile?seconds=0.3`) },
  ];

  for (const c of cases) {
    it(`leaves no connection in the program after a GET ends early: ${c.name}`, async () => {
      const fdsBefore = await settledFds();
      const goroutinesBefore = await goroutines();
      expect(await settledFds()).toBe(fdsBefore);

      const cancel = new AbortController();
      const outcome = c.run(fx.pprofUrl, cancel.signal).catch((e: unknown) => e);
      await within(3000, () => fds() > fdsBefore, 'the GET’s connection');
      if (c.cancel) {
        await sleep(100);
        cancel.abort();
      }
      expect(await outcome).toMatchObject(c.expected);

      // Back at once: the program closes the connection as soon as its handler sees it go (Go's CPU profile
      // and trace stop within about 100 ms; the margin is for a busy machine).
      await within(1000, () => fds() === fdsBefore, 'the FD count going back');
      // And it stays back: no spare connection comes (undici's came at once and stayed about 4 s).
      const seen = new Set<number>();
      for (let t = 0; t < 1500; t += 50) {
        seen.add(fds());
        await sleep(50);
      }
      expect([...seen]).toEqual([fdsBefore]);
      expect(await goroutines()).toBe(goroutinesBefore);
    });
  }
});
