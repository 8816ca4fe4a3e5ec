import { describe, expect, it } from 'vitest';
import { startJobs } from './jobs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startJobs', () => {
  it('skips a tick instead of stacking up when a run is slower than its interval', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const runner = startJobs([
      {
        name: 'slow',
        intervalMs: 10,
        timeoutMs: 1000,
        async run() {
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          await sleep(45);
          concurrent--;
        },
      },
    ]);
    await sleep(200);
    await runner.stop();
    const [cost] = runner.costs();
    expect(maxConcurrent).toBe(1);
    expect(cost!.skipped).toBeGreaterThan(cost!.runs);
    expect(cost!.runs).toBeGreaterThanOrEqual(2);
  });

  it('ends a run that ignores its signal at the timeout and reports it, keeping the schedule', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const runner = startJobs([
      {
        name: 'hang',
        intervalMs: 20,
        timeoutMs: 30,
        run: () => {
          runs++;
          return new Promise(() => {});
        },
        onError: (e) => errors.push(e),
      },
    ]);
    await sleep(150);
    await runner.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(String(errors[0])).toContain('hang did not finish within 30 ms');
    expect(runner.costs()[0]!.failures).toBeGreaterThanOrEqual(2);
  });

  it('aborts the signal of each run under way at stop(), reports no error for it, and runs nothing after, not even a job still waiting for its first run', async () => {
    const errors: unknown[] = [];
    const signals: AbortSignal[] = [];
    let lateRuns = 0;
    const runner = startJobs([
      {
        name: 'hang',
        intervalMs: 10,
        timeoutMs: 60_000,
        run: (signal) => {
          signals.push(signal);
          return new Promise(() => {});
        },
        onError: (e) => errors.push(e),
      },
      { name: 'later', intervalMs: 10, firstRunAfterMs: 50, timeoutMs: 1000, run: async () => void lateRuns++ },
    ]);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(false);
    await runner.stop();
    expect(signals[0]!.aborted).toBe(true);
    await sleep(100);
    expect(signals).toHaveLength(1);
    expect(lateRuns).toBe(0);
    expect(errors).toEqual([]);
  });
});
