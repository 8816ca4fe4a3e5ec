import { describe, expect, it } from 'vitest';
import { parseMemStats } from './memstats.js';

describe('parseMemStats', () => {
  it('splits the Inuse / Sys pairs and leaves arrays and booleans out', () => {
    const text = ['# runtime.MemStats', '# HeapAlloc = 10', '# Stack = 327680 / 491520', '# PauseNs = [1 2 3]', '# DebugGC = false', '# NumGC = 6', ''].join('\n');
    expect(parseMemStats(text)).toEqual({ HeapAlloc: 10, StackInuse: 327680, StackSys: 491520, NumGC: 6 });
  });
  // The real heap?debug=1 sample is read in src/collectors/pprof-http.test.ts: the analysis layer's tests use no Node file APIs.
  it('reads fractions and ignores the profile records before the section', () => {
    expect(parseMemStats('heap profile: 1: 2 [3: 4] @ heap/1\n# 0x1 main.main+0x1 /x.go:1\n\n# runtime.MemStats\n# GCCPUFraction = 0.0123\n# Alloc = 5\n')).toEqual({ GCCPUFraction: 0.0123, Alloc: 5 });
  });
  it('says parse-error without the section', () => {
    expect(() => parseMemStats('<html>')).toThrow(expect.objectContaining({ code: 'parse-error' }));
  });
});
