/**
 * The engine behind the API contract: one watcher, history and alert state per target, the capture
 * service, and one live event stream. The desktop app (over IPC) and `leakbar serve` (over HTTP)
 * both hand calls straight to this.
 */
import { basename, join } from 'node:path';
import type { ApiEvent, ApiInput, History, LeakbarApi, TargetInput, TargetSummary } from '../shared/api.js';
import { describeError, LeakbarError } from '../shared/errors.js';
import { DEFAULT_FD_PATTERNS, DEFAULT_PPROF_URL, type TargetConfig } from '../shared/types.js';
import type { Alert, AlertEvent, DetectorSettings } from '../shared/alerts.js';
import type { SettingsPort } from '../shared/settings.js';
import type { FdBreakdown } from '../shared/types.js';
import { DAY_MS, formatCount } from '../shared/units.js';
import { carryOverAlerts, createAlertEngine, createAlertState, liveAlerts, step as stepAlerts, type AlertEngine, type StepExtras } from '../analysis/detectors/index.js';
import type { CaptureKind, CaptureMeta } from '../shared/captures.js';
import { createCaptureService, createCaptureStore, reportHtml, reportMarkdown, type CaptureService, type RetentionOptions } from './captures/index.js';
import type { Collectors } from '../collectors/types.js';
import type { WatcherStatus } from '../shared/status.js';
import { createCollectors } from '../collectors/index.js';
import { slugify } from './data-dir.js';
import { findingFor, type AlertFinding } from './alert-findings.js';
import { downsampleForDrawing } from './downsample.js';
import { openSeriesStore, type SeriesStore, type UnwrittenLines } from './series-store.js';
import { adoptRecorderAlerts, alertActionsReader, readOpenStoredAlerts, requestAlertAction, storedAlertsReader, takeOverAlerts, type AlertActionRequest, type Reconciled } from './recorder-alerts.js';
import { autoCaptureGapMs, dropPatched, fixedPaths, openSettingsFile, overlaySettings, overridesFromOptions, settingsChanges } from './settings-file.js';
import { patchTargetConfig } from './target-patch.js';
import { Watcher, type Cadences } from './watcher.js';

/** Options for {@link createService}. */
export interface ServiceOptions {
  /** Where history and captures live. */
  dataDir: string;
  /** Targets to watch from the start. */
  targets?: TargetInput[];
  /** @default createCollectors() for this platform */
  collectors?: Collectors;
  /** Fixed cadences; they win over the settings' (until `setSettings` changes that field). @default the settings' */
  cadences?: Partial<Cadences>;
  /** Fixed leak detector lines and windows (`leakbar watch --alerts`); they win over the settings' like `cadences`. @default the settings' */
  detectorSettings?: DetectorSettings;
  /** Where settings live: the desktop app passes its store (the same file). @default `<dataDir>/settings.json` ({@link openSettingsFile}) */
  settings?: SettingsPort;
  /** Keep history on disk under dataDir (captures always go there). @default true */
  persist?: boolean;
  /** Capture retention per target; `maxBytes` wins over the settings' `retention.maxCaptureBytes` (the age limit is always the settings' `captureDays`). @default 50 captures, the settings' bytes */
  retention?: Omit<RetentionOptions, 'maxAgeMs'>;
  /** The least time between two automatic captures of one kind for one target (Infinity: none). @default the settings' `autoCapture` */
  autoCaptureGapMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** How much recent history is replayed into the detectors at start, so growth windows survive a restart. */
const REPLAY_MS = 30 * 60_000;
/** How often history and captures past the settings' retention are dropped while the engine runs. */
const RETENTION_EVERY_MS = 60 * 60_000;

/** A target's history changed hands: this engine records it now, or another process does (see series-store.ts). */
export interface RecordingChange {
  targetId: string;
  name: string;
  /** Whether this engine records the target's history (and takes its automatic captures). */
  recording: boolean;
  /** The process recording it instead, when known (while `recording` is false). */
  recordedBy: number | null;
  /** Why this engine does not record it, as its `store` status says (while `recording` is false). */
  reason: string | null;
}

/** The engine as the API contract describes it, plus a way to shut it down. */
export interface LeakbarService extends LeakbarApi {
  /** Hears true when an overnight test starts and false when the last one ends (the desktop app keeps the machine awake between). */
  onOvernight(listener: (running: boolean) => void): () => void;
  /**
   * Hears each change of who records a target's history: another leakbar took it (or had it at start), or this engine
   * took it over. At once, it hears each target whose history another process records now.
   */
  onRecording(listener: (change: RecordingChange) => void): () => void;
  /** Stops every target; resolves with the history lines that could not be written (a disk still full), to be said. */
  close(): Promise<UnwrittenHistory[]>;
}

/** History lines of a target lost at close: its store could not write them (see {@link UnwrittenLines}). */
export interface UnwrittenHistory extends UnwrittenLines {
  targetId: string;
}

/** One line saying that a target's history lines are lost (the app and the commands say it at exit). */
export function unwrittenMessage(u: UnwrittenHistory): string {
  const lines = `${formatCount(u.lines)} line${u.lines === 1 ? '' : 's'}`;
  const why = u.error ? ` (${u.error.message})` : '';
  return `leakbar: ${lines} of ${u.targetId}'s history (${basename(u.path)}) could not be written before exit and are lost${why}`;
}

interface TargetRuntime {
  config: TargetConfig;
  watcher: Watcher;
  store: SeriesStore;
  alerts: AlertEngine;
  lastBreakdown: FdBreakdown | null;
  /** When each kind was last captured automatically. */
  autoCapturedMs: Map<CaptureKind, number>;
  /** The alerts (by key) whose automatic capture is under way. */
  capturingFor: Set<string>;
  unsubscribe: Array<() => void>;
  /** Whether its store recorded the history when last looked at (a change is told to {@link LeakbarService.onRecording}). */
  recording: boolean;
  /** While another process records the history: reads the alerts it stores, to go by them. */
  recorderAlerts: ReturnType<typeof storedAlertsReader> | null;
  /** A read of the recorder's alerts under way. */
  syncing: Promise<void> | null;
  /** While this engine records the history: reads the snoozes and acknowledgements readers ask of it. */
  actionRequests: ReturnType<typeof alertActionsReader> | null;
  /** A read of those requests under way. */
  requesting: Promise<void> | null;
}

/** Turns a person's target description into a config with a unique, path-safe id. */
export function targetConfigFrom(input: TargetInput, takenIds: ReadonlySet<string>): TargetConfig {
  const name = input.name ?? input.match ?? `pid ${input.pid}`;
  const base = input.id ?? slugify(input.name ?? input.match ?? `pid-${input.pid}`);
  let id = base;
  for (let i = 2; takenIds.has(id); i++) id = `${base.slice(0, 60)}-${i}`;
  return {
    id,
    name,
    selector: input.pid !== undefined ? { pid: input.pid } : { match: input.match! },
    pprofUrl: input.pprofUrl === undefined ? DEFAULT_PPROF_URL : input.pprofUrl,
    fdPatterns: input.fdPatterns ?? DEFAULT_FD_PATTERNS,
  };
}

/** Starts the engine: opens each target's history and starts its watcher. */
export async function createService(options: ServiceOptions): Promise<LeakbarService> {
  const collectors = options.collectors ?? createCollectors();
  const targets = new Map<string, TargetRuntime>();
  const listeners = new Set<(e: ApiEvent) => void>();
  const emit = (e: ApiEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  };

  function runtime(targetId: string): TargetRuntime {
    const t = targets.get(targetId);
    if (!t) throw new LeakbarError('not-found', `no target with id ${JSON.stringify(targetId)}`, { hint: 'list the targets to see their ids' });
    return t;
  }

  // The settings in force: the stored ones with the explicit options laid over them (settings-file.ts).
  const ownSettingsFile = options.settings ? null : openSettingsFile(options.dataDir);
  const settingsPort: SettingsPort = options.settings ?? ownSettingsFile!;
  let overrides = overridesFromOptions(options);
  let applied = overlaySettings(settingsPort.get(), overrides);
  const now = options.now ?? Date.now;
  /** Read at every capture and every retention pass, so a retention change applies to the next one. */
  const retention: RetentionOptions = { ...options.retention };
  /** While the settings are defaults standing in for a file that could not be used, retention deletes nothing. */
  const retentionHeld = () => settingsPort.retentionHeld === true;
  let held = false;
  /** Lays the settings' limits (or none, while held) into `retention`; true when the hold began or ended. */
  function syncRetention(): boolean {
    const was = held;
    held = retentionHeld();
    retention.maxBytes = held ? Number.POSITIVE_INFINITY : applied.retention.maxCaptureBytes;
    retention.maxAgeMs = held ? Number.POSITIVE_INFINITY : applied.retention.captureDays * DAY_MS;
    if (held) retention.maxCaptures = Number.POSITIVE_INFINITY;
    else if (options.retention?.maxCaptures !== undefined) retention.maxCaptures = options.retention.maxCaptures;
    else delete retention.maxCaptures;
    return was !== held;
  }
  syncRetention();
  const historyMs = () => (retentionHeld() ? Number.POSITIVE_INFINITY : applied.retention.historyDays * DAY_MS);
  // Nothing on disk without persist: the capture folder is neither made nor cleaned (a capture asked for makes it).
  const captureStore = await createCaptureStore(options.dataDir, { retention, now, open: options.persist !== false });
  const overnightListeners = new Set<(running: boolean) => void>();
  const overnightTargets = new Set<string>();
  const captures: CaptureService = createCaptureService({
    store: captureStore,
    collectors,
    onOvernightChange: (active, targetId) => {
      const before = overnightTargets.size > 0;
      if (active) overnightTargets.add(targetId);
      else overnightTargets.delete(targetId);
      emit({ type: 'overnight', targetId, active });
      const now = overnightTargets.size > 0;
      if (now !== before) for (const l of overnightListeners) l(now);
    },
    retention,
    keepIds: openAlertCaptures,
    onEvent: (e) => {
      if (e.type !== 'capture-done') return emit(e);
      captureStore.dir(e.capture.id).then(
        (dir) => emit({ ...e, capture: { ...e.capture, dir } }),
        () => emit(e),
      );
    },
  });

  /** A capture's metadata with the folder it lives in, so a UI can say where it went. */
  async function located(meta: CaptureMeta): Promise<CaptureMeta> {
    return { ...meta, dir: await captureStore.dir(meta.id) };
  }

  async function capture(rt: TargetRuntime, kind: CaptureKind, extra: { seconds?: number; alertKey?: string }) {
    const status = rt.watcher.status();
    return located(await captures.capture({ target: rt.config, pid: status.pid, kind, figures: status.lastSample, ...extra }));
  }

  /**
   * The captures an open alert of the target points to (the one taken when it fired, which its finding names): retention
   * keeps them while the alert is open, however old, as it keeps the alert. The stored alerts reach back past this
   * engine's start (an alert a person snoozed, left open); the live ones carry the finding that came in last.
   */
  function openAlertCaptures(targetId: string): string[] {
    const rt = targets.get(targetId);
    if (!rt) return [];
    const ids = new Set<string>();
    for (const a of [...rt.store.alerts(), ...rt.alerts.live().map(decorate)]) if (a.state !== 'resolved' && a.captureId) ids.add(a.captureId);
    return [...ids];
  }

  /** An alert that fired with a suggested capture takes one, kept with the alert, unless one was taken lately. */
  /** Automatic captures under way: close() waits for them, so none is cut off halfway. */
  const inflight = new Set<Promise<unknown>>();

  function autoCapture(rt: TargetRuntime, alert: Alert): void {
    const kind: CaptureKind | null = alert.suggestedCapture === 'fds' ? 'system' : alert.suggestedCapture;
    if (!kind) return;
    // While another leakbar records this history it takes the captures of its alerts (this one goes by them).
    if (!rt.store.recording()) return;
    const gapMs = autoCaptureGapMs(applied);
    if (gapMs === Number.POSITIVE_INFINITY) return; // automatic captures are off
    const last = rt.autoCapturedMs.get(kind);
    if (last !== undefined && now() - last < gapMs) return;
    if (kind !== 'system' && !rt.config.pprofUrl) return;
    // One at a time for an alert: its figure stays outgrown until the capture taken again is in.
    if (rt.capturingFor.has(alert.key)) return;
    rt.capturingFor.add(alert.key);
    rt.autoCapturedMs.set(kind, now());
    // Failures reach listeners as capture-failed events; the watcher goes on either way.
    const done = capture(rt, kind, { alertKey: alert.key })
      .then(async (meta) => {
        keepFinding(rt.config.id, alert.id, { ...(await findingFor(captureStore, meta, await captureStore.list(rt.config.id))), value: alert.value });
        // The alert it was taken for, as it is now (resolved meanwhile, it still gets its capture on record).
        const latest = rt.alerts.state.alerts[alert.key];
        if (latest?.id === alert.id) alertChange(rt, 'updated', latest);
      })
      .catch((e: unknown) => {
        // Said with the alert (the capture-failed event says it to whoever listens for captures): else the alert
        // would simply have no capture and no finding, and nobody would know why.
        captureErrors.set(findingKey(rt.config.id, alert.id), describeError(e));
        if (captureErrors.size > 1000) captureErrors.delete(captureErrors.keys().next().value!);
        const latest = rt.alerts.state.alerts[alert.key];
        if (latest?.id === alert.id) alertChange(rt, 'updated', latest);
      })
      .finally(() => {
        rt.capturingFor.delete(alert.key);
        inflight.delete(done);
      });
    inflight.add(done);
  }

  /**
   * What each alert's capture showed, by target and alert id (one occurrence: a later alert of the same condition, or
   * the same condition on another target, has a capture of its own): merged into every version of it handed out.
   */
  const findings = new Map<string, AlertFinding & { value: number }>();
  const findingKey = (targetId: string, alertId: string) => `${targetId}\0${alertId}`;
  /** Why an alert's last automatic capture failed, by target and alert id, until one succeeds. */
  const captureErrors = new Map<string, string>();
  function keepFinding(targetId: string, alertId: string, f: AlertFinding & { value: number }): void {
    captureErrors.delete(findingKey(targetId, alertId));
    findings.set(findingKey(targetId, alertId), f);
    // An all-day process: the oldest go first (an alert's own versions carry its capture once written).
    if (findings.size > 1000) findings.delete(findings.keys().next().value!);
  }
  const decorate = (alert: Alert): Alert => {
    const failed = captureErrors.get(findingKey(alert.targetId, alert.id));
    const withError = failed === undefined ? alert : { ...alert, captureError: failed };
    const f = findings.get(findingKey(alert.targetId, alert.id));
    if (!f) return withError;
    // A finding taken again that shows nothing clear leaves no older one beside the new capture.
    const { finding: _older, ...rest } = withError;
    return { ...rest, captureId: f.captureId, captureValue: f.value, ...(f.finding ? { finding: f.finding } : {}) };
  };

  /**
   * Whether an alert's capture is to be taken again: its figure has at least doubled since (an FD count of 2,000 where
   * the finding spoke of 1,000), while the user is still to act on it (firing or acknowledged, not snoozed).
   */
  const findingOutgrown = (a: Alert): boolean =>
    (a.state === 'firing' || a.state === 'acknowledged') && a.captureValue !== undefined && a.captureValue > 0 && a.value >= 2 * a.captureValue;

  function alertChange(rt: TargetRuntime, change: AlertEvent['type'] | 'snoozed' | 'acknowledged', alert: Alert, previousId?: string): void {
    const full = decorate(alert);
    rt.store.putAlert(full);
    emit({ type: 'alert', targetId: rt.config.id, change, alert: full, ...(previousId !== undefined && previousId !== alert.id ? { previousId } : {}) });
  }

  /** Runs the detectors over a new sample, with the FD breakdown when a fresh one came since the last step. */
  function detect(rt: TargetRuntime, sample: Parameters<AlertEngine['step']>[0], status: WatcherStatus): void {
    const extras: StepExtras = {};
    if (sample.leakedGoroutines !== undefined) extras.goroutineLeakCount = sample.leakedGoroutines;
    const fdb = status.fdBreakdown;
    if (fdb && fdb !== rt.lastBreakdown) {
      extras.fdBreakdown = fdb;
      rt.lastBreakdown = fdb;
    }
    for (const e of rt.alerts.step(sample, extras)) {
      alertChange(rt, e.type, e.alert);
      if (e.type === 'fired') autoCapture(rt, e.alert);
    }
    for (const a of rt.alerts.live()) if (findingOutgrown(decorate(a))) autoCapture(rt, a);
  }

  async function addTarget(input: TargetInput): Promise<TargetSummary> {
    const config = targetConfigFrom(input, new Set(targets.keys()));
    let rt: TargetRuntime | null = null;
    const store = await openSeriesStore(options.persist === false ? null : join(options.dataDir, 'targets', config.id), {
      historyMs: historyMs(),
      now,
      // Another leakbar recorded this history until now: its open alerts and this engine's become one per condition.
      onTakeOver: () => (rt ? tookOver(rt) : undefined),
    });
    // Replay recent history silently: the detectors' windows fill again, nothing already told is told twice. Then the
    // alerts still open on disk from the last run go on where the replay finds them holding, and are closed where not.
    const engineOptions = { targetId: config.id, settings: applied.detectors, platform: collectors.platform };
    const recent = store.samples();
    const since = (recent.at(-1)?.timeMs ?? 0) - REPLAY_MS;
    let replayed = createAlertState(engineOptions);
    for (const s of recent) if (s.timeMs >= since) replayed = stepAlerts(replayed, s).state;
    const lastMs = recent.at(-1)?.timeMs;
    const carried = carryOverAlerts(
      replayed,
      store.alerts().filter((a) => a.state !== 'resolved'),
      { historyIsRecent: lastMs !== undefined && now() - lastMs <= REPLAY_MS },
    );
    // While another process records this history, its alerts are its own to close: this one goes by them, and
    // reconciles them with its own when it takes over.
    const recording = store.recording();
    if (recording) for (const a of [...carried.kept, ...carried.closed]) store.putAlert(a);
    const alerts = createAlertEngine(engineOptions, carried.state);
    rt = {
      config,
      watcher: newWatcher(config, store),
      store,
      alerts,
      lastBreakdown: null,
      autoCapturedMs: new Map(),
      capturingFor: new Set(),
      unsubscribe: [],
      recording: true,
      recorderAlerts: store.dir === null ? null : storedAlertsReader(store.dir),
      syncing: null,
      actionRequests: store.dir === null ? null : alertActionsReader(store.dir),
      requesting: null,
    };
    // Requests already there were for an earlier recorder: a first look moves past them.
    carryOutRequests(rt);
    targets.set(config.id, rt);
    noteRecording(rt);
    await startWatcher(rt);
    // Its captures past the retention go now, not at the next hourly pass.
    if (options.persist !== false) void captureStore.applyRetention(config.id, { ...retention, keepIds: openAlertCaptures(config.id) }).catch(() => {});
    return summary(rt);
  }

  function newWatcher(config: TargetConfig, store: SeriesStore): Watcher {
    return new Watcher({ target: config, collectors, store, cadences: applied.cadences, ...(options.now ? { now: options.now } : {}) });
  }

  async function startWatcher(rt: TargetRuntime): Promise<void> {
    const { watcher, config } = rt;
    rt.unsubscribe.push(
      watcher.onSample((sample) => {
        emit({ type: 'sample', targetId: config.id, sample });
        const status = watcher.status();
        detect(rt, sample, status);
        noteRecording(rt);
        if (!rt.recording) syncWithRecorder(rt);
        carryOutRequests(rt);
        emit({ type: 'status', targetId: config.id, status });
      }),
      watcher.onEvent((event) => {
        // A process given by PID does not come back: what is open about it ends with it (a matched one's successor
        // ends them as a restart, in the engine).
        if ('pid' in config.selector && event.type === 'status' && event.source === 'target' && event.code === 'no-such-process') {
          for (const e of rt.alerts.endWithProcess(config.selector.pid, event.timeMs)) alertChange(rt, e.type, e.alert);
        }
        emit({ type: 'watch', targetId: config.id, event });
      }),
    );
    await watcher.start();
  }

  const recordingListeners = new Set<(change: RecordingChange) => void>();
  function recordingChange(rt: TargetRuntime): RecordingChange {
    const recording = rt.store.recording();
    return { targetId: rt.config.id, name: rt.config.name, recording, recordedBy: rt.store.recordedBy(), reason: recording ? null : (rt.store.writeError()?.message ?? null) };
  }
  /** Tells the listeners when the target's store stopped or started recording since last looked at. */
  function noteRecording(rt: TargetRuntime): void {
    const change = recordingChange(rt);
    if (change.recording === rt.recording) return;
    rt.recording = change.recording;
    for (const l of recordingListeners) {
      try {
        l(change);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  /** Lays a reconciliation with the recorder's alerts into the target's engine and history, telling what changed. */
  function applyReconciled(rt: TargetRuntime, r: Reconciled): void {
    // Each condition's alert until now, so a change of id is said with the id it replaces.
    const before = new Map(liveAlerts(rt.alerts.state).map((a) => [a.key, a.id]));
    rt.alerts = createAlertEngine({ targetId: rt.config.id }, r.state);
    // The engine's own alert of a condition the recorder had open never goes on record: the recorder's goes on.
    for (const id of r.superseded) rt.store.dropUnrecordedAlert(id);
    for (const a of r.closed) rt.store.putAlert(a);
    for (const a of r.changed) alertChange(rt, 'updated', a, before.get(a.key));
  }

  /**
   * While another process records the target's history, its alerts are the ones stored: at each sample (when
   * alerts.jsonl changed) this engine's alert of a condition the recorder has open goes on as the recorder's (its id,
   * first time, capture and finding, snooze or acknowledgement), so both show one alert. One read at a time.
   */
  function syncWithRecorder(rt: TargetRuntime): void {
    const reader = rt.recorderAlerts;
    if (!reader || rt.syncing) return;
    const run = reader
      .readIfChanged()
      .then((stored) => {
        // Taken over meanwhile (the takeover reconciled everything), or no longer watched.
        if (!stored || rt.store.recording() || targets.get(rt.config.id) !== rt) return;
        const r = adoptRecorderAlerts(rt.alerts.state, stored);
        if (r.changed.length > 0 || r.superseded.length > 0) applyReconciled(rt, r);
      })
      .catch(() => {})
      .finally(() => {
        rt.syncing = null;
      });
    rt.syncing = run;
  }

  /**
   * The store took the history over from another process, before the alerts changed here meanwhile are written: the
   * alerts that process left open and this engine's become one per condition, as at a start (no second alert, no
   * second notice or capture); those this engine does not find holding are closed.
   */
  async function tookOver(rt: TargetRuntime): Promise<void> {
    await rt.syncing;
    const dir = rt.store.dir;
    const stored = dir === null ? null : await readOpenStoredAlerts(dir).catch(() => null);
    if (stored) {
      applyReconciled(rt, takeOverAlerts(rt.alerts.state, stored, `Closed when leakbar (pid ${process.pid}) took over recording this history: it did not find it still holding.`));
      // An alert that fired here while the other process recorded, of a condition it did not have open, took no capture: it takes one now.
      const theirs = new Set(stored.map((a) => a.key));
      for (const a of rt.alerts.live().map(decorate)) if (a.state === 'firing' && !theirs.has(a.key) && a.captureId === undefined) autoCapture(rt, a);
    }
    noteRecording(rt);
  }

  const restarts = new WeakMap<TargetRuntime, Promise<unknown>>();
  /** Stops a target's watcher and starts a new one on `next(config)` (same id, history and alert state); one restart at a time per target. */
  function restartWatcher(rt: TargetRuntime, next: (current: TargetConfig) => TargetConfig): Promise<void> {
    const run = async () => {
      const config = next(rt.config);
      await rt.watcher.stop();
      for (const u of rt.unsubscribe.splice(0)) u();
      rt.config = config;
      if (targets.get(config.id) !== rt) return; // removed (or the service closed) meanwhile
      rt.watcher = newWatcher(config, rt.store);
      await startWatcher(rt);
      emit({ type: 'status', targetId: config.id, status: rt.watcher.status() });
    };
    const done = (restarts.get(rt) ?? Promise.resolve()).then(run);
    restarts.set(rt, done.catch(() => {}));
    return done;
  }

  function summary(rt: TargetRuntime): TargetSummary {
    return { target: rt.config, status: rt.watcher.status(), openAlerts: rt.alerts.live().length };
  }

  /** Finds the target whose alert engine knows `alertId` (an alert's id or its key). */
  function alertOwner(alertId: string): { rt: TargetRuntime; key: string } {
    for (const rt of targets.values()) {
      const a = rt.alerts.live().find((x) => x.id === alertId || x.key === alertId);
      if (a) return { rt, key: a.key };
    }
    throw new LeakbarError('not-found', `no open alert with id ${JSON.stringify(alertId)}`, { hint: 'it may have resolved already' });
  }

  type AlertActionAsked = Pick<AlertActionRequest, 'action' | 'untilMs'>;

  /** Snoozes or acknowledges the target's alert of condition `key` in its engine, telling the change; the alert as now. */
  function applyAlertAction(rt: TargetRuntime, key: string, asked: AlertActionAsked, name = `the alert of ${key}`): Alert | LeakbarError {
    const r = asked.action === 'snoozed' ? rt.alerts.snooze(key, asked.untilMs ?? Number.NaN) : rt.alerts.acknowledge(key);
    if (!r.ok) return r.error;
    for (const e of r.events) alertChange(rt, e.type, e.alert);
    const alert = rt.alerts.live().find((a) => a.key === key);
    if (!alert) return new LeakbarError('not-found', `${name} is no longer open`);
    alertChange(rt, asked.action, alert);
    return alert;
  }

  async function alertAction(alertId: string, asked: AlertActionAsked): Promise<Alert> {
    const { rt, key } = alertOwner(alertId);
    // While another leakbar records this history, it alone writes the alerts: it is asked to do the same, or its next
    // write of this alert would undo the change here, and a restart would lose it.
    const dir = rt.store.dir;
    if (dir !== null && !rt.store.recording()) {
      const who = rt.store.recordedBy();
      await requestAlertAction(dir, { ...asked, key, timeMs: Date.now(), pid: process.pid }).catch((e: unknown) => {
        throw new LeakbarError('io-error', `cannot ask the leakbar that records this history${who === null ? '' : ` (pid ${who})`} to do the same: ${(e as Error).message}`, {
          hint: 'check the data folder’s permissions',
          cause: e,
        });
      });
    }
    const alert = applyAlertAction(rt, key, asked, `alert ${alertId}`);
    if (alert instanceof LeakbarError) throw alert;
    return decorate(alert);
  }

  /**
   * While this engine records the history, carries out the snoozes and acknowledgements readers asked of it (see
   * requestAlertAction) since it last looked; while it does not, moves past them. One read at a time.
   */
  function carryOutRequests(rt: TargetRuntime): void {
    const reader = rt.actionRequests;
    if (!reader || rt.requesting) return;
    rt.requesting = reader
      .readNew(rt.store.recording())
      .then((requests) => {
        if (targets.get(rt.config.id) !== rt) return;
        for (const r of requests) {
          const live = rt.alerts.live().find((a) => a.key === r.key);
          // Done already (the reader asked twice, or this one was told alike), or nothing left to acknowledge.
          if (r.action === 'acknowledged' ? live?.state !== 'firing' && live?.state !== 'snoozed' : live?.state === 'snoozed' && live.snoozedUntilMs === r.untilMs) continue;
          applyAlertAction(rt, r.key, r);
        }
      })
      .catch(() => {})
      .finally(() => {
        rt.requesting = null;
      });
  }

  async function stopTarget(rt: TargetRuntime): Promise<UnwrittenHistory[]> {
    // Stop first, then stop listening: a tick under way at stop is stored, so it is also told.
    await rt.watcher.stop();
    for (const u of rt.unsubscribe) u();
    return (await rt.store.close()).map((u) => ({ ...u, targetId: rt.config.id }));
  }

  /**
   * Drops history and captures past the settings' retention: every watched target's history (its store compacts)
   * and its captures (never another target's: the data folder may be shared). Passes run one at a time; a pass asked
   * for while one runs is run once after it. Failures show in the stores' status; this never rejects.
   */
  let retentionPass: Promise<void> = Promise.resolve();
  let retentionQueued = false;
  let closing = false;
  function applyRetention(): Promise<void> {
    if (retentionQueued || closing) return retentionPass;
    retentionQueued = true;
    retentionPass = retentionPass.then(async () => {
      retentionQueued = false;
      if (closing) return;
      for (const rt of targets.values()) {
        rt.store.setHistoryMs(historyMs());
        await rt.store.compact();
      }
      // Only the captures of the targets this engine watches, and none when it keeps nothing on disk: another
      // process (the app, another `leakbar watch`) may share the data folder under settings of its own.
      if (options.persist === false) return;
      for (const id of [...targets.keys()]) await captureStore.applyRetention(id, { ...retention, keepIds: openAlertCaptures(id) }).catch(() => {});
    }).catch(() => {});
    return retentionPass;
  }

  /**
   * Lays the stored settings under the start-up options again and applies what changed: detector lines go live at
   * once, new cadences restart the watchers, a retention change drops what it no longer keeps. For this engine's own
   * `setSettings` and for a change another process saved (the port's `onChange`); one at a time, each on the latest.
   */
  let settingsApplying: Promise<void> = Promise.resolve();
  function applyStoredSettings(): Promise<void> {
    const run = settingsApplying.then(async () => {
      if (closing) return;
      const before = applied;
      applied = overlaySettings(settingsPort.get(), overrides);
      const changed = settingsChanges(before, applied);
      if (syncRetention() || changed.retention) void applyRetention();
      if (changed.detectors) for (const rt of targets.values()) rt.alerts.reconfigure(applied.detectors);
      if (changed.cadences) await Promise.all([...targets.values()].map((rt) => restartWatcher(rt, (config) => config)));
    });
    settingsApplying = run.catch(() => {});
    return run;
  }

  for (const t of options.targets ?? []) await addTarget(t);
  // History is trimmed as each store opens; the captures of a target that took none lately go here.
  void applyRetention();
  const retentionTimer = setInterval(() => void applyRetention(), RETENTION_EVERY_MS);
  retentionTimer.unref();
  const unwatchSettings = settingsPort.onChange?.(() => void applyStoredSettings().catch(() => {}));

  const api: LeakbarService = {
    async listTargets() {
      return [...targets.values()].map(summary);
    },
    addTarget: (input) => addTarget(input as TargetInput),
    async removeTarget({ targetId }) {
      const rt = targets.get(targetId);
      if (!rt) return { removed: false };
      targets.delete(targetId);
      await stopTarget(rt);
      return { removed: true };
    },
    async updateTarget({ targetId, patch }) {
      const rt = runtime(targetId);
      await restartWatcher(rt, (config) => patchTargetConfig(config, patch));
      return summary(rt);
    },
    getSettings: async () => overlaySettings(settingsPort.get(), overrides),
    async setSettings({ patch }) {
      const r = settingsPort.set(patch);
      if (!r.ok) return { ok: false, problems: r.problems };
      overrides = dropPatched(overrides, patch);
      await applyStoredSettings();
      return { ok: true, settings: applied };
    },
    fixedSettings: async () => ({ paths: fixedPaths(overrides) }),
    settingsNotes: async () => ({ notes: settingsPort.notes?.() ?? [] }),
    async status({ targetId }) {
      return runtime(targetId).watcher.status();
    },
    async history({ targetId, fromMs, toMs, maxPoints }: ApiInput<'history'>): Promise<History> {
      const rt = runtime(targetId);
      const all = rt.store.samples(fromMs, toMs);
      const samples = maxPoints ? downsampleForDrawing(all, maxPoints) : all;
      const lo = fromMs ?? -Infinity;
      const hi = toMs ?? Infinity;
      const shots = (await captureStore.list(targetId)).filter((c) => c.startedMs >= lo && c.startedMs <= hi);
      return { samples, events: rt.store.events(fromMs, toMs), alerts: rt.store.alerts(fromMs, toMs), captures: shots, downsampled: samples.length < all.length };
    },
    async alerts({ targetId }) {
      const rts = targetId ? [runtime(targetId)] : [...targets.values()];
      return rts.flatMap((rt) => rt.alerts.live().map(decorate));
    },
    async snoozeAlert({ alertId, untilMs }) {
      return alertAction(alertId, { action: 'snoozed', untilMs });
    },
    async acknowledgeAlert({ alertId }) {
      return alertAction(alertId, { action: 'acknowledged' });
    },
    // As `leakbar captures` lists them: a file deleted by hand is marked missing, not given meta.json's size.
    listCaptures: async ({ targetId }) => Promise.all((await captureStore.list(targetId)).map((c) => captureStore.onDisk(c))),
    startCapture: ({ targetId, kind, seconds }) => capture(runtime(targetId), kind, seconds === undefined ? {} : { seconds }),
    cancelCapture: async ({ targetId, kind }) => ({ cancelled: captures.cancel(targetId, kind) }),
    getCapture: async ({ captureId }) => captureStore.onDisk(await captureStore.get(captureId)),
    markBaseline: ({ captureId }) => captureStore.markBaseline(captureId),
    setPinned: ({ captureId, pinned }) => captureStore.setPinned(captureId, pinned),
    compare: ({ captureId, baseId }) => captures.compare(captureId, baseId),
    readCaptureFile: ({ captureId, name }) => captureStore.readFile(captureId, name),
    startOvernight: ({ targetId, intervalMs, includeCpu }) => {
      const rt = runtime(targetId);
      return captures.startOvernight({
        target: rt.config,
        pid: () => rt.watcher.status().pid,
        figures: () => rt.watcher.status().lastSample,
        markBaseline: 'if-none', // the bundle becomes the baseline unless the target already has one a person chose
        ...(intervalMs === undefined ? {} : { intervalMs }),
        ...(includeCpu === undefined ? {} : { includeCpu }),
      });
    },
    overnightStatus: async ({ targetId }) => captures.overnightStatus(runtime(targetId).config.id),
    async stopOvernight({ targetId }) {
      const rt = runtime(targetId);
      const started = captures.overnightStatus(targetId);
      if (!started) throw new LeakbarError('not-found', `no overnight test is running for ${targetId}`, { hint: 'start one first' });
      const report = await captures.stopOvernight(targetId, { samples: rt.store.samples(started.startedMs) });
      return { title: report.title, markdown: reportMarkdown(report), html: reportHtml(report) };
    },
    onOvernight(listener) {
      overnightListeners.add(listener);
      return () => overnightListeners.delete(listener);
    },
    onRecording(listener) {
      recordingListeners.add(listener);
      for (const rt of targets.values()) if (!rt.recording && !rt.store.recording()) listener(recordingChange(rt));
      return () => recordingListeners.delete(listener);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closing = true;
      clearInterval(retentionTimer);
      unwatchSettings?.();
      ownSettingsFile?.close();
      await settingsApplying;
      await retentionPass;
      const all = [...targets.values()];
      targets.clear();
      const unwritten = (await Promise.all(all.map(stopTarget))).flat();
      await Promise.allSettled([...inflight]);
      await captures.close();
      listeners.clear();
      recordingListeners.clear();
      return unwritten;
    },
  };
  return api;
}
