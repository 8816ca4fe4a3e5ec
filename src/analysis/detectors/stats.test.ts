import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsampleLttb, erfc, mannKendall, median, normalUpperTail, quantile, theilSen, type Point } from './stats.js';

const pts = (ys: number[]): Point[] => ys.map((y, i) => [i, y]);

describe('mannKendall', () => {
  // Hand-worked: every one of the 10 pairs rises, S = 10; Var = n(n−1)(2n+5)/18 = 5·4·15/18; Z = (S−1)/√Var.
  it('gives S, Var(S), Z and p of a strictly rising series as worked by hand', () => {
    const r = mannKendall([1, 2, 3, 4, 5]);
    expect(r.s).toBe(10);
    expect(r.varS).toBeCloseTo(300 / 18, 12);
    expect(r.z).toBeCloseTo(9 / Math.sqrt(300 / 18), 12);
    expect(r.z).toBeCloseTo(2.2045407685048604, 10);
    expect(r.pValue).toBeCloseTo(0.02748633611151033, 6);
    expect(r.tau).toBe(1);
  });

  // Pairs of [1,2,2,3]: (1,2)+ (1,2)+ (1,3)+ (2,2)0 (2,3)+ (2,3)+ → S = 5. One tie group of t=2:
  // Var = [4·3·13 − 2·1·9]/18 = 138/18.
  it('corrects the variance for ties as worked by hand', () => {
    const r = mannKendall([1, 2, 2, 3]);
    expect(r.s).toBe(5);
    expect(r.varS).toBeCloseTo(138 / 18, 12);
    expect(r.z).toBeCloseTo(1.4446302370292303, 10);
    expect(r.pValue).toBeCloseTo(0.14856177489186864, 6);
  });

  it.each([
    // Reference values from an independent Python implementation with scipy.stats.norm.sf.
    { ys: [5, 3, 8, 9, 7, 12, 11, 15], s: 20, varS: 65.33333333333333, z: 2.350640381700619, p: 0.018741136789596692 },
    { ys: [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], s: 16, varS: 159.33333333333334, z: 1.188332399294654, p: 0.23470247795516075 },
  ])('matches the reference for $ys', ({ ys, s, varS, z, p }) => {
    const r = mannKendall(ys);
    expect(r.s).toBe(s);
    expect(r.varS).toBeCloseTo(varS, 10);
    expect(r.z).toBeCloseTo(z, 10);
    expect(r.pValue).toBeCloseTo(p, 6);
  });

  it('says nothing of a constant series (Var 0, Z 0, p 1)', () => {
    expect(mannKendall([10, 10, 10, 10])).toMatchObject({ s: 0, varS: 0, z: 0, pValue: 1 });
  });

  it('is antisymmetric: reversing a series negates S and keeps p', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 60 }), (ys) => {
        const a = mannKendall(ys);
        const b = mannKendall([...ys].reverse());
        expect(b.s + a.s).toBe(0);
        expect(b.pValue).toBeCloseTo(a.pValue, 12);
        expect(a.pValue).toBeGreaterThanOrEqual(0);
        expect(a.pValue).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('normal tail', () => {
  it('matches scipy and Math to 1e-7', () => {
    expect(normalUpperTail(1)).toBeCloseTo(0.15865525393145707, 7);
    expect(normalUpperTail(3)).toBeCloseTo(0.0013498980316300933, 7);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 7);
    expect(erfc(-1.2)).toBeCloseTo(1.9103139782296354, 7);
  });
});

describe('theilSen', () => {
  it('matches scipy.stats.theilslopes(method="joint") on a small series', () => {
    const r = theilSen(pts([5, 3, 8, 9, 7, 12, 11, 15]));
    expect(r.slope).toBeCloseTo(1.4142857142857141, 12);
    expect(r.intercept).toBeCloseTo(4.842857142857143, 12);
  });

  // Slopes: 6 pairs among the first four are 1; the 4 pairs with (5,100) are 96, 48.5, 32.7, 24.75. Median of 10 is 1.
  it('ignores one wild outlier, as worked by hand', () => {
    const r = theilSen([[1, 1], [2, 2], [3, 3], [4, 4], [5, 100]]);
    expect(r.slope).toBe(1);
    expect(r.intercept).toBe(0);
  });

  it('recovers the slope and intercept of any exact line, on any x spacing', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 2, maxLength: 40 }),
        (slope, intercept, xs) => {
          const r = theilSen(xs.sort((a, b) => a - b).map((x) => [x, intercept + slope * x]));
          expect(r.slope).toBeCloseTo(slope, 6);
          expect(r.intercept).toBeCloseTo(intercept, 3);
        },
      ),
    );
  });

  it('gives slope 0 when every x is the same', () => {
    expect(theilSen([[1, 5], [1, 9]]).slope).toBe(0);
  });
});

describe('median and quantile', () => {
  it('agree with a sort on any input', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (xs) => {
        const s = [...xs].sort((a, b) => a - b);
        const n = s.length;
        const m = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
        expect(median(xs)).toBeCloseTo(m, 9);
        expect(quantile(xs, 0)).toBeCloseTo(s[0]!, 12);
        expect(quantile(xs, 1)).toBeCloseTo(s[n - 1]!, 12);
        expect(quantile(xs, 0.5)).toBeCloseTo(m, 9);
      }),
    );
  });

  it('interpolate like numpy (quantile of [1,2,3,4] at 0.1 is 1.3)', () => {
    expect(quantile([4, 1, 3, 2], 0.1)).toBeCloseTo(1.3, 12);
  });
});

describe('downsampleLttb', () => {
  it('keeps at most maxPoints, the first and the last, in time order, all taken from the input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 0, maxLength: 500 }), fc.integer({ min: 3, max: 150 }), (ys, max) => {
        const input = pts(ys);
        const out = downsampleLttb(input, max);
        expect(out.length).toBeLessThanOrEqual(Math.max(max, 0));
        if (ys.length > 0) {
          expect(out[0]).toEqual(input[0]);
          expect(out[out.length - 1]).toEqual(input[input.length - 1]);
        }
        for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThan(out[i - 1]![0]);
        for (const [x, y] of out) expect(input[x]![1]).toBe(y);
      }),
    );
  });

  it('keeps a lone spike', () => {
    const ys = Array.from({ length: 1000 }, (_, i) => (i === 437 ? 500 : 0));
    expect(downsampleLttb(pts(ys), 120).some(([, y]) => y === 500)).toBe(true);
  });
});
