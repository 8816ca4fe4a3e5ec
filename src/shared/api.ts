/**
 * The one API contract: every call the renderer makes and every event it hears, described once.
 * The preload bridge (Electron IPC) and the HTTP client (`leakbar serve`) both derive their types
 * from `API_CALLS`, and both edges validate inputs with the same schemas.
 */
import { z } from 'zod';
import type { Alert, AlertEvent } from './alerts.js';
import type { CaptureMeta, CaptureProgress, OvernightStatus } from './captures.js';
import { CAPTURE_KINDS } from './captures.js';
import { pprofUrlSchema } from './pprof-url.js';
import type { WatchEvent } from './events.js';
import type { Settings } from './settings.js';
import type { WatcherStatus } from './status.js';
import type { Sample, TargetConfig } from './types.js';

/** Ids are safe in paths and URLs. */
export const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an id is 1-64 characters of a-z, 0-9 and -');
const targetRef = z.object({ targetId: idSchema }).strict();
const captureRef = z.object({ captureId: idSchema }).strict();

/** The fields of a target description, each optional here; {@link targetInputSchema} says which are required together. */
const targetFieldsSchema = z
  .object({
    /** Keep this id (and so the history under it), e.g. for a renamed target; by default the id comes from the name. */
    id: idSchema.optional(),
    /** How the target is shown; without one, its --match pattern or "pid N", as the command line names it. */
    name: z.string().trim().min(1, 'empty: leave it out for the process pattern or "pid N"').max(120, 'at most 120 characters').optional(),
    pid: z.number().int().positive().optional(),
    match: z
      .string()
      .min(1, 'empty: give a regular expression over the command line, or a pid')
      .max(500)
      .refine((s) => {
        try {
          new RegExp(s);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    /**
     * Any form people write (`host:port`, a profile's own URL, …), made into the base URL; null, or an empty text (as
     * the Settings page's empty field means, and a config file may say), for no pprof endpoint.
     */
    pprofUrl: pprofUrlSchema.nullable().optional(),
    fdPatterns: z.array(z.string().min(1).max(200)).max(20).optional(),
  })
  .strict();

/** A target as a person describes it: by PID or by a command-line regex, with an optional pprof URL. */
export const targetInputSchema = targetFieldsSchema.refine((t) => (t.pid === undefined) !== (t.match === undefined), 'give exactly one of pid or match');
export type TargetInput = z.infer<typeof targetInputSchema>;

/**
 * A change to a watched target: any of its fields but the id. A new `pid` or `match` replaces the selector
 * (the other one is dropped); `pprofUrl: null` turns profiling off.
 */
export const targetPatchSchema = targetFieldsSchema
  .omit({ id: true })
  .partial()
  .refine((p) => p.pid === undefined || p.match === undefined, 'give at most one of pid or match');
export type TargetPatch = z.infer<typeof targetPatchSchema>;

/** Every call: its input schema. Outputs are typed in {@link ApiOutputs}. */
export const API_CALLS = {
  listTargets: z.object({}).strict(),
  addTarget: targetInputSchema,
  removeTarget: targetRef,
  /** Changes a target in place: same id, same history; its watcher restarts with the new description. */
  updateTarget: z.object({ targetId: idSchema, patch: targetPatchSchema }).strict(),
  status: targetRef,
  history: z
    .object({
      targetId: idSchema,
      fromMs: z.number().optional(),
      toMs: z.number().optional(),
      /** Downsample for drawing to at most this many points (storage is never downsampled). */
      maxPoints: z.number().int().min(10).max(20_000).optional(),
    })
    .strict(),
  alerts: z.object({ targetId: idSchema.optional() }).strict(),
  snoozeAlert: z.object({ alertId: z.string().min(1).max(200), untilMs: z.number() }).strict(),
  acknowledgeAlert: z.object({ alertId: z.string().min(1).max(200) }).strict(),
  listCaptures: targetRef,
  startCapture: z
    .object({ targetId: idSchema, kind: z.enum(CAPTURE_KINDS), seconds: z.number().int().min(1).max(600).optional() })
    .strict(),
  cancelCapture: z.object({ targetId: idSchema, kind: z.enum(CAPTURE_KINDS) }).strict(),
  getCapture: captureRef,
  markBaseline: captureRef,
  setPinned: z.object({ captureId: idSchema, pinned: z.boolean() }).strict(),
  compare: z.object({ captureId: idSchema, baseId: idSchema.optional() }).strict(),
  /** Starts the overnight test: a baseline bundle now, heap and goroutine captures every interval. */
  startOvernight: z
    .object({ targetId: idSchema, intervalMs: z.number().int().min(10_000).max(86_400_000).optional(), includeCpu: z.boolean().optional() })
    .strict(),
  overnightStatus: targetRef,
  /** Stops it: a final bundle, then the report of what grew over the night. */
  stopOvernight: targetRef,
  /** The settings the engine runs on (on the desktop, the app's settings document). */
  getSettings: z.object({}).strict(),
  /**
   * Changes any part of the settings (objects merge, arrays replace). The whole change is checked first and a
   * bad value is refused with a reason per field (`ok: false`), never thrown; nothing is stored then.
   */
  setSettings: z.object({ patch: z.record(z.string(), z.unknown()) }).strict(),
  /**
   * The settings fields this run's start-up options fix (`leakbar watch --interval`, `--heap-interval`, `--alerts`, …),
   * as dotted paths: `getSettings` shows the option's value there. A value `setSettings` saves for one takes over.
   */
  fixedSettings: z.object({}).strict(),
  settingsNotes: z.object({}).strict(),
  /** The bytes of one file of a capture, exactly as stored (HTTP serves these as a binary GET). */
  readCaptureFile: z.object({ captureId: idSchema, name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a capture file name') }).strict(),
} as const;

export type ApiCallName = keyof typeof API_CALLS;
export type ApiInput<K extends ApiCallName> = z.input<(typeof API_CALLS)[K]>;

/** A target and its state, as lists show it. */
export interface TargetSummary {
  target: TargetConfig;
  status: WatcherStatus;
  openAlerts: number;
}

/** A stretch of history for the timeline. */
export interface History {
  samples: Sample[];
  events: WatchEvent[];
  alerts: Alert[];
  captures: CaptureMeta[];
  /** True when samples were downsampled for drawing. */
  downsampled: boolean;
}

/** The comparison of a capture with the baseline (or another capture): shaped by the capture kinds present. */
export interface Comparison {
  base: CaptureMeta;
  current: CaptureMeta;
  /** Markdown summary a person can paste into an issue. */
  markdown: string;
  /** Kind-specific detail (heap diff rows, goroutine group growth, FD growth), as JSON. */
  sections: Array<{ kind: 'heap' | 'goroutine' | 'fds'; title: string; rows: Array<Record<string, string | number>>; totals?: SectionTotals }>;
}

/**
 * What the whole profile or snapshot of each capture holds, beside a section's rows (which keep only what changed):
 * every goroutine, every in-use byte, every open FD. Reports read a capture's own figures from it.
 */
export interface SectionTotals {
  /** The captures the two totals are of (an overnight section may compare the baseline with a periodic capture). */
  baseId: string;
  currentId: string;
  base: number;
  current: number;
  /** What was counted, for people: "goroutine profile", "goroutine dump", "heap profile", "system snapshot". */
  from: string;
}

/** What each call resolves to. */
export interface ApiOutputs {
  listTargets: TargetSummary[];
  addTarget: TargetSummary;
  removeTarget: { removed: boolean };
  updateTarget: TargetSummary;
  getSettings: Settings;
  setSettings: SetSettingsResult;
  fixedSettings: { paths: string[] };
  /** What the stored settings' reading says now (a value not used, a newer leakbar's file, retention held): SettingsPort.notes. */
  settingsNotes: { notes: string[] };
  status: WatcherStatus;
  history: History;
  alerts: Alert[];
  snoozeAlert: Alert;
  acknowledgeAlert: Alert;
  listCaptures: CaptureMeta[];
  startCapture: CaptureMeta;
  cancelCapture: { cancelled: boolean };
  getCapture: CaptureMeta;
  markBaseline: CaptureMeta;
  setPinned: CaptureMeta;
  compare: Comparison;
  readCaptureFile: Uint8Array;
  startOvernight: OvernightStatus;
  overnightStatus: OvernightStatus | null;
  stopOvernight: OvernightReport;
}

/** What `setSettings` answers: the settings now in force, or every problem as `path: message` (nothing was changed). */
export type SetSettingsResult = { ok: true; settings: Settings } | { ok: false; problems: string[] };

/** The morning report of an overnight test, ready to paste into an issue tracker. */
export interface OvernightReport {
  title: string;
  /** Markdown. */
  markdown: string;
  /** One self-contained HTML file with the charts. */
  html: string;
}

/** The API as the renderer sees it, whichever door it comes through. */
export type LeakbarApi = { [K in ApiCallName]: (input: ApiInput<K>) => Promise<ApiOutputs[K]> } & {
  /** Subscribes to live events; returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
};

/** The live stream: samples, watch events, alert changes, capture progress. */
export type ApiEvent =
  | { type: 'sample'; targetId: string; sample: Sample }
  | { type: 'watch'; targetId: string; event: WatchEvent }
  | {
      type: 'alert';
      targetId: string;
      change: AlertEvent['type'] | 'snoozed' | 'acknowledged';
      alert: Alert;
      /**
       * On an `updated`: the id the alert had until now, when it goes on under another one. A leakbar that reads a
       * history another records goes by the recorder's alert of a condition both saw (its id, capture, snooze).
       */
      previousId?: string;
    }
  | { type: 'capture-started'; progress: CaptureProgress }
  | { type: 'capture-done'; capture: CaptureMeta }
  | { type: 'capture-failed'; targetId: string; kind: string; message: string }
  | { type: 'status'; targetId: string; status: WatcherStatus }
  | { type: 'overnight'; targetId: string; active: boolean };

/** An error an API call answers with: the code and message of a LeakbarError, or a validation failure. */
export interface ApiError {
  code: string;
  message: string;
  hint?: string;
  issues?: Array<{ path: string; message: string }>;
}

/** Validates a call's input; throws nothing, returns the parsed value or an ApiError naming each bad field. */
export function parseApiInput<K extends ApiCallName>(name: K, input: unknown): { ok: true; value: z.output<(typeof API_CALLS)[K]> } | { ok: false; error: ApiError } {
  const schema = API_CALLS[name] as z.ZodType;
  const r = schema.safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data as z.output<(typeof API_CALLS)[K]> };
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
  return { ok: false, error: { code: 'bad-input', message: `bad input for ${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues } };
}

/** True when `name` is a call of the contract (for IPC channel and HTTP route checks). */
export function isApiCallName(name: string): name is ApiCallName {
  return Object.prototype.hasOwnProperty.call(API_CALLS, name);
}
