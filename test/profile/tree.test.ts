import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { callTree, decodeProfile, prepareStacks, sandwich, toNested, top, type CallTree } from '../../src/analysis/pprof/index.js';
import { synthProfile } from './synth.js';

const profile = decodeProfile(
  synthProfile(
    ['space/bytes'],
    [
      { stack: ['leaf', 'mid', 'main'], values: [10] },
      { stack: ['mid', 'main'], values: [5] },
      { stack: ['rec', 'rec', 'rec', 'main'], values: [7] },
      { stack: ['other', 'main'], values: [3] },
    ],
  ),
);
const base = decodeProfile(synthProfile(['space/bytes'], [{ stack: ['leaf', 'mid', 'main'], values: [4] }, { stack: ['gone', 'main'], values: [2] }]));

describe('callTree', () => {
  it('merges stacks root to leaf with self and total', () => {
    expect(toNested(callTree({ profile }))).toEqual({
      name: 'root',
      self: 0,
      total: 25,
      children: [
        {
          name: 'main',
          self: 0,
          total: 25,
          children: [
            { name: 'mid', self: 5, total: 15, children: [{ name: 'leaf', self: 10, total: 10, children: [] }] },
            {
              name: 'rec',
              self: 0,
              total: 7,
              children: [{ name: 'rec', self: 0, total: 7, children: [{ name: 'rec', self: 7, total: 7, children: [] }] }],
            },
            { name: 'other', self: 3, total: 3, children: [] },
          ],
        },
      ],
    });
  });

  it('keeps base values apart in a diff tree', () => {
    const t = toNested(callTree({ profile, base }));
    expect(t.total).toBe(25);
    expect(t.base).toEqual({ self: 0, total: 6 });
    const main = t.children[0]!;
    const mid = main.children.find((c) => c.name === 'mid')!;
    expect(mid.base).toEqual({ self: 0, total: 4 });
    expect(main.children.find((c) => c.name === 'gone')).toMatchObject({ total: 0, base: { self: 2, total: 2 } });
  });

  it('counts a recursive frame once per sample in top, but at every depth in the tree', () => {
    const rows = top({ profile }, { nodeFraction: 0 }).rows;
    expect(rows.find((r) => r.name === 'rec')).toMatchObject({ flat: 7, cum: 7 });
  });

  it('builds the sandwich of a function: its callers inverted, its callees below', () => {
    const st = prepareStacks({ profile });
    const { callers, callees } = sandwich(st, 'mid');
    expect(toNested(callers)).toMatchObject({ total: 15, children: [{ name: 'mid', total: 15, self: 0, children: [{ name: 'main', total: 15, self: 15 }] }] });
    expect(toNested(callees)).toMatchObject({ total: 15, children: [{ name: 'mid', total: 15, self: 5, children: [{ name: 'leaf', total: 10, self: 10 }] }] });
    const rec = sandwich(st, 'rec');
    expect(toNested(rec.callees).children[0]).toMatchObject({ name: 'rec', total: 7 });
    expect(toNested(sandwich(st, 'nothing').callers).total).toBe(0);
  });

  it('applies the same filters as top', () => {
    const t = toNested(callTree({ profile }, { hide: '^main$', focus: 'leaf|rec' }));
    expect(t.children.map((c) => c.name).sort()).toEqual(['mid', 'rec']);
    expect(t.total).toBe(17);
  });

  it('agrees with top on a real CPU profile: each function cum equals the tree total over its outermost occurrences', () => {
    const cpu = decodeProfile(readFileSync(join(import.meta.dirname, '..', 'golden', 'cpu-1.pb.gz')), { gunzip: (b) => gunzipSync(b) });
    const tree = callTree({ profile: cpu });
    const rows = top({ profile: cpu }, { nodeFraction: 0 }).rows;
    const cumOf = (t: CallTree, name: string): number => {
      let sum = 0;
      const visit = (n: number, inside: boolean): void => {
        const here = n !== 0 && t.names[t.frame[n]!] === name;
        if (here && !inside) sum += t.total[n]!;
        for (let c = t.firstChild[n]!; c >= 0; c = t.nextSibling[c]!) visit(c, inside || here);
      };
      visit(0, false);
      return sum;
    };
    for (const r of rows.slice(0, 15)) expect(cumOf(tree, r.name)).toBe(r.cum);
    expect(tree.total[0]).toBe(rows.reduce((a, r) => a + r.flat, 0));
  });
});
