import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { isLeakbarError } from '../../src/shared/errors.js';
import { decodeProfile, MAX_INFLATED_BYTES, sampleLabels, sampleTypeIndex, gunzipStream } from '../../src/analysis/pprof/index.js';
import { synthProfile } from './synth.js';

const golden = join(import.meta.dirname, '..', 'golden');
const gunzip = (b: Uint8Array): Uint8Array => gunzipSync(b);
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isLeakbarError(e)) return e.code;
    throw e;
  }
  return 'no error';
};

describe('decodeProfile', () => {
  it('reads the same samples, values and locations as pprof-format on real profiles', () => {
    for (const f of ['heap-2.pb.gz', 'cpu-1.pb.gz', 'goroutine-2.pb.gz']) {
      const raw = gunzipSync(readFileSync(join(golden, f)));
      const ours = decodeProfile(raw);
      const ref = Profile.decode(raw);
      expect(ours.samples.count).toBe(ref.sample.length);
      expect(ours.sampleTypes.map((t) => t.type)).toEqual(ref.sampleType.map((t) => ref.stringTable.strings[Number(t.type)]));
      ref.sample.forEach((s, i) => {
        const locs = Array.from(ours.samples.locs.subarray(ours.samples.locStart[i], ours.samples.locStart[i + 1]), (l) => ours.locations.id[l]);
        expect(locs).toEqual(s.locationId.map(Number));
        expect(Array.from(ours.samples.values.subarray(i * ours.samples.valueCount, (i + 1) * ours.samples.valueCount))).toEqual(s.value.map(Number));
        expect(sampleLabels(ours, i).length).toBe(s.label.length);
      });
      expect(ours.locations.count).toBe(ref.location.length);
      expect(ours.functions.name).toEqual(ref.function.map((fn) => ref.stringTable.strings[Number(fn.name)]));
    }
  });

  it('keeps inlined lines innermost first, with the caller last', () => {
    const p = decodeProfile(synthProfile(['space/bytes'], [{ stack: ['inner<outer', 'main'], values: [5] }]));
    const L = p.locations;
    const loc = p.samples.locs[0]!;
    const names = [];
    for (let j = L.lineStart[loc]!; j < L.lineStart[loc + 1]!; j++) names.push(p.functions.name[L.lineFunction[j]!]);
    expect(names).toEqual(['inner', 'outer']);
  });

  it('reads negative values (a saved diff) as negative numbers', () => {
    const p = decodeProfile(synthProfile(['space/bytes'], [{ stack: ['a'], values: [-12345678901] }, { stack: ['b'], values: [-1] }]));
    expect(Array.from(p.samples.values)).toEqual([-12345678901, -1]);
  });

  it('picks the default sample type as pprof does', () => {
    const withDefault = decodeProfile(synthProfile(['a/count', 'b/bytes', 'c/bytes'], [{ stack: ['x'], values: [1, 2, 3] }], { defaultType: 'b' }));
    expect(sampleTypeIndex(withDefault)).toBe(1);
    const without = decodeProfile(synthProfile(['a/count', 'b/bytes'], [{ stack: ['x'], values: [1, 2] }]));
    expect(sampleTypeIndex(without)).toBe(1);
    expect(sampleTypeIndex(without, 'a')).toBe(0);
    expect(sampleTypeIndex(without, 'inuse_b')).toBe(1);
    expect(sampleTypeIndex(without, 'nope')).toBe(-1);
  });

  it('says an empty file is empty', () => {
    expect(codeOf(() => decodeProfile(new Uint8Array(0)))).toBe('empty-profile');
    expect(codeOf(() => decodeProfile(gzipSync(new Uint8Array(0)), { gunzip }))).toBe('empty-profile');
  });

  it('says a truncated gzip is corrupt', () => {
    const gz = readFileSync(join(golden, 'heap-2.pb.gz'));
    expect(codeOf(() => decodeProfile(gz.subarray(0, gz.length / 2), { gunzip }))).toBe('corrupt-profile');
  });

  it('says a truncated protobuf is corrupt', () => {
    const raw = gunzipSync(readFileSync(join(golden, 'heap-2.pb.gz')));
    expect(codeOf(() => decodeProfile(raw.subarray(0, Math.floor(raw.length * 0.7))))).toBe('corrupt-profile');
  });

  it('recognises an HTML error page saved as a profile', () => {
    const html = new TextEncoder().encode('<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>oops</body></html>');
    try {
      decodeProfile(html);
      expect.unreachable();
    } catch (e) {
      expect(isLeakbarError(e, 'not-a-profile')).toBe(true);
      expect((e as Error).message).toBe('this is an HTML page, not a profile (an error or login page served in place of one)');
    }
    expect(codeOf(() => decodeProfile(gzipSync(html), { gunzip }))).toBe('not-a-profile');
  });

  it('recognises a text dump (debug=1) as not a profile', () => {
    const text = new TextEncoder().encode('goroutine profile: total 4\n1 @ 0x43a1b6 0x44b0f2\n');
    expect(codeOf(() => decodeProfile(text))).toBe('not-a-profile');
  });

  it('says a profile without samples has no samples, unless asked to accept it', () => {
    const empty = synthProfile(['samples/count', 'cpu/nanoseconds'], []);
    try {
      decodeProfile(empty);
      expect.unreachable();
    } catch (e) {
      expect(isLeakbarError(e, 'empty-profile')).toBe(true);
      expect((e as Error).message).toMatch(/no samples/);
    }
    expect(decodeProfile(empty, { allowNoSamples: true }).samples.count).toBe(0);
  });

  it('asks for a gunzip when given gzip without one', () => {
    expect(codeOf(() => decodeProfile(readFileSync(join(golden, 'heap-2.pb.gz'))))).toBe('unsupported');
  });

  it('inflates with DecompressionStream where there is no zlib', async () => {
    const gz = readFileSync(join(golden, 'cpu-1.pb.gz'));
    const p = decodeProfile(await gunzipStream(gz));
    expect(p.samples.count).toBeGreaterThan(0);
    await expect(gunzipStream(gz.subarray(0, 100))).rejects.toMatchObject({ code: 'corrupt-profile' });
  });

  it('stops inflating at the cap, with an error that names it (a gzip bomb)', async () => {
    // 8 MiB of zeros is 8 kB gzipped; with a 1 MiB cap, neither inflater goes past it.
    const bomb = gzipSync(new Uint8Array(8 << 20), { level: 1 });
    await expect(gunzipStream(bomb, 1 << 20)).rejects.toMatchObject({ code: 'corrupt-profile', message: expect.stringMatching(/^the profile inflates to more than 1 MB/) });
    const capped = (gz: Uint8Array): Uint8Array => gunzipSync(gz, { maxOutputLength: 1 << 20 });
    expect(() => decodeProfile(bomb, { gunzip: capped, maxInflatedBytes: 1 << 20 })).toThrow(/^the profile inflates to more than 1 MB: this is not a profile leakbar reads/);
    // An uncapped gunzip is checked after the fact.
    expect(() => decodeProfile(bomb, { gunzip, maxInflatedBytes: 1 << 20 })).toThrow(/inflates to more than 1 MB/);
    // The default cap is far above a real profile: the golden ones, and the fixture's 200,000-stack one (7.6 MB inflated).
    expect(MAX_INFLATED_BYTES).toBe(256 * 1024 * 1024);
    expect(decodeProfile(await gunzipStream(readFileSync(join(golden, 'cpu-1.pb.gz')))).samples.count).toBeGreaterThan(0);
  });

  it('never throws anything but a LeakbarError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          decodeProfile(bytes, { gunzip });
        } catch (e) {
          if (!isLeakbarError(e)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but a LeakbarError on mutated real profiles', () => {
    const raw = gunzipSync(readFileSync(join(golden, 'goroutine-1.pb.gz')));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(raw.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(raw.length), (edits, cut) => {
        const b = raw.slice(0, Math.max(1, cut));
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        try {
          decodeProfile(b, { gunzip, allowNoSamples: true });
        } catch (e) {
          if (!isLeakbarError(e)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
