import { describe, expect, it } from 'vitest';
import { parsePprofUrl } from './watch.js';

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

  it('refuses what is not an http URL, saying what it expected', () => {
    expect(() => parsePprofUrl('not a url')).toThrow(/is not a URL \(expected e\.g\. http/);
    expect(() => parsePprofUrl('ftp://127.0.0.1/debug/pprof/')).toThrow(/must be http or https, got ftp:/);
  });
});
