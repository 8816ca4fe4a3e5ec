import { describe, expect, it } from 'vitest';
import { normalizePprofUrl } from './pprof-url.js';

const url = (v: string) => {
  const r = normalizePprofUrl(v);
  return r.ok ? r.url : r.problem;
};

describe('normalizePprofUrl', () => {
  it('makes every form people write into the base URL', () => {
    expect(url('http://127.0.0.1:6060/debug/pprof/')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(url('127.0.0.1:16060')).toBe('http://127.0.0.1:16060/debug/pprof/');
    expect(url(' localhost:6060 ')).toBe('http://localhost:6060/debug/pprof/');
    expect(url('https://box.internal:8443')).toBe('https://box.internal:8443/debug/pprof/');
    expect(url('http://127.0.0.1:6060/debug/pprof/heap?debug=1')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(url('127.0.0.1:6060/debug/pprof/goroutine?debug=2#top')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(url('http://localhost:8080/admin/')).toBe('http://localhost:8080/admin/debug/pprof/');
    // As Go's ListenAndServe(":6060") is written, or a port alone (not the IPv4 address 0.0.23.172).
    expect(url(':6060')).toBe('http://127.0.0.1:6060/debug/pprof/');
    expect(url('6060')).toBe('http://127.0.0.1:6060/debug/pprof/');
    // Handlers mounted at another path (gin-contrib's pprof.Register(r, "dev/pprof")) are read where they are.
    expect(url('http://127.0.0.1:8080/dev/pprof/')).toBe('http://127.0.0.1:8080/dev/pprof/');
    expect(url('127.0.0.1:8080/dev/pprof')).toBe('http://127.0.0.1:8080/dev/pprof/');
    expect(url('127.0.0.1:8080/internal/pprof/goroutine?debug=2')).toBe('http://127.0.0.1:8080/internal/pprof/');
    expect(url('http://[::1]:6060/pprof/heap')).toBe('http://[::1]:6060/pprof/');
    // Go's own path behind a proxy whose prefix is itself /pprof/ (nginx `location /pprof/ { proxy_pass …:6060/; }`).
    expect(url('http://box/pprof/debug/pprof/heap')).toBe('http://box/pprof/debug/pprof/');
    expect(url('http://box/pprof/debug/pprof')).toBe('http://box/pprof/debug/pprof/');
    // Read twice, the same.
    expect(url(url('127.0.0.1:6060/debug/pprof/heap'))).toBe('http://127.0.0.1:6060/debug/pprof/');
  });

  it('says what is wrong and what one looks like', () => {
    expect(url('not a url')).toBe('pprof URL: "not a url" is not a URL; it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)');
    expect(url('ftp://127.0.0.1/')).toBe('pprof URL: "ftp://127.0.0.1/" is not http or https (ftp); it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)');
    expect(url('127.0.0.1:99999')).toBe('pprof URL: "127.0.0.1:99999" has port 99999, past the last one (65535); it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)');
    expect(url(':70000')).toBe('pprof URL: ":70000" has port 70000, past the last one (65535); it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)');
    expect(url('http://[::1]:99999/debug/pprof/')).toMatch(/has port 99999, past the last one/);
    expect(url('  ')).toBe('pprof URL: empty; it looks like http://127.0.0.1:6060/debug/pprof/ (or just 127.0.0.1:6060)');
  });
});
