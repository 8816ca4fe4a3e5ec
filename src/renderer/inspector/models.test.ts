import { describe, expect, it } from 'vitest';
import { packageOf, packageHue } from './colors.js';
import { buildExportHtml, escapeHtml } from './export-html.js';
import { diffFds, summarizeFds, type FdSnapshot } from './fd-model.js';
import { DEFAULT_STATE, formatInspectorState, parseInspectorState } from './state.js';
import { diffRows, topView } from './table-model.js';
import type { DiffColumns, TopColumns } from './protocol.js';

describe('the inspector URL state', () => {
  it('round-trips every field through the hash query and keeps the route path', () => {
    const s = { ...DEFAULT_STATE, showAll: true, view: 'flame' as const, sampleType: 'alloc_space', search: 'main.leak Heap', zoom: 'main.main;main.leakHeap', base: 'abc-1', normalize: true, icicle: true, sandwich: 'net/http.(*conn).serve', diffFilter: 'grown' as const, sort: 'cum' as const, sortAsc: true, granularity: 'lines' as const };
    const hash = formatInspectorState('#/inspector/capture/c-1', s);
    expect(hash.startsWith('#/inspector/capture/c-1?')).toBe(true);
    expect(parseInspectorState(hash)).toEqual(s);
  });

  it('falls back to defaults for unknown values and leaves defaults out of the link', () => {
    expect(parseInspectorState('#/inspector/capture/c?view=nope&g=bytes&df=x&base=../etc')).toEqual(DEFAULT_STATE);
    expect(formatInspectorState('#/inspector/capture/c?view=top', DEFAULT_STATE)).toBe('#/inspector/capture/c');
  });
});

const top: TopColumns = { names: ['b', 'a', 'c'], flat: Float64Array.from([50, 30, 20]), cum: Float64Array.from([50, 90, 20]), inline: new Uint8Array(3), inlineAll: new Uint8Array(3), pprofKept: Uint8Array.from([1, 1, 1]), total: 100, unit: 'bytes', outputUnit: 'B', labels: [] };

describe('the top table model', () => {
  it('keeps pprof order by flat, sorts by cum or name, and runs sum% in display order', () => {
    const v = topView(top, null, 'flat', false);
    expect([...v.order]).toEqual([0, 1, 2]);
    expect([...v.runningFlat]).toEqual([50, 80, 100]);
    expect([...topView(top, null, 'cum', false).order]).toEqual([1, 0, 2]);
    expect([...topView(top, null, 'name', true).order]).toEqual([1, 0, 2]);
  });

  it('filters rows by the search and sums what the matches account for', () => {
    const v = topView(top, Uint8Array.from([0, 1, 1]), 'flat', false);
    expect([...v.order]).toEqual([1, 2]);
    expect(v.matchedFlat).toBe(50);
  });
});

describe('the diff table model', () => {
  const cols: DiffColumns = { names: ['grew', 'shrank', 'new', 'gone', 'same'], baseFlat: Float64Array.from([10, 50, 0, 5, 7]), baseCum: new Float64Array(5), flat: Float64Array.from([40, 20, 9, 0, 7]), cum: new Float64Array(5), baseTotal: 72, total: 76, unit: 'bytes' };
  it('marks each function new, removed, grown, shrunk or same, biggest change first', () => {
    const rows = diffRows(cols, 'flat', false, 'all', null);
    expect(rows.map((r) => [r.name, r.status, r.delta])).toEqual([
      ['grew', 'grown', 30],
      ['shrank', 'shrunk', -30],
      ['new', 'new', 9],
      ['gone', 'removed', -5],
      ['same', 'same', 0],
    ]);
    expect(diffRows(cols, 'flat', false, 'grown', null).map((r) => r.name)).toEqual(['grew', 'new']);
    expect(diffRows(cols, 'flat', false, 'removed', null).map((r) => r.name)).toEqual(['gone']);
  });
  it('scales the base to the current total when normalized', () => {
    const r = diffRows(cols, 'flat', true, 'all', null).find((x) => x.name === 'same')!;
    expect(r.base).toBeCloseTo((7 * 76) / 72);
  });
});

describe('the FD model', () => {
  const entry = (fd: number, name: string, type: 'file' | 'pipe' = 'file') => ({ fd: String(fd), type, name });
  const base: FdSnapshot = { breakdown: null, entries: [entry(0, '/dev/null'), entry(3, '/tmp/leaky-1-0.dat'), entry(4, 'pipe:[1]', 'pipe')] };
  const cur: FdSnapshot = { breakdown: null, entries: [...base.entries!, ...Array.from({ length: 5 }, (_, i) => entry(10 + i, '/tmp/leaky-1-0.dat'))] };
  it('counts types and files open more than once', () => {
    const s = summarizeFds(cur);
    expect(s.total).toBe(8);
    expect(s.byType[0]).toEqual({ type: 'file', count: 7 });
    expect(s.repeated).toEqual([{ name: '/tmp/leaky-1-0.dat', count: 6 }]);
  });
  it('lists what grew since an earlier snapshot', () => {
    const d = diffFds(base, cur);
    expect(d.total - d.totalBase).toBe(5);
    expect(d.changes.find((c) => c.what === 'file')).toMatchObject({ name: '/tmp/leaky-1-0.dat', delta: 5 });
  });
});

describe('colours and export', () => {
  it('names Go packages and hashes them to stable hues', () => {
    expect(packageOf('net/http.(*conn).serve')).toBe('net/http');
    expect(packageOf('main.leakHeap')).toBe('main');
    expect(packageOf('github.com/a/b.(*T).M.func1')).toBe('github.com/a/b');
    expect(packageHue('main')).toBe(packageHue('main'));
  });
  it('escapes everything it writes into the exported HTML', () => {
    expect(escapeHtml('<a href="x">&\'')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    const html = buildExportHtml({ title: 'T<', facts: ['f'], tables: [{ caption: 'c', columns: ['n'], numeric: [], rows: [['<script>']] }], imageDataUrl: null, imageAlt: '' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });
});
