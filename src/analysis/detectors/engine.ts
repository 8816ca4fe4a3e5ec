/**
 * The alert engine: a pure, incremental reducer the watcher calls after each sample. It runs every detector over a bounded
 * history, keeps one alert per condition (fired once, updated while it lasts, resolved, then a cooldown), and honours
 * snooze and acknowledge. Time comes only from the samples, so replaying a day takes milliseconds.
 */
import {
  DEFAULT_DETECTOR_SETTINGS,
  GROWTH_FIGURES,
  type Alert,
  type AlertEvent,
  type DetectorSettings,
  type EvidencePoint,
  type GrowthFigure,
} from '../../shared/alerts.js';
import { LeakbarError } from '../../shared/errors.js';
import type { FdBreakdown, Sample } from '../../shared/types.js';
import { suggestedCaptureFor, type ActiveFinding, type Finding } from './findings.js';
import type { Latch } from './latch.js';
import { detectGoroutineLeakProfile, detectRepeatedFiles, detectRestart, type RestartMemory } from './patterns.js';
import { emptySeries, pushSample, windowPoints, type BucketSeries } from './series.js';
import { downsampleLttb, type Point } from './stats.js';
import { armedLatches, detectLatched, type LatchedCondition } from './thresholds.js';
import { detectFigureGrowth, detectPatternGrowth } from './trends.js';

/** What a tick brings besides the flat sample. Every field is optional: leave out what was not collected this tick. */
export interface StepExtras {
  /** The FD breakdown, when the collector ran it this tick (lsof is throttled): repeated files, path-pattern counts, FD limit. */
  fdBreakdown?: FdBreakdown;
  /** The number of goroutines in the runtime's `goroutineleak` profile, when fetched this tick. */
  goroutineLeakCount?: number;
}

/** The engine's whole state for one target. Plain JSON (it can be saved and restored); never mutated by the functions here. */
export interface AlertEngineState {
  targetId: string;
  /** `process.platform` of the watched machine, when known ('darwin' adds macOS advice). */
  platform: string | null;
  settings: DetectorSettings;
  /** Time and PID of the latest sample taken. */
  previous: { timeMs: number; pid: number } | null;
  /** Recent history of each growth figure (the growth window, in buckets). */
  series: Record<GrowthFigure, BucketSeries>;
  /** Recent history of each path pattern's FD count (the pattern window). */
  patterns: Record<string, BucketSeries>;
  latches: Record<LatchedCondition, Latch>;
  restart: RestartMemory | null;
  /** The latest alert of each condition, live or resolved (a resolved one holds the cooldown). */
  alerts: Record<string, Alert>;
  /** Snoozes by key, including keys with no live alert yet: sample time each ends. */
  snoozes: Record<string, number>;
  /** Cooldowns by key: sample time each condition may fire again after it resolved. */
  cooldowns: Record<string, number>;
  /** Sample time of the latest event per key (for the update throttle). */
  emittedMs: Record<string, number>;
}

/** What {@link step} returns: the next state and what happened to alerts, in order. */
export interface StepResult {
  state: AlertEngineState;
  events: AlertEvent[];
}

/** What {@link snooze} and {@link acknowledge} return: an expected failure resolves with a typed error, it is not thrown. */
export type AlertActionResult = { ok: true; state: AlertEngineState; events: AlertEvent[] } | { ok: false; error: LeakbarError };

/** Options of {@link createAlertState}. */
export interface AlertStateOptions {
  /** The watched target's id; every alert carries it. */
  targetId: string;
  /** @default DEFAULT_DETECTOR_SETTINGS */
  settings?: DetectorSettings;
  /** `process.platform` of the watched machine. @default null */
  platform?: string | null;
}

function emptyFigureSeries(settings: DetectorSettings): Record<GrowthFigure, BucketSeries> {
  const { windowMs, maxPoints } = settings.growth;
  const out = {} as Record<GrowthFigure, BucketSeries>;
  for (const f of GROWTH_FIGURES) out[f] = emptySeries(windowMs, maxPoints);
  return out;
}

/** A fresh state: no history, no alerts. */
export function createAlertState(options: AlertStateOptions): AlertEngineState {
  const settings = options.settings ?? DEFAULT_DETECTOR_SETTINGS;
  return {
    targetId: options.targetId,
    platform: options.platform ?? null,
    settings,
    previous: null,
    series: emptyFigureSeries(settings),
    patterns: {},
    latches: armedLatches(),
    restart: null,
    alerts: {},
    snoozes: {},
    cooldowns: {},
    emittedMs: {},
  };
}

/** New settings for a running state: alerts, snoozes and latches stay; history stays unless its windows changed. */
export function reconfigure(state: AlertEngineState, settings: DetectorSettings): AlertEngineState {
  const old = state.settings;
  const sameGrowth = old.growth.windowMs === settings.growth.windowMs && old.growth.maxPoints === settings.growth.maxPoints;
  const samePatterns = sameGrowth && old.fdPatterns.windowMs === settings.fdPatterns.windowMs;
  return {
    ...state,
    settings,
    series: sameGrowth ? state.series : emptyFigureSeries(settings),
    patterns: samePatterns ? state.patterns : {},
  };
}

/** True while an alert's condition lasts (firing, snoozed or acknowledged). */
export function isLive(alert: Alert | undefined): alert is Alert {
  return alert !== undefined && alert.state !== 'resolved';
}

const SEVERITY_RANK = { critical: 0, warning: 1 } as const;

/** Live alerts, critical first, then oldest first. */
export function liveAlerts(state: AlertEngineState): Alert[] {
  return Object.values(state.alerts)
    .filter(isLive)
    .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.firstMs - b.firstMs);
}

/** Mutable scratch of one step; `step` hands out only fresh objects. */
interface Tx {
  t: number;
  /** The sample's process, named in the next steps' commands. */
  pid: number;
  settings: DetectorSettings;
  targetId: string;
  alerts: Record<string, Alert>;
  snoozes: Record<string, number>;
  cooldowns: Record<string, number>;
  emittedMs: Record<string, number>;
  events: AlertEvent[];
  touched: Set<string>;
}

/** The scratch of one change at sample time `t` about process `pid`: fresh copies, with snoozes and cooldowns that ended by `t` dropped. */
function openTx(state: AlertEngineState, t: number, pid: number): Tx {
  const tx: Tx = {
    t,
    pid,
    settings: state.settings,
    targetId: state.targetId,
    alerts: { ...state.alerts },
    snoozes: {},
    cooldowns: {},
    emittedMs: { ...state.emittedMs },
    events: [],
    touched: new Set(),
  };
  for (const [key, until] of Object.entries(state.snoozes)) if (until > t) tx.snoozes[key] = until;
  for (const [key, until] of Object.entries(state.cooldowns)) if (until > t) tx.cooldowns[key] = until;
  return tx;
}

/** The next steps write commands with a PID placeholder (`lsof -p PID`, `/proc/PID/smaps`): put the process's own in. */
export function withPid(text: string, pid: number): string {
  return text.replace(/(-p |\/proc\/)PID\b/g, `$1${pid}`);
}

function emit(tx: Tx, type: AlertEvent['type'], alert: Alert): void {
  tx.events.push({ type, alert });
  tx.emittedMs[alert.key] = tx.t;
}

function appendEvidence(evidence: EvidencePoint[], point: Point | null, maxPoints: number): EvidencePoint[] {
  if (point === null) return evidence;
  const last = evidence[evidence.length - 1];
  if (last !== undefined && point[0] <= last[0]) return evidence;
  const next: EvidencePoint[] = [...evidence, [point[0], point[1]]];
  // Over the cap, halve: older evidence gets coarser, recent stays sharp; each step stays O(maxPoints).
  return next.length > maxPoints ? downsampleLttb(next, Math.ceil(maxPoints / 2)) : next;
}

/**
 * Alerts whose title says the condition as it fired ("Goroutines keep growing (+120/min)"): their updates keep it, and
 * the message carries the figures of each step. A title following the rate would end on the last, slowing one before it
 * resolved (+26.7/min), and the alert would read, on the timeline, as if it had fired at that.
 */
const TITLE_AS_FIRED: ReadonlySet<Alert['kind']> = new Set(['growth', 'fd-pattern-growth']);

/** What an alert takes from the finding that raised (or keeps) it; the next step's commands name the process (`lsof -p 4242`). */
function fromFinding(f: ActiveFinding, capture: Alert['suggestedCapture'], pid: number) {
  return {
    value: f.value,
    line: f.line,
    ratePerMinute: f.ratePerMinute,
    unit: f.unit,
    growth: f.growth,
    title: f.title,
    message: f.message,
    nextStep: withPid(f.nextStep, pid),
    suggestedCapture: capture,
  } satisfies Partial<Alert>;
}

function applyActive(tx: Tx, f: ActiveFinding): void {
  tx.touched.add(f.key);
  const existing = tx.alerts[f.key];
  const capture = suggestedCaptureFor(f.family, tx.settings);
  if (isLive(existing)) {
    const escalated = existing.severity === 'warning' && f.severity === 'critical';
    const alert: Alert = {
      ...existing,
      subject: f.subject,
      severity: f.severity,
      lastMs: tx.t,
      ...fromFinding(f, capture, tx.pid),
      ...(TITLE_AS_FIRED.has(existing.kind) ? { title: existing.title } : {}),
      evidence: appendEvidence(existing.evidence, f.point, tx.settings.evidenceMaxPoints),
    };
    const snoozeOver = alert.state === 'snoozed' && alert.snoozedUntilMs !== null && tx.t >= alert.snoozedUntilMs;
    // An acknowledged warning that turns critical is news again; a snooze is the user's to end.
    if (snoozeOver || (escalated && alert.state === 'acknowledged')) {
      // Fired again, it is told as it is now: its title with today's rate, not the one it had when first fired.
      tx.alerts[f.key] = { ...alert, title: fromFinding(f, capture, tx.pid).title ?? alert.title, state: 'firing', snoozedUntilMs: null };
      emit(tx, 'fired', tx.alerts[f.key]!);
      return;
    }
    tx.alerts[f.key] = alert;
    // Snoozed means quiet: the state keeps up, the events wait for the snooze to end.
    if (alert.state === 'snoozed') return;
    if (escalated || tx.t - (tx.emittedMs[f.key] ?? -Infinity) >= tx.settings.updateEveryMs) emit(tx, 'updated', alert);
    return;
  }
  const cooldownUntilMs = tx.cooldowns[f.key];
  if (cooldownUntilMs !== undefined && tx.t < cooldownUntilMs) return;
  const snoozedUntilMs = tx.snoozes[f.key];
  const snoozed = snoozedUntilMs !== undefined && tx.t < snoozedUntilMs;
  const alert: Alert = {
    id: `${f.key}@${tx.t}`,
    key: f.key,
    kind: f.kind,
    figure: f.figure,
    subject: f.subject,
    severity: f.severity,
    state: snoozed ? 'snoozed' : 'firing',
    targetId: tx.targetId,
    firstMs: tx.t,
    lastMs: tx.t,
    resolvedMs: null,
    snoozedUntilMs: snoozed ? snoozedUntilMs : null,
    ...fromFinding(f, capture, tx.pid),
    evidence: downsampleLttb(f.seed(), tx.settings.evidenceMaxPoints),
  };
  tx.alerts[f.key] = alert;
  // A condition that starts during a snooze stays quiet (no notice, no capture): it fires when the snooze ends, if it
  // still holds. It is told as an update all the same, so it is recorded snoozed, and a leakbar reading the history goes
  // by it (its snooze too) rather than firing one of its own.
  emit(tx, snoozed ? 'updated' : 'fired', alert);
}

/**
 * Ends the live alert `key`; `why.text` is added to its message, or `why.message` replaces it. Starts the cooldown only
 * when the condition itself ended: not when its process did (a new process leaking is news at once), nor when its rule
 * was turned off (turned on again, it may fire at once).
 */
function resolve(tx: Tx, key: string, why?: { cooldown: boolean; text?: string; message?: (alert: Alert) => string }): void {
  tx.touched.add(key);
  const existing = tx.alerts[key];
  if (!isLive(existing)) return;
  if (why?.cooldown !== false) tx.cooldowns[key] = tx.t + tx.settings.cooldownMs;
  const alert: Alert = {
    ...existing,
    state: 'resolved',
    resolvedMs: tx.t,
    lastMs: tx.t,
    snoozedUntilMs: null,
    message: why?.message ? why.message(existing) : why?.text ? `${existing.message} ${why.text}` : existing.message,
  };
  tx.alerts[key] = alert;
  emit(tx, 'resolved', alert);
}

/** Added to the message of an alert closed because its rule was turned off. */
export const RULE_OFF_NOTE = 'Closed: this alert was turned off in the settings.';

/** Whether the rule that raised `alert` is on in `settings`. */
function ruleIsOn(settings: DetectorSettings, alert: Alert): boolean {
  switch (alert.kind) {
    case 'threshold':
      return alert.figure in settings.thresholds ? settings.thresholds[alert.figure as keyof DetectorSettings['thresholds']].enabled : true;
    case 'fd-limit':
      return settings.thresholds.fdLimitRatio.enabled;
    case 'growth':
      return alert.figure in settings.growth.figures ? settings.growth.figures[alert.figure as GrowthFigure].enabled : true;
    case 'repeated-file':
      return settings.repeatedFiles.enabled;
    case 'fd-pattern-growth':
      return settings.fdPatterns.enabled;
    case 'restart':
      return settings.restart.enabled;
    case 'goroutine-leak-profile':
      return settings.goroutineLeakProfile.enabled;
    case 'rss-heap-gap':
      return settings.rssHeapGap.enabled;
  }
}

function apply(tx: Tx, finding: Finding | null): void {
  if (finding === null) return;
  if (finding.active) applyActive(tx, finding);
  else resolve(tx, finding.key, finding.ended ? { cooldown: true, message: finding.ended } : undefined);
}

/**
 * Runs every detector on one sample and returns the next state and the alert events. Pure: `state` is left as it was.
 * Samples must come in time order; one not later than the previous is ignored. Cost per call is bounded by the settings
 * (at most `growth.maxPoints` points per figure), never by how long the watch has run.
 */
export function step(state: AlertEngineState, sample: Sample, extras: StepExtras = {}): StepResult {
  const prev = state.previous;
  if (prev !== null && sample.timeMs <= prev.timeMs) return { state, events: [] };
  const settings = state.settings;
  const t = sample.timeMs;
  const tx = openTx(state, t, sample.pid);

  // A new PID is a new process: what was said of the old one is over, and its history starts again.
  const restarted = prev !== null && prev.pid !== sample.pid;
  let series = state.series;
  let patterns = state.patterns;
  let latches = state.latches;
  if (restarted) {
    for (const alert of Object.values(state.alerts)) {
      if (isLive(alert) && alert.kind !== 'restart') resolve(tx, alert.key, { cooldown: false, text: `It ended with the process (PID ${prev.pid}).` });
    }
    tx.cooldowns = {};
    series = emptyFigureSeries(settings);
    patterns = {};
    latches = armedLatches();
  }
  const restart = detectRestart(state.restart, prev, sample, settings);
  apply(tx, restart.finding);

  const breakdown = extras.fdBreakdown;
  const fds = sample.fds ?? breakdown?.total;
  const fdLimit = sample.fdLimit ?? breakdown?.limit ?? undefined;
  const nextSeries = { ...series };
  for (const figure of GROWTH_FIGURES) {
    const value = figure === 'fds' ? fds : sample[figure];
    if (value !== undefined && Number.isFinite(value)) nextSeries[figure] = pushSample(series[figure], t, value);
  }

  const latched = detectLatched(
    latches,
    {
      sample,
      fds,
      fdLimit,
      platform: state.platform,
      history: (figure) => windowPoints(nextSeries[figure]).points,
    },
    settings,
  );
  for (const f of latched.findings) apply(tx, f);

  for (const figure of GROWTH_FIGURES) {
    if (!settings.growth.figures[figure].enabled) continue;
    // Only a figure sampled this tick is judged: a missing collector holds its alert as it is.
    if (nextSeries[figure] === series[figure]) continue;
    apply(tx, detectFigureGrowth(figure, nextSeries[figure], settings, isLive(tx.alerts[`growth:${figure}`])));
  }

  let nextPatterns = patterns;
  if (breakdown !== undefined) {
    nextPatterns = {};
    const { windowMs } = settings.fdPatterns;
    for (const { pattern, count } of breakdown.patterns) {
      const s = pushSample(patterns[pattern] ?? emptySeries(windowMs, settings.growth.maxPoints), t, count);
      nextPatterns[pattern] = s;
      if (settings.fdPatterns.enabled) {
        apply(tx, detectPatternGrowth(pattern, s, settings, isLive(tx.alerts[`fd-pattern-growth:fdPattern:${pattern}`])));
      }
    }
    // A pattern no longer counted (the settings changed) has no open alert to keep.
    for (const alert of Object.values(tx.alerts)) {
      if (isLive(alert) && alert.kind === 'fd-pattern-growth' && alert.subject !== null && !(alert.subject in nextPatterns)) resolve(tx, alert.key);
    }
    if (settings.repeatedFiles.enabled) apply(tx, detectRepeatedFiles(breakdown, settings, t));
  }

  if (extras.goroutineLeakCount !== undefined && settings.goroutineLeakProfile.enabled) {
    apply(tx, detectGoroutineLeakProfile(extras.goroutineLeakCount, t));
  }

  // A rule turned off judges nothing more: its open alert would stay open for good.
  for (const alert of Object.values(tx.alerts)) {
    if (isLive(alert) && !ruleIsOn(settings, alert)) resolve(tx, alert.key, { cooldown: false, text: RULE_OFF_NOTE });
  }

  // Snoozes that ended on alerts no detector spoke of this step (data missing): the condition still holds, so tell again.
  for (const alert of Object.values(tx.alerts)) {
    if (alert.state === 'snoozed' && !tx.touched.has(alert.key) && alert.snoozedUntilMs !== null && t >= alert.snoozedUntilMs) {
      const fired: Alert = { ...alert, state: 'firing', snoozedUntilMs: null };
      tx.alerts[alert.key] = fired;
      emit(tx, 'fired', fired);
    }
  }

  return {
    state: {
      ...state,
      previous: { timeMs: t, pid: sample.pid },
      series: nextSeries,
      patterns: nextPatterns,
      latches: latched.latches,
      restart: restart.memory,
      alerts: tx.alerts,
      snoozes: tx.snoozes,
      cooldowns: tx.cooldowns,
      emittedMs: tx.emittedMs,
    },
    events: tx.events,
  };
}

/**
 * Quiets the condition `key` until sample time `untilMs`: a live alert turns `snoozed` (one `updated` event, then no
 * events until the snooze ends, except `resolved`); one that starts before then starts snoozed, without a `fired`.
 * When the snooze ends and the condition still holds, it fires again.
 */
export function snooze(state: AlertEngineState, key: string, untilMs: number): AlertActionResult {
  if (!Number.isFinite(untilMs)) {
    return { ok: false, error: new LeakbarError('bad-input', `snooze needs a time to end (got ${String(untilMs)})`) };
  }
  const snoozes = { ...state.snoozes, [key]: untilMs };
  const existing = state.alerts[key];
  if (!isLive(existing)) return { ok: true, state: { ...state, snoozes }, events: [] };
  const alert: Alert = { ...existing, state: 'snoozed', snoozedUntilMs: untilMs };
  return {
    ok: true,
    state: { ...state, snoozes, alerts: { ...state.alerts, [key]: alert } },
    events: [{ type: 'updated', alert }],
  };
}

/** Marks the live alert `key` as seen: no more notices for it (unless it turns critical); it still updates and resolves. */
export function acknowledge(state: AlertEngineState, key: string): AlertActionResult {
  const existing = state.alerts[key];
  if (!isLive(existing)) {
    return {
      ok: false,
      error: new LeakbarError('not-found', `no live alert ${key}`, { hint: 'list the live alerts; it may have resolved' }),
    };
  }
  const alert: Alert = { ...existing, state: 'acknowledged', snoozedUntilMs: null };
  const snoozes = { ...state.snoozes };
  delete snoozes[key];
  return {
    ok: true,
    state: { ...state, snoozes, alerts: { ...state.alerts, [key]: alert } },
    events: [{ type: 'updated', alert }],
  };
}

/**
 * The watched process has exited and will not come back (a target given by PID): every live alert ends with it, as on
 * a restart ("It ended with the process (PID N)."), at `timeMs`. Pure: `state` is left as it was.
 */
export function endWithProcess(state: AlertEngineState, pid: number, timeMs: number): StepResult {
  const tx = openTx(state, Math.max(timeMs, state.previous?.timeMs ?? -Infinity), pid);
  for (const alert of Object.values(tx.alerts)) if (isLive(alert)) resolve(tx, alert.key, { cooldown: false, text: `It ended with the process (PID ${pid}).` });
  return { state: { ...state, alerts: tx.alerts, snoozes: tx.snoozes, cooldowns: tx.cooldowns, emittedMs: tx.emittedMs }, events: tx.events };
}

/** Alert kinds whose detectors read a tick's extras (the FD breakdown, the goroutineleak count), which stored samples lack. */
const JUDGED_FROM_TICK_EXTRAS: ReadonlySet<Alert['kind']> = new Set(['repeated-file', 'fd-pattern-growth', 'goroutine-leak-profile']);

/** What {@link carryOverAlerts} returns: the state to go on from, and the alerts to store (each a new version of one on disk). */
export interface CarriedAlerts {
  state: AlertEngineState;
  /** Disk alerts the replay found still holding, as the engine now has them (under their own id). */
  kept: Alert[];
  /** Disk alerts closed: not found holding in the replayed history, or an older duplicate of one that was. */
  closed: Alert[];
}

/**
 * Reconciles the alerts still open on disk from an earlier run with a state that has just replayed the recent
 * history (`state`). A disk alert whose condition the replay found holding goes on as the engine's own alert of
 * that condition, under the disk alert's id, first time, capture and finding, and with its snooze or
 * acknowledgement: one alert across a restart, no second notice. One judged only from what a tick brings besides
 * the sample (a repeated file, a path pattern's growth, the goroutineleak profile) goes on as it was, for the next
 * such reading to judge. One the replay did not find holding (the condition ended, or the history kept too
 * little to judge it again) is closed where it was last seen, with a note, and its snooze carried to the
 * condition, so one that comes back while snoozed starts snoozed. An older open alert of the same condition is
 * closed too, and every one when the history ended too long ago to tell (`historyIsRecent: false`). Nothing is left open that no detector would ever judge again.
 */
export function carryOverAlerts(state: AlertEngineState, open: readonly Alert[], options: { historyIsRecent?: boolean } = {}): CarriedAlerts {
  // A history that ended long before this start (leakbar was off for hours) cannot show anything still holding now.
  const recent = options.historyIsRecent ?? true;
  const alerts = { ...state.alerts };
  const snoozes = { ...state.snoozes };
  const kept: Alert[] = [];
  const closed: Alert[] = [];
  const close = (a: Alert, why: string): Alert => ({ ...a, state: 'resolved', resolvedMs: a.lastMs, snoozedUntilMs: null, message: `${a.message} ${why}` });
  const seen = new Set<string>();
  for (const disk of [...open].filter(isLive).sort((x, y) => y.firstMs - x.firstMs)) {
    if (seen.has(disk.key)) {
      closed.push(close(disk, 'A newer alert of the same condition took its place.'));
      continue;
    }
    seen.add(disk.key);
    const replayed = alerts[disk.key];
    if (disk.state === 'snoozed' && disk.snoozedUntilMs !== null) snoozes[disk.key] = Math.max(snoozes[disk.key] ?? -Infinity, disk.snoozedUntilMs);
    if (recent && !isLive(replayed) && JUDGED_FROM_TICK_EXTRAS.has(disk.kind)) {
      // Its detector needs what a tick brings besides the sample (the FD breakdown, the goroutineleak profile),
      // which the history does not keep: it goes on as it was, and the next such reading judges it.
      alerts[disk.key] = disk;
      kept.push(disk);
      continue;
    }
    if (!recent || !isLive(replayed)) {
      closed.push(close(disk, 'Closed when leakbar started again: the recent history did not show it still holding.'));
      continue;
    }
    const userState = disk.state === 'snoozed' || disk.state === 'acknowledged';
    const merged: Alert = {
      ...replayed,
      id: disk.id,
      // When it fired, as the user was told: the replay judges the history by today's lines, which may find it earlier.
      firstMs: disk.firstMs,
      lastMs: Math.max(disk.lastMs, replayed.lastMs),
      // The title as the user was told it fired (a growth rate), as live updates keep it.
      ...(TITLE_AS_FIRED.has(disk.kind) ? { title: disk.title } : {}),
      state: userState ? disk.state : replayed.state,
      snoozedUntilMs: disk.state === 'snoozed' ? disk.snoozedUntilMs : replayed.snoozedUntilMs,
      ...(disk.captureId === undefined ? {} : { captureId: disk.captureId }),
      ...(disk.finding === undefined ? {} : { finding: disk.finding }),
      ...(disk.captureValue === undefined ? {} : { captureValue: disk.captureValue }),
    };
    alerts[disk.key] = merged;
    kept.push(merged);
  }
  return { state: { ...state, alerts, snoozes }, kept, closed };
}

/** The engine as one object for the watcher: holds the latest state and forwards to the pure functions. */
export interface AlertEngine {
  /** Runs the detectors on one sample; returns the events. */
  step(sample: Sample, extras?: StepExtras): AlertEvent[];
  /** See {@link snooze}. */
  snooze(key: string, untilMs: number): { ok: true; events: AlertEvent[] } | { ok: false; error: LeakbarError };
  /** See {@link acknowledge}. */
  acknowledge(key: string): { ok: true; events: AlertEvent[] } | { ok: false; error: LeakbarError };
  /** See {@link reconfigure}. */
  reconfigure(settings: DetectorSettings): void;
  /** See {@link endWithProcess}; returns the events. */
  endWithProcess(pid: number, timeMs: number): AlertEvent[];
  /** Live alerts, critical first. */
  live(): Alert[];
  /** The latest state (plain JSON). */
  readonly state: AlertEngineState;
}

/** An {@link AlertEngine} over a fresh state (or `initial`, e.g. restored from disk). */
export function createAlertEngine(options: AlertStateOptions, initial?: AlertEngineState): AlertEngine {
  let state = initial ?? createAlertState(options);
  const act = (r: AlertActionResult) => {
    if (!r.ok) return r;
    state = r.state;
    return { ok: true as const, events: r.events };
  };
  return {
    step(sample, extras) {
      const r = step(state, sample, extras);
      state = r.state;
      return r.events;
    },
    snooze: (key, untilMs) => act(snooze(state, key, untilMs)),
    acknowledge: (key) => act(acknowledge(state, key)),
    reconfigure(settings) {
      state = reconfigure(state, settings);
    },
    endWithProcess(pid, timeMs) {
      const r = endWithProcess(state, pid, timeMs);
      state = r.state;
      return r.events;
    },
    live: () => liveAlerts(state),
    get state() {
      return state;
    },
  };
}
