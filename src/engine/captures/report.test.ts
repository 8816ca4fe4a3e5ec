import { describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../shared/captures.js';
import { FD_TYPES, type FdBreakdown, type FdType } from '../../shared/types.js';
import { comparisonMarkdown, fdDiffRows, mdCell } from './compare.js';
import { buildReport, escapeHtml, reportHtml, reportMarkdown, sparklineSvg, sparklineText } from './report.js';

const meta = (id: string, startedMs: number, pid: number | null = 7): CaptureMeta => ({
  id, targetId: 't', kind: 'bundle', pid, startedMs, endedMs: startedMs + 1, files: [], figures: null, alertKey: null, baseline: false, pinned: false, note: '',
});
const byType = (over: Partial<Record<FdType, number>>) => ({ ...(Object.fromEntries(FD_TYPES.map((t) => [t, 0])) as Record<FdType, number>), ...over });

describe('reports', () => {
  it('draws text and SVG sparklines', () => {
    expect(sparklineText([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparklineText([3, 3, 3])).toBe('▄▄▄');
    expect(sparklineText([])).toBe('');
    const svg = sparklineSvg([[0, 1], [10, 3], [20, 2]], 100, 20);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="100" height="20"/);
    expect(svg).toContain('<path d="M2.0,18.0L50.0,2.0L98.0,10.0"');
  });

  it('escapes everything it prints into HTML and Markdown', () => {
    expect(escapeHtml(`<img src=x onerror="a">&'`)).toBe('&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;');
    expect(mdCell('a|b\nc')).toBe('a\\|b c');
    const r = buildReport({
      title: 'night <script>', targetId: 't', fromMs: 0, toMs: 3_600_000, generatedMs: 0,
      sections: [{ kind: 'heap', title: 'Heap', rows: [{ function: 'main.(*T).<b>', base: '0 B', current: '1 kB', delta: '+1 kB', deltaBytes: 1024 }] }],
    });
    const html = reportHtml(r);
    expect(html).not.toContain('<script>');
    expect(html).toContain('main.(*T).&lt;b&gt;');
    expect(reportMarkdown(r)).toContain('| main.(*T).<b> | 0 B | 1 kB | +1 kB |');
  });

  it('summarizes figures over the period, and notes a restart', () => {
    const samples = [
      { timeMs: 0, pid: 1, fds: 10 },
      { timeMs: 1000, pid: 1, fds: 30 },
      { timeMs: 2000, pid: 2, fds: 20 },
      { timeMs: 9000, pid: 2, fds: 99 },
    ];
    const r = buildReport({ title: 'x', targetId: 't', fromMs: 0, toMs: 2000, samples });
    expect(r.figures).toEqual([expect.objectContaining({ name: 'fds', first: 10, last: 20, min: 10, max: 30, points: [[0, 10], [1000, 30], [2000, 20]] })]);
    expect(r.notes).toEqual(['The process restarted during the period (PIDs 1, 2).']);
  });

  it('says first what grew: each figure that ended higher, and each section’s largest growth by name', () => {
    const samples = [
      { timeMs: 0, pid: 1, fds: 10, goroutines: 1200, threads: 9 },
      { timeMs: 3_600_000, pid: 1, fds: 1040, goroutines: 1005, threads: 9 },
    ];
    const b: FdBreakdown = { total: 10, byType: byType({ file: 2, ipv4: 8 }), repeated: [], patterns: [], limit: 1024 };
    const c: FdBreakdown = { total: 1040, byType: byType({ file: 1032, ipv4: 8 }), repeated: [{ name: '/x/session.jsonl', count: 1030 }], patterns: [], limit: 1024 };
    const sections = [
      { kind: 'heap' as const, title: 'Heap growth, a → b', rows: [{ function: 'main.leakHeap', base: '0 B', current: '35.0 MB', delta: '+35.0 MB', deltaBytes: 36_700_160 }] },
      { kind: 'goroutine' as const, title: 'Goroutine groups, a → b', rows: [{ group: 'main.waitForever', base: 50, current: 1005, delta: 955 }, { group: 'net/http.(*conn).serve', base: 4, current: 2, delta: -2 }] },
      { kind: 'fds' as const, title: 'FDs, a → b', rows: fdDiffRows({ breakdown: b, entries: null }, { breakdown: c, entries: null }) },
    ];
    const r = buildReport({ title: 'x', targetId: 't', fromMs: 0, toMs: 3_600_000, samples, base: meta('a', 0), current: meta('b', 3_600_000), sections });
    expect(r.summary).toEqual([
      'Open FDs: 10 → 1,040 (+1,030) over 1h',
      'Heap in use, by function: most in `main.leakHeap`, 0 B → 35.0 MB (+35.0 MB)',
      'Goroutines, by stack: most in `main.waitForever`, 50 → 1,005 (+955)',
      'Open FDs: most in `/x/session.jsonl`, 0 → 1,030 (+1,030)',
    ]);
    // Said before the tables, in both forms; counts written alike everywhere (1,005, not 1005).
    const md = reportMarkdown(r);
    expect(md.indexOf('## What grew')).toBeLessThan(md.indexOf('## Figures'));
    expect(md).toContain('| 50 | 1,005 | +955 |');
    expect(md).not.toMatch(/\b1005\b/);
    expect(reportHtml(r)).toContain('<h2>What grew</h2><ul class="summary"><li>Open FDs: 10 → 1,040 (+1,030) over 1h</li><li>Heap in use, by function: most in <code>main.leakHeap</code>');

    // Nothing grew: said so. With the base newer, the sections read backwards: only the figures are summed up.
    expect(buildReport({ title: 'x', targetId: 't', fromMs: 0, toMs: 1, samples: [{ timeMs: 0, pid: 1, fds: 5 }, { timeMs: 1, pid: 1, fds: 5 }] }).summary).toEqual([
      'Nothing grew: every figure ended at or below where it began, and no section found growth.',
    ]);
    const reversed = buildReport({ title: 'x', targetId: 't', fromMs: 0, toMs: 3_600_000, samples, base: meta('b', 3_600_000), current: meta('a', 0), sections });
    expect(reversed.summary).toEqual(['Open FDs: 10 → 1,040 (+1,030) over 1h']);
    // Nothing compared at all (no history, no section both captures have): not "nothing grew".
    expect(buildReport({ title: 'x', targetId: 't', fromMs: 0, toMs: 1, base: meta('a', 0), current: meta('b', 1) }).summary).toEqual([
      'Nothing to compare: no watcher history in the period, and no section both captures have.',
    ]);
    // A figure over a restart compares two processes, and says so.
    const restarted = buildReport({ title: 'x', targetId: 't', fromMs: 0, toMs: 3_600_000, samples: [samples[0]!, { ...samples[1]!, pid: 2 }] });
    expect(restarted.summary).toEqual(['Open FDs: 10 → 1,040 (+1,030) over 1h, across a restart']);
  });
});

describe('FD diff', () => {
  it('falls back to the breakdown when the collector lists no entries', () => {
    const b: FdBreakdown = { total: 10, byType: byType({ file: 2, ipv4: 8 }), repeated: [], patterns: [], limit: 1024 };
    const c: FdBreakdown = { total: 40, byType: byType({ file: 30, ipv4: 10 }), repeated: [{ name: '/x/session.jsonl', count: 28 }], patterns: [], limit: 1024 };
    expect(fdDiffRows({ breakdown: b, entries: null }, { breakdown: c, entries: null })).toEqual([
      { what: 'total', name: 'all', base: 10, current: 40, delta: 30 },
      { what: 'type', name: 'file', base: 2, current: 30, delta: 28 },
      { what: 'type', name: 'ipv4', base: 8, current: 10, delta: 2 },
      { what: 'file', name: '/x/session.jsonl', base: 0, current: 28, delta: 28 },
    ]);
  });

  it('flags a restart between the captures in the Markdown', () => {
    expect(comparisonMarkdown(meta('a', 0, 1), meta('b', 60_000, 2), [])).toContain('**the process restarted in between**');
  });
});
