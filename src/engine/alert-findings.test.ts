import { describe, expect, it } from 'vitest';
import { namedAlike } from './alert-findings.js';

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
