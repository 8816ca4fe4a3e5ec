/** The order `watch` prints its lines in (TimeOrderedLines), on a clock of the test's own. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimeOrderedLines, sampleHoldMs } from '../../src/cli/watch.js';
import { jobTimeoutMs } from '../../src/engine/watcher.js';

describe('TimeOrderedLines', () => {
  let printed: string[];
  let lines: TimeOrderedLines;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    printed = [];
    lines = new TimeOrderedLines((l) => printed.push(l), 1000);
  });
  afterEach(() => vi.useRealTimers());
  const at = (label: string) => (ms: number) => `${ms} ${label}`;

  it('prints a sample before what was found while it was read, and its alerts right after it', async () => {
    // Reading the sample began at 1_000_000; a pprof read of it failed 300 ms later, and another source meanwhile.
    vi.setSystemTime(1_000_100);
    lines.line(1_000_100, at('memstats failing'));
    vi.setSystemTime(1_000_300);
    lines.line(1_000_300, at('goroutines failing'));
    vi.setSystemTime(1_000_350);
    lines.sample(1_000_000, '1000000 sample');
    // Its alert is handed over at once, with the sample's time.
    lines.line(1_000_000, at('alert fired'));
    expect(printed).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(printed).toEqual(['1000000 sample', '1000000 alert fired', '1000100 memstats failing', '1000300 goroutines failing']);
  });

  it('holds a line no longer than a sample may take, when no sample comes', async () => {
    lines.line(1_000_000, at('process gone'));
    await vi.advanceTimersByTimeAsync(999);
    expect(printed).toEqual([]);
    // Then after the I/O of that turn (a sample finishing just then is taken first).
    await vi.advanceTimersByTimeAsync(1);
    await vi.runOnlyPendingTimersAsync();
    expect(printed).toEqual(['1000000 process gone']);
  });

  it('stamps a line learned after later ones were printed when it was learned, and keeps a sample at its own time', async () => {
    vi.setSystemTime(1_000_500);
    lines.sample(1_000_400, '1000400 sample');
    await vi.advanceTimersByTimeAsync(0);
    vi.setSystemTime(1_000_600);
    lines.line(1_000_200, at('alert of another leakbar'));
    lines.end();
    expect(printed).toEqual(['1000400 sample', '1000600 alert of another leakbar']);
  });

  it('prints every line held at the end, in time order', () => {
    lines.line(1_000_300, at('b'));
    lines.line(1_000_100, at('a'));
    lines.end();
    expect(printed).toEqual(['1000100 a', '1000300 b']);
  });

  it('waits as long as the watcher lets a sample take (80 % of the interval, 0.2 to 20 s, + 100 ms), and half a second more', () => {
    expect(sampleHoldMs(5000)).toBe(4500);
    expect(sampleHoldMs(100)).toBe(700);
    expect(sampleHoldMs(3_600_000)).toBe(20_500);
  });

  it('holds a line as long as the watcher lets a sample job run, and half a second: one formula for both', () => {
    for (const ms of [100, 250, 1000, 5000, 24_000, 25_000, 3_600_000]) expect(sampleHoldMs(ms)).toBe(jobTimeoutMs(ms) + 400);
  });
});
