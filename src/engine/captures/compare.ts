/**
 * Compares two captures: the heap diff by function (base, current, delta of in-use bytes, via the pprof
 * analysis layer with the base subtracted), goroutine groups that grew (stacks of the goroutine
 * profile), and FDs that grew (by type and by file), plus a Markdown summary a person can paste.
 */
import { diffGoroutineDumps, goroutineGroupName, groupWaitText, idleWaitText, parseGoroutineDump, type GoroutineDump } from '../../analysis/goroutines/index.js';
import { decodeProfile, isGzip, top, type ProfileModel } from '../../analysis/pprof/index.js';
import type { Comparison } from '../../shared/api.js';
import { baseRelation, type CaptureFile, type CaptureMeta } from '../../shared/captures.js';
import { LeakbarError } from '../../shared/errors.js';
import { gunzipCapped, inflateProfile } from './fetch.js';
import { FD_TYPES, type FdBreakdown, type FdEntry, type FigureName, type Sample } from '../../shared/types.js';
import { formatBytes, formatCount, formatDurationMs } from '../../shared/units.js';

/** What comparing needs of the store. */
export interface CaptureReader {
  get(captureId: string): Promise<CaptureMeta>;
  readFile(captureId: string, name: string): Promise<Uint8Array>;
}

/** One section of a comparison, as the API's Comparison carries it. */
export type ComparisonSection = Comparison['sections'][number];

/** The system snapshot's FD file (fds.json): the breakdown, and every entry when the collector lists them. */
export interface FdSnapshot {
  breakdown: FdBreakdown | null;
  entries: FdEntry[] | null;
}

/** Options for the section builders. */
export interface SectionOptions {
  /** Rows kept per section (largest growth first). @default 25 */
  maxRows?: number;
}

/** Decodes a stored profile (gzipped as fetched), accepting one without samples; inflates at most MAX_INFLATED_BYTES, on this thread. */
export function decodeStoredProfile(bytes: Uint8Array): ProfileModel {
  return decodeProfile(bytes, { gunzip: gunzipCapped, allowNoSamples: true });
}

/** As {@link decodeStoredProfile}, inflating on zlib's thread pool so the event loop goes on meanwhile. */
export async function decodeStoredProfileAsync(bytes: Uint8Array): Promise<ProfileModel> {
  return decodeProfile(isGzip(bytes) ? await inflateProfile(bytes) : bytes, { allowNoSamples: true });
}

function flatByName(profile: ProfileModel, base: ProfileModel | undefined, sampleType: string): Map<string, number> {
  const report = top(base ? { profile, base, baseMode: 'base' } : { profile }, { sampleType, nodeFraction: 0, edgeFraction: 0, nodeCount: 0 });
  const m = new Map<string, number>();
  for (const r of report.rows) m.set(r.name, (m.get(r.name) ?? 0) + r.flat);
  return m;
}

/** The `maxRows` largest rises and the `maxRows` largest drops of rows sorted by delta, largest rise first: a drop stays in view when nothing grew. */
function risesAndDrops<T extends { delta: number }>(sorted: readonly T[], maxRows: number): T[] {
  const drops = sorted.filter((r) => r.delta < 0);
  return [...sorted.filter((r) => r.delta > 0).slice(0, maxRows), ...drops.slice(Math.max(0, drops.length - maxRows))];
}

/**
 * Heap growth by function: flat in-use bytes in base and current, and the delta (current with base
 * subtracted, pprof -base). Rows with growth first, then the largest drops; unchanged functions left out.
 * @param sampleType - @default 'inuse_space'
 */
export function heapDiffRows(base: ProfileModel, current: ProfileModel, options: SectionOptions & { sampleType?: string } = {}): Array<Record<string, string | number>> {
  const sampleType = options.sampleType ?? 'inuse_space';
  const baseFlat = flatByName(base, undefined, sampleType);
  const curFlat = flatByName(current, undefined, sampleType);
  const delta = flatByName(current, base, sampleType);
  const rows = [...delta.entries()]
    .filter(([, d]) => d !== 0)
    .map(([name, d]) => ({ name, base: baseFlat.get(name) ?? 0, current: curFlat.get(name) ?? 0, delta: d }))
    .sort((a, b) => b.delta - a.delta || a.name.localeCompare(b.name));
  return risesAndDrops(rows, options.maxRows ?? 25).map((r) => ({
    function: r.name,
    baseBytes: r.base,
    currentBytes: r.current,
    deltaBytes: r.delta,
    base: formatBytes(r.base),
    current: formatBytes(r.current),
    delta: `${r.delta > 0 ? '+' : ''}${formatBytes(r.delta)}`,
  }));
}

/** Goroutines of a goroutine profile grouped by identical stack (function names, leaf first), with counts. */
export function goroutineGroups(profile: ProfileModel): Map<string, { frames: string[]; count: number }> {
  const { samples, locations, functions } = profile;
  const groups = new Map<string, { frames: string[]; count: number }>();
  for (let i = 0; i < samples.count; i++) {
    const frames: string[] = [];
    for (let j = samples.locStart[i]!; j < samples.locStart[i + 1]!; j++) {
      const loc = samples.locs[j]!;
      for (let k = locations.lineStart[loc]!; k < locations.lineStart[loc + 1]!; k++) {
        const fn = locations.lineFunction[k]!;
        frames.push(fn >= 0 ? (functions.name[fn] ?? '?') : `0x${locations.address[loc]!.toString(16)}`);
      }
    }
    const count = samples.values[i * samples.valueCount] ?? 0;
    const key = frames.join('\n');
    const g = groups.get(key);
    if (g) g.count += count;
    else groups.set(key, { frames, count });
  }
  return groups;
}

/** Goroutine groups whose count changed between two goroutine profiles, growth first, then the largest drops. */
export function goroutineDiffRows(base: ProfileModel, current: ProfileModel, options: SectionOptions = {}): Array<Record<string, string | number>> {
  const b = goroutineGroups(base);
  const c = goroutineGroups(current);
  const keys = new Set([...b.keys(), ...c.keys()]);
  const rows: Array<{ frames: string[]; base: number; current: number; delta: number }> = [];
  for (const k of keys) {
    const bg = b.get(k);
    const cg = c.get(k);
    const delta = (cg?.count ?? 0) - (bg?.count ?? 0);
    if (delta !== 0) rows.push({ frames: (cg ?? bg)!.frames, base: bg?.count ?? 0, current: cg?.count ?? 0, delta });
  }
  rows.sort((x, y) => y.delta - x.delta || goroutineGroupName(x.frames).localeCompare(goroutineGroupName(y.frames)));
  return risesAndDrops(rows, options.maxRows ?? 25).map((r) => ({
    group: goroutineGroupName(r.frames),
    stack: r.frames.slice(0, 6).join(' ← '),
    base: r.base,
    current: r.current,
    delta: r.delta,
  }));
}

/** Goroutine groups whose count changed between two debug=2 dumps, growth first, with state, wait ages and creator. */
export function goroutineDumpDiffRows(base: GoroutineDump, current: GoroutineDump, options: SectionOptions = {}): Array<Record<string, string | number>> {
  const d = diffGoroutineDumps(base, current);
  const changed = [...d.grew, ...d.shrank, ...d.removed];
  return changed.slice(0, options.maxRows ?? 25).map((e) => {
    const g = e.group;
    const names = g.frames.map((f) => f.function);
    const wait = groupWaitText(g) ?? '';
    return {
      group: goroutineGroupName(names),
      stack: names.slice(0, 6).join(' ← '),
      base: e.baseCount,
      current: e.count,
      delta: e.delta,
      state: g.states.map((s) => `${s.state}${g.states.length > 1 ? ` ×${s.count}` : ''}`).join(', '),
      wait,
      creator: g.creator ?? '',
      suspicious: g.suspicious ? 'yes' : '',
      // Why a group that waits by design (idle keep-alive connections, a listener) is not suspicious, or why it is.
      idle: idleWaitText(g) ?? '',
    };
  });
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return m;
}

/** FD types and files whose count changed, growth first: rows {what: 'total' | 'type' | 'file', name, base, current, delta}. */
export function fdDiffRows(base: FdSnapshot, current: FdSnapshot, options: SectionOptions = {}): Array<Record<string, string | number>> {
  const rows: Array<{ what: string; name: string; base: number; current: number; delta: number }> = [];
  const push = (what: string, b: Map<string, number>, c: Map<string, number>, limit: number) => {
    const part: typeof rows = [];
    for (const name of new Set([...b.keys(), ...c.keys()])) {
      const delta = (c.get(name) ?? 0) - (b.get(name) ?? 0);
      if (delta !== 0) part.push({ what, name, base: b.get(name) ?? 0, current: c.get(name) ?? 0, delta });
    }
    part.sort((x, y) => y.delta - x.delta || x.name.localeCompare(y.name));
    rows.push(...part.slice(0, limit));
  };
  const total = (s: FdSnapshot) => s.entries?.length ?? s.breakdown?.total ?? 0;
  rows.push({ what: 'total', name: 'all', base: total(base), current: total(current), delta: total(current) - total(base) });
  const types = (s: FdSnapshot): Map<string, number> => {
    if (s.entries) return countBy(s.entries, (e) => e.type);
    const m = new Map<string, number>();
    for (const t of FD_TYPES) if (s.breakdown && s.breakdown.byType[t]) m.set(t, s.breakdown.byType[t]);
    return m;
  };
  push('type', types(base), types(current), FD_TYPES.length);
  const files = (s: FdSnapshot): Map<string, number> => {
    // Paths only: sockets and pipes come and go with every connection (leakbar's own pprof reads among them) and are counted by type above.
    if (s.entries) return countBy(s.entries.filter((e) => e.name.startsWith('/')), (e) => e.name);
    return new Map((s.breakdown?.repeated ?? []).map((r) => [r.name, r.count]));
  };
  push('file', files(base), files(current), options.maxRows ?? 25);
  return rows.map((r) => ({ ...r }));
}

/** Parses a stored fds.json. */
export function parseFdSnapshot(bytes: Uint8Array): FdSnapshot {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<FdSnapshot>;
    return { breakdown: v.breakdown ?? null, entries: Array.isArray(v.entries) ? v.entries : null };
  } catch (e) {
    throw new LeakbarError('parse-error', 'the stored fds.json does not parse', { cause: e, hint: 'take a new system capture' });
  }
}

function fileOf(meta: CaptureMeta, role: CaptureFile['role']): CaptureFile | undefined {
  return meta.files.find((f) => f.role === role);
}

/** A profile's total of one sample type, as pprof counts it (the heap profile's in-use bytes, …). */
export function profileTotal(profile: ProfileModel, sampleType: string): number {
  return top({ profile }, { sampleType, nodeFraction: 0, edgeFraction: 0, nodeCount: 1 }).total;
}

/** The heap section of two captures, or null when either lacks a heap profile. */
export async function heapSection(reader: CaptureReader, base: CaptureMeta, current: CaptureMeta, options: SectionOptions = {}): Promise<ComparisonSection | null> {
  const bf = fileOf(base, 'heap');
  const cf = fileOf(current, 'heap');
  if (!bf || !cf) return null;
  const [b, c] = await Promise.all([reader.readFile(base.id, bf.name), reader.readFile(current.id, cf.name)]);
  const [bp, cp] = await Promise.all([decodeStoredProfileAsync(b), decodeStoredProfileAsync(c)]);
  return {
    kind: 'heap',
    title: 'Heap growth by function (in-use bytes, flat)',
    rows: heapDiffRows(bp, cp, options),
    totals: { baseId: base.id, currentId: current.id, base: profileTotal(bp, 'inuse_space'), current: profileTotal(cp, 'inuse_space'), from: 'heap profile' },
  };
}

/** The goroutine section of two captures, or null when either lacks a goroutine profile. */
export async function goroutineSection(reader: CaptureReader, base: CaptureMeta, current: CaptureMeta, options: SectionOptions = {}): Promise<ComparisonSection | null> {
  // The debug=2 dumps carry states, wait ages and creators; the protobuf profiles only stacks.
  const bd = fileOf(base, 'goroutine-dump');
  const cd = fileOf(current, 'goroutine-dump');
  if (bd && cd) {
    const [b, c] = await Promise.all([reader.readFile(base.id, bd.name), reader.readFile(current.id, cd.name)]);
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    try {
      const [bDump, cDump] = [parseGoroutineDump(text(b)), parseGoroutineDump(text(c))];
      const rows = goroutineDumpDiffRows(bDump, cDump, options);
      const totals = { baseId: base.id, currentId: current.id, base: bDump.total, current: cDump.total, from: 'goroutine dump' };
      return { kind: 'goroutine', title: 'Goroutine groups that changed (by stack, from the debug=2 dumps)', rows, totals };
    } catch {
      // A dump that does not parse: fall back to the protobuf profiles below.
    }
  }
  const bf = fileOf(base, 'goroutine');
  const cf = fileOf(current, 'goroutine');
  if (!bf || !cf) return null;
  const [b, c] = await Promise.all([reader.readFile(base.id, bf.name), reader.readFile(current.id, cf.name)]);
  const [bp, cp] = await Promise.all([decodeStoredProfileAsync(b), decodeStoredProfileAsync(c)]);
  const count = (p: ProfileModel) => [...goroutineGroups(p).values()].reduce((n, g) => n + g.count, 0);
  return {
    kind: 'goroutine',
    title: 'Goroutine groups that changed (by stack)',
    rows: goroutineDiffRows(bp, cp, options),
    totals: { baseId: base.id, currentId: current.id, base: count(bp), current: count(cp), from: 'goroutine profile' },
  };
}

/** The FD section of two captures, or null when either lacks a system snapshot. */
export async function fdSection(reader: CaptureReader, base: CaptureMeta, current: CaptureMeta, options: SectionOptions = {}): Promise<ComparisonSection | null> {
  const bf = fileOf(base, 'fds');
  const cf = fileOf(current, 'fds');
  if (!bf || !cf) return null;
  const [b, c] = await Promise.all([reader.readFile(base.id, bf.name), reader.readFile(current.id, cf.name)]);
  const rows = fdDiffRows(parseFdSnapshot(b), parseFdSnapshot(c), options);
  const total = rows.find((r) => r.what === 'total')!;
  return {
    kind: 'fds',
    title: 'File descriptors that changed (by type and by file)',
    rows,
    totals: { baseId: base.id, currentId: current.id, base: Number(total.base), current: Number(total.current), from: 'system snapshot' },
  };
}

/** The figures comparisons and reports show, in order. */
export const REPORT_FIGURES: ReadonlyArray<{ name: FigureName; label: string; bytes: boolean }> = [
  { name: 'rssBytes', label: 'RSS', bytes: true },
  { name: 'heapInuseBytes', label: 'Heap in use', bytes: true },
  { name: 'heapAllocBytes', label: 'Heap alloc', bytes: true },
  { name: 'goroutines', label: 'Goroutines', bytes: false },
  { name: 'fds', label: 'Open FDs', bytes: false },
  { name: 'threads', label: 'Threads', bytes: false },
  { name: 'swapBytes', label: 'Swap', bytes: true },
];

/** Formats a figure value for people. */
export function formatFigure(value: number, bytes: boolean, signed = false): string {
  const plus = signed && value > 0 ? '+' : '';
  return plus + (bytes ? formatBytes(value) : formatCount(value));
}

/** One figure at one capture, and what it was read from. */
export interface FigureReading {
  value: number;
  /** For people: "its goroutine dump", "watcher sample at 18:42:32Z, 1.0s before the capture". */
  from: string;
  /** The time of the watcher sample it was read from; null when it came from the capture's own files. */
  sampleMs: number | null;
}

/** A figure at the base and at the current capture. */
export interface FigureAtCaptures {
  /** A {@link FigureName}, or 'heapProfileInuseBytes' for the heap profile's own total. */
  name: string;
  label: string;
  bytes: boolean;
  base: FigureReading;
  current: FigureReading;
}

/** How long after a capture starts a watcher sample still stands for the figures at the capture. */
export const AT_CAPTURE_MS = 15_000;

const TOTALS_OF: Partial<Record<FigureName, ComparisonSection['kind']>> = { goroutines: 'goroutine', fds: 'fds' };
/** A sample's time: the time of day, with the date when it is half a day or more from the capture. */
const clockOf = (ms: number, captureMs: number) => {
  const t = new Date(ms).toISOString();
  return Math.abs(ms - captureMs) < 43_200_000 ? `${t.slice(11, 19)}Z` : `${t.slice(0, 19)}Z`;
};

/** What a section's totals say of `capture`, or undefined. */
function totalOf(sections: readonly ComparisonSection[], kind: ComparisonSection['kind'], capture: CaptureMeta): { value: number; from: string } | undefined {
  for (const s of sections) {
    if (s.kind !== kind || !s.totals) continue;
    if (s.totals.currentId === capture.id) return { value: s.totals.current, from: s.totals.from };
    if (s.totals.baseId === capture.id) return { value: s.totals.base, from: s.totals.from };
  }
  return undefined;
}

/**
 * A figure at a capture, the best reading there is: the capture's own files (a goroutine profile's or dump's total, a
 * system snapshot's FD count), else the first watcher sample of the same process in the {@link AT_CAPTURE_MS} after the
 * capture started, else the last one before it (the capture's stored figures among them), whatever its age, which it says.
 */
export function readFigureAt(name: FigureName, capture: CaptureMeta, sections: readonly ComparisonSection[], samples: readonly Sample[] = []): FigureReading | null {
  const kind = TOTALS_OF[name];
  const own = kind ? totalOf(sections, kind, capture) : undefined;
  if (own) return { value: own.value, from: `its ${own.from}`, sampleMs: null };
  const t0 = capture.startedMs;
  let after: Sample | null = null;
  let before: Sample | null = null;
  for (const s of capture.figures ? [...samples, capture.figures] : samples) {
    const v = s[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || (capture.pid !== null && s.pid !== capture.pid)) continue;
    if (s.timeMs >= t0) {
      if (s.timeMs <= t0 + AT_CAPTURE_MS && (!after || s.timeMs < after.timeMs)) after = s;
    } else if (!before || s.timeMs > before.timeMs) before = s;
  }
  if (after) return { value: after[name]!, from: `watcher sample at ${clockOf(after.timeMs, t0)}, ${formatDurationMs(after.timeMs - t0)} after the capture`, sampleMs: after.timeMs };
  if (before) return { value: before[name]!, from: `watcher sample at ${clockOf(before.timeMs, t0)}, ${formatDurationMs(t0 - before.timeMs)} before the capture`, sampleMs: before.timeMs };
  return null;
}

/**
 * The figures at the base and at the current capture (only those read at both), each with what it was read from, and
 * the heap profile's in-use bytes when both hold one. Changes are current minus base, as every section reads.
 */
export function figuresAtCaptures(base: CaptureMeta, current: CaptureMeta, sections: readonly ComparisonSection[], samples: readonly Sample[] = []): FigureAtCaptures[] {
  const out: FigureAtCaptures[] = [];
  for (const f of REPORT_FIGURES) {
    const b = readFigureAt(f.name, base, sections, samples);
    const c = readFigureAt(f.name, current, sections, samples);
    if (b && c) out.push({ name: f.name, label: f.label, bytes: f.bytes, base: b, current: c });
    if (f.name === 'heapAllocBytes') {
      const hb = totalOf(sections, 'heap', base);
      const hc = totalOf(sections, 'heap', current);
      if (hb && hc) {
        const from = 'its heap profile (live objects, sampled, after a GC)';
        out.push({ name: 'heapProfileInuseBytes', label: 'Heap profile in use', bytes: true, base: { value: hb.value, from, sampleMs: null }, current: { value: hc.value, from, sampleMs: null } });
      }
    }
  }
  return out;
}

/** Where a row of {@link figuresAtCaptures} was read, in one cell. */
export function readingsFrom(row: FigureAtCaptures): string {
  return row.base.from === row.current.from ? `both: ${row.base.from}` : `base: ${row.base.from}; current: ${row.current.from}`;
}

/** The Markdown table of {@link figuresAtCaptures}. */
export function figuresAtCapturesMarkdown(rows: readonly FigureAtCaptures[]): string {
  return mdTable(
    ['figure', 'base', 'current', 'change', 'from'],
    rows.map((r) => [r.label, formatFigure(r.base.value, r.bytes), formatFigure(r.current.value, r.bytes), formatFigure(r.current.value - r.base.value, r.bytes, true), readingsFrom(r)]),
  );
}

/** When the base was taken after the current capture: a warning that every change reads backwards; else null. */
export function reversedWarning(base: CaptureMeta, current: CaptureMeta): string | null {
  if (base.startedMs <= current.startedMs) return null;
  return (
    `The base is newer than the current capture: the changes read backwards. The base \`${base.id}\` was taken ${formatDurationMs(base.startedMs - current.startedMs)} after ` +
    `\`${current.id}\`, and every change here is the current capture minus the base, so what grew over that time shows as a drop (and "Nothing grew" can hide it). ` +
    'Swap the two to read growth.'
  );
}

/** Escapes a table cell for Markdown. */
export function mdCell(v: string | number): string {
  return String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table. */
export function mdTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [`| ${header.map(mdCell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

/** The columns a section shows people (its rows carry raw numbers too). */
export function sectionColumns(kind: ComparisonSection['kind']): Array<{ key: string; label: string }> {
  if (kind === 'heap') return [{ key: 'function', label: 'function' }, { key: 'base', label: 'base' }, { key: 'current', label: 'current' }, { key: 'delta', label: 'delta' }];
  if (kind === 'goroutine')
    return [
      { key: 'group', label: 'group' },
      { key: 'base', label: 'base' },
      { key: 'current', label: 'current' },
      { key: 'delta', label: 'delta' },
      { key: 'state', label: 'state' },
      { key: 'wait', label: 'wait' },
      { key: 'idle', label: 'waits by design' },
      { key: 'stack', label: 'stack' },
    ];
  return [{ key: 'what', label: 'what' }, { key: 'name', label: 'name' }, { key: 'base', label: 'base' }, { key: 'current', label: 'current' }, { key: 'delta', label: 'delta' }];
}

/** How to show a section's rows. */
export interface ShowOptions {
  /** Show drops too, largest change first: when the base is the newer capture, a drop is growth over time. @default false */
  drops?: boolean;
}

const deltaOf = (r: Record<string, string | number>) => Number(r.deltaBytes ?? r.delta ?? 0);

/** Rows of a section worth showing people: growth only for heap and goroutines (FD rows already are changes), or every change with `drops`. */
export function rowsToShow(s: ComparisonSection, options: ShowOptions = {}): Array<Record<string, string | number>> {
  if (s.kind === 'fds') return s.rows;
  if (!options.drops) return s.rows.filter((r) => deltaOf(r) > 0);
  return s.rows.filter((r) => deltaOf(r) !== 0).sort((a, b) => Math.abs(deltaOf(b)) - Math.abs(deltaOf(a)));
}

/** The line a section showing drops says under its heading. */
export const DROPS_SHOWN = '_Drops are shown too, largest change first: with the base newer than the current capture, a drop here is growth over time._';

/** A cell of a section as people read it: a + before growth counts. */
export function sectionCell(row: Record<string, string | number>, key: string): string {
  const v = row[key];
  if (v === undefined) return '';
  if (typeof v !== 'number') return v;
  // Counts as the figures are written (1,005), so a table and the lines around it read alike.
  return formatFigure(v, false, key === 'delta');
}

/**
 * What a section with no growth to show says: that nothing grew from the base to the current capture, and what dropped
 * most, if anything did (growth over time, when the base is the newer one).
 */
export function nothingGrew(s: ComparisonSection): string {
  let most: Record<string, string | number> | undefined;
  for (const r of s.rows) if (deltaOf(r) < (most ? deltaOf(most) : 0)) most = r;
  if (!most) return 'Nothing grew from the base to the current capture.';
  const name = String(most.function ?? most.group ?? most.name ?? '?');
  return `Nothing grew from the base to the current capture; what dropped most: \`${name}\` (${String(most.delta)}).`;
}

/** One section as Markdown: a heading and a table of its first `maxRows` rows that grew (or changed, with `drops`). */
export function sectionMarkdown(s: ComparisonSection, maxRows = 10, heading = '###', options: ShowOptions = {}): string {
  const shown = rowsToShow(s, options);
  const head = `${heading} ${s.title}\n\n${options.drops && s.kind !== 'fds' ? `${DROPS_SHOWN}\n\n` : ''}`;
  if (shown.length === 0) return `${head}${nothingGrew(s)}`;
  const cols = sectionColumns(s.kind);
  return `${head}${mdTable(cols.map((c) => c.label), shown.slice(0, maxRows).map((r) => cols.map((c) => sectionCell(r, c.key))))}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The Markdown summary of a comparison. `missing` names sections that could not be built. */
export function comparisonMarkdown(base: CaptureMeta, current: CaptureMeta, sections: readonly ComparisonSection[], options: { maxRows?: number; missing?: readonly string[] } = {}): string {
  const maxRows = options.maxRows ?? 10;
  const lines: string[] = [];
  lines.push(`## leakbar: ${current.targetId}, ${base.id} → ${current.id}`, '');
  lines.push(`- Base: \`${base.id}\` (${base.kind}, pid ${base.pid ?? '?'}, ${iso(base.startedMs)})`);
  lines.push(`- Current: \`${current.id}\` (${current.kind}, pid ${current.pid ?? '?'}, ${iso(current.startedMs)})`);
  const relation = baseRelation(base, current);
  const apart =
    relation?.kind === 'other-target'
      ? ` — **the base is of another target**, \`${base.targetId}\` (the current capture is of \`${current.targetId}\`)`
      : relation?.kind === 'restart'
        ? ' — **the process restarted in between** (different PIDs)'
        : '';
  lines.push(`- Apart: ${formatDurationMs(Math.abs(current.startedMs - base.startedMs))}${apart}`);
  const reversed = reversedWarning(base, current);
  if (reversed) lines.push('', `**Warning:** ${reversed}`);
  const figs = figuresAtCaptures(base, current, sections);
  if (figs.length) lines.push('', figuresAtCapturesMarkdown(figs));
  for (const s of sections) lines.push('', sectionMarkdown(s, maxRows, '###', { drops: reversed !== null }));
  for (const m of options.missing ?? []) lines.push('', `_${m}_`);
  return lines.join('\n') + '\n';
}

/** Compares `current` with `base`: every section both captures have the files for, and the Markdown summary. */
export async function compareCaptures(reader: CaptureReader, base: CaptureMeta, current: CaptureMeta, options: SectionOptions = {}): Promise<Comparison> {
  const [heap, goroutine, fds] = await Promise.all([heapSection(reader, base, current, options), goroutineSection(reader, base, current, options), fdSection(reader, base, current, options)]);
  const sections = [heap, goroutine, fds].filter((s): s is ComparisonSection => s !== null);
  const missing: string[] = [];
  if (!heap) missing.push('No heap diff: both captures need a heap profile (heap or bundle).');
  if (!goroutine) missing.push('No goroutine diff: both captures need a goroutine profile (goroutine or bundle).');
  if (!fds) missing.push('No FD diff: both captures need a system snapshot (system or bundle).');
  if (sections.length === 0) {
    throw new LeakbarError('unsupported', `captures ${base.id} (${base.kind}) and ${current.id} (${current.kind}) have nothing to compare`, {
      hint: 'compare captures that share a kind: heap, goroutine, system or bundle',
    });
  }
  return { base, current, sections, markdown: comparisonMarkdown(base, current, sections, { missing }) };
}
