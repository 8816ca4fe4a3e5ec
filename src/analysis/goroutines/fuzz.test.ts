import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import debug2Raw from '../../../../shared/samples/goroutine-debug2-1.txt?raw';
import debug1Raw from '../../../../shared/samples/goroutine-debug1-1.txt?raw';
import go121Raw from '../../../../shared/samples/goroutine-stack-go121-1.txt?raw';
import heapRaw from '../../../../shared/samples/heap-debug1-1.txt?raw';
import { isLeakbarError } from '../../shared/errors.js';
import { parseHeapDump } from '../heapdump.js';
import { diffGoroutineDumps, formatGoroutineDumpText, parseGoroutineDump, parseLabels, type GoroutineDump } from './index.js';

/** Runs `parse`; anything thrown must be a LeakbarError. Returns the result or null. */
function onlyLeakbarErrors<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch (e) {
    if (!isLeakbarError(e)) throw e;
    expect(e.message.length).toBeGreaterThan(0);
    return null;
  }
}

/** What every parsed dump must hold, whatever the input. */
function checkDump(d: GoroutineDump): void {
  expect(d.total).toBeGreaterThanOrEqual(0);
  for (const g of d.groups) {
    expect(g.key).toMatch(/^[0-9a-f]{16}$/);
    expect(g.count).toBeGreaterThanOrEqual(0);
    if (d.format === 'debug=2') {
      expect(g.goroutineIds).toHaveLength(g.count);
      expect(g.states.reduce((s, x) => s + x.count, 0)).toBe(g.count);
    }
  }
  if (d.format === 'debug=2') expect(d.groups.reduce((s, g) => s + g.count, 0)).toBe(d.total);
  expect(new Set(d.groups.map((g) => g.key)).size).toBe(d.groups.length);
  formatGoroutineDumpText(d);
  diffGoroutineDumps(d, d);
}

/** Lines dumps are made of, and near misses of them. */
const dumpLine = fc.oneof(
  fc.constantFrom(
    'goroutine 1 [running]:',
    'goroutine 22 [chan receive, 5 minutes]:',
    'goroutine 3 [select, 1 minutes, locked to thread]:',
    'goroutine 4 [IO wait, labels:{"a":"b"}]:',
    'goroutine 5 [sleep]{"k": "v"}:',
    'goroutine 6 [',
    'goroutine 7 ]:[',
    'goroutine x [running]:',
    'goroutine 99999999999999999999999 [running]:',
    'goroutine profile: total 3',
    'goroutine profile: total x',
    'heap profile: 1: 2 [3: 4] @ heap/1048576',
    'main.f(0xc000010000, {0x1, 0x2})',
    'main.(*T).m(...)',
    'runtime.gopark(0x0?)',
    'main.f(',
    ')',
    '(',
    '\t/src/main.go:10 +0x25',
    '\t/src/main.go:',
    '\t:',
    '\t',
    '\t/src/main.go:10 +0x25 fp=0xc sp=0xc pc=0x4',
    'created by main.main',
    'created by main.main in goroutine 1',
    'created by main.main in goroutine x',
    'created by ',
    '...additional frames elided...',
    '...5 frames elided...',
    '[originating from goroutine 1]:',
    '3 @ 0x43b256 0x407e5b',
    '0 @',
    '1: 2 [3: 4] @ 0x1',
    '# labels: {"a":"b"}',
    '#\t0x675284\tmain.waitForever+0x24\t/src/main.go:52',
    '#\t0x675284',
    '#\t',
    '#\t\t\t',
    '# runtime.MemStats',
    '# Alloc = 12',
    '# Stack = 1 / 2',
    '',
    '\r',
    '<html>',
  ),
  fc.string({ maxLength: 30 }),
);

describe('goroutine and heap parsers on arbitrary input', () => {
  it('throw nothing but a LeakbarError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const d = onlyLeakbarErrors(() => parseGoroutineDump(text));
        if (d) checkDump(d);
        onlyLeakbarErrors(() => parseHeapDump(text));
        onlyLeakbarErrors(() => parseLabels(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('throw nothing but a LeakbarError on text made of dump lines and near misses', () => {
    fc.assert(
      fc.property(fc.array(dumpLine, { maxLength: 60 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        const d = onlyLeakbarErrors(() => parseGoroutineDump(text, { keepGoroutines: true, longWaitMinutes: 2 }));
        if (d) checkDump(d);
        const h = onlyLeakbarErrors(() => parseHeapDump(text));
        if (h) expect(Array.isArray(h.records)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('throw nothing but a LeakbarError on real dumps cut, spliced and shuffled', () => {
    const texts = [debug2Raw, debug1Raw, go121Raw, heapRaw];
    fc.assert(
      fc.property(fc.nat(texts.length - 1), fc.nat(), fc.nat(), fc.string({ maxLength: 20 }), (which, a, b, insert) => {
        const t = texts[which]!;
        const i = a % (t.length + 1);
        const j = b % (t.length + 1);
        const text = t.slice(0, Math.min(i, j)) + insert + t.slice(Math.max(i, j));
        const d = onlyLeakbarErrors(() => parseGoroutineDump(text));
        if (d) checkDump(d);
        onlyLeakbarErrors(() => parseHeapDump(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse an HTML page or an empty body with a clear LeakbarError', () => {
    for (const parse of [(t: string) => parseGoroutineDump(t), (t: string) => parseHeapDump(t)]) {
      for (const [text, code, words] of [
        ['', 'empty-profile', 'empty'],
        ['\n', 'empty-profile', 'empty'],
        ['<html><head><title>/debug/pprof/</title></head><body>…</body></html>', 'not-a-profile', 'HTML page'],
      ] as const) {
        try {
          parse(text);
          expect.unreachable();
        } catch (e) {
          expect(isLeakbarError(e, code)).toBe(true);
          expect((e as Error).message).toContain(words);
          expect(isLeakbarError(e) && e.hint).toBeTruthy();
        }
      }
    }
  });
});
