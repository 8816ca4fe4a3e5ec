import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../shared/settings.js';
import { parseHeapInterval, parseInterval, parsePprofUrl } from './watch.js';

describe('parsePprofUrl', () => {
  it('keeps a base URL and completes a bare host or a path without the pprof part', () => {
    expect(parsePprofUrl('http://127.0.0.1:6060/debug/pprof/')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(parsePprofUrl('http://127.0.0.1:6060/debug/pprof')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(parsePprofUrl('http://127.0.0.1:6060')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(parsePprofUrl('http://localhost:8080/admin/')).toBe('http://localhost:8080/admin/debug/pprof/');
    expect(parsePprofUrl('127.0.0.1:6060')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(parsePprofUrl('localhost:6060/debug/pprof/heap')).toBe('http://localhost:6060/debug/pprof/');
  });

  it('takes a profile’s own URL, pasted from a browser or curl, for its base', () => {
    expect(parsePprofUrl('http://127.0.0.1:6061/debug/pprof/heap')).toBe('http://127.0.0.1:6061/debug/pprof/');
    expect(parsePprofUrl('http://127.0.0.1:6061/debug/pprof/goroutine?debug=2')).toBe('http://127.0.0.1:6061/debug/pprof/');
    expect(parsePprofUrl('http://127.0.0.1:6061/svc/debug/pprof/profile?seconds=30#x')).toBe('http://127.0.0.1:6061/svc/debug/pprof/');
  });

  it('refuses what is not an http URL, saying what one looks like', () => {
    expect(() => parsePprofUrl('not a url')).toThrow('pprof URL: "not a url" is not a URL; it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)');
    expect(() => parsePprofUrl('ftp://127.0.0.1/debug/pprof/')).toThrow(/^pprof URL: "ftp:\/\/127\.0\.0\.1\/debug\/pprof\/" is not http or https \(ftp\); it looks like http:/);
  });
});

describe('parseHeapInterval', () => {
  it('takes what settings.json takes for cadences.memStatsMs, and no less', () => {
    expect(parseHeapInterval('1')).toBe(1);
    expect(parseHeapInterval('4')).toBe(4);
    expect(settingsSchema.shape.cadences.shape.memStatsMs.safeParse(4000).success).toBe(true);
    expect(parseHeapInterval('86400')).toBe(86400);
    for (const bad of ['0.5', '0', '-3', 'soon', '86401']) expect(() => parseHeapInterval(bad), bad).toThrow(/^expected 1 to 86400 seconds, as settings\.json's cadences\.memStatsMs \(1000 to 86400000 ms\)/);
    expect(settingsSchema.shape.cadences.shape.memStatsMs.safeParse(500).success).toBe(false);
  });
});

describe('parseInterval', () => {
  it('takes 0.1 s to a day: under settings.json’s 1 s for one run, never 0 or a flood', () => {
    expect(parseInterval('5')).toBe(5);
    expect(parseInterval('0.5')).toBe(0.5);
    expect(parseInterval('0.1')).toBe(0.1);
    expect(parseInterval('86400')).toBe(86400);
    for (const bad of ['0.05', '0', '-1', 'soon', '86401']) expect(() => parseInterval(bad), bad).toThrow(/^expected 0\.1 to 86400 seconds \(settings\.json takes 1 or more\), got /);
  });
});
