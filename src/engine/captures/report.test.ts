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
