import { describe, expect, it } from 'vitest';
import { formatWaitMinutes, groupWaitText } from './format.js';

describe('the one wording of goroutine waits', () => {
  it.each([
    // [min, max, text]: Go prints no wait under a minute, nor one no GC has timed yet (0), and whole minutes otherwise.
    [0, 0, null],
    [3, 3, '3 min'],
    [3, 7, '3–7 min'],
    [0, 7, 'up to 7 min'],
    [0, 1, 'up to 1 min'],
    [1, 1440, '1–1440 min'],
  ])('reads %i to %i minutes as %s', (min, max, text) => {
    expect(formatWaitMinutes(min, max)).toBe(text);
  });

  it('says nothing where the dump gives no wait: debug=1, a goroutine not blocked, or one with no minutes in its header', () => {
    expect(groupWaitText({ minWaitMinutes: null, maxWaitMinutes: null, blockedOn: null })).toBeNull();
    expect(groupWaitText({ minWaitMinutes: 0, maxWaitMinutes: 0, blockedOn: null })).toBeNull();
    // A header without minutes: under a minute, or not timed yet (Go counts a wait from the first GC after it began).
    expect(groupWaitText({ minWaitMinutes: 0, maxWaitMinutes: 0, blockedOn: 'select' })).toBeNull();
    expect(groupWaitText({ minWaitMinutes: 0, maxWaitMinutes: 2, blockedOn: 'chan-receive' })).toBe('up to 2 min');
  });
});
