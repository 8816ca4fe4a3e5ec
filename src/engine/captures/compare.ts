/**
 * Compares two captures: the heap diff by function (base, current, delta of in-use bytes, via the pprof
 * analysis layer with the base subtracted), goroutine groups that grew (stacks of the goroutine
 * profile), and FDs that grew (by type and by file), plus a Markdown summary a person can paste.
 */
import { gunzipSync } from 'node:zlib';
import { diffGoroutineDumps, parseGoroutineDump, type GoroutineDump } from '../../analysis/goroutines/index.js';
import { decodeProfile, top, type ProfileModel } from '../../analysis/pprof/index.js';
import type { Comparison } from '../../shared/api.js';
import type { CaptureFile, CaptureMeta } from '../../shared/captures.js';
import { LeakbarError } from '../../shared/errors.js';
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

const gunzip = (gz: Uint8Array): Uint8Array => gunzipSync(gz);

/** Decodes a stored profile (gzipped as fetched), accepting one without samples. */
export function decodeStoredProfile(bytes: Uint8Array): ProfileModel {
  return decodeProfile(bytes, { gunzip, allowNoSamples: true });
}

function flatByName(profile: ProfileModel, base: ProfileModel | undefined, sampleType: string): Map<string, number> {
  const report = top(base ? { profile, base, baseMode: 'base' } : { profile }, { sampleType, nodeFraction: 0, edgeFraction: 0, nodeCount: 0 });
  const m = new Map<string, number>();
  for (const r of report.rows) m.set(r.name, (m.get(r.name) ?? 0) + r.flat);
  return m;
}

/**
 * Heap growth by function: flat in-use bytes in base and current, and the delta (current with base
 * subtracted, pprof -base). Rows with growth first; unchanged functions left out.
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
    .sort((a, b) => b.delta - a.delta || a.name.localeCompare(b.name))
    .slice(0, options.maxRows ?? 25);
  return rows.map((r) => ({
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

/** A group's name: its innermost frame outside the Go runtime (e.g. main.waitForever), else its leaf. */
export function goroutineGroupName(frames: readonly string[]): string {
  return frames.find((f) => !f.startsWith('runtime.') && !f.startsWith('runtime/internal')) ?? frames[0] ?? '(no stack)';
}

/** Goroutine groups whose count changed between two goroutine profiles, growth first. */
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
  return rows.slice(0, options.maxRows ?? 25).map((r) => ({
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
    const wait = g.maxWaitMinutes === null ? '' : g.minWaitMinutes === g.maxWaitMinutes ? `${g.maxWaitMinutes} min` : `${g.minWaitMinutes ?? 0}–${g.maxWaitMinutes} min`;
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

/** The heap section of two captures, or null when either lacks a heap profile. */
export async function heapSection(reader: CaptureReader, base: CaptureMeta, current: CaptureMeta, options: SectionOptions = {}): Promise<ComparisonSection | null> {
  const bf = fileOf(base, 'heap');
  const cf = fileOf(current, 'heap');
  if (!bf || !cf) return null;
  const [b, c] = await Promise.all([reader.readFile(base.id, bf.name), reader.readFile(current.id, cf.name)]);
  return { kind: 'heap', title: 'Heap growth by function (in-use bytes, flat)', rows: heapDiffRows(decodeStoredProfile(b), decodeStoredProfile(c), options) };
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
      const rows = goroutineDumpDiffRows(parseGoroutineDump(text(b)), parseGoroutineDump(text(c)), options);
      return { kind: 'goroutine', title: 'Goroutine groups that changed (by stack, from the debug=2 dumps)', rows };
    } catch {
      // A dump that does not parse: fall back to the protobuf profiles below.
    }
  }
  const bf = fileOf(base, 'goroutine');
  const cf = fileOf(current, 'goroutine');
  if (!bf || !cf) return null;
  const [b, c] = await Promise.all([reader.readFile(base.id, bf.name), reader.readFile(current.id, cf.name)]);
  return { kind: 'goroutine', title: 'Goroutine groups that changed (by stack)', rows: goroutineDiffRows(decodeStoredProfile(b), decodeStoredProfile(c), options) };
}

/** The FD section of two captures, or null when either lacks a system snapshot. */
export async function fdSection(reader: CaptureReader, base: CaptureMeta, current: CaptureMeta, options: SectionOptions = {}): Promise<ComparisonSection | null> {
  const bf = fileOf(base, 'fds');
  const cf = fileOf(current, 'fds');
  if (!bf || !cf) return null;
  const [b, c] = await Promise.all([reader.readFile(base.id, bf.name), reader.readFile(current.id, cf.name)]);
  return { kind: 'fds', title: 'File descriptors that changed (by type and by file)', rows: fdDiffRows(parseFdSnapshot(b), parseFdSnapshot(c), options) };
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

/** Rows comparing the watcher's figures stored with each capture (only figures both have). */
export function figureRows(base: Sample | null, current: Sample | null): Array<{ label: string; base: string; current: string; change: string }> {
  if (!base || !current) return [];
  const out: Array<{ label: string; base: string; current: string; change: string }> = [];
  for (const f of REPORT_FIGURES) {
    const b = base[f.name];
    const c = current[f.name];
    if (b === undefined || c === undefined) continue;
    out.push({ label: f.label, base: formatFigure(b, f.bytes), current: formatFigure(c, f.bytes), change: formatFigure(c - b, f.bytes, true) });
  }
  return out;
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
      { key: 'stack', label: 'stack' },
    ];
  return [{ key: 'what', label: 'what' }, { key: 'name', label: 'name' }, { key: 'base', label: 'base' }, { key: 'current', label: 'current' }, { key: 'delta', label: 'delta' }];
}

/** Rows of a section worth showing people: growth only for heap and goroutines (FD rows already are changes). */
export function rowsToShow(s: ComparisonSection): Array<Record<string, string | number>> {
  return s.kind === 'fds' ? s.rows : s.rows.filter((r) => Number(r.deltaBytes ?? r.delta ?? 0) > 0);
}

/** A cell of a section as people read it: a + before growth counts. */
export function sectionCell(row: Record<string, string | number>, key: string): string {
  const v = row[key];
  if (v === undefined) return '';
  return key === 'delta' && typeof v === 'number' && v > 0 ? `+${v}` : String(v);
}

/** One section as Markdown: a heading and a table of its first `maxRows` rows that grew. */
export function sectionMarkdown(s: ComparisonSection, maxRows = 10, heading = '###'): string {
  const shown = rowsToShow(s);
  if (shown.length === 0) return `${heading} ${s.title}\n\nNothing grew.`;
  const cols = sectionColumns(s.kind);
  return `${heading} ${s.title}\n\n${mdTable(cols.map((c) => c.label), shown.slice(0, maxRows).map((r) => cols.map((c) => sectionCell(r, c.key))))}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The Markdown summary of a comparison. `missing` names sections that could not be built. */
export function comparisonMarkdown(base: CaptureMeta, current: CaptureMeta, sections: readonly ComparisonSection[], options: { maxRows?: number; missing?: readonly string[] } = {}): string {
  const maxRows = options.maxRows ?? 10;
  const lines: string[] = [];
  lines.push(`## leakbar: ${current.targetId}, ${base.id} → ${current.id}`, '');
  lines.push(`- Base: \`${base.id}\` (${base.kind}, pid ${base.pid ?? '?'}, ${iso(base.startedMs)})`);
  lines.push(`- Current: \`${current.id}\` (${current.kind}, pid ${current.pid ?? '?'}, ${iso(current.startedMs)})`);
  lines.push(`- Apart: ${formatDurationMs(Math.abs(current.startedMs - base.startedMs))}${base.pid !== null && current.pid !== null && base.pid !== current.pid ? ' — **the process restarted in between** (different PIDs)' : ''}`);
  const figs = figureRows(base.figures, current.figures);
  if (figs.length) lines.push('', mdTable(['figure', 'base', 'current', 'change'], figs.map((f) => [f.label, f.base, f.current, f.change])));
  for (const s of sections) lines.push('', sectionMarkdown(s, maxRows, '###'));
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
