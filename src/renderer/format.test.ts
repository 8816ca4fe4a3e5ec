import { describe, expect, it } from 'vitest';
import { dateTime, dateTimeSeconds, fileStamp } from './format.js';

describe('time formats', () => {
  const t = new Date(2026, 10, 24, 18, 49, 5, 120).getTime();

  it('writes a date and time with seconds', () => {
    expect(dateTime(t)).toBe('2026-11-24 18:49');
    expect(dateTimeSeconds(t)).toBe('2026-11-24 18:49:05');
  });

  it('writes a time for a file name with the date and the time apart, no spaces or colons', () => {
    expect(fileStamp(t)).toBe('2026-11-24_18-49');
    expect(fileStamp(t, true)).toBe('2026-11-24_18-49-05');
  });
});
