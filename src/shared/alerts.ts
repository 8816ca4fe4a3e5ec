/** Alerts and detector settings: what a leak alert says, the states it goes through, and every line and window the detectors use (with defaults and one zod schema). */
import { z } from 'zod';
import type { FigureName } from './types.js';
import { deepMerge, isPlainObject } from './merge.js';

const MiB = 1024 * 1024;

/** What kind of condition an alert reports. */
export const ALERT_KINDS = [
  /** A figure past a fixed line (FDs, threads, RSS, goroutines). */
  'threshold',
  /** FDs past a share of the FD limit. */
  'fd-limit',
  /** A figure rising steadily over the growth window. */
  'growth',
  /** The same file open many times. */
  'repeated-file',
  /** The count of FDs matching a path pattern rising (session files left open). */
  'fd-pattern-growth',
  /** The PID changed between two samples. */
  'restart',
  /** The Go runtime's own `goroutineleak` profile reports leaked goroutines. */
  'goroutine-leak-profile',
  /** RSS high while the Go heap is a small part of it: the memory is outside the heap. */
  'rss-heap-gap',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type AlertSeverity = 'warning' | 'critical';

/**
 * Where an alert is in its life:
 * `firing` (the condition holds and the user has been told), `snoozed` (holds, quiet until `snoozedUntilMs`),
 * `acknowledged` (holds, the user knows; no further notice), `resolved` (the condition ended).
 */
export type AlertState = 'firing' | 'snoozed' | 'acknowledged' | 'resolved';

/** What the engine may capture on its own when an alert fires. */
export type SuggestedCapture = 'heap' | 'goroutine' | 'fds' | null;

/** A figure an alert is about: a Sample figure, or one of the non-series signals. */
export type AlertFigure = FigureName | 'pid' | 'repeatedFiles' | 'fdPattern' | 'goroutineLeakCount';

/** One point of evidence: `[timeMs, value]`. */
export type EvidencePoint = [timeMs: number, value: number];

/** The numbers behind a growth alert. */
export interface GrowthSummary {
  /** Growth over the window by the Theil–Sen slope, in the figure's unit. */
  amount: number;
  /** How much time the window's samples span. */
  spanMs: number;
  /** The Theil–Sen slope in the figure's unit per minute. */
  perMinute: number;
  /** Mann–Kendall two-sided p-value. */
  pValue: number;
  /** The level at the start of the window (median of its first segment). */
  fromValue: number;
}

/** One alert: one per condition (`key`), updated while the condition lasts. Plain JSON. */
export interface Alert {
  /** Unique per occurrence: `${key}@${firstMs}`. */
  id: string;
  /** One per condition: `kind:figure`, plus `:subject` for per-pattern alerts (e.g. `growth:fds`, `fd-pattern-growth:fdPattern:.codex/sessions`). */
  key: string;
  kind: AlertKind;
  figure: AlertFigure;
  /** The file or path pattern the alert names, when it names one. */
  subject: string | null;
  severity: AlertSeverity;
  state: AlertState;
  targetId: string;
  /** Sample time the condition was first reported. */
  firstMs: number;
  /** Sample time of the latest update. */
  lastMs: number;
  /** Sample time it resolved, or null while it lasts. */
  resolvedMs: number | null;
  /** While snoozed: sample time the snooze ends. */
  snoozedUntilMs: number | null;
  /** The figure's current value (count or bytes; for `restart`, the new PID). */
  value: number;
  /** The line it crossed, in the same unit as `value`; null for growth and events. */
  line: number | null;
  /** Rate of growth in `unit` per minute, for growth alerts. */
  ratePerMinute: number | null;
  /** How to format `value`, `line`, `ratePerMinute` and the evidence. */
  unit: 'count' | 'bytes';
  growth: GrowthSummary | null;
  title: string;
  message: string;
  /** The next step of the triage routine, in words. */
  nextStep: string;
  /** What the engine should capture now, or null (also null when auto-capture is off for this alert's family). */
  suggestedCapture: SuggestedCapture;
  /** The stretch of history that shows the condition, oldest first, at most `evidenceMaxPoints` points. */
  evidence: EvidencePoint[];
  /** The capture taken for this alert, once it is in (set by the engine, not the detectors). */
  captureId?: string;
  /** What that capture shows, naming the leaking thing: "main.waitForever: +300 goroutines since 16:40 (chan receive)". */
  finding?: string;
  /**
   * The alert's `value` when that capture was asked for. Once the figure has doubled since, while the alert is firing
   * or acknowledged, the engine takes the capture again, so the finding speaks of the leak as it is now.
   */
  captureValue?: number;
  /** Why the automatic capture for this alert failed (a hung endpoint, a full disk), until one succeeds. */
  captureError?: string;
}

/** What happened to an alert on a step: `fired` means "tell the user now". */
export interface AlertEvent {
  type: 'fired' | 'updated' | 'resolved';
  alert: Alert;
}

/** Which alert families auto-capture by default; see {@link DetectorSettings.autoCapture}. */
export type AlertFamily = 'fds' | 'goroutines' | 'heap' | 'memory' | 'threads' | 'process';

/** A fixed line with debounce and hysteresis. */
export interface ThresholdRule {
  /** @default true */
  enabled: boolean;
  /** Fires when the figure is past (strictly above) this line. */
  line: number;
  /** Re-arms (and resolves) only after the figure falls below `line × rearmRatio`. @default 0.9 */
  rearmRatio: number;
  /** Samples in a row past the line before firing, and below the lower line before re-arming. @default 2 */
  consecutive: number;
  /** Severity turns critical past this line; null keeps it a warning. */
  criticalLine: number | null;
}

/** Minimum growth over the window for one figure; both must hold (0 turns the relative test off). */
export interface GrowthRule {
  /** @default true */
  enabled: boolean;
  /** Minimum growth over the window, in the figure's unit. */
  minGrowth: number;
  /** Minimum growth as a share of the level at the window's start (0.2 = +20 %). */
  minGrowthRatio: number;
}

/** Figures the growth detector watches. */
export const GROWTH_FIGURES = ['fds', 'goroutines', 'heapInuseBytes', 'rssBytes', 'threads', 'swapBytes'] as const;
export type GrowthFigure = (typeof GROWTH_FIGURES)[number];

/** Every line and window the detectors use. All times are in ms of sample time. */
export interface DetectorSettings {
  thresholds: {
    /** Open FDs. @default line 1000 */
    fds: ThresholdRule;
    /** Open FDs as a share of the FD limit (`fdLimit`). @default line 0.8, critical 0.95 */
    fdLimitRatio: ThresholdRule;
    /** OS threads. @default line 100 */
    threads: ThresholdRule;
    /** Resident memory. @default line 500 MiB */
    rssBytes: ThresholdRule;
    /** Goroutines. @default line 10,000 */
    goroutines: ThresholdRule;
  };
  growth: {
    /** The window a trend is judged over. @default 600_000 (10 min) */
    windowMs: number;
    /** History is kept as medians of `windowMs / maxPoints` buckets, so the test is O(maxPoints²) whatever the cadence. @default 200 */
    maxPoints: number;
    /** Samples needed in the window. @default 24 */
    minSamples: number;
    /** Share of the window the samples must span. @default 0.8 */
    minCoverage: number;
    /** Mann–Kendall two-sided p-value to fire. @default 0.01 */
    pValue: number;
    /** The window splits into this many segments; the median and the floor (minimum) of each must rise over the one before. @default 3 */
    segments: number;
    /** Each segment must rise by this share of the growth a straight line predicts for it. @default 0.25 */
    segmentRiseRatio: number;
    /** … and by this many times the sample noise (a standard deviation from the MAD of sample-to-sample changes). @default 2 */
    noiseMultiple: number;
    /** A firing growth alert lasts while p < this … @default 0.1 */
    resolvePValue: number;
    /** … and growth ≥ this share of the minimum growth. @default 0.5 */
    resolveRatio: number;
    figures: Record<GrowthFigure, GrowthRule>;
  };
  repeatedFiles: {
    /** @default true */
    enabled: boolean;
    /** Open this many times or more. @default 4 */
    minCount: number;
    /** Names starting with these are never reported (the std streams). @default ['/dev/null', '/dev/pts/', '/dev/tty', '/dev/ttys', '/dev/urandom'] */
    ignorePrefixes: string[];
  };
  fdPatterns: {
    /** @default true */
    enabled: boolean;
    /** The window pattern counts are judged over (the breakdown comes less often than samples). @default 1_800_000 (30 min) */
    windowMs: number;
    /** Minimum growth of a pattern's count over the window. @default 5 */
    minGrowth: number;
    /** Breakdowns needed in the window. @default 6 */
    minSamples: number;
  };
  restart: {
    /** @default true */
    enabled: boolean;
    /** A restart alert stays firing this long after the last restart. @default 600_000 (10 min) */
    holdMs: number;
  };
  goroutineLeakProfile: {
    /** @default true */
    enabled: boolean;
  };
  rssHeapGap: {
    /** @default true */
    enabled: boolean;
    /** RSS past this. @default 500 MiB */
    minRssBytes: number;
    /** … while the heap (HeapInuse, else HeapSys) is below this share of RSS. @default 0.25 */
    maxHeapRatio: number;
    /** Samples in a row. @default 2 */
    consecutive: number;
  };
  /** After an alert resolves, the same condition does not fire again for this long. @default 900_000 (15 min) */
  cooldownMs: number;
  /** An `updated` event at most this often per alert (a change of severity or state always gets one). @default 60_000 */
  updateEveryMs: number;
  /** Evidence points per alert. @default 120 */
  evidenceMaxPoints: number;
  /** Which alert families name a `suggestedCapture`. @default fds, goroutines, heap on; memory, threads, process off */
  autoCapture: Record<AlertFamily, boolean>;
}

const threshold = (line: number, criticalLine: number | null = null): ThresholdRule => ({
  enabled: true,
  line,
  rearmRatio: 0.9,
  consecutive: 2,
  criticalLine,
});

/** The defaults of ../shared/DESIGN.md: FDs past 1000, threads past 100, RSS past 500 MB, goroutines past 10,000, growth over 10 minutes. */
export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = {
  thresholds: {
    fds: threshold(1000),
    fdLimitRatio: threshold(0.8, 0.95),
    threads: threshold(100),
    rssBytes: threshold(500 * MiB),
    goroutines: threshold(10_000),
  },
  growth: {
    windowMs: 10 * 60_000,
    maxPoints: 200,
    minSamples: 24,
    minCoverage: 0.8,
    pValue: 0.01,
    segments: 3,
    segmentRiseRatio: 0.25,
    noiseMultiple: 2,
    resolvePValue: 0.1,
    resolveRatio: 0.5,
    figures: {
      fds: { enabled: true, minGrowth: 50, minGrowthRatio: 0 },
      goroutines: { enabled: true, minGrowth: 100, minGrowthRatio: 0 },
      heapInuseBytes: { enabled: true, minGrowth: 32 * MiB, minGrowthRatio: 0.2 },
      rssBytes: { enabled: true, minGrowth: 64 * MiB, minGrowthRatio: 0.2 },
      threads: { enabled: true, minGrowth: 10, minGrowthRatio: 0 },
      swapBytes: { enabled: true, minGrowth: 64 * MiB, minGrowthRatio: 0 },
    },
  },
  repeatedFiles: {
    enabled: true,
    minCount: 4,
    ignorePrefixes: ['/dev/null', '/dev/pts/', '/dev/tty', '/dev/ttys', '/dev/urandom'],
  },
  fdPatterns: { enabled: true, windowMs: 30 * 60_000, minGrowth: 5, minSamples: 6 },
  restart: { enabled: true, holdMs: 10 * 60_000 },
  goroutineLeakProfile: { enabled: true },
  rssHeapGap: { enabled: true, minRssBytes: 500 * MiB, maxHeapRatio: 0.25, consecutive: 2 },
  cooldownMs: 15 * 60_000,
  updateEveryMs: 60_000,
  evidenceMaxPoints: 120,
  autoCapture: { fds: true, goroutines: true, heap: true, memory: false, threads: false, process: false },
};

// ---- schema ---------------------------------------------------------------------------------------

const got = (input: unknown): string => (input === undefined ? 'nothing' : JSON.stringify(input));
const num = () =>
  z.number({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a number (got ${got(iss.input)})`) });
const positive = () => num().positive({ error: (iss) => `must be greater than 0 (got ${got(iss.input)})` });
const nonNegative = () => num().min(0, { error: (iss) => `must not be negative (got ${got(iss.input)})` });
const count = (min: number) =>
  num()
    .int({ error: (iss) => `must be a whole number (got ${got(iss.input)})` })
    .min(min, { error: (iss) => `must be at least ${min} (got ${got(iss.input)})` });
const ratio = (what: string, allowZero: boolean) =>
  num()
    .refine((v) => (allowZero ? v >= 0 : v > 0) && v <= 1, {
      error: (iss) => `${what} must be ${allowZero ? 'from 0' : 'above 0'} up to 1 (got ${got(iss.input)})`,
    });
const flag = () => z.boolean({ error: (iss) => `must be true or false (got ${got(iss.input)})` });

const thresholdRuleSchema = z
  .strictObject({
    enabled: flag(),
    line: positive(),
    rearmRatio: ratio('rearmRatio', false),
    consecutive: count(1),
    criticalLine: positive().nullable(),
  })
  .refine((r) => r.criticalLine === null || r.criticalLine >= r.line, {
    error: 'criticalLine must not be below line',
    path: ['criticalLine'],
  });

const growthRuleSchema = z.strictObject({ enabled: flag(), minGrowth: nonNegative(), minGrowthRatio: nonNegative() });

/**
 * The schema of {@link DetectorSettings}: a settings file and the HTTP API validate with it.
 * Messages name the field and the value ("thresholds.fds.line: must be greater than 0 (got -5)"); unknown keys are errors.
 */
export const detectorSettingsSchema = z.strictObject({
  thresholds: z.strictObject({
    fds: thresholdRuleSchema,
    fdLimitRatio: thresholdRuleSchema.refine((r) => r.line <= 1 && (r.criticalLine === null || r.criticalLine <= 1), {
      error: 'fdLimitRatio lines are shares of the FD limit: at most 1',
      path: ['line'],
    }),
    threads: thresholdRuleSchema,
    rssBytes: thresholdRuleSchema,
    goroutines: thresholdRuleSchema,
  }),
  growth: z
    .strictObject({
      windowMs: positive(),
      maxPoints: count(8),
      minSamples: count(4),
      minCoverage: ratio('minCoverage', false),
      pValue: ratio('pValue', false),
      segments: count(1),
      segmentRiseRatio: nonNegative(),
      noiseMultiple: nonNegative(),
      resolvePValue: ratio('resolvePValue', false),
      resolveRatio: ratio('resolveRatio', true),
      figures: z.strictObject({
        fds: growthRuleSchema,
        goroutines: growthRuleSchema,
        heapInuseBytes: growthRuleSchema,
        rssBytes: growthRuleSchema,
        threads: growthRuleSchema,
        swapBytes: growthRuleSchema,
      }),
    })
    .refine((g) => g.resolvePValue >= g.pValue, {
      error: 'resolvePValue must not be below pValue (an alert would resolve while it still fires)',
      path: ['resolvePValue'],
    }),
  repeatedFiles: z.strictObject({
    enabled: flag(),
    minCount: count(2),
    ignorePrefixes: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' }),
  }),
  fdPatterns: z.strictObject({ enabled: flag(), windowMs: positive(), minGrowth: positive(), minSamples: count(4) }),
  restart: z.strictObject({ enabled: flag(), holdMs: nonNegative() }),
  goroutineLeakProfile: z.strictObject({ enabled: flag() }),
  rssHeapGap: z.strictObject({
    enabled: flag(),
    minRssBytes: positive(),
    maxHeapRatio: ratio('maxHeapRatio', false),
    consecutive: count(1),
  }),
  cooldownMs: nonNegative(),
  updateEveryMs: nonNegative(),
  evidenceMaxPoints: count(3),
  autoCapture: z.strictObject({
    fds: flag(),
    goroutines: flag(),
    heap: flag(),
    memory: flag(),
    threads: flag(),
    process: flag(),
  }),
});

// The schema and the interface must describe the same object.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesInterface: Same<z.output<typeof detectorSettingsSchema>, DetectorSettings> = true;
void _schemaMatchesInterface;

/** Settings a person writes: any part of {@link DetectorSettings}; the rest comes from the defaults. */
export type DetectorSettingsInput = DeepPartial<DetectorSettings>;
type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The outcome of {@link parseDetectorSettings}: settings, or every problem as `path: message` lines. */
export type DetectorSettingsResult = { ok: true; settings: DetectorSettings } | { ok: false; problems: string[] };

/**
 * Lays `input` (a parsed settings file or API body: any part of the settings) over `defaults` and validates the result.
 * Expected bad input resolves with `ok: false` and one line per problem; it never throws.
 */
export function parseDetectorSettings(
  input: unknown,
  defaults: DetectorSettings = DEFAULT_DETECTOR_SETTINGS,
): DetectorSettingsResult {
  if (input === undefined || input === null) return { ok: true, settings: defaults };
  if (!isPlainObject(input)) return { ok: false, problems: [`settings: must be an object (got ${got(input)})`] };
  const merged = deepMerge(defaults, input);
  const parsed = detectorSettingsSchema.safeParse(merged);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'settings'}: ${i.message}`),
  };
}

const FIGURE_NAMES: Record<string, string> = {
  fds: 'open FDs',
  goroutines: 'goroutines',
  heapInuseBytes: 'heap in use',
  rssBytes: 'RSS',
  threads: 'threads',
  swapBytes: 'swap',
};

/** An alert key (`kind:figure[:subject]`) in words for people: "growth:goroutines" → "goroutines kept growing". */
export function describeAlertKey(key: string): string {
  const [kind = '', figure = '', ...rest] = key.split(':');
  const subject = rest.join(':');
  const name = FIGURE_NAMES[figure] ?? figure;
  switch (kind) {
    case 'threshold':
      return `${name} past the line`;
    case 'fd-limit':
      return 'FDs near the limit';
    case 'growth':
      return `${name} kept growing`;
    case 'repeated-file':
      return 'a file open many times';
    case 'fd-pattern-growth':
      return subject ? `more and more ${subject} files open` : 'session files left open';
    case 'restart':
      return 'a restart';
    case 'goroutine-leak-profile':
      return 'leaked goroutines (Go runtime)';
    case 'rss-heap-gap':
      return 'RSS high, heap small';
    default:
      return key;
  }
}
