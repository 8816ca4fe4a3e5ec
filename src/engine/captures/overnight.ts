/**
 * The overnight test: a baseline bundle at start, heap and goroutine captures every interval (one run
 * at a time, a slow one skips a tick), and at stop a final bundle and a report of what grew. Keeping the
 * machine awake is the desktop app's job: it hears `onChange(active)` and holds a powerSaveBlocker.
 */
import { OVERNIGHT_NOTES, type CaptureMeta, type OvernightStatus } from '../../shared/captures.js';
import { describeError, LeakbarError } from '../../shared/errors.js';
import type { Sample, TargetConfig } from '../../shared/types.js';
import { formatDurationMs } from '../../shared/units.js';
import { startJobs, type JobRunner } from '../jobs.js';
import { fdSection, goroutineSection, heapSection, type ComparisonSection } from './compare.js';
import { buildReport, type CaptureReport } from './report.js';
import type { CaptureRequest } from './service.js';
import type { CaptureStore } from './store.js';

/** How to run an overnight test. */
export interface OvernightOptions {
  target: TargetConfig;
  /** The process now; a function is asked before each capture, so a restart is followed. */
  pid: number | null | (() => number | null);
  /** Time between periodic heap + goroutine captures. @default 3600000 (1 h) */
  intervalMs?: number;
  /** Take a CPU profile in the baseline bundle too. @default false */
  includeCpu?: boolean;
  /** CPU seconds when includeCpu. @default 30 */
  cpuSeconds?: number;
  /** The watcher's figures now, stored with each capture. @default () => null */
  figures?: () => Sample | null;
  /**
   * Also mark the baseline bundle as the target's baseline (it is always pinned): true always, 'if-none' only
   * when the target has no baseline yet (one a person chose is kept). @default false
   */
  markBaseline?: boolean | 'if-none';
}

export type { OvernightStatus };

/** The notes the overnight test keeps with its captures (the first line of each one's note); they name the test as what caused them. */
/** Options for stopping. */
export interface StopOvernightOptions {
  /** The watcher's samples over the night (from the series store), for the figures. @default [] */
  samples?: readonly Sample[];
  /** Take a final bundle (no CPU) before reporting. @default true */
  finalCapture?: boolean;
}

/** What the overnight runner needs of the capture service. */
export interface OvernightHost {
  readonly store: CaptureStore;
  capture(request: CaptureRequest): Promise<CaptureMeta>;
}

/** The overnight runner of a capture service. */
export interface OvernightRunner {
  start(options: OvernightOptions): Promise<OvernightStatus>;
  stop(targetId: string, options?: StopOvernightOptions): Promise<CaptureReport>;
  status(targetId: string): OvernightStatus | null;
  /** Stops every test without a report. */
  close(): Promise<void>;
}

interface Session {
  options: OvernightOptions;
  status: OvernightStatus;
  captures: CaptureMeta[];
  baseline: CaptureMeta | null;
  /** The target's baseline when it was kept (not the bundle), for the report. */
  keptBaseline: CaptureMeta | null;
  jobs: JobRunner | null;
}

/** Creates the overnight runner over a capture service. */
export function createOvernightRunner(deps: { service: OvernightHost; now: () => number; onChange?: ((active: boolean, targetId: string) => void) | undefined }): OvernightRunner {
  const sessions = new Map<string, Session>();
  const { service, now } = deps;
  const notify = (active: boolean, targetId: string) => {
    try {
      deps.onChange?.(active, targetId);
    } catch {
      // The app's keep-awake hook failing does not stop the test.
    }
  };
  const pidOf = (o: OvernightOptions) => (typeof o.pid === 'function' ? o.pid() : o.pid);

  async function periodic(session: Session, signal: AbortSignal): Promise<void> {
    const o = session.options;
    for (const kind of ['heap', 'goroutine'] as const) {
      if (signal.aborted) return;
      try {
        const meta = await service.capture({ target: o.target, pid: pidOf(o), kind, figures: o.figures?.() ?? null, note: OVERNIGHT_NOTES.periodic, signal });
        session.captures.push(meta);
        session.status.captureIds.push(meta.id);
      } catch (e) {
        if (signal.aborted) return;
        session.status.failures.push({ timeMs: now(), kind, message: describeError(e) });
      }
    }
    session.status.nextMs = now() + session.status.intervalMs;
  }

  /** The latest capture (base excluded) that holds a file of `role`. */
  const latestWith = (caps: readonly CaptureMeta[], role: string) => [...caps].reverse().find((c) => c.files.some((f) => f.role === role)) ?? null;

  return {
    async start(o) {
      const targetId = o.target.id;
      if (sessions.has(targetId)) {
        const s = sessions.get(targetId)!;
        throw new LeakbarError('busy', `an overnight test of ${o.target.name} is already running, started ${formatDurationMs(now() - s.status.startedMs)} ago`, { hint: 'stop it first to get its report' });
      }
      const intervalMs = o.intervalMs ?? 3_600_000;
      if (!Number.isFinite(intervalMs) || intervalMs < 1000) throw new LeakbarError('bad-input', `the overnight interval must be at least 1 s, not ${intervalMs} ms`);
      const session: Session = {
        options: o,
        status: { targetId, active: true, startedMs: now(), intervalMs, baselineId: null, captureIds: [], failures: [], nextMs: null },
        captures: [],
        baseline: null,
        keptBaseline: null,
        jobs: null,
      };
      sessions.set(targetId, session);
      try {
        const seconds = o.cpuSeconds ?? 30;
        let baseline = await service.capture({ target: o.target, pid: pidOf(o), kind: 'bundle', includeCpu: o.includeCpu ?? false, seconds, figures: o.figures?.() ?? null, note: OVERNIGHT_NOTES.baseline });
        baseline = await service.store.setPinned(baseline.id, true);
        const kept = o.markBaseline === 'if-none' ? await service.store.baseline(targetId) : null;
        if (o.markBaseline && !kept) baseline = await service.store.markBaseline(baseline.id);
        session.keptBaseline = kept;
        session.baseline = baseline;
        session.status.baselineId = baseline.id;
      } catch (e) {
        sessions.delete(targetId);
        throw e;
      }
      session.status.nextMs = now() + intervalMs;
      session.jobs = startJobs([
        {
          name: `overnight-${targetId}`,
          intervalMs,
          firstRunAfterMs: intervalMs,
          timeoutMs: Math.max(intervalMs, 300_000),
          run: (signal) => periodic(session, signal),
          onError: (e) => session.status.failures.push({ timeMs: now(), kind: 'heap', message: describeError(e) }),
        },
      ]);
      notify(true, targetId);
      return structuredClone(session.status);
    },

    async stop(targetId, so = {}) {
      const session = sessions.get(targetId);
      if (!session) throw new LeakbarError('not-found', `no overnight test of ${targetId} is running`, { hint: 'start one first' });
      sessions.delete(targetId);
      await session.jobs?.stop();
      session.status.active = false;
      session.status.nextMs = null;
      notify(false, targetId);
      const o = session.options;
      let final: CaptureMeta | null = null;
      if (so.finalCapture ?? true) {
        try {
          final = await service.capture({ target: o.target, pid: pidOf(o), kind: 'bundle', figures: o.figures?.() ?? null, note: OVERNIGHT_NOTES.final });
          final = await service.store.setPinned(final.id, true);
          session.captures.push(final);
        } catch (e) {
          session.status.failures.push({ timeMs: now(), kind: 'bundle', message: describeError(e) });
        }
      }
      const endedMs = now();
      const base = session.baseline!;
      const sections: ComparisonSection[] = [];
      const notes = session.status.failures.map((f) => `${new Date(f.timeMs).toISOString()}: the ${f.kind} capture failed: ${f.message}`);
      const pairs: Array<[string, (b: CaptureMeta, c: CaptureMeta) => Promise<ComparisonSection | null>, string]> = [
        ['heap', (b, c) => heapSection(service.store, b, c), 'heap'],
        ['goroutine', (b, c) => goroutineSection(service.store, b, c), 'goroutine'],
        ['fds', (b, c) => fdSection(service.store, b, c), 'FD'],
      ];
      for (const [role, build, label] of pairs) {
        const cur = latestWith(session.captures, role);
        if (!cur) {
          notes.push(`No ${label} comparison: no later capture holds one.`);
          continue;
        }
        try {
          const s = await build(base, cur);
          if (s) sections.push({ ...s, title: `${s.title}, ${base.id} → ${cur.id}` });
          else notes.push(`No ${label} comparison: the baseline bundle lacks it.`);
        } catch (e) {
          notes.push(`The ${label} comparison failed: ${describeError(e)}`);
        }
      }
      return buildReport({
        title: `Overnight test of ${o.target.name}`,
        targetId,
        fromMs: session.status.startedMs,
        toMs: endedMs,
        base,
        baseNote: session.keptBaseline
          ? `the overnight baseline bundle; the target's baseline stays \`${session.keptBaseline.id}\`, as chosen before`
          : base.baseline
            ? "the overnight baseline bundle, marked as the target's baseline"
            : 'the overnight baseline bundle',
        current: final ?? session.captures.at(-1) ?? null,
        captures: [base, ...session.captures],
        sections,
        samples: so.samples ?? [],
        notes,
        generatedMs: endedMs,
      });
    },

    status(targetId) {
      const s = sessions.get(targetId);
      return s ? structuredClone(s.status) : null;
    },

    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of all) {
        await s.jobs?.stop();
        notify(false, s.status.targetId);
      }
    },
  };
}
