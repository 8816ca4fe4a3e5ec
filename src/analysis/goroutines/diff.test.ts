import { describe, expect, it } from 'vitest';
import { diffGoroutineDumps, formatGoroutineDiffText, formatGoroutineDumpText, parseGoroutineDump } from './index.js';

/** A debug=2 dump: `n` goroutines per stack, each stack one frame named after it. */
function dump(stacks: Record<string, { n: number; state?: string; minutes?: number }>): string {
  let id = 1;
  const out: string[] = [];
  for (const [fn, { n, state = 'chan receive', minutes = 0 }] of Object.entries(stacks)) {
    for (let i = 0; i < n; i++) {
      out.push(`goroutine ${id++} [${state}${minutes ? `, ${minutes} minutes` : ''}]:\nmain.${fn}(0xc${i.toString(16)})\n\t/src/main.go:${fn.length} +0x25\ncreated by main.start in goroutine 1\n\t/src/main.go:99 +0x2e\n`);
    }
  }
  return out.join('\n');
}

describe('diffGoroutineDumps', () => {
  const base = parseGoroutineDump(dump({ leak: { n: 5 }, worker: { n: 4, state: 'select' }, gone: { n: 2 }, same: { n: 1, state: 'running' } }));
  const later = parseGoroutineDump(dump({ leak: { n: 305, minutes: 20 }, worker: { n: 1, state: 'select' }, fresh: { n: 7, state: 'IO wait' }, same: { n: 1, state: 'running' } }));
  const diff = diffGoroutineDumps(base, later);

  it('lists the groups that grew, largest growth first, new ones included', () => {
    expect(diff.baseTotal).toBe(12);
    expect(diff.total).toBe(314);
    expect(diff.delta).toBe(302);
    expect(diff.grew.map((c) => [c.group.topFrame!.function, c.status, c.baseCount, c.count, c.delta])).toEqual([
      ['main.leak', 'grew', 5, 305, 300],
      ['main.fresh', 'new', 0, 7, 7],
    ]);
    expect(diff.grew[0]!.group.longWait).toBe(true);
  });

  it('lists new, gone and shrunk groups and counts the unchanged', () => {
    expect(diff.added.map((c) => c.group.topFrame!.function)).toEqual(['main.fresh']);
    expect(diff.removed.map((c) => [c.group.topFrame!.function, c.status, c.baseCount, c.count, c.delta])).toEqual([['main.gone', 'gone', 2, 0, -2]]);
    expect(diff.shrank.map((c) => [c.group.topFrame!.function, c.delta])).toEqual([['main.worker', -3]]);
    expect(diff.unchangedGroups).toBe(1);
  });

  it('matches groups by stack, not by goroutine ids or arguments', () => {
    expect(diffGoroutineDumps(later, parseGoroutineDump(dump({ same: { n: 1, state: 'running' }, fresh: { n: 7, state: 'IO wait' }, worker: { n: 1, state: 'select' }, leak: { n: 305 } })))).toMatchObject({
      grew: [],
      shrank: [],
      removed: [],
      unchangedGroups: 4,
    });
  });

  it('prints the growth as text', () => {
    const text = formatGoroutineDiffText(diff);
    expect(text.split('\n')[0]).toBe('goroutines 12 → 314 (+302); 2 stacks grew (1 new), 1 shrank, 1 gone, 1 unchanged');
    expect(text).toContain('!! +300 (5 → 305) in main.leak · chan receive · waiting 20 min · key ');
    expect(text).toContain('!  +7 (0 → 7) new in main.fresh · IO wait · key ');
    expect(text).toContain('       main.leak  /src/main.go:4');
    expect(text.indexOf('Grew:')).toBeLessThan(text.indexOf('Shrank:'));
    expect(text.indexOf('Shrank:')).toBeLessThan(text.indexOf('Gone:'));
  });
});

describe('formatGoroutineDumpText', () => {
  it('shows groups largest first with states, wait range, creator and top frames', () => {
    const d = parseGoroutineDump(dump({ a: { n: 3, minutes: 12 }, b: { n: 1, state: 'running' } }) + '\n' + dump({ a: { n: 1 } }).replace('goroutine 1 ', 'goroutine 50 '));
    const text = formatGoroutineDumpText(d);
    const lines = text.split('\n');
    expect(lines[0]).toBe("5 goroutines in 2 stacks (debug=2); 4 in suspicious stacks (!: blocked on a channel, select, lock, IO or sleep; not main, nor what waits by design: a listener's Accept, the signal loop, an idle HTTP connection of a server or a client pool, unless more than 100 in one stack or 10 or more new since the base), 4 of them in stacks where some have waited ≥ 10 min (!!)");
    expect(lines[2]).toMatch(/^!! 4 goroutines in main\.a · chan receive · waiting up to 12 min · key [0-9a-f]{16}$/);
    expect(lines[3]).toBe('     created by main.start at /src/main.go:99');
    expect(lines[4]).toBe('       main.a  /src/main.go:1');
    expect(text).toMatch(/\n {3}1 goroutine in main\.b · running · key /);
  });

  it('limits groups and frames when asked', () => {
    const d = parseGoroutineDump(dump({ a: { n: 3 }, b: { n: 2 }, c: { n: 1 } }));
    const text = formatGoroutineDumpText(d, { maxGroups: 1 });
    expect(text).toContain('… 2 more stacks');
    expect(text.match(/ goroutines? in main\./g)).toHaveLength(1);
  });
});
