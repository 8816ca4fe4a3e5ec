/**
 * The settings form's model, without React: which fields the view shows, in the units people use
 * (MB, minutes, %), how a draft becomes a settings patch, and which field each refused value belongs to.
 */
import { GROWTH_FIGURES, type GrowthFigure } from '../shared/alerts.js';
import { CADENCE_LIMITS, type Settings } from '../shared/settings.js';

const MiB = 1024 * 1024;

/** One field: a path into the settings, and how its value is shown. */
export type FieldSpec =
  | {
      kind: 'number';
      path: string;
      label: string;
      unit?: string;
      /** The values it takes, for people ("1 s to 1 day"); the engine's schema is what checks them. */
      limits?: string;
      /** settings value → shown value */
      toUi(v: number): number;
      /** shown value → settings value */
      fromUi(n: number): number;
    }
  | { kind: 'flag'; path: string; label: string }
  | { kind: 'time'; path: string; label: string };

/** A group of fields with a heading. `desktopOnly` groups are hidden in a browser. */
export interface FieldGroup {
  id: string;
  title: string;
  note?: string;
  desktopOnly?: boolean;
  fields: FieldSpec[];
}

const same = { toUi: (v: number) => v, fromUi: (n: number) => n };
const mb = { unit: 'MB', toUi: (v: number) => round(v / MiB, 1), fromUi: (n: number) => Math.round(n * MiB) };
const minutes = { unit: 'min', toUi: (v: number) => round(v / 60_000, 2), fromUi: (n: number) => Math.round(n * 60_000) };
const percent = { unit: '%', toUi: (v: number) => round(v * 100, 2), fromUi: (n: number) => n / 100 };
const days = { unit: 'days', ...same };
const seconds = { unit: 's', toUi: (v: number) => round(v / 1000, 3), fromUi: (n: number) => Math.round(n * 1000) };

/** A source's interval, in seconds, with the limits of the settings' schema ({@link CADENCE_LIMITS}). */
const cadence = (key: keyof typeof CADENCE_LIMITS, label: string): FieldSpec => {
  const { min, max } = CADENCE_LIMITS[key];
  return { kind: 'number', path: `cadences.${key}`, label, ...seconds, limits: `${min / 1000} s to ${max === 86_400_000 ? '1 day' : `${max / 1000} s`}` };
};

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

const threshold = (key: string, label: string, scale: Pick<Extract<FieldSpec, { kind: 'number' }>, 'toUi' | 'fromUi'> & { unit?: string } = same): FieldSpec[] => [
  { kind: 'flag', path: `detectors.thresholds.${key}.enabled`, label },
  { kind: 'number', path: `detectors.thresholds.${key}.line`, label: 'line', ...scale },
];

const GROWTH_LABELS: Record<GrowthFigure, string> = { fds: 'Open FDs', goroutines: 'Goroutines', heapInuseBytes: 'Heap in use', rssBytes: 'RSS', threads: 'Threads', swapBytes: 'Swap' };

/** Every group the settings view shows, in order (targets have their own section). */
export const FIELD_GROUPS: readonly FieldGroup[] = [
  {
    id: 'thresholds',
    title: 'Alert lines',
    note: 'An alert fires when a figure stays above its line.',
    fields: [...threshold('fds', 'Open FDs'), ...threshold('fdLimitRatio', 'FDs of the FD limit', percent), ...threshold('threads', 'Threads'), ...threshold('rssBytes', 'RSS', mb), ...threshold('goroutines', 'Goroutines')],
  },
  {
    id: 'growth',
    title: 'Growth',
    note: 'A figure rising steadily over the window raises an alert, whatever its level.',
    fields: [{ kind: 'number', path: 'detectors.growth.windowMs', label: 'Window', ...minutes }, ...GROWTH_FIGURES.map((f): FieldSpec => ({ kind: 'flag', path: `detectors.growth.figures.${f}.enabled`, label: GROWTH_LABELS[f] }))],
  },
  {
    id: 'auto-capture',
    title: 'Automatic captures',
    note: 'When an alert fires, take the capture that explains it.',
    fields: [
      { kind: 'flag', path: 'autoCapture.enabled', label: 'Capture on alert' },
      { kind: 'number', path: 'autoCapture.minGapMs', label: 'At most one per', ...minutes },
    ],
  },
  {
    id: 'quiet-hours',
    title: 'Quiet hours',
    note: 'No notifications between these times (local time).',
    desktopOnly: true,
    fields: [
      { kind: 'flag', path: 'quietHours.enabled', label: 'Quiet hours' },
      { kind: 'time', path: 'quietHours.from', label: 'From' },
      { kind: 'time', path: 'quietHours.to', label: 'To' },
    ],
  },
  {
    id: 'cadences',
    title: 'Sampling intervals',
    note: 'How often each source is read: process figures with the FD and goroutine counts; the FD breakdown (types, repeated files); Go’s MemStats, the heap figures (from pprof); the memory map. A change restarts the watchers. The command line’s --interval and --heap-interval (leakbar watch, serve) fix theirs for that run, until a value is saved here.',
    fields: [cadence('sampleMs', 'Process sample'), cadence('fdBreakdownMs', 'FD breakdown'), cadence('memStatsMs', 'Go MemStats'), cadence('memoryMapMs', 'Memory map')],
  },
  {
    id: 'retention',
    title: 'Retention',
    note: 'History and captures older than these days go; past the size, a target’s oldest captures go first. Pinned captures and baselines always stay.',
    fields: [
      { kind: 'number', path: 'retention.historyDays', label: 'History kept', ...days },
      { kind: 'number', path: 'retention.captureDays', label: 'Captures kept', ...days },
      { kind: 'number', path: 'retention.maxCaptureBytes', label: 'Capture space per target', ...mb },
    ],
  },
];

/** What the form holds: text for numbers and times, booleans for flags. */
export type Draft = Record<string, string | boolean>;

/** The fields shown on this door. */
export function visibleGroups(desktop: boolean): FieldGroup[] {
  return FIELD_GROUPS.filter((g) => desktop || !g.desktopOnly);
}

/** The value at a dotted path. */
export function getPath(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys.at(-1)!] = value;
}

/** The form's starting state for these settings. */
export function draftFrom(settings: Settings, groups: readonly FieldGroup[]): Draft {
  const d: Draft = {};
  for (const f of groups.flatMap((g) => g.fields)) {
    const v = getPath(settings, f.path);
    d[f.path] = f.kind === 'flag' ? v === true : f.kind === 'number' ? (typeof v === 'number' ? String(f.toUi(v)) : '') : String(v ?? '');
  }
  return d;
}

/**
 * The change the draft asks for: only fields that differ from `settings`. Text that is not a number is refused
 * here (the engine never sees it); every other check is the engine's, so the reasons are its own.
 */
export function patchFrom(draft: Draft, settings: Settings, groups: readonly FieldGroup[]): { patch: Record<string, unknown>; problems: Record<string, string[]> } {
  const patch: Record<string, unknown> = {};
  const problems: Record<string, string[]> = {};
  for (const f of groups.flatMap((g) => g.fields)) {
    const raw = draft[f.path];
    if (raw === undefined) continue;
    const before = getPath(settings, f.path);
    let value: unknown;
    if (f.kind === 'flag') value = raw === true;
    else if (f.kind === 'time') value = String(raw).trim();
    else {
      const text = String(raw).trim();
      const n = text === '' ? NaN : Number(text);
      if (!Number.isFinite(n)) {
        problems[f.path] = [`enter a number${f.unit ? ` (${f.unit})` : ''}`];
        continue;
      }
      // An untouched field keeps its exact stored value (the shown one is rounded).
      value = typeof before === 'number' && f.toUi(before) === n ? before : f.fromUi(n);
    }
    if (value !== before) setPath(patch, f.path, value);
  }
  return { patch, problems };
}

/**
 * Sorts the engine's refusals (`path: message`) to the fields they belong to: the field at that path or above it,
 * else a field beside it (`criticalLine` goes to its `line`). The rest come back under `''`.
 */
export function problemsByField(problems: readonly string[], groups: readonly FieldGroup[]): Record<string, string[]> {
  const fields = groups.flatMap((g) => g.fields);
  const out: Record<string, string[]> = {};
  const parent = (p: string) => p.split('.').slice(0, -1).join('.');
  for (const line of problems) {
    const at = line.indexOf(': ');
    const path = at > 0 ? line.slice(0, at) : '';
    const message = at > 0 ? line.slice(at + 2) : line;
    const owner =
      fields.find((f) => path === f.path || path.startsWith(`${f.path}.`)) ??
      fields.find((f) => f.kind === 'number' && path !== '' && parent(f.path) === parent(path)) ??
      null;
    const key = owner?.path ?? '';
    (out[key] ??= []).push(owner && owner.path === path ? inFieldUnits(message, owner) : line);
  }
  return out;
}

/**
 * The schema's reason in the unit the field is shown in: a field in seconds or minutes holds milliseconds, and "must be
 * at least 1000 ms (got 500)" beside a field where 0.5 was typed reads as "must be at least 1 s (got 0.5 s)".
 */
function inFieldUnits(message: string, field: FieldSpec): string {
  if (field.kind !== 'number' || (field.unit !== 's' && field.unit !== 'min')) return message;
  const shown = (ms: string) => `${field.toUi(Number(ms))} ${field.unit}`;
  return message.replace(/(-?\d+(?:\.\d+)?) ms\b/g, (_, ms: string) => shown(ms)).replace(/\(got (-?\d+(?:\.\d+)?)\)/, (_, ms: string) => `(got ${shown(ms)})`);
}

/** The command-line option that fixes a field for a run, as people know it; null when it is another start-up option. */
const FIXING_OPTIONS: ReadonlyArray<[prefix: string, option: string]> = [
  ['cadences.sampleMs', '--interval'],
  ['cadences.memStatsMs', '--heap-interval'],
  ['detectors', '--alerts'],
];

/**
 * Whether start-up options fix `path` for this run (`paths` as the contract's `fixedSettings` gives them), and which:
 * null when none does, else the option's name, or '' for another start-up option.
 */
export function fixedBy(path: string, paths: readonly string[]): string | null {
  const hit = paths.find((p) => p === path || path.startsWith(`${p}.`) || p.startsWith(`${path}.`));
  if (hit === undefined) return null;
  return FIXING_OPTIONS.find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`))?.[1] ?? '';
}

/** What the page says once `patch` is saved: when what changed takes effect (alert lines, intervals), else only that it is saved. */
export function savedMessage(patch: Record<string, unknown>): string {
  const when = [
    ...('detectors' in patch ? ['Alert lines apply from the next sample.'] : []),
    ...('cadences' in patch ? ['The new intervals apply now.'] : []),
  ];
  return ['Saved.', ...when].join(' ');
}

/** FD path patterns as typed (commas or new lines) → the list the API takes. */
export function parsePatterns(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
