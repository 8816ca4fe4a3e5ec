import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
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

  it('closes its connection after each answer, so the program’s FD and goroutine counts do not include leakbar between samples', async () => {
    const c = createCollectors();
    const fdsOf = () => readdirSync(`/proc/${fx.pid}/fd`).length;
    const before = fdsOf();
    const goroutines: number[] = [];
    // The server closes its side once the answer is written: give it a moment, bounded. A kept-alive
    // connection would stay, and the count would never come back.
    const settled = async () => {
      for (let i = 0; i < 100 && fdsOf() !== before; i++) await sleep(20);
      expect(fdsOf()).toBe(before);
    };
    for (let i = 0; i < 5; i++) {
      goroutines.push(await c.readGoroutineCount(fx.pprofUrl));
      await c.readMemStats(fx.pprofUrl);
      // Between samples: the last request's connection (and its goroutine, on a busy machine a moment later) is gone.
      await settled();
    }
    // Each count includes only the goroutine answering that very request, never one parked on a kept-alive connection.
    expect(new Set(goroutines).size).toBe(1);
  });
});
