/**
 * The top and diff tables' models, apart from React: filtering by a search, sorting by any column,
 * the running sum%, the diff status of each row (new, removed, grown, shrunk), and pprof's number text.
 */
import { percentage, scaledLabel, selectOutputUnit } from '../../analysis/pprof/index.js';
import type { DiffColumns, TopColumns } from './protocol.js';
import type { DiffFilter, TopSortKey } from './state.js';

/** Rows of a top table after filtering and sorting: indices into its columns, and the running flat sum per shown row. */
export interface TopView {
  order: Int32Array;
  /** Running sum of flat in display order (pprof's sum% numerator). */
  runningFlat: Float64Array;
  /** Sum of flat over the shown rows. */
  matchedFlat: number;
  /**
   * The unit values print in, chosen as pprof chooses it for the rows it prints, but from the rows shown: the
   * unit of pprof's trimmed table would print the small rows "show all" adds as "0".
   */
  outputUnit: string;
  /** The inline marks to show: pprof -top's when the rows shown are exactly its rows, else those of pprof -nodefraction=0. */
  inline: Uint8Array;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Filters rows by name (`matched[frame]` is per row here: 1 = keep) and sorts them. */
export function topView(top: TopColumns, matchedRows: Uint8Array | null, sort: TopSortKey, asc: boolean): TopView {
  const n = top.names.length;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (!matchedRows || matchedRows[i]) idx.push(i);
  // Rows arrive in pprof's flat order; a stable sort keeps it as the last tie-break.
  const { flat, cum, names } = top;
  const abs = Math.abs;
  if (sort === 'name') idx.sort((a, b) => byString(names[a]!, names[b]!) * (asc ? 1 : -1));
  else if (sort === 'cum' || sort === 'cumPct') {
    // pprof -top -cum: |cum| descending, then name, then |flat| descending.
    idx.sort((a, b) => abs(cum[b]!) - abs(cum[a]!) || byString(names[a]!, names[b]!) || abs(flat[b]!) - abs(flat[a]!));
    if (asc) idx.reverse();
  } else if (asc) idx.reverse();
  const order = Int32Array.from(idx);
  const runningFlat = new Float64Array(order.length);
  let s = 0;
  let minValue = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    s += flat[i]!;
    runningFlat[k] = s;
    const v = abs(flat[i]!) || abs(cum[i]!);
    if (v > 0 && (minValue === 0 || v < minValue)) minValue = v;
  }
  let asPprof = true;
  for (let i = 0; i < n && asPprof; i++) if ((!matchedRows || matchedRows[i] ? 1 : 0) !== top.pprofKept[i]) asPprof = false;
  const outputUnit = asPprof ? top.outputUnit : order.length === 0 ? 'minimum' : selectOutputUnit(minValue, top.total, top.unit);
  return { order, runningFlat, matchedFlat: s, outputUnit, inline: asPprof ? top.inline : top.inlineAll };
}

/** A value as `go tool pprof -top` prints it in the report's unit ("4688kB", "0"). */
export function pprofValue(v: number, top: Pick<TopColumns, 'unit' | 'outputUnit'>): string {
  return scaledLabel(v, top.unit, top.outputUnit);
}

/** A percentage as pprof prints it, without its padding ("59.99%", "0.0012%"). */
export function pprofPercent(v: number, total: number): string {
  return percentage(v, total).trim();
}

/** How a function changed between the base and the current profile. */
export type DiffStatus = 'new' | 'removed' | 'grown' | 'shrunk' | 'same';

/** A diff table row, computed from the columns. Values in the sample unit; the base's scaled when normalising. */
export interface DiffRow {
  index: number;
  name: string;
  base: number;
  current: number;
  delta: number;
  /** delta / base (Infinity for new). */
  ratio: number;
  status: DiffStatus;
}

/** Which measure a diff compares. */
export type DiffMeasure = 'flat' | 'cum';

/**
 * The diff table's rows: each function's base and current value of `measure`, the change, and its status;
 * with `normalize` the base is scaled to the current total first (a share-of-total comparison).
 * Filtered by `filter` and `matchedRows`, sorted by |change| descending (growth first on ties).
 */
export function diffRows(cols: DiffColumns, measure: DiffMeasure, normalize: boolean, filter: DiffFilter, matchedRows: Uint8Array | null): DiffRow[] {
  const scale = normalize && cols.baseTotal > 0 ? cols.total / cols.baseTotal : 1;
  const b = measure === 'flat' ? cols.baseFlat : cols.baseCum;
  const c = measure === 'flat' ? cols.flat : cols.cum;
  const rows: DiffRow[] = [];
  for (let i = 0; i < cols.names.length; i++) {
    if (matchedRows && !matchedRows[i]) continue;
    const base = b[i]! * scale;
    const current = c[i]!;
    const rawBase = b[i]!;
    const delta = current - base;
    const status: DiffStatus = rawBase === 0 && current !== 0 ? 'new' : current === 0 && rawBase !== 0 ? 'removed' : Math.abs(delta) < 1e-9 * Math.max(1, Math.abs(base)) ? 'same' : delta > 0 ? 'grown' : 'shrunk';
    if (status === 'same' && filter !== 'all') continue;
    if (filter === 'grown' && status !== 'grown' && status !== 'new') continue;
    if (filter === 'shrunk' && status !== 'shrunk' && status !== 'removed') continue;
    if (filter === 'new' && status !== 'new') continue;
    if (filter === 'removed' && status !== 'removed') continue;
    if (base === 0 && current === 0) continue;
    rows.push({ index: i, name: cols.names[i]!, base, current, delta, ratio: base !== 0 ? delta / base : Infinity, status });
  }
  rows.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || y.delta - x.delta || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return rows;
}

/** Per row of a table: 1 when its name matches (names and matches from matchFrames). */
export function rowMatches(names: readonly string[], matched: Uint8Array | null): Uint8Array | null {
  return matched && matched.length === names.length ? matched : null;
}
