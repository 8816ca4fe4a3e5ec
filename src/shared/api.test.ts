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

  it('takes a target without a name (the engine names it), and says what an empty process lacks', () => {
    expect(parseApiInput('addTarget', { match: 'node .*vite' })).toEqual({ ok: true, value: { match: 'node .*vite' } });
    const empty = parseApiInput('addTarget', { match: '' });
    expect(empty.ok ? '' : empty.error.message).toContain('match: empty: give a regular expression over the command line, or a pid');
  });

  it('reads a target’s pprof URL as --pprof does, and says what one looks like', () => {
    const add = (pprofUrl: unknown) => parseApiInput('addTarget', { name: 'api', match: 'api-server', pprofUrl });
    expect(add('127.0.0.1:16060')).toEqual({ ok: true, value: { name: 'api', match: 'api-server', pprofUrl: 'http://127.0.0.1:16060/debug/pprof/' } });
    expect(add(null)).toMatchObject({ ok: true, value: { pprofUrl: null } });
    // Empty, as the Settings page's field and a config file may say it: none, as null.
    expect(add('')).toMatchObject({ ok: true, value: { pprofUrl: null } });
    expect(add('  ')).toMatchObject({ ok: true, value: { pprofUrl: null } });
    expect(parseApiInput('addTarget', { name: 'api', match: 'api-server' })).toEqual({ ok: true, value: { name: 'api', match: 'api-server' } });
    const update = parseApiInput('updateTarget', { targetId: 'api', patch: { pprofUrl: 'http://127.0.0.1:16060/debug/pprof/heap?debug=1' } });
    expect(update).toEqual({ ok: true, value: { targetId: 'api', patch: { pprofUrl: 'http://127.0.0.1:16060/debug/pprof/' } } });
    const bad = parseApiInput('updateTarget', { targetId: 'api', patch: { pprofUrl: '127.0.0.1 16060' } });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.issues).toEqual([{ path: 'patch.pprofUrl', message: 'pprof URL: "127.0.0.1 16060" is not a URL; it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)' }]);
    expect(add(6060)).toMatchObject({ ok: false, error: { issues: [{ path: 'pprofUrl', message: 'pprof URL: must be a URL as text, or null for none (got 6060)' }] } });
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
