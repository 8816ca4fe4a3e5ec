/**
 * The file-descriptor view's model, from a system capture's fds.json ({breakdown, entries}): the type
 * breakdown, files open more than once, path-pattern counts, and the change against an earlier snapshot.
 */
import { FD_TYPES, type FdBreakdown, type FdEntry, type FdType } from '../../shared/types.js';

/** A stored fds.json. */
export interface FdSnapshot {
  breakdown: FdBreakdown | null;
  entries: FdEntry[] | null;
}

/** What the FD view shows of one snapshot. */
export interface FdSummary {
  total: number;
  limit: number | null;
  byType: Array<{ type: FdType; count: number }>;
  /** Files open more than once, most first (from the entries; else the collector's list of 4+). */
  repeated: Array<{ name: string; count: number }>;
  patterns: Array<{ pattern: string; count: number }>;
}

/** One changed row of an FD diff. */
export interface FdChange {
  what: 'type' | 'file';
  name: string;
  base: number;
  current: number;
  delta: number;
}

/** Parses fds.json text; throws on text that is not JSON. */
export function parseFdSnapshot(text: string): FdSnapshot {
  const v = JSON.parse(text) as Partial<FdSnapshot>;
  return { breakdown: v.breakdown ?? null, entries: Array.isArray(v.entries) ? v.entries : null };
}

function countBy(entries: readonly FdEntry[], key: (e: FdEntry) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) m.set(key(e), (m.get(key(e)) ?? 0) + 1);
  return m;
}

function typeCounts(s: FdSnapshot): Map<string, number> {
  if (s.entries) return countBy(s.entries, (e) => e.type);
  const m = new Map<string, number>();
  for (const t of FD_TYPES) if (s.breakdown?.byType[t]) m.set(t, s.breakdown.byType[t]);
  return m;
}

function fileCounts(s: FdSnapshot): Map<string, number> {
  if (s.entries) return countBy(s.entries.filter((e) => e.name !== '' && (e.type === 'file' || e.type === 'dir' || e.type === 'chr')), (e) => e.name);
  return new Map((s.breakdown?.repeated ?? []).map((r) => [r.name, r.count]));
}

/** Summarises a snapshot for the view. `minRepeats` is the count from which a file is "open many times". @default 2 */
export function summarizeFds(s: FdSnapshot, minRepeats = 2): FdSummary {
  const total = s.entries?.length ?? s.breakdown?.total ?? 0;
  const types = typeCounts(s);
  const byType = FD_TYPES.filter((t) => (types.get(t) ?? 0) > 0)
    .map((t) => ({ type: t, count: types.get(t)! }))
    .sort((a, b) => b.count - a.count);
  const repeated = [...fileCounts(s)]
    .filter(([, c]) => c >= minRepeats)
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
  return { total, limit: s.breakdown?.limit ?? null, byType, repeated, patterns: s.breakdown?.patterns ?? [] };
}

/** Types and files whose counts changed, growth first. */
export function diffFds(base: FdSnapshot, current: FdSnapshot): { totalBase: number; total: number; changes: FdChange[] } {
  const changes: FdChange[] = [];
  const push = (what: FdChange['what'], b: Map<string, number>, c: Map<string, number>) => {
    for (const name of new Set([...b.keys(), ...c.keys()])) {
      const delta = (c.get(name) ?? 0) - (b.get(name) ?? 0);
      if (delta !== 0) changes.push({ what, name, base: b.get(name) ?? 0, current: c.get(name) ?? 0, delta });
    }
  };
  push('type', typeCounts(base), typeCounts(current));
  push('file', fileCounts(base), fileCounts(current));
  changes.sort((x, y) => y.delta - x.delta || (x.what === y.what ? 0 : x.what === 'type' ? -1 : 1) || (x.name < y.name ? -1 : 1));
  return { totalBase: base.entries?.length ?? base.breakdown?.total ?? 0, total: current.entries?.length ?? current.breakdown?.total ?? 0, changes };
}
