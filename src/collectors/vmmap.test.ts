import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLeakbarError } from '../shared/errors.js';
import { parseVmmapSize, parseVmmapSummary } from './vmmap.js';

const sample = (name: string) => readFileSync(new URL(`../../../shared/samples/${name}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n');
const K = 1024;
const M = 1024 ** 2;
const G = 1024 ** 3;
const mb = (n: number) => Math.round(n * M);
const gb = (n: number) => Math.round(n * G);

describe('parseVmmapSize', () => {
  it.each([
    ['0K', 0],
    ['384K', 384 * K],
    ['16.0M', 16 * M],
    ['1.2G', Math.round(1.2 * G)],
    ['824', 824],
    ['1520', 1520],
    ['12%', null],
    ['abc', null],
  ])('%s is %s bytes', (text, bytes) => expect(parseVmmapSize(text)).toBe(bytes));
});

describe('parseVmmapSummary', () => {
  it('reads the whole macOS 13 x86-64 summary', () => {
    const m = parseVmmapSummary(sample('vmmap-summary-1.txt'));
    expect(m.source).toBe('vmmap');
    expect(m.physFootprintBytes).toBe(mb(100.3));
    expect(m.physFootprintPeakBytes).toBe(mb(100.3));
    expect(m.regions).toHaveLength(20);
    expect(m.regions[0]).toEqual({ name: 'Kernel Alloc Once', virtualBytes: 8 * K, residentBytes: 4 * K, dirtyBytes: 4 * K, swappedBytes: 0, regionCount: 1 });
    expect(m.regions.find((r) => r.name === 'MALLOC_LARGE')).toEqual({ name: 'MALLOC_LARGE', virtualBytes: mb(100), residentBytes: mb(100), dirtyBytes: mb(100), swappedBytes: 0, regionCount: 1 });
    expect(m.regions.find((r) => r.name === '__OBJC_RW')).toMatchObject({ virtualBytes: 1989 * K, residentBytes: 1341 * K, dirtyBytes: 1520, regionCount: 2 });
    expect(m.regions.at(-1)).toMatchObject({ name: 'unused but dirty shlib __DATA', virtualBytes: 15 * K, regionCount: 17 });
    // From the TOTAL row; the rows' counts add up to it.
    expect(m.regionCount).toBe(178);
    expect(m.regions.reduce((s, r) => s + r.regionCount, 0)).toBe(178);
    expect(m.rssBytes).toBe(mb(150.2));
    expect(m.swapBytes).toBe(0);
    expect(m.mallocZones).toEqual([
      { name: 'DefaultMallocZone_0x105051000', virtualBytes: mb(109), residentBytes: mb(100), dirtyBytes: mb(100), swappedBytes: 0, allocationCount: 176, allocatedBytes: mb(100) },
    ]);
  });

  it('reads the whole macOS 14 ARM64 summary with several malloc zones', () => {
    const m = parseVmmapSummary(sample('vmmap-summary-3.txt'));
    expect(m.physFootprintBytes).toBe(gb(1.7));
    expect(m.physFootprintPeakBytes).toBe(gb(1.8));
    expect(m.regions).toHaveLength(44);
    expect(m.regions.map((r) => r.name)).toContain('VM_ALLOCATE (reserved)');
    expect(m.regions.map((r) => r.name)).toContain('MALLOC_TINY (empty)');
    expect(m.regions.find((r) => r.name === 'IOAccelerator')).toEqual({ name: 'IOAccelerator', virtualBytes: mb(238), residentBytes: mb(161.4), dirtyBytes: mb(161.4), swappedBytes: mb(29.3), regionCount: 921 });
    expect(m.regions.find((r) => r.name === 'VM_ALLOCATE')).toMatchObject({ virtualBytes: gb(3.9), residentBytes: mb(729.9), swappedBytes: mb(238.3), regionCount: 5911 });
    expect(m.regions.find((r) => r.name === '__CTF')).toMatchObject({ virtualBytes: 824, residentBytes: 824, regionCount: 1 });
    expect(m.regions.find((r) => r.name === 'MALLOC_LARGE')).toMatchObject({ virtualBytes: 7616 * K, residentBytes: 1024 * K, regionCount: 28 });
    expect(m.regionCount).toBe(12542);
    expect(m.rssBytes).toBe(gb(2.0));
    expect(m.swapBytes).toBe(mb(580.7));
    expect(m.mallocZones.map((z) => z.name)).toEqual(['MallocHelperZone_0x102730000', 'DefaultMallocZone_0x10276c000', 'QuartzCore_0x17fff8000', 'DefaultPurgeableMallocZone_0x379aa8000']);
    expect(m.mallocZones[0]).toEqual({ name: 'MallocHelperZone_0x102730000', virtualBytes: gb(1.4), residentBytes: mb(125.1), dirtyBytes: mb(118.2), swappedBytes: mb(291.2), allocationCount: 50973, allocatedBytes: mb(345.1) });
    expect(m.mallocZones[1]).toMatchObject({ swappedBytes: 3632 * K, allocationCount: 2389284, allocatedBytes: mb(97.3) });
    expect(m.mallocZones[3]).toMatchObject({ virtualBytes: 7632 * K, allocationCount: 28, allocatedBytes: 7616 * K });
    // The zone TOTAL row's allocation count is the sum of the zones'.
    expect(m.mallocZones.reduce((s, z) => s + z.allocationCount, 0)).toBe(2443339);
  });

  it('rejects text without a region table with a parse-error', () => {
    expect(() => parseVmmapSummary('Physical footprint: 1M\n')).toThrow(expect.objectContaining({ code: 'parse-error' }));
  });

  it('never throws anything but a LeakbarError on arbitrary text', () => {
    const lines = sample('vmmap-summary-3.txt').split('\n');
    const mangled = fc.tuple(fc.nat(lines.length), fc.nat(lines.length), fc.string()).map(([a, b, s]) => [...lines.slice(0, Math.min(a, b)), s, ...lines.slice(Math.max(a, b))].join('\n'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), mangled, fc.string().map((s) => `REGION TYPE ${s}`)), (text) => {
        try {
          parseVmmapSummary(text);
        } catch (e) {
          if (!isLeakbarError(e)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
