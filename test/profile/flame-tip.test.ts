/**
 * Flame tooltips say what their numbers are: in the main flame graph, a frame's cum and flat as shares of the
 * profile; in the sandwich's trees, the part of the function's total through a caller (and the part whose
 * stacks start there), or a callee's cum and flat within the function's calls, as shares of the function and
 * of the profile (the reviewer's case: main.rec flat 20 ms, cum 50 ms of 60 ms; main.main has no self time).
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AnalysisSession } from '../../src/renderer/inspector/analysis-core.js';
import { nodeName, type FlameLayout } from '../../src/renderer/inspector/flame-layout.js';
import { flameTipLines } from '../../src/renderer/inspector/flame-tip.js';
import { synthProfile } from './synth.js';

const MS = 1e6;
const nodeOf = (l: FlameLayout, path: string[]): number => {
  let node = 0;
  for (const name of path) {
    let found = -1;
    for (let i = node + 1; i < l.subtreeEnd[node]!; i++) if (l.parent[i] === node && nodeName(l, i) === name) found = i;
    if (found < 0) throw new Error(`no ${path.join(' > ')}`);
    node = found;
  }
  return node;
};

describe('flame tooltips', () => {
  it('label the sandwich trees’ numbers for what they are, with shares of the function and of the profile', async () => {
    const bytes = gzipSync(
      synthProfile(
        ['samples/count', 'cpu/nanoseconds'],
        [
          { stack: ['main.rec', 'main.rec', 'main.main'], values: [2, 20 * MS] },
          { stack: ['main.work', 'main.rec', 'main.main'], values: [3, 30 * MS] },
          { stack: ['main.other', 'main.main'], values: [1, 10 * MS] },
        ],
      ),
    );
    const s = new AnalysisSession();
    await s.handle({ type: 'open', key: 'p', bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    const flame = (await s.handle({ type: 'profile', key: 'p', sampleType: 'cpu', granularity: 'functions' })).result.flame;
    expect(flameTipLines(flame, nodeOf(flame, ['main.main']), 0)).toEqual([
      ['total', '60ms · 100.0%'],
      ['self', '0 · 0%'],
    ]);
    const sw = (await s.handle({ type: 'sandwich', key: 'p', sampleType: 'cpu', granularity: 'functions', name: 'main.rec' })).result;
    const tip = (kind: 'callers' | 'callees') => ({ kind, fn: 'main.rec', profileTotal: flame.totalValue[0]! });
    expect(flameTipLines(sw.callers, 1, 1, tip('callers'))).toEqual([
      ['main.rec, in all', '50ms · 100.0% of main.rec · 83.3% of the profile'],
      ['of which stacks start here', '0 · 0% of main.rec · 0% of the profile'],
    ]);
    // main.main has no self time: in the callers tree its "self" is main.rec's time in stacks that start at main.main.
    const callerMain = nodeOf(sw.callers, ['main.rec', 'main.main']);
    expect(flameTipLines(sw.callers, callerMain, 1, tip('callers'))).toEqual([
      ['main.rec called through here', `${sw.callers.totalValue[callerMain]! / MS}ms · ${((sw.callers.totalValue[callerMain]! / (50 * MS)) * 100).toFixed(1)}% of main.rec · ${((sw.callers.totalValue[callerMain]! / (60 * MS)) * 100).toFixed(1)}% of the profile`],
      ['of which stacks start here', `${sw.callers.selfValue[callerMain]! / MS}ms · ${((sw.callers.selfValue[callerMain]! / (50 * MS)) * 100).toFixed(1)}% of main.rec · ${((sw.callers.selfValue[callerMain]! / (60 * MS)) * 100).toFixed(1)}% of the profile`],
    ]);
    expect(sw.callers.selfValue[callerMain]).toBeGreaterThan(0);
    const work = nodeOf(sw.callees, ['main.rec', 'main.work']);
    expect(flameTipLines(sw.callees, work, 1, tip('callees'))).toEqual([
      ['total here, in calls from main.rec', '30ms · 60.0% of main.rec · 50.0% of the profile'],
      ['self here, in calls from it', '30ms · 60.0% of main.rec · 50.0% of the profile'],
    ]);
  });
});
