/**
 * The desktop app's settings: one versioned document (targets, detector lines, cadences, capture and
 * notification behaviour, tray and login choices), its zod schema (the source of truth), defaults,
 * migrations from older versions, and the validation of a change a person asks for.
 */
import { z } from 'zod';
import { DEFAULT_DETECTOR_SETTINGS, detectorSettingsSchema, type DetectorSettings } from './alerts.js';
import { targetInputSchema, type TargetInput } from './api.js';
import { DEFAULT_FD_PATTERNS } from './types.js';
import { deepMerge, isPlainObject } from './merge.js';

const MiB = 1024 * 1024;

/** The version of the settings document this code writes. Bump it with a new entry in {@link MIGRATIONS}. */
export const SETTINGS_VERSION = 2;

/** What the tray shows beside its icon (`tray.setTitle`, macOS). */
export const TRAY_TITLES = ['none', 'fds', 'goroutines'] as const;
export type TrayTitle = (typeof TRAY_TITLES)[number];

/** A value as a message shows it ("got …"): JSON, cut short past 60 characters. */
export function shownValue(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
const got = (iss: { input?: unknown }) => `(got ${shownValue(iss.input)})`;

const hhmm = z.string({ error: (iss) => `a time of day as HH:MM (24 h) ${got(iss)}` }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: (iss) => `a time of day as HH:MM (24 h) ${got(iss)}` });
const flag = () => z.boolean({ error: (iss) => `must be true or false ${got(iss)}` });
const num = (what: string) => z.number({ error: (iss) => `must be ${what} ${got(iss)}` });
/** A whole number of ms from `min` (up to `max`). */
const ms = (min: number, max?: number) => {
  const atLeast = num('a number of ms')
    .int({ error: (iss) => `must be a whole number of ms ${got(iss)}` })
    .min(min, { error: (iss) => (min === 0 ? `must not be negative ${got(iss)}` : `must be at least ${min} ms ${got(iss)}`) });
  return max === undefined ? atLeast : atLeast.max(max, { error: (iss) => `must be at most ${max} ms ${got(iss)}` });
};
const days = () =>
  num('a number of days')
    .int({ error: (iss) => `must be a whole number of days ${got(iss)}` })
    .min(1, { error: (iss) => `must be from 1 to 3650 days ${got(iss)}` })
    .max(3650, { error: (iss) => `must be from 1 to 3650 days ${got(iss)}` });

/**
 * The least and most time between two reads of each source, in ms: the settings' `cadences` are checked against these
 * (and so the Settings page's fields), and so is the command line's `--heap-interval` (src/cli/watch.ts).
 */
export const CADENCE_LIMITS = {
  /** Process figures, the FD count and the goroutine count. */
  sampleMs: { min: 1000, max: 86_400_000 },
  /** The FD breakdown (types, repeated files). */
  fdBreakdownMs: { min: 5000, max: 86_400_000 },
  /** Go's MemStats (`heap?debug=1`): as often as the goroutine count may be read, which costs the program as much. */
  memStatsMs: { min: 1000, max: 86_400_000 },
  /** The memory map. */
  memoryMapMs: { min: 30_000, max: 86_400_000 },
} as const;

/** The schema of {@link Settings}. Unknown keys are refused, each problem names its field. */
export const settingsSchema = z.strictObject({
  version: z.literal(SETTINGS_VERSION),
  /** Targets watched from start-up (the same description `addTarget` takes). */
  targets: z.array(targetInputSchema, { error: (iss) => `must be a list of targets ${got(iss)}` }).max(20, 'at most 20 targets'),
  /** Every line and window of the detectors. */
  detectors: detectorSettingsSchema,
  /** How often each source is read (the engine's `Cadences`); see {@link CADENCE_LIMITS}. */
  cadences: z.strictObject({
    sampleMs: ms(CADENCE_LIMITS.sampleMs.min, CADENCE_LIMITS.sampleMs.max),
    fdBreakdownMs: ms(CADENCE_LIMITS.fdBreakdownMs.min, CADENCE_LIMITS.fdBreakdownMs.max),
    memStatsMs: ms(CADENCE_LIMITS.memStatsMs.min, CADENCE_LIMITS.memStatsMs.max),
    memoryMapMs: ms(CADENCE_LIMITS.memoryMapMs.min, CADENCE_LIMITS.memoryMapMs.max),
  }),
  /** Path substrings counted among open FDs, for targets that name none of their own. */
  fdPatterns: z
    .array(
      z
        .string({ error: (iss) => `must be a path substring ${got(iss)}` })
        .min(1, { error: 'must not be empty' })
        .max(200, { error: 'must be at most 200 characters' }),
      { error: (iss) => `must be a list of path substrings ${got(iss)}` },
    )
    .max(20, { error: 'at most 20 patterns' }),
  /** Captures the engine takes on its own when an alert suggests one (families are in `detectors.autoCapture`). */
  autoCapture: z.strictObject({
    enabled: flag(),
    /** At most one automatic capture per target this often. */
    minGapMs: ms(0),
  }),
  /** How long history and captures are kept (pinned captures and baselines are kept regardless). */
  retention: z.strictObject({
    /** Samples, events and alerts of a target older than this are dropped from its history (memory and disk). */
    historyDays: days(),
    /** Captures started longer ago than this are deleted. */
    captureDays: days(),
    /** Oldest unpinned captures go first past this size. */
    maxCaptureBytes: num('a number of bytes')
      .int({ error: (iss) => `must be a whole number of bytes ${got(iss)}` })
      .min(10 * MiB, { error: (iss) => `must be at least ${10 * MiB} bytes, 10 MB ${got(iss)}` }),
  }),
  /** Our own "do not disturb": no notifications between `from` and `to` local time (may span midnight). */
  quietHours: z.strictObject({ enabled: flag(), from: hhmm, to: hhmm }),
  notifications: z.strictObject({
    enabled: flag(),
    /** The same condition (alert key) notifies at most this often, however often it fires. */
    minGapMs: ms(0),
    /** All notifications are quiet until this epoch ms (the tray's "Snooze notifications"); null when not snoozed. */
    snoozedUntilMs: num('a time in epoch ms, or null').nullable(),
  }),
  /** Keep the machine awake while an overnight run is going. */
  keepAwakeOvernight: flag(),
  launchAtLogin: flag(),
  trayTitle: z.enum(TRAY_TITLES, { error: (iss) => `must be one of ${TRAY_TITLES.join(', ')} ${got(iss)}` }),
});

/** The settings document, as stored and as the main process uses it. */
export interface Settings {
  version: typeof SETTINGS_VERSION;
  /** @default [] */
  targets: TargetInput[];
  /** @default DEFAULT_DETECTOR_SETTINGS */
  detectors: DetectorSettings;
  /** @default sample 5 s, FD breakdown 30 s, MemStats 30 s, memory map 5 min */
  cadences: { sampleMs: number; fdBreakdownMs: number; memStatsMs: number; memoryMapMs: number };
  /** @default ['.claude/projects', '.codex/sessions'] */
  fdPatterns: string[];
  /** @default enabled, at most one per 10 min */
  autoCapture: { enabled: boolean; minGapMs: number };
  /** @default history 30 days, captures 30 days, 2 GiB */
  retention: { historyDays: number; captureDays: number; maxCaptureBytes: number };
  /** @default off, 22:00-08:00 */
  quietHours: { enabled: boolean; from: string; to: string };
  /** @default enabled, 15 min between notices of one condition, not snoozed */
  notifications: { enabled: boolean; minGapMs: number; snoozedUntilMs: number | null };
  /** @default true */
  keepAwakeOvernight: boolean;
  /** @default false */
  launchAtLogin: boolean;
  /** @default 'none' */
  trayTitle: TrayTitle;
}

// The schema and the interface must describe the same object.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesInterface: Same<z.output<typeof settingsSchema>, Settings> = true;
void _schemaMatchesInterface;

/** Settings of a first start. */
export const DEFAULT_SETTINGS: Settings = {
  version: SETTINGS_VERSION,
  targets: [],
  detectors: DEFAULT_DETECTOR_SETTINGS,
  cadences: { sampleMs: 5000, fdBreakdownMs: 30_000, memStatsMs: 30_000, memoryMapMs: 300_000 },
  fdPatterns: [...DEFAULT_FD_PATTERNS],
  autoCapture: { enabled: true, minGapMs: 10 * 60_000 },
  retention: { historyDays: 30, captureDays: 30, maxCaptureBytes: 2048 * MiB },
  quietHours: { enabled: false, from: '22:00', to: '08:00' },
  notifications: { enabled: true, minGapMs: 15 * 60_000, snoozedUntilMs: null },
  keepAwakeOvernight: true,
  launchAtLogin: false,
  trayTitle: 'none',
};

/**
 * Version 1, the layout of the first desktop draft: flat alert lines, one sample interval, quiet hours as
 * "HH:MM-HH:MM", and a yes/no for showing the FD count in the tray. Kept so old files still open.
 */
export interface SettingsV1 {
  version: 1;
  targets?: TargetInput[];
  thresholds?: { fds?: number; threads?: number; rssMb?: number; goroutines?: number };
  sampleIntervalMs?: number;
  fdPatterns?: string[];
  quietHours?: string | null;
  launchAtLogin?: boolean;
  showCountInTray?: boolean;
}

type Doc = Record<string, unknown>;

/** One step per version: `MIGRATIONS[n]` turns a version-n document into version n+1. Steps never throw on odd input; validation comes after. */
export const MIGRATIONS: Record<number, (doc: Doc) => Doc> = {
  1: (doc) => {
    const v1 = doc as Partial<SettingsV1>;
    const t = v1.thresholds ?? {};
    const line = <K extends keyof DetectorSettings['thresholds']>(k: K, v: number | undefined) =>
      v === undefined ? DEFAULT_DETECTOR_SETTINGS.thresholds[k] : { ...DEFAULT_DETECTOR_SETTINGS.thresholds[k], line: v };
    const quiet = typeof v1.quietHours === 'string' ? /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(v1.quietHours) : null;
    const out: Doc = {
      ...structuredClone(DEFAULT_SETTINGS),
      version: 2,
      detectors: {
        ...DEFAULT_DETECTOR_SETTINGS,
        thresholds: {
          ...DEFAULT_DETECTOR_SETTINGS.thresholds,
          fds: line('fds', t.fds),
          threads: line('threads', t.threads),
          rssBytes: line('rssBytes', t.rssMb === undefined ? undefined : t.rssMb * MiB),
          goroutines: line('goroutines', t.goroutines),
        },
      },
      trayTitle: v1.showCountInTray ? 'fds' : 'none',
    };
    if (v1.targets !== undefined) out.targets = v1.targets;
    if (v1.fdPatterns !== undefined) out.fdPatterns = v1.fdPatterns;
    if (v1.launchAtLogin !== undefined) out.launchAtLogin = v1.launchAtLogin;
    if (v1.sampleIntervalMs !== undefined) out.cadences = { ...DEFAULT_SETTINGS.cadences, sampleMs: v1.sampleIntervalMs };
    if (quiet) out.quietHours = { enabled: true, from: quiet[1], to: quiet[2] };
    else if (v1.quietHours !== undefined && v1.quietHours !== null) out.quietHours = { ...DEFAULT_SETTINGS.quietHours, from: String(v1.quietHours) };
    return out;
  },
};

/** The outcome of reading or changing settings: the settings, or every problem as `path: message`. */
export type SettingsResult = { ok: true; settings: Settings; migratedFrom: number | null } | { ok: false; problems: string[] };

/** What this build made of a document a newer leakbar wrote (see {@link migrateSettings}). */
export interface NewerDocument {
  /** The document's version, greater than {@link SETTINGS_VERSION}. */
  version: number;
  /** Fields this build could not take from it, as dotted paths (absent, or not valid here): their defaults are used. */
  unread: string[];
}

/**
 * A field of a stored document that was not taken as written: `invalid` (its value fails the schema: the fallback is
 * used, see {@link migrateSettings}), `dropped` (a list item that fails it: left out of its list), or `unknown` (not a
 * setting of this build: ignored; only said of documents of this version or older).
 */
export interface FieldNotRead {
  /** Dotted path: `cadences.memStatsMs`, `targets.1`; `settings` for the whole document, `version` for its version. */
  path: string;
  why: 'invalid' | 'dropped' | 'unknown';
  /** The schema's reason, with the value found ("must be at least 1000 ms (got 400)"). */
  reason: string;
}

/**
 * The outcome of reading a stored document: as {@link SettingsResult}, `newer` when a newer leakbar wrote it, and
 * `notRead` when some fields were not taken as written (absent only when every field present was).
 */
export type SettingsLoad = { ok: true; settings: Settings; migratedFrom: number | null; newer?: NewerDocument; notRead?: FieldNotRead[] } | { ok: false; problems: string[] };

/** Where settings are kept: `<dataDir>/settings.json` (settings-file.ts), for `leakbar serve`, `watch` and the desktop app alike. */
export interface SettingsPort {
  get(): Settings;
  /** Validates and stores a change ({@link applySettingsPatch}); a bad value resolves with reasons and nothing is stored. */
  set(patch: unknown): SettingsResult;
  /**
   * Calls `listener` after each change of the settings, made through `set` or noticed in the stored document (another
   * process changed it); returns an unsubscribe function. Optional: a port without it never changes from outside.
   */
  onChange?(listener: (next: Settings, previous: Settings) => void): () => void;
  /**
   * True while the settings in force are defaults standing in for a stored document that could not be used (set
   * aside as .bad): retention then deletes nothing, since the defaults would delete what the user's settings kept.
   * It ends at the first settings saved or read whole. Optional: a port without it is always trusted.
   */
  readonly retentionHeld?: boolean;
  /**
   * What people should know of the stored document now, one sentence each: a value in it that is not used (and what
   * stands in), a newer leakbar's file, a file that cannot be used or is gone, retention held. Empty when all of it is
   * in force. Optional: a port without it has nothing to say.
   */
  notes?(): string[];
}

/**
 * Reads a stored settings document of any known version, as a person may write it by hand: an empty one gives the
 * defaults, an older one is migrated step by step; then every field present is taken where it is valid, and the rest
 * comes from elsewhere, said in `notRead`: a field absent takes its default (laid under what is there, as an `--alerts`
 * file is), a field whose value fails the schema takes its `fallback` value (the default at start; the value in force
 * when an engine already runs on settings), a list item that fails it is left out, and a key that is no setting is
 * ignored. A missing or malformed `version` is read as this version. Only what is not an object at all is refused.
 *
 * A document from a newer leakbar is read the same way for the fields this build knows, on the defaults for the rest
 * ({@link NewerDocument} says which); the caller must not write such a document back, or the newer leakbar's settings
 * would be lost.
 */
export function migrateSettings(stored: unknown, options: { fallback?: Settings } = {}): SettingsLoad {
  if (stored === undefined || stored === null || (isPlainObject(stored) && Object.keys(stored).length === 0)) {
    return { ok: true, settings: structuredClone(DEFAULT_SETTINGS), migratedFrom: null };
  }
  if (!isPlainObject(stored)) return { ok: false, problems: [`settings: must be an object (got ${Array.isArray(stored) ? 'a list' : typeof stored})`] };
  const from = stored.version;
  const notRead: FieldNotRead[] = [];
  if (typeof from === 'number' && Number.isInteger(from) && from > SETTINGS_VERSION) {
    const known = readKnownParts(stored, DEFAULT_SETTINGS);
    const unread = known.notRead.filter((n) => n.why !== 'unknown');
    const invalid = unread.filter((n) => n.why !== 'absent') as FieldNotRead[];
    return { ok: true, settings: known.settings, migratedFrom: null, newer: { version: from, unread: unread.map((n) => n.path) }, ...(invalid.length > 0 ? { notRead: invalid } : {}) };
  }
  let version = from;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1) {
    // A file written by hand may leave the version out, as it may any field: read as this version, said only when it is wrong.
    if (from !== undefined) notRead.push({ path: 'version', why: 'invalid', reason: `must be a whole number from 1 ${got({ input: from })}` });
    version = SETTINGS_VERSION;
  }
  let doc: Doc = { ...stored, version };
  for (let v = version as number; v < SETTINGS_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) return { ok: false, problems: [`version: no migration from ${v}`] };
    doc = step(doc);
  }
  const read = readKnownParts(doc, options.fallback ?? DEFAULT_SETTINGS);
  notRead.push(...(read.notRead.filter((n) => n.why !== 'absent') as FieldNotRead[]));
  return { ok: true, settings: read.settings, migratedFrom: version === SETTINGS_VERSION ? null : (version as number), ...(notRead.length > 0 ? { notRead } : {}) };
}

type Note = FieldNotRead | { path: string; why: 'absent' };

/**
 * The parts of `doc` this build knows: every field of {@link DEFAULT_SETTINGS} (object by object) taken from `doc` where
 * present (absent: the default), keys it does not know left out (in list items too); then, while the result fails
 * validation, each failing field goes back to its value in `fallback` (a failing list item is dropped from its list).
 * Never throws; at worst `fallback` whole. Says, in order, each field not taken as written.
 */
function readKnownParts(doc: Doc, fallback: Settings): { settings: Settings; notRead: Note[] } {
  const notes = new Map<string, Note>();
  const note = (n: Note) => {
    if (!notes.has(n.path)) notes.set(n.path, n);
  };
  const pick = (defaults: unknown, value: unknown, path: string): unknown => {
    if (value === undefined) {
      note({ path, why: 'absent' });
      return structuredClone(defaults);
    }
    if (isPlainObject(defaults) && !isPlainObject(value)) {
      note({ path, why: 'invalid', reason: `must be an object ${got({ input: value })}` });
      return structuredClone(valueAt(fallback, path.split('.')));
    }
    if (!isPlainObject(defaults) || !isPlainObject(value)) return value;
    for (const k of Object.keys(value)) if (!(k in defaults)) note({ path: path === '' ? k : `${path}.${k}`, why: 'unknown', reason: 'not a setting of this leakbar' });
    return Object.fromEntries(Object.entries(defaults).map(([k, d]) => [k, pick(d, value[k], path === '' ? k : `${path}.${k}`)]));
  };
  const candidate = pick(DEFAULT_SETTINGS, { ...doc, version: SETTINGS_VERSION }, '') as Doc;
  const whole = (why: string): { settings: Settings; notRead: Note[] } => ({ settings: structuredClone(fallback), notRead: [...notes.values(), { path: 'settings', why: 'invalid', reason: why }] });
  // Each round puts at least one more field back to its fallback, or drops a list item (and the fallback is valid), so this ends; the bound is a guard.
  for (let round = 0; round < 100; round++) {
    const parsed = settingsSchema.safeParse(candidate);
    if (parsed.success) return { settings: parsed.data, notRead: [...notes.values()] };
    const rootIssue = parsed.error.issues.find((i) => knownKeys(i.path).length === 0);
    if (rootIssue) return whole(rootIssue.message);
    const drops = new Map<string, { keys: string[]; indexes: Set<number> }>();
    for (const issue of parsed.error.issues) {
      // A key this build does not know, inside a list item (the objects themselves only hold known keys): left out.
      if (issue.code === 'unrecognized_keys') {
        const holder = nodeAt(candidate, issue.path);
        if (isPlainObject(holder)) {
          for (const k of issue.keys) {
            delete holder[k];
            note({ path: [...issue.path, k].join('.'), why: 'unknown', reason: 'not a setting of this leakbar' });
          }
          continue;
        }
      }
      const keys = knownKeys(issue.path);
      // A field already on its fallback that still fails (a check across fields): its parent goes back instead.
      while (keys.length > 0 && isFallbackAt(candidate, keys, fallback)) keys.pop();
      if (keys.length === 0) return whole(issue.message);
      const next = issue.path[keys.length];
      const list = valueAt(candidate, keys);
      // The reason as the schema gives it, with the value found when it does not say it, and the rest of the path below the field.
      const below = issue.path.slice(keys.length + (typeof next === 'number' ? 1 : 0)).join('.');
      const found = nodeAt(candidate, issue.path);
      const message = issue.path.at(-1) === 'pprofUrl' ? issue.message.replace(/^pprof URL: /, '') : issue.message;
      const says = found === undefined || /\(got /.test(message) || message.includes(JSON.stringify(found));
      const reason = `${below === '' ? '' : `${below}: `}${message}${says ? '' : ` ${got({ input: found })}`}`;
      if (typeof next === 'number' && Array.isArray(valueAt(DEFAULT_SETTINGS, keys)) && Array.isArray(list)) {
        const name = keys.join('.');
        const d = drops.get(name) ?? { keys, indexes: new Set<number>() };
        d.indexes.add(next);
        drops.set(name, d);
        note({ path: `${name}.${next}`, why: 'dropped', reason });
      } else {
        setAt(candidate, keys, structuredClone(valueAt(fallback, keys)));
        note({ path: keys.join('.'), why: 'invalid', reason });
      }
    }
    for (const { keys, indexes } of drops.values()) setAt(candidate, keys, (valueAt(candidate, keys) as unknown[]).filter((_, i) => !indexes.has(i)));
  }
  return whole('could not be read');
}

/** The longest start of `path` that names nested objects' keys of {@link DEFAULT_SETTINGS}. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  const keys: string[] = [];
  let node: unknown = DEFAULT_SETTINGS;
  for (const k of path) {
    if (typeof k !== 'string' || !isPlainObject(node) || !(k in node)) break;
    keys.push(k);
    node = node[k];
  }
  return keys;
}

/** The value at `path` (object keys and list indexes) inside `root`, or undefined. */
function nodeAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const k of path) {
    if (Array.isArray(node) && typeof k === 'number') node = node[k];
    else if (isPlainObject(node) && typeof k === 'string') node = node[k];
    else return undefined;
  }
  return node;
}

function isFallbackAt(candidate: Doc, keys: readonly string[], fallback: Settings): boolean {
  return JSON.stringify(valueAt(candidate, keys)) === JSON.stringify(valueAt(fallback, keys));
}

/** The value at dotted `keys` inside `root`, or undefined. */
export function valueAt(root: unknown, keys: readonly string[]): unknown {
  let node = root;
  for (const k of keys) node = isPlainObject(node) ? node[k] : undefined;
  return node;
}

function setAt(root: Doc, keys: readonly string[], value: unknown): void {
  let node: Doc = root;
  for (const k of keys.slice(0, -1)) node = node[k] as Doc;
  node[keys.at(-1)!] = value;
}

/**
 * Lays a change (any part of the settings; arrays replace, objects merge) over `current` and validates the result.
 * A bad value is refused with a reason naming the field; `version` cannot be changed this way. Never throws.
 */
export function applySettingsPatch(current: Settings, patch: unknown): SettingsResult {
  if (!isPlainObject(patch)) return { ok: false, problems: [`settings: a change must be an object (got ${patch === null ? 'null' : typeof patch})`] };
  if ('version' in patch && patch.version !== current.version) return { ok: false, problems: ['version: cannot be changed'] };
  const parsed = validate(deepMerge(current, patch));
  return parsed.ok ? { ok: true, settings: parsed.settings, migratedFrom: null } : parsed;
}

/** The settings' JSON Schema (draft 2020-12), for editors and documentation; zod stays the validator. */
export function settingsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(settingsSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

function validate(doc: unknown): { ok: true; settings: Settings } | { ok: false; problems: string[] } {
  const r = settingsSchema.safeParse(doc);
  if (r.success) return { ok: true, settings: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'settings'}: ${i.message}`) };
}

