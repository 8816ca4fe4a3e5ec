import { describe, expect, it } from 'vitest';
import { isApiCallName, parseApiInput } from './api.js';
import { describeAlertKey } from './alerts.js';

describe('parseApiInput', () => {
  it('accepts a target by match with a pprof URL', () => {
    const r = parseApiInput('addTarget', { name: 'dev server', match: 'node .*vite', pprofUrl: 'http://127.0.0.1:6060/debug/pprof/' });
    expect(r.ok).toBe(true);
  });

  it('names each bad field of a bad input', () => {
    const r = parseApiInput('addTarget', { name: '', pid: 3, match: '(' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('bad-input');
    expect(r.error.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'match']));
    expect(r.error.message).toContain('not a valid regular expression');
  });

  it('refuses ids that could reach outside the store', () => {
    for (const captureId of ['../etc', 'a/b', 'A', '', 'x'.repeat(65)]) expect(parseApiInput('getCapture', { captureId }).ok).toBe(false);
    expect(parseApiInput('getCapture', { captureId: '20261124-153000-heap-1' }).ok).toBe(true);
  });

  it('refuses unknown fields and unknown calls', () => {
    expect(parseApiInput('status', { targetId: 'a', extra: 1 }).ok).toBe(false);
    expect(isApiCallName('status')).toBe(true);
    expect(isApiCallName('constructor')).toBe(false);
    expect(isApiCallName('__proto__')).toBe(false);
  });
});

describe('describeAlertKey', () => {
  it('puts alert keys in words', () => {
    expect(describeAlertKey('growth:goroutines')).toBe('goroutines kept growing');
    expect(describeAlertKey('threshold:fds')).toBe('open FDs past the line');
    expect(describeAlertKey('repeated-file:repeatedFiles')).toBe('a file open many times');
    expect(describeAlertKey('fd-pattern-growth:fdPattern:.codex/sessions')).toBe('more and more .codex/sessions files open');
    expect(describeAlertKey('something-new:x')).toBe('something-new:x');
  });
});
