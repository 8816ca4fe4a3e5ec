/** Go regexps (--focus, --ignore, --hide, --show) match in leakbar what they match in Go: checked against Go's regexp itself. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGoRegex } from '../../src/analysis/pprof/index.js';

const INPUTS = [
  'main.leakHeap',
  'main.Leak',
  'LEAK',
  'leak',
  'runtime.gopark',
  'net/http.(*conn).serve',
  'compress/flate.NewWriter',
  '/usr/lib/go-1.19/src/bytes/buffer.go',
  'github.com/x/y.(*T[...]).Method.func1',
  'main.λ',
  'main.Ωmega',
  'naïve',
  'ſtring', // long s: folds with s
  'Kelvin: \u212a',
  'k',
  'a\nb',
  'a\rb',
  'a\u2028b',
  'tab\there',
  'vt\u000bhere',
  'nbsp\u00a0here',
  'x{,5}',
  'brace}',
  'bracket]',
  'q(*conn)q',
  'a-b',
  '',
  'ab',
  'aaa',
  '\u00c5ngstr\u00f6m \u212b',
  'DIGITS 123',
  '日本語.関数',
];

const PATTERNS = [
  '[[:upper:]]',
  '[[:^upper:]]',
  '[^[:lower:]]',
  '^[[:alpha:]]+\\.[[:alpha:]]+$',
  '[[:punct:]]',
  '[[:space:]]',
  '\\pL+\\.leak',
  '\\p{L}',
  '\\PL',
  '\\p{^L}',
  '\\p{Greek}',
  '[\\p{Lu}\\d]',
  '[^\\p{Han}a-z]',
  '\\x{6C}eak',
  '\\x6Ceak',
  '\\x{212A}',
  '(?i)leak',
  '(?i)KELVIN',
  '(?i)k',
  '(?i)s',
  '(?i:LEAK)',
  'main\\.(?i:LEAK)',
  'main\\.(?i:l)eak',
  '(?i:[a-c])',
  '(?i:[^a-z])',
  '(?i:\\w+)$',
  '(?i:\\W)',
  '(?i:[[:upper:]])$',
  'Leak(?i)heap',
  '(?i)leak(?-i)HEAP',
  '(?i)ab(?-i:A)',
  '\\Q(*conn)\\E',
  '\\Q(*conn)',
  '\\Qa.b',
  '(?P<x>leak)',
  '(?<x>leak)',
  'a.b',
  '(?s)a.b',
  '(?s:a.b)|zzz',
  '^b',
  '(?m)^b',
  'a$',
  '(?m)a$',
  '\\Aa',
  'b\\z',
  '\\s',
  '\\S+',
  '[\\s]',
  '\\d+',
  '\\bleak\\b',
  'x{,5}',
  'x\\{,5\\}',
  'a{2}',
  'a{2,}',
  'a{1,2}?',
  '(?U)a+',
  '(?U)a+?',
  'brace}',
  'bracket]',
  '[]a]',
  '[^]a]',
  '[a-]',
  '[-a]',
  '[a\\-z]',
  '\\-',
  '\\:',
  '\\"',
  '\\<',
  'a|',
  '|',
  '()',
  '日本',
  '[日-本]',
  'ſ',
  '(?i)ſ',
  '(?i:ſ)',
  '\\a|\\f|\\v',
  '\\t',
  'http|crc',
  'main\\.',
  // What Go refuses: leakbar refuses too.
  '(?=a)',
  '(?!a)',
  '(?<=a)b',
  '(a)\\1',
  '(?P=x)',
  '[[:foo:]]',
  '\\p{NotAScript}',
  'a{1001}',
  'a**',
  '(',
  ')',
  '[a',
  '\\e',
  '\\',
  '[z-a]',
  '(?)',
  '(?i-)',
];

let oracle: Array<{ error?: string; matches?: boolean[] }>;
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leakbar-goregex-'));
  const bin = join(dir, 'goregex');
  execFileSync('go', ['build', '-trimpath', '-o', bin, '.'], { cwd: join(import.meta.dirname, 'goregex'), env: { ...process.env, GOFLAGS: '-mod=mod' }, stdio: 'pipe' });
  oracle = JSON.parse(execFileSync(bin, { input: JSON.stringify({ patterns: PATTERNS, inputs: INPUTS }) }).toString()) as typeof oracle;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compileGoRegex', () => {
  it('matches what Go matches, or refuses what Go refuses, for every pattern', () => {
    const differ: string[] = [];
    PATTERNS.forEach((p, i) => {
      const go = oracle[i]!;
      let re: RegExp | null = null;
      let error = '';
      try {
        re = compileGoRegex('focus', p);
      } catch (e) {
        error = (e as Error).message;
      }
      // Go 1.22 reads (?<x>…) as (?P<x>…); the Go these tests run may be older.
      if (p === '(?<x>leak)' && go.error !== undefined) {
        if (!re?.test('main.leak')) differ.push(`${p}: read as (?P<x>leak) by Go 1.22, not by leakbar`);
        return;
      }
      if (go.error !== undefined) {
        if (re) differ.push(`${p}: Go refuses it (${go.error}), leakbar compiled /${re.source}/${re.flags}`);
        return;
      }
      if (!re) {
        differ.push(`${p}: Go compiles it, leakbar refused (${error})`);
        return;
      }
      INPUTS.forEach((s, j) => {
        if (re.test(s) !== go.matches![j]) differ.push(`${p} on ${JSON.stringify(s)}: Go ${go.matches![j]}, leakbar ${!go.matches![j]} (/${re.source}/${re.flags})`);
      });
    });
    expect(differ).toEqual([]);
  });

  it('says why it refuses, in the words of the option', () => {
    expect(() => compileGoRegex('focus', '(?=a)')).toThrow(/^parsing focus regexp: invalid or unsupported Perl syntax: \(\?=a/);
    expect(() => compileGoRegex('ignore', '(a)\\1')).toThrow(/^parsing ignore regexp: octal escapes and back-references/);
  });
});
