// The test reads golden profiles from disk; the module under test stays free of Node.
// eslint-disable-next-line no-restricted-imports
import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnalysisSession } from './analysis-core.js';
import { nodeName, searchShare, matchFrames } from './flame-layout.js';
import { pprofPercent, pprofValue } from './table-model.js';

const golden = (name: string) => fileURLToPath(new URL(`../../../test/golden/${name}`, import.meta.url));
const bytesOf = (name: string): ArrayBuffer => {
  const b = readFileSync(golden(name));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

/** The rows of a `go tool pprof -top` golden: [flat, flat%, sum%, cum, cum%, name]. */
function goldenRows(text: string): string[][] {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => l.trimStart().startsWith('flat  flat%'));
  return lines
    .slice(head + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(l)!;
      return [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!.replace(/ \((partial-)?inline\)$/, '')];
    });
}

describe('the analysis session (what the worker runs)', () => {
  it('opens a gzipped heap profile and reports its sample types and default', async () => {
    const s = new AnalysisSession();
    const { result } = await s.handle({ type: 'open', key: 'a/heap.pb.gz', bytes: bytesOf('heap-1.pb.gz') });
    expect(result.sampleTypes.map((t) => t.type)).toEqual(['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    expect(result.defaultSampleType).toBe('inuse_space');
    expect(result.sampleCount).toBeGreaterThan(0);
  });

  it('gives the top table with the numbers go tool pprof -top prints', async () => {
    const s = new AnalysisSession();
    await s.handle({ type: 'open', key: 'a', bytes: bytesOf('heap-1.pb.gz') });
    const { result, transfer } = await s.handle({ type: 'profile', key: 'a', sampleType: 'inuse_space', granularity: 'functions' });
    const top = result.top;
    const want = goldenRows(readFileSync(golden('heap-1.inuse_space.txt'), 'utf8'));
    let sum = 0;
    want.forEach((w, i) => {
      sum += top.flat[i]!;
      expect([pprofValue(top.flat[i]!, top), pprofPercent(top.flat[i]!, top.total), pprofPercent(sum, top.total), pprofValue(top.cum[i]!, top), pprofPercent(top.cum[i]!, top.total), top.names[i]]).toEqual(w);
    });
    expect(transfer.length).toBeGreaterThan(5);
    // The flame layout's root holds the whole profile.
    expect(result.flame.totalValue[0]).toBe(top.total);
  });

  it('compares two heap profiles per function and lays out the diff tree with base values', async () => {
    const s = new AnalysisSession();
    await s.handle({ type: 'open', key: 'a', bytes: bytesOf('heap-1.pb.gz') });
    await s.handle({ type: 'open', key: 'b', bytes: bytesOf('heap-2.pb.gz') });
    const { result } = await s.handle({ type: 'diff', key: 'b', baseKey: 'a', sampleType: 'inuse_space', granularity: 'functions' });
    const c = result.columns;
    expect(c.names.length).toBeGreaterThan(0);
    let flatSum = 0;
    let baseSum = 0;
    for (let i = 0; i < c.names.length; i++) {
      flatSum += c.flat[i]!;
      baseSum += c.baseFlat[i]!;
    }
    expect(flatSum).toBeCloseTo(c.total);
    expect(baseSum).toBeCloseTo(c.baseTotal);
    expect(result.flame.baseTotalValue![0]).toBeCloseTo(c.baseTotal);
    expect(result.flame.totalValue[0]).toBeCloseTo(c.total);
  });

  it('builds the sandwich of a function: it is the root of both trees', async () => {
    const s = new AnalysisSession();
    await s.handle({ type: 'open', key: 'a', bytes: bytesOf('heap-1.pb.gz') });
    const { result } = await s.handle({ type: 'sandwich', key: 'a', sampleType: 'inuse_space', granularity: 'functions', name: 'runtime.malg' });
    expect(nodeName(result.callers, 1)).toBe('runtime.malg');
    expect(nodeName(result.callees, 1)).toBe('runtime.malg');
    expect(result.callers.totalValue[1]).toBeGreaterThan(0);
  });

  it('counts a searched function once per stack in the flame layout', async () => {
    const s = new AnalysisSession();
    await s.handle({ type: 'open', key: 'a', bytes: bytesOf('heap-1.pb.gz') });
    const { result } = await s.handle({ type: 'profile', key: 'a', sampleType: 'inuse_space', granularity: 'functions' });
    // Any function of the profile will do: one whose name is plain text, with some cum, not the first row.
    const i = result.top.names.findIndex((n, k) => k > 0 && /^[\w./]+$/.test(n) && result.top.cum[k]! > 0);
    expect(i).toBeGreaterThan(0);
    const share = searchShare(result.flame, matchFrames(result.flame.names, result.top.names[i]!)!, 0);
    expect(share.value).toBeCloseTo(result.top.cum[i]!);
  });

  it('groups a goroutine dump and finds the group that grew', async () => {
    const s = new AnalysisSession();
    const dump = (n: number) =>
      [
        'goroutine 1 [running]:\nmain.main()\n\t/src/main.go:10 +0x1\n',
        ...Array.from({ length: n }, (_, k) => `goroutine ${k + 10} [chan receive, 3 minutes]:\nmain.waitForever()\n\t/src/main.go:52 +0x1\ncreated by main.leakGoroutines in goroutine 1\n\t/src/main.go:47 +0x2\n`),
      ].join('\n');
    const enc = (t: string) => new TextEncoder().encode(t).buffer as ArrayBuffer;
    const { result } = await s.handle({ type: 'goroutines', text: enc(dump(300)), baseText: enc(dump(2)) });
    expect(result.dump.total).toBe(301);
    const g = result.dump.groups[0]!;
    expect(g.count).toBe(300);
    expect(g.suspicious).toBe(true);
    expect(result.diff!.grew[0]!.delta).toBe(298);
  });

  it('fails a corrupt profile with the decoder\'s code', async () => {
    const s = new AnalysisSession();
    await expect(s.handle({ type: 'open', key: 'x', bytes: new TextEncoder().encode('<html>nope</html>').buffer as ArrayBuffer })).rejects.toMatchObject({ code: 'not-a-profile' });
  });
});
