import { describe, expect, it } from 'vitest';
import raw from '../../../shared/samples/heap-debug1-1.txt?raw';
import { isLeakbarError } from '../shared/errors.js';
import { parseHeapDump } from './heapdump.js';

const text = raw.slice(raw.indexOf('\n') + 1);

describe('parseHeapDump (heap-debug1-1.txt)', () => {
  const dump = parseHeapDump(text);

  it('reads the header totals and the sampling rate', () => {
    expect(dump).toMatchObject({ inuseObjects: 17, inuseBytes: 167772368, allocObjects: 18, allocBytes: 167772376 });
    // `@ heap/1048576` is 2 × MemProfileRate (runtime/pprof writes 2*runtime.MemProfileRate).
    expect(dump.memProfileRateBytes).toBe(524288);
  });

  it('reads every record, whose values add up to the header', () => {
    expect(dump.records.map((r) => [r.inuseObjects, r.inuseBytes, r.allocObjects, r.allocBytes])).toEqual([
      [0, 0, 1, 8],
      [1, 208, 1, 208],
      [16, 167772160, 16, 167772160],
    ]);
    const sum = (k: 'inuseObjects' | 'inuseBytes' | 'allocObjects' | 'allocBytes'): number => dump.records.reduce((s, r) => s + r[k], 0);
    expect([sum('inuseObjects'), sum('inuseBytes'), sum('allocObjects'), sum('allocBytes')]).toEqual([dump.inuseObjects, dump.inuseBytes, dump.allocObjects, dump.allocBytes]);
  });

  it('reads addresses and frames', () => {
    expect(dump.records.map((r) => [r.addresses.length, r.frames.length])).toEqual([
      [9, 8],
      [8, 7],
      [3, 2],
    ]);
    expect(dump.records[0]!.addresses[0]).toBe('0x47d59d');
    expect(dump.records[0]!.frames[0]).toEqual({ function: 'sync.(*Pool).pinSlow', file: '/usr/local/go-faketime/src/sync/pool.go', line: 237 });
    expect(dump.records[2]!.frames).toEqual([
      { function: 'main.main', file: '/tmp/sandbox4164686184/prog.go', line: 40 },
      { function: 'runtime.main', file: '/usr/local/go-faketime/src/runtime/proc.go', line: 283 },
    ]);
  });

  it('reads the runtime.MemStats section through parseMemStats', () => {
    expect(dump.memStats).toMatchObject({ Alloc: 473221184, HeapInuse: 473604096, NumGC: 6, StackInuse: 327680, StackSys: 327680, MaxRSS: 66846720 });
    expect(dump.memStats).not.toHaveProperty('PauseNs');
  });

  it('skips a note before the header, and reads a dump without MemStats', () => {
    expect(parseHeapDump(raw).records).toHaveLength(3);
    const bare = parseHeapDump(text.slice(0, text.indexOf('# runtime.MemStats')));
    expect(bare.memStats).toBeNull();
    expect(bare.records).toHaveLength(3);
  });

  it.each([
    ['', 'empty-profile'],
    ['<html><body>404</body></html>', 'not-a-profile'],
    ['\u001f\ufffd\u0008\u0000', 'not-a-profile'],
    ['goroutine profile: total 1\n', 'not-a-profile'],
  ])('refuses %j with %s', (input, code) => {
    let caught: unknown = null;
    try {
      parseHeapDump(input);
    } catch (e) {
      caught = e;
    }
    expect(isLeakbarError(caught, code as 'empty-profile')).toBe(true);
  });
});
