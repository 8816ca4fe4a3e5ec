/** Runs periodic jobs on a fixed rate that never overlap themselves: a slow run makes the next tick skip, not stack up. */

import type { JobCost } from '../shared/status.js';

export type { JobCost };

/** One periodic job. `run` gets an AbortSignal that fires at the job's timeout or at stop. */
export interface JobSpec {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  /** Wait this long before the first run (e.g. when it has just run). @default 0 */
  firstRunAfterMs?: number;
  run(signal: AbortSignal): Promise<void>;
  /** Called when a run rejects (including a timeout); the job keeps its schedule. */
  onError?(error: unknown): void;
}

/** A started set of jobs. */
export interface JobRunner {
  costs(): JobCost[];
  /** Runs a job now, out of schedule (still never overlapping itself); resolves when it ends. */
  runNow(name: string): Promise<void>;
  /** Stops every timer and aborts running jobs; resolves when running jobs have settled. */
  stop(): Promise<void>;
}

/** Thrown into a job's signal when its timeout passes. */
export class JobTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`${name} did not finish within ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

/** Starts the jobs: each runs at once, then every `intervalMs`. */
export function startJobs(specs: readonly JobSpec[]): JobRunner {
  const stopAll = new AbortController();
  const states = specs.map((spec) => ({
    spec,
    cost: { name: spec.name, intervalMs: spec.intervalMs, runs: 0, skipped: 0, failures: 0, lastMs: 0, totalMs: 0, maxMs: 0 } as JobCost,
    running: null as Promise<void> | null,
    timer: null as ReturnType<typeof setInterval> | null,
  }));

  function fire(state: (typeof states)[number]): Promise<void> {
    if (stopAll.signal.aborted) return Promise.resolve();
    if (state.running) {
      state.cost.skipped++;
      return state.running;
    }
    const { spec, cost } = state;
    // One controller per run, aborted by the timeout or by stop. Not AbortSignal.any: on Node 20 it
    // keeps every composite signal alive through the long-lived stop signal, a leak in an all-day loop.
    const run = new AbortController();
    const timer = setTimeout(() => run.abort(new JobTimeoutError(spec.name, spec.timeoutMs)), spec.timeoutMs);
    const onStop = () => run.abort(stopAll.signal.reason);
    stopAll.signal.addEventListener('abort', onStop, { once: true });
    const started = performance.now();
    // A job that ignores its signal still ends the run at the timeout, so the schedule goes on.
    let rejectAborted: (reason: unknown) => void = () => {};
    const aborted = new Promise<never>((_, reject) => (rejectAborted = reject));
    aborted.catch(() => {});
    const onAbort = () => rejectAborted(run.signal.reason);
    run.signal.addEventListener('abort', onAbort, { once: true });
    state.running = Promise.race([spec.run(run.signal), aborted])
      .catch((e: unknown) => {
        cost.failures++;
        if (!stopAll.signal.aborted) spec.onError?.(e);
      })
      .finally(() => {
        clearTimeout(timer);
        stopAll.signal.removeEventListener('abort', onStop);
        run.signal.removeEventListener('abort', onAbort);
        const ms = performance.now() - started;
        cost.runs++;
        cost.lastMs = ms;
        cost.totalMs += ms;
        cost.maxMs = Math.max(cost.maxMs, ms);
        state.running = null;
      });
    return state.running;
  }

  const starters: Array<ReturnType<typeof setTimeout>> = [];
  for (const state of states) {
    const begin = () => {
      void fire(state);
      state.timer = setInterval(() => void fire(state), state.spec.intervalMs);
    };
    if (state.spec.firstRunAfterMs) starters.push(setTimeout(begin, state.spec.firstRunAfterMs));
    else begin();
  }

  return {
    costs: () => states.map((s) => ({ ...s.cost })),
    runNow(name) {
      const state = states.find((s) => s.spec.name === name);
      if (!state) return Promise.reject(new Error(`no job named ${name}`));
      return fire(state);
    },
    async stop() {
      for (const t of starters) clearTimeout(t);
      for (const s of states) if (s.timer) clearInterval(s.timer);
      stopAll.abort(new Error('stopped'));
      await Promise.allSettled(states.map((s) => s.running));
    },
  };
}
