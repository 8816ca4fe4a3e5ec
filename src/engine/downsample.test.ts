import { describe, expect, it } from 'vitest';
import { downsampleForDrawing } from './downsample.js';
import type { Sample } from '../shared/types.js';

describe('downsampleForDrawing', () => {
  it('keeps a one-sample spike visible in a long flat series', () => {
    const samples: Sample[] = Array.from({ length: 10_000 }, (_, i) => ({ timeMs: i * 1000, pid: 1, fds: i === 5123 ? 5000 : 100 }));
    const out = downsampleForDrawing(samples, 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.length).toBeGreaterThan(190);
    expect(Math.max(...out.map((s) => s.fds!))).toBe(5000);
    expect(out.filter((s) => s.fds === 5000)).toHaveLength(1);
    expect(out[0]!.timeMs).toBe(0);
  });

  it('returns short series as they are', () => {
    const samples: Sample[] = [{ timeMs: 1, pid: 1, fds: 3 }];
    expect(downsampleForDrawing(samples, 10)).toEqual(samples);
  });
});
