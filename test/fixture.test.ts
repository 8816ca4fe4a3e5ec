import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readlinkSync } from 'node:fs';
import { startFixture, type Fixture } from './helpers/fixture.js';

describe('the Go fixture', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(() => fx?.stop());

  it('serves pprof and leaks the same few files on command', async () => {
    await fx.leak({ fds: 30, goroutines: 50 });
    const links = readdirSync(`/proc/${fx.pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${fx.pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    expect(links.filter((l) => /leaky-\d+-\d\.dat$/.test(l)).length).toBe(30);
    expect(links.filter((l) => /leaky-\d+-0\.dat$/.test(l)).length).toBe(10);
    const text = await (await fetch(`${fx.pprofUrl}goroutine?debug=1`)).text();
    const total = Number(/^goroutine profile: total (\d+)/.exec(text)?.[1]);
    expect(total).toBeGreaterThanOrEqual(50);
  });
});
