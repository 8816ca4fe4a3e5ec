import { describe, expect, it } from 'vitest';
import { healthyBase, namedAlike } from './alert-findings.js';
import type { CaptureMeta } from '../shared/captures.js';

const plus = (n: number) => `+${n}`;

describe('the files an FD finding names', () => {
  it('names every file that leaks alike, not only the first', () => {
    const three = ['/tmp/leaky-1-0.dat', '/tmp/leaky-1-1.dat', '/tmp/leaky-1-2.dat'].map((name) => ({ name, n: 312 }));
    expect(namedAlike(three, plus)).toBe('/tmp/leaky-1-0.dat, /tmp/leaky-1-1.dat, /tmp/leaky-1-2.dat +312 each');
    // Close to the first (within half): each with its own figure, largest first; far below it: left out.
    expect(namedAlike([{ name: 'b', n: 200 }, { name: 'a', n: 300 }, { name: 'c', n: 20 }], plus)).toBe('a +300, b +200');
    // More than three alike: three, and how many more.
    expect(namedAlike(['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, n: 9 })), (n) => `×${n}`)).toBe('a, b, c ×9 each (+2 more)');
    expect(namedAlike([{ name: 'only', n: 4 }], plus)).toBe('only +4');
    expect(namedAlike([], plus)).toBeNull();
  });
});

describe('the capture an alert’s capture is compared with', () => {
  const meta = (id: string, startedMs: number, alertKey: string | null): CaptureMeta => ({
    id,
    targetId: 'api',
    kind: 'goroutine',
    pid: 7,
    startedMs,
    endedMs: startedMs + 100,
    files: [{ name: 'goroutine.txt', role: 'goroutine-dump', bytes: 10 }],
    figures: null,
    alertKey,
    baseline: false,
    pinned: false,
    note: '',
  });

  it('is the last taken while healthy, never one whose meta.json is damaged (it cannot say what it was taken for)', () => {
    const current = meta('c3', 3000, 'growth:goroutines');
    const healthy = meta('c1', 1000, null);
    const damaged = { ...meta('c2', 2000, null), damaged: 'meta.json is not JSON' };
    expect(healthyBase(current, [damaged, healthy], 'goroutine-dump')?.id).toBe('c1');
    expect(healthyBase(current, [damaged], 'goroutine-dump')).toBeNull();
  });
});
