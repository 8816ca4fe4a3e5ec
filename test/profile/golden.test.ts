import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeProfile, formatTopText, top, type ProfileModel } from '../../src/analysis/pprof/index.js';
import type { GoldenCase } from '../../scripts/update-goldens.js';

const dir = join(import.meta.dirname, '..', 'golden');
const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as GoldenCase[];
const cache = new Map<string, ProfileModel>();
const load = (f: string): ProfileModel => {
  let p = cache.get(f);
  if (!p) cache.set(f, (p = decodeProfile(readFileSync(join(dir, f)), { gunzip: (b) => gunzipSync(b) })));
  return p;
};

describe('top matches go tool pprof -top byte for byte', () => {
  it('covers heap, allocs, goroutine and CPU profiles, diffs, granularities and filters', () => {
    expect(cases.length).toBeGreaterThan(90);
    const kinds = new Set(cases.map((c) => c.file.replace(/-\d\.pb\.gz$|\.pb\.gz$/, '')));
    expect([...kinds].sort()).toEqual(['allocs', 'cpu', 'goroutine', 'heap', 'manystacks-heap']);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const report = top(
      { profile: load(c.file), base: c.base ? load(c.base) : undefined, baseMode: c.baseMode },
      { ...c, timeZone: 'UTC' },
    );
    expect(formatTopText(report)).toBe(readFileSync(join(dir, `${c.name}.txt`), 'utf8'));
  });
});
