/**
 * The capture service: takes one-click captures (heap, allocs, goroutine, CPU, block, mutex, system
 * snapshot, bundle) into the capture store, one of a kind per target at a time, cancellable, with
 * progress events; compares captures; and runs the overnight test (see overnight.ts).
 */
import type { ApiEvent, Comparison } from '../../shared/api.js';
import { CAPTURE_KINDS, type CaptureFile, type CaptureKind, type CaptureMeta, type CaptureProgress } from '../../shared/captures.js';
import { describeError, isLeakbarError, LeakbarError } from '../../shared/errors.js';
import type { FdBreakdown, FdEntry, Sample, TargetConfig } from '../../shared/types.js';
import { formatDurationMs } from '../../shared/units.js';
import type { Collectors } from '../../collectors/types.js';
import { HttpGetError } from '../../collectors/http-get.js';
import { checkPprofOwner } from '../../collectors/pprof-http.js';
import { compareCaptures, type SectionOptions } from './compare.js';
import { checkGoroutineDump, checkProfileResponse, createCaptureFetch, PROFILE_ANSWER_TIMEOUT_MS, profileTimeoutMs, type CaptureFetchFn } from './fetch.js';
import { checkId, newCaptureId } from './ids.js';
import { createOvernightRunner, type OvernightOptions, type OvernightStatus, type StopOvernightOptions } from './overnight.js';
import type { CaptureReport } from './report.js';
import type { CaptureStore, PendingCapture, RetentionOptions } from './store.js';

/** What the capture service needs of the collectors (system snapshots only). */
export type CaptureCollectors = Pick<Collectors, 'readProcess' | 'readFdBreakdown' | 'readMemoryMap' | 'listFds'>;

/** One capture to take. */
export interface CaptureRequest {
  target: TargetConfig;
  /** The process now, for system snapshots and the metadata; null for a pprof-only target. */
  pid: number | null;
  kind: CaptureKind;
  /** CPU profile length. @default 30 */
  seconds?: number;
  /** Take a CPU profile in a bundle too (it takes `seconds`). @default false */
  includeCpu?: boolean;
  /** The watcher's figures at that moment. @default null */
  figures?: Sample | null;
  /** The alert that caused the capture. @default null */
  alertKey?: string | null;
  /** @default '' */
  note?: string;
  /** Cancels the capture (as does {@link CaptureService.cancel}). */
  signal?: AbortSignal;
}

/** Progress of captures, shaped as the API's live events so the service can forward them as they are. */
export type CaptureEvent = Extract<ApiEvent, { type: 'capture-started' | 'capture-done' | 'capture-failed' }>;

/** Options for {@link createCaptureService}. */
export interface CaptureServiceOptions {
  store: CaptureStore;
  /** For system snapshots; null when only pprof kinds are wanted (a system capture then fails 'unsupported'). */
  collectors: CaptureCollectors | null;
  /** @default createCaptureFetch() (httpGet of src/collectors/http-get.ts: one connection per GET, time-boxed) */
  fetch?: CaptureFetchFn;
  /** @default Date.now */
  now?: () => number;
  /** Applied to the target after each capture. @default DEFAULT_RETENTION of the store */
  retention?: RetentionOptions;
  /** Captures of a target that retention keeps besides its baseline and pinned ones (the engine's: those its open alerts point to). @default none */
  keepIds?: (targetId: string) => readonly string[];
  /** @default 30 */
  defaultCpuSeconds?: number;
  /** Called with every progress event (as is every {@link CaptureService.onEvent} listener). */
  onEvent?: (event: CaptureEvent) => void;
  /** Called when an overnight test starts or stops (the desktop app holds a powerSaveBlocker meanwhile). */
  onOvernightChange?: (active: boolean, targetId: string) => void;
  /** @default newCaptureId */
  newId?: (startedMs: number, kind: CaptureKind) => string;
}

/** The capture service. Every method rejects with a LeakbarError. */
export interface CaptureService {
  readonly store: CaptureStore;
  /**
   * Takes a capture and resolves with its stored metadata. Rejects with 'busy' while one of the same kind
   * runs for the target, 'cancelled', 'timeout', 'endpoint-refused', 'endpoint-status' (404: not a Go
   * pprof endpoint), 'not-a-profile', 'empty-profile' (block/mutex off), 'disk-full', … — and keeps nothing.
   * A bundle keeps what it could get and lists what it skipped in its note; it fails only when nothing worked.
   */
  capture(request: CaptureRequest): Promise<CaptureMeta>;
  /** Captures running now (of one target, or all). */
  inProgress(targetId?: string): CaptureProgress[];
  /** Cancels a running capture; false when none of that kind runs. */
  cancel(targetId: string, kind: CaptureKind): boolean;
  /** Compares a capture with `baseId`, else with its target's baseline ('not-found' when it has none). */
  compare(captureId: string, baseId?: string, options?: SectionOptions): Promise<Comparison>;
  /** Listens to progress events; returns an unsubscribe function. */
  onEvent(listener: (event: CaptureEvent) => void): () => void;
  /** Starts the overnight test: a baseline bundle now, then heap and goroutine captures every interval. */
  startOvernight(options: OvernightOptions): Promise<OvernightStatus>;
  /** Stops the overnight test: a final bundle, then the report. */
  stopOvernight(targetId: string, options?: StopOvernightOptions): Promise<CaptureReport>;
  /** The overnight test of a target, or null when none runs. */
  overnightStatus(targetId: string): OvernightStatus | null;
  /** Stops overnight timers and cancels running captures. */
  close(): Promise<void>;
}

/** pprof files of each kind: the endpoint path (relative to /debug/pprof/), the stored name and its role. */
interface PprofPart {
  path: string;
  name: string;
  role: CaptureFile['role'];
  /** Fail (or skip, in a bundle) when the profile holds no samples: block and mutex are off by default. */
  emptyMeansOff?: string;
  text?: boolean;
  cpu?: boolean;
}

const PPROF_PARTS: Record<'heap' | 'allocs' | 'goroutine' | 'goroutine-dump' | 'block' | 'mutex', PprofPart> = {
  // gc=1 runs a GC first, so in-use figures are current rather than as of the last cycle.
  heap: { path: 'heap?gc=1', name: 'heap.pb.gz', role: 'heap' },
  allocs: { path: 'allocs', name: 'allocs.pb.gz', role: 'allocs' },
  goroutine: { path: 'goroutine', name: 'goroutine.pb.gz', role: 'goroutine' },
  'goroutine-dump': { path: 'goroutine?debug=2', name: 'goroutine-debug2.txt', role: 'goroutine-dump', text: true },
  block: { path: 'block', name: 'block.pb.gz', role: 'block', emptyMeansOff: 'runtime.SetBlockProfileRate(1)' },
  mutex: { path: 'mutex', name: 'mutex.pb.gz', role: 'mutex', emptyMeansOff: 'runtime.SetMutexProfileFraction(1)' },
};

/**
 * Why a bundle asks an endpoint nothing more after an 'endpoint-refused' failure, in the words of what happened: an
 * answer that broke off mid-way or a connection closed is not a refusal (the program may have exited or restarted).
 */
function refusedHow(err: LeakbarError): string {
  const reason = err.cause instanceof HttpGetError ? err.cause.reason : null;
  if (reason === 'broke-off') return 'the endpoint’s answer broke off before';
  if (reason === 'closed' || (err.cause instanceof HttpGetError && (err.cause.code === 'ECONNRESET' || err.cause.code === 'EPIPE'))) return 'the endpoint closed the connection before';
  return 'the endpoint refused before';
}

const cpuPart = (seconds: number): PprofPart => ({ path: `profile?seconds=${seconds}`, name: 'cpu.pb.gz', role: 'cpu', cpu: true });

interface Running {
  progress: CaptureProgress;
  controller: AbortController;
  targetName: string;
}

function cancelledError(kind: CaptureKind, targetName: string): LeakbarError {
  return new LeakbarError('cancelled', `the ${kind} capture of ${targetName} was cancelled`);
}

/** Creates the capture service over a store. */
export function createCaptureService(options: CaptureServiceOptions): CaptureService {
  const store = options.store;
  const fetchFn = options.fetch ?? createCaptureFetch();
  const now = options.now ?? Date.now;
  const defaultCpuSeconds = options.defaultCpuSeconds ?? 30;
  const newId = options.newId ?? ((ms: number, kind: CaptureKind) => newCaptureId(ms, kind));
  const running = new Map<string, Running>();
  const listeners = new Set<(e: CaptureEvent) => void>();
  const slot = (targetId: string, kind: CaptureKind) => `${targetId}\u0000${kind}`;

  function emit(e: CaptureEvent): void {
    try {
      options.onEvent?.(e);
    } catch {
      // A listener's failure is not the capture's.
    }
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // as above
      }
    }
  }

  /**
   * Checks that the endpoint at `base` is the process's own before anything is fetched from it: with
   * several copies of a program running, another one's profile would be stored under this PID. Nothing
   * to check without a PID (a pprof-only capture) or its command line; an endpoint without `cmdline`
   * (404) goes ahead. @throws LeakbarError 'bad-input' (another program), 'endpoint-garbage' (not Go's pprof), 'timeout', 'endpoint-refused'
   */
  async function checkOwner(req: CaptureRequest, base: string, signal: AbortSignal): Promise<void> {
    const pid = req.pid;
    if (pid === null || !options.collectors) return;
    const proc = await options.collectors.readProcess(pid, null).catch((e: unknown) => {
      // Gone: whatever answers at the address now is not its pprof (the next program on the port, say).
      if (isLeakbarError(e, 'no-such-process')) throw new LeakbarError('no-such-process', `pid ${pid} is gone: nothing captured`, { hint: 'capture again once the program runs; a target watched by --match follows the new process' });
      return null;
    });
    const command = proc?.figures.command;
    if (!command) return;
    await checkPprofOwner(base, pid, command, (url, o) => fetchFn(url, { ...o, signal }), {
      timeoutMs: PROFILE_ANSWER_TIMEOUT_MS,
      hint: `pass --pprof with the address pid ${pid} serves its pprof on, or fix the target's pprof URL`,
    });
    if (signal.aborted) throw signal.reason;
  }

  /** Fetches and checks one pprof part; nothing is written here, so its errors are about the endpoint only. */
  async function fetchPartBytes(base: string, part: PprofPart, signal: AbortSignal): Promise<{ bytes: Uint8Array; url: string }> {
    const url = new URL(part.path, base).toString();
    const seconds = part.cpu ? Number(new URL(url).searchParams.get('seconds')) : undefined;
    let res;
    try {
      res = await fetchFn(url, { timeoutMs: profileTimeoutMs(seconds), signal });
    } catch (e) {
      // A CPU profile answers only after its seconds: a shorter one may get through a slow program.
      if (part.cpu && e instanceof LeakbarError && e.code === 'timeout') throw new LeakbarError('timeout', e.message, { hint: `${e.hint ?? 'the program may be stuck'}; try again, or a shorter CPU profile`, cause: e });
      throw e;
    }
    if (signal.aborted) throw signal.reason;
    if (part.text) return { bytes: checkGoroutineDump(url, res), url };
    const checked = checkProfileResponse(url, res);
    if (part.emptyMeansOff && checked.profile.samples.count === 0) {
      throw new LeakbarError('empty-profile', `the ${part.role} profile is empty: the program has not turned ${part.role} profiling on, or nothing has ${part.role === 'block' ? 'blocked' : 'contended'} yet`, {
        hint: `call ${part.emptyMeansOff} early in the program to record it`,
      });
    }
    return { bytes: checked.bytes, url };
  }

  async function fetchPart(pending: PendingCapture, base: string, part: PprofPart, signal: AbortSignal): Promise<CaptureFile> {
    const { bytes, url } = await fetchPartBytes(base, part, signal);
    return pending.writeFile(part.name, bytes, part.role, url);
  }

  /** The system snapshot's parts; each that fails is reported in `skipped`, and the first error kept. */
  async function systemParts(pending: PendingCapture, req: CaptureRequest, signal: AbortSignal, skipped: string[]): Promise<LeakbarError | null> {
    const c = options.collectors;
    const early = (e: LeakbarError) => {
      skipped.push(`system snapshot (${describeError(e)})`);
      return e;
    };
    if (!c) return early(new LeakbarError('unsupported', 'a system snapshot needs the process collectors, and none were given', { hint: 'capture by --pid or --match, not only --pprof' }));
    if (req.pid === null) return early(new LeakbarError('no-such-process', `no process of ${req.target.name} is known, so there is no system snapshot to take`, { hint: 'is the program running? capture by --pid or --match' }));
    const pid = req.pid;
    const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n');
    let firstError: LeakbarError | null = null;
    let wrote = 0;
    // A collector that cannot read one part is skipped; a failing write (disk full) fails the capture.
    const attempt = async (what: string, name: string, role: CaptureFile['role'], read: () => Promise<unknown>) => {
      if (signal.aborted) throw signal.reason;
      let value: unknown;
      try {
        value = await read();
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        const err = e instanceof LeakbarError ? e : new LeakbarError('io-error', describeError(e), { cause: e });
        firstError ??= err;
        skipped.push(`${what} (${describeError(err)})`);
        return;
      }
      await pending.writeFile(name, json(value), role);
      wrote++;
    };
    await attempt('process', 'process.json', 'process', async () => (await c.readProcess(pid, null)).figures);
    await attempt('fds', 'fds.json', 'fds', async () => {
      const [breakdown, entries] = await Promise.all([
        c.readFdBreakdown(pid, req.target.fdPatterns).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
        c.listFds ? c.listFds(pid).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))) : Promise.resolve(null),
      ]);
      if (breakdown instanceof Error && (entries === null || entries instanceof Error)) throw breakdown;
      const snapshot: { breakdown: FdBreakdown | null; entries: FdEntry[] | null } = {
        breakdown: breakdown instanceof Error ? null : breakdown,
        entries: entries instanceof Error ? null : entries,
      };
      return snapshot;
    });
    await attempt('memory-map', 'memory-map.json', 'memory-map', () => c.readMemoryMap(pid));
    return wrote === 0 ? firstError : null;
  }

  async function run(req: CaptureRequest, pending: PendingCapture, signal: AbortSignal, seconds: number): Promise<string[]> {
    const skipped: string[] = [];
    const pprofBase = req.target.pprofUrl;
    let owner: Promise<void> | null = null;
    /** The endpoint's owner, checked once per capture. */
    const checkedOwner = (base: string) => (owner ??= checkOwner(req, base, signal));
    const needPprof = async (kind: string) => {
      if (!pprofBase) throw new LeakbarError('unsupported', `${req.target.name} has no pprof endpoint, so there is no ${kind} profile to take`, { hint: 'give the target a pprof URL (--pprof http://127.0.0.1:6060/debug/pprof/)' });
      await checkedOwner(pprofBase);
      return pprofBase;
    };
    switch (req.kind) {
      case 'heap':
      case 'allocs':
      case 'block':
      case 'mutex':
        await fetchPart(pending, await needPprof(req.kind), PPROF_PARTS[req.kind], signal);
        break;
      case 'goroutine': {
        const base = await needPprof('goroutine');
        await fetchPart(pending, base, PPROF_PARTS.goroutine, signal);
        await fetchPart(pending, base, PPROF_PARTS['goroutine-dump'], signal);
        break;
      }
      case 'cpu':
        await fetchPart(pending, await needPprof('CPU'), cpuPart(seconds), signal);
        break;
      case 'system': {
        const err = await systemParts(pending, req, signal, skipped);
        if (err) throw err;
        break;
      }
      case 'bundle': {
        // "Something is wrong, grab everything": keep every part that works, say which did not.
        let firstError: LeakbarError | null = null;
        // An endpoint that refused or timed out once is not asked again (a stuck program would cost 20 s a part),
        // nor one that serves another program or is not Go's pprof: why, for the parts not tried.
        let endpointDown: string | null = null;
        const tryPart = async (label: string, part: PprofPart, base: string) => {
          if (signal.aborted) throw signal.reason;
          if (endpointDown) {
            skipped.push(`${label} (not tried: ${endpointDown})`);
            return;
          }
          let got: { bytes: Uint8Array; url: string };
          let owned = false;
          try {
            await checkedOwner(base);
            owned = true;
            got = await fetchPartBytes(base, part, signal);
          } catch (e) {
            if (signal.aborted) throw signal.reason;
            const err = e instanceof LeakbarError ? e : new LeakbarError('io-error', describeError(e), { cause: e });
            firstError ??= err;
            if (err.code === 'timeout') endpointDown = 'the endpoint timed out before';
            else if (err.code === 'endpoint-refused') endpointDown = refusedHow(err);
            else if (!owned) endpointDown = err.code === 'endpoint-garbage' ? 'the endpoint does not answer like Go’s net/http/pprof' : `the endpoint is not pid ${req.pid}’s`;
            skipped.push(`${label} (${err.code === 'empty-profile' ? 'profiling is off, or empty' : describeError(err)})`);
            return;
          }
          await pending.writeFile(part.name, got.bytes, part.role, got.url);
        };
        const sysErr = await systemParts(pending, req, signal, skipped);
        if (sysErr) firstError = sysErr;
        if (pprofBase) {
          for (const key of ['heap', 'allocs', 'goroutine', 'goroutine-dump', 'block', 'mutex'] as const) await tryPart(key, PPROF_PARTS[key], pprofBase);
          if (req.includeCpu) await tryPart('cpu', cpuPart(seconds), pprofBase);
        } else {
          skipped.push('pprof profiles (no pprof endpoint)');
        }
        if (pending.files.length === 0) {
          const first = firstError as LeakbarError | null;
          throw new LeakbarError(first?.code ?? 'unsupported', `nothing could be captured of ${req.target.name}: ${skipped.join('; ')}`, { hint: first?.hint, cause: first ?? undefined });
        }
        break;
      }
      default: {
        const never: never = req.kind;
        throw new LeakbarError('bad-input', `unknown capture kind ${String(never)}`);
      }
    }
    return skipped;
  }

  const service: CaptureService = {
    store,

    async capture(req) {
      if (!CAPTURE_KINDS.includes(req.kind)) throw new LeakbarError('bad-input', `unknown capture kind ${JSON.stringify(req.kind)}`, { hint: `one of ${CAPTURE_KINDS.join(', ')}` });
      checkId(req.target.id, 'target id');
      const seconds = req.seconds ?? defaultCpuSeconds;
      if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600 || !Number.isInteger(seconds)) {
        throw new LeakbarError('bad-input', `a CPU profile lasts 1-600 whole seconds, not ${seconds}`);
      }
      const withCpu = req.kind === 'cpu' || (req.kind === 'bundle' && req.includeCpu === true);
      const slots = req.kind === 'bundle' && withCpu ? (['bundle', 'cpu'] as const) : [req.kind];
      const startedMs = now();
      for (const k of slots) {
        const r = running.get(slot(req.target.id, k));
        if (r) {
          throw new LeakbarError('busy', `a ${r.progress.kind} capture of ${req.target.name} is already running, started ${formatDurationMs(Math.max(0, startedMs - r.progress.startedMs))} ago`, {
            hint: r.progress.expectedMs ? `it should end within ${formatDurationMs(Math.max(0, r.progress.startedMs + r.progress.expectedMs - startedMs))}; or cancel it` : 'wait for it to finish, or cancel it',
          });
        }
      }
      const controller = new AbortController();
      const progress: CaptureProgress = { targetId: req.target.id, kind: req.kind, startedMs, expectedMs: withCpu ? seconds * 1000 : null };
      const entry: Running = { progress, controller, targetName: req.target.name };
      for (const k of slots) running.set(slot(req.target.id, k), entry);
      const signal = req.signal ? AbortSignal.any([controller.signal, req.signal]) : controller.signal;
      const onAbort = () => {
        if (!controller.signal.aborted) controller.abort(cancelledError(req.kind, req.target.name));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      emit({ type: 'capture-started', progress });

      let pending: PendingCapture | null = null;
      try {
        if (req.signal?.aborted) onAbort();
        if (signal.aborted) throw cancelledError(req.kind, req.target.name);
        const id = newId(startedMs, req.kind);
        pending = await store.begin(req.target.id, id);
        let skipped: string[];
        try {
          skipped = await run(req, pending, signal, seconds);
        } catch (e) {
          if (signal.aborted) throw cancelledError(req.kind, req.target.name);
          throw e;
        }
        if (signal.aborted) throw cancelledError(req.kind, req.target.name);
        const note = [req.note ?? '', skipped.length ? `Skipped: ${skipped.join('; ')}.` : ''].filter(Boolean).join('\n');
        const meta = await pending.commit({
          kind: req.kind,
          pid: req.pid,
          startedMs,
          endedMs: now(),
          figures: req.figures ?? null,
          alertKey: req.alertKey ?? null,
          baseline: false,
          pinned: false,
          note,
        });
        pending = null;
        try {
          await store.applyRetention(req.target.id, { ...options.retention, keepIds: [meta.id, ...(options.keepIds?.(req.target.id) ?? [])] });
        } catch {
          // Retention failing (a busy disk) must not fail the capture that was just kept.
        }
        emit({ type: 'capture-done', capture: meta });
        return meta;
      } catch (e) {
        const err = e instanceof LeakbarError ? e : new LeakbarError('io-error', describeError(e), { cause: e });
        emit({ type: 'capture-failed', targetId: req.target.id, kind: req.kind, message: describeError(err) });
        throw err;
      } finally {
        await pending?.discard();
        req.signal?.removeEventListener('abort', onAbort);
        for (const k of slots) if (running.get(slot(req.target.id, k)) === entry) running.delete(slot(req.target.id, k));
      }
    },

    inProgress(targetId) {
      const seen = new Set<Running>();
      const out: CaptureProgress[] = [];
      for (const r of running.values()) {
        if (seen.has(r) || (targetId !== undefined && r.progress.targetId !== targetId)) continue;
        seen.add(r);
        out.push({ ...r.progress });
      }
      return out;
    },

    cancel(targetId, kind) {
      const r = running.get(slot(targetId, kind));
      if (!r || r.controller.signal.aborted) return false;
      r.controller.abort(cancelledError(r.progress.kind, r.targetName));
      return true;
    },

    async compare(captureId, baseId, sectionOptions) {
      const current = await store.get(captureId);
      let base: CaptureMeta;
      if (baseId !== undefined) {
        base = await store.get(baseId);
      } else {
        const b = await store.baseline(current.targetId);
        if (!b) throw new LeakbarError('not-found', `${current.targetId} has no baseline capture to compare ${captureId} with`, { hint: 'mark a capture as the baseline first, or name one to compare with' });
        base = b;
      }
      if (base.id === current.id) {
        throw baseId !== undefined
          ? new LeakbarError('bad-input', `the base and the current capture are the same (${captureId})`, { hint: 'name two different captures' })
          : new LeakbarError('bad-input', `capture ${captureId} is the baseline itself`, { hint: 'compare a later capture with it' });
      }
      if (baseId !== undefined) return compareCaptures(store, base, current, sectionOptions);
      // The baseline is one per target, whatever its kind: one of another kind may share nothing with this capture.
      return compareCaptures(store, base, current, sectionOptions).catch((e: unknown) => {
        if (!isLeakbarError(e, 'unsupported')) throw e;
        throw new LeakbarError('unsupported', `the baseline of ${current.targetId}, ${base.id}, is a ${base.kind} capture: it has nothing to compare with ${captureId} (${current.kind})`, {
          hint: `name a ${current.kind} or bundle capture to compare with (leakbar report --base ID; leakbar captures lists them), or mark one as the baseline`,
          cause: e,
        });
      });
    },

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    startOvernight: (o) => overnight.start(o),
    stopOvernight: (targetId, o) => overnight.stop(targetId, o),
    overnightStatus: (targetId) => overnight.status(targetId),

    async close() {
      await overnight.close();
      for (const r of running.values()) if (!r.controller.signal.aborted) r.controller.abort(cancelledError(r.progress.kind, r.targetName));
    },
  };

  const overnight = createOvernightRunner({ service, now, onChange: options.onOvernightChange });
  return service;
}
