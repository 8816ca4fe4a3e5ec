import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePmapX } from './pmap.js';

const sample = (name: string) => readFileSync(new URL(`../../../shared/samples/${name}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n');

describe('parsePmapX', () => {
  it('reads the total line and counts the 24 mappings of a Linux `pmap -x` sample', () => {
    expect(parsePmapX(sample('pmap-x-1.txt'))).toEqual({ virtualBytes: 2562688 * 1024, rssBytes: 2561584 * 1024, dirtyBytes: 2560096 * 1024, regionCount: 24 });
  });
  it('rejects other text with a parse-error', () => {
    expect(() => parsePmapX('17364:   ./vm\n')).toThrow(expect.objectContaining({ code: 'parse-error' }));
  });
});
