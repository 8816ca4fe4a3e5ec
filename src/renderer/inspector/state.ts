/**
 * The inspector's view state in the URL hash query (`#/inspector/capture/<id>?view=flame&si=inuse_space&q=leak`),
 * so a view can be linked and reloaded. Parsing is total: anything unknown falls back to a default.
 */
import type { Granularity } from '../../analysis/pprof/index.js';

/** The inspector's views, in the order the number keys pick them (1 = top). */
export const INSPECTOR_VIEWS = ['top', 'flame', 'diff', 'goroutines', 'fds', 'memory'] as const;
export type InspectorView = (typeof INSPECTOR_VIEWS)[number];

/** Diff table filters. */
export const DIFF_FILTERS = ['all', 'grown', 'shrunk', 'new', 'removed'] as const;
export type DiffFilter = (typeof DIFF_FILTERS)[number];

const GRANULARITIES: readonly Granularity[] = ['functions', 'filefunctions', 'files', 'lines'];

/** Top table columns a person can sort by. */
export const TOP_SORT_KEYS = ['flat', 'flatPct', 'sumPct', 'cum', 'cumPct', 'name'] as const;
export type TopSortKey = (typeof TOP_SORT_KEYS)[number];

/** Everything a link to an inspector view carries. */
export interface InspectorState {
  /** The view shown ("" = the capture's default: goroutines for a goroutine capture, FDs for a system snapshot, else top). */
  view: InspectorView | '';
  /** The profile file shown ("" = the capture's first profile). */
  file: string;
  /** Sample type ("" = the profile's default). */
  sampleType: string;
  granularity: Granularity;
  search: string;
  /** Zoomed flame frame as a path of names from the root (see zoomPathOf), "" = not zoomed. */
  zoom: string;
  /** Capture to diff against ("" = the target's baseline, else the previous capture of the same kind). */
  base: string;
  /** Diff sizes normalised to the totals. */
  normalize: boolean;
  /** Icicle (root at the top) instead of a flame (root at the bottom). */
  icicle: boolean;
  /** Function whose callers and callees are shown ("" = none). */
  sandwich: string;
  diffFilter: DiffFilter;
  sort: TopSortKey;
  /** Ascending instead of descending. */
  sortAsc: boolean;
  /** The top table lists every function, not only those pprof prints (cum ≥ 0.5 % of the total). */
  showAll: boolean;
}

/** The state of a bare capture link. */
export const DEFAULT_STATE: InspectorState = {
  view: '',
  file: '',
  sampleType: '',
  granularity: 'functions',
  search: '',
  zoom: '',
  base: '',
  normalize: false,
  icicle: false,
  sandwich: '',
  diffFilter: 'all',
  sort: 'flat',
  sortAsc: false,
  showAll: false,
};

const pick = <T extends string>(options: readonly T[], v: string | null, fallback: T): T => (v !== null && (options as readonly string[]).includes(v) ? (v as T) : fallback);

/** Splits a hash into its path and query. */
function splitHash(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  return { path: q >= 0 ? raw.slice(0, q) : raw, query: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
}

/** Reads the inspector state from a hash; unknown or missing keys take their defaults. */
export function parseInspectorState(hash: string): InspectorState {
  const { query: q } = splitHash(hash);
  return {
    view: pick<InspectorView | ''>(INSPECTOR_VIEWS, q.get('view'), ''),
    file: /^[a-z0-9][a-z0-9._-]{0,63}$/.test(q.get('file') ?? '') ? q.get('file')! : '',
    sampleType: q.get('si') ?? '',
    granularity: pick(GRANULARITIES, q.get('g'), DEFAULT_STATE.granularity),
    search: q.get('q') ?? '',
    zoom: q.get('z') ?? '',
    base: /^[a-z0-9][a-z0-9-]{0,63}$/.test(q.get('base') ?? '') ? q.get('base')! : '',
    normalize: q.get('norm') === '1',
    icicle: q.get('icicle') === '1',
    sandwich: q.get('sw') ?? '',
    diffFilter: pick(DIFF_FILTERS, q.get('df'), DEFAULT_STATE.diffFilter),
    sort: pick(TOP_SORT_KEYS, q.get('sort'), DEFAULT_STATE.sort),
    sortAsc: q.get('asc') === '1',
    showAll: q.get('all') === '1',
  };
}

/** Writes the state into a hash, keeping its path and any keys the inspector does not own; defaults are left out. */
export function formatInspectorState(hash: string, s: InspectorState): string {
  const { path, query } = splitHash(hash);
  const set = (k: string, v: string, def: string) => (v === def ? query.delete(k) : query.set(k, v));
  set('view', s.view, DEFAULT_STATE.view);
  set('file', s.file, '');
  set('si', s.sampleType, '');
  set('g', s.granularity, DEFAULT_STATE.granularity);
  set('q', s.search, '');
  set('z', s.zoom, '');
  set('base', s.base, '');
  set('norm', s.normalize ? '1' : '0', '0');
  set('icicle', s.icicle ? '1' : '0', '0');
  set('sw', s.sandwich, '');
  set('df', s.diffFilter, DEFAULT_STATE.diffFilter);
  set('sort', s.sort, DEFAULT_STATE.sort);
  set('asc', s.sortAsc ? '1' : '0', '0');
  set('all', s.showAll ? '1' : '0', '0');
  const qs = query.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}
