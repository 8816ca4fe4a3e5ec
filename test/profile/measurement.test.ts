import { describe, expect, it } from 'vitest';
import { goFixed, goG2, percentage, scaledLabel, selectOutputUnit } from '../../src/analysis/pprof/index.js';

describe('pprof measurement', () => {
  it.each([
    [1536, 'bytes', 'kB', '1.50kB'],
    [524310, 'bytes', 'kB', '512.02kB'],
    [1048576, 'bytes', 'MB', '1MB'],
    [92, 'bytes', 'kB', '0.09kB'],
    [0, 'bytes', 'kB', '0'],
    [-1536, 'bytes', 'kB', '-1.50kB'],
    [10_000_000, 'nanoseconds', 'ms', '10ms'],
    [10_000_000, 'nanoseconds', 's', '0.01s'],
    [30_010_000_000, 'nanoseconds', 'auto', '30.01s'],
    [7200e9, 'nanoseconds', 'auto', '2hrs'],
    [42, 'count', 'count', '42'],
    [1152, 'bytes', 'kB', '1.12kB'], // 1.125 exactly: Go rounds ties to even
  ])('scaledLabel(%d %s → %s) is %s', (v, from, to, want) => {
    expect(scaledLabel(v, from, to)).toBe(want);
  });

  it.each([
    [50, 100, '50.00%'],
    [100, 100, '  100%'],
    [0, 100, '    0%'],
    [5, 1000, '  0.5%'],
    [12, 1_000_000, '0.0012%'],
    [15, 100_000_000, '1.5e-05%'],
    [-181, 25, '724.00%'],
  ])('percentage(%d, %d) is %s', (v, t, want) => {
    expect(percentage(v, t)).toBe(want);
  });

  it('rounds like Go: correct digits, exact ties to even', () => {
    expect([1.125, 0.125, 2.675, 1.005].map((x) => goFixed(x, 2))).toEqual(['1.12', '0.12', '2.67', '1.00']);
    expect([0.0125, 0.00125, 0.5, 0.05, 9.95, 0.995, 0.0995, 1e-5, 1e-7].map(goG2)).toEqual(['0.013', '0.0013', '0.5', '0.05', '9.9', '0.99', '0.1', '1e-05', '1e-07']);
  });

  it('picks the output unit from the smallest value and the total', () => {
    expect(selectOutputUnit(92, 8_000_000, 'bytes')).toBe('kB');
    expect(selectOutputUnit(10_000_000, 2_000_000_000, 'nanoseconds')).toBe('s');
    expect(selectOutputUnit(3, 400, 'count')).toBe('count');
  });
});
