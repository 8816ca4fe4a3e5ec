import { describe, expect, it } from 'vitest';
import { captureSize, dateTime, dateTimeSeconds, distinctLabel, fileStamp, middleEllipsis } from './format.js';

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

describe('a name cut in the middle', () => {
  it('keeps a name that fits, and cuts a longer one in the middle so its end (a port) shows', () => {
    expect(middleEllipsis('api', 10)).toBe('api');
    expect(middleEllipsis('leaky -addr 127.0.0.1:17001', 20)).toBe('leaky -….0.0.1:17001');
    expect(Array.from(middleEllipsis('leaky -addr 127.0.0.1:17001 -duration 10m', 24))).toHaveLength(24);
  });

  it('shows where two names differ when that falls in the middle, within the same width', () => {
    const names = ['leaky -addr 127.0.0.1:17001 -duration 10m -dir /tmp/a', 'leaky -addr 127.0.0.1:17002 -duration 10m -dir /tmp/a'];
    const [a, b] = names.map((n) => distinctLabel(n, names, 30));
    expect(a).not.toBe(b);
    expect(a).toContain('17001');
    expect(b).toContain('17002');
    expect(Array.from(a!).length).toBeLessThanOrEqual(30);
    expect(a).toMatch(/^leaky -a…/);
    // Names that differ at the end, or fit, are cut in the middle as before.
    expect(distinctLabel('leaky -addr 127.0.0.1:17001', ['leaky -addr 127.0.0.1:17002'], 20)).toBe('leaky -….0.0.1:17001');
    // Where the part shown starts right after the head, nothing is cut between them: no ellipsis there.
    expect(distinctLabel('worker-queue-A --port 9000', ['worker-queue-B --port 9000'], 20)).toBe('worker-queue-A --p…');
    expect(distinctLabel('api', ['web'], 20)).toBe('api');
  });
});

describe("a capture's size on disk", () => {
  it('sums all its files when none is missing, and says nothing of deletions', () => {
    expect(captureSize([{ bytes: 1024 }, { bytes: 512 }])).toEqual({ bytes: 1536, deleted: 0, text: '1.5 kB' });
    expect(captureSize([])).toEqual({ bytes: 0, deleted: 0, text: '0 B' });
  });

  it('leaves out the files deleted by hand (missing), and says how many', () => {
    expect(captureSize([{ bytes: 1024 }, { bytes: 4096, missing: true }])).toEqual({ bytes: 1024, deleted: 1, text: '1.0 kB (1 deleted)' });
    expect(captureSize([{ bytes: 10, missing: true }, { bytes: 20, missing: true }])).toEqual({ bytes: 0, deleted: 2, text: '0 B (2 deleted)' });
  });
});
