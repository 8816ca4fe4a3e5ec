import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, contentSecurityPolicy, isOwnUrl, permissionAllowed, isSafeExternalUrl, mimeType, resolveAppFile, secureWebPreferences, securityHeaders, windowOptions } from './security-policy.js';

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

describe('window options', () => {
  it.each(['popover', 'inspector'] as const)('keeps the %s window isolated, sandboxed and without Node', (kind) => {
    const w = windowOptions(kind, '/app/out/preload/index.cjs').webPreferences;
    expect(w).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('makes the popover frameless and out of the taskbar, the inspector a normal window', () => {
    expect(windowOptions('popover', 'p')).toMatchObject({ frame: false, skipTaskbar: true, show: false, resizable: false });
    expect(windowOptions('inspector', 'p')).toMatchObject({ show: false, minWidth: 720 });
    expect(windowOptions('inspector', 'p').frame).toBeUndefined();
  });

  it('is how every BrowserWindow in src/main is made', () => {
    const dir = import.meta.dirname;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/new BrowserWindow\(([^)]*)\)/g)) expect(m[1], `${f}: ${m[0]}`).toMatch(/windowOptions\(/);
      if (f !== 'security-policy.ts') expect(src, `${f} builds its own webPreferences`).not.toMatch(/webPreferences\s*:/);
    }
    expect(secureWebPreferences('x')).toEqual(windowOptions('popover', 'x').webPreferences);
  });
});

describe('contentSecurityPolicy', () => {
  it('allows scripts only from our origin: no inline, no eval', () => {
    const d = directives(contentSecurityPolicy());
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-eval/);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    // Styles too, as `leakbar serve` sends them (test/e2e/electron-csp.test.ts runs the pages under this policy).
    expect(d.get('style-src')).toEqual(["'self'"]);
  });

  it('lets the dev server in only while developing', () => {
    const d = directives(contentSecurityPolicy({ devServerOrigin: 'http://localhost:5173' }));
    expect(d.get('script-src')).toContain('http://localhost:5173');
    expect(d.get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
    // Vite injects the CSS of a module as <style> elements while developing.
    expect(d.get('style-src')).toEqual(["'self'", "'unsafe-inline'", 'http://localhost:5173']);
    expect(contentSecurityPolicy()).not.toContain('localhost');
  });

  it('is sent with every file we serve', () => {
    expect(securityHeaders(contentSecurityPolicy(), '/x/index.html')).toMatchObject({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': contentSecurityPolicy(), 'X-Content-Type-Options': 'nosniff' });
  });
});

describe('isOwnUrl', () => {
  const own = [APP_ORIGIN, 'http://localhost:5173'];
  it.each([
    ['app://leakbar/index.html?view=popover', true],
    ['http://localhost:5173/index.html', true],
    ['app://evil/index.html', false],
    ['http://localhost:5174/', false],
    ['https://example.com/', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => expect(isOwnUrl(url, own)).toBe(expected));
});

describe('isSafeExternalUrl', () => {
  it.each([
    ['https://pkg.go.dev/net/http/pprof', true],
    ['http://127.0.0.1:6060/debug/pprof/', true],
    ['file:///Applications/Calculator.app', false],
    ['javascript:alert(1)', false],
    ['smb://host/share', false],
    ['https://user:pw@example.com/', false],
    ['https://exa mple.com/', false],
    ['https://example.com/\n', false],
    ['', false],
  ])('%s → %s', (url, expected) => expect(isSafeExternalUrl(url)).toBe(expected));
});

describe('resolveAppFile', () => {
  const root = '/app/out/renderer';
  it.each([
    ['app://leakbar/', '/app/out/renderer/index.html'],
    ['app://leakbar/index.html?view=inspector#alert=x', '/app/out/renderer/index.html'],
    ['app://leakbar/assets/index-abc.js', '/app/out/renderer/assets/index-abc.js'],
    // The URL parser folds dot segments before we see them: these stay inside the folder.
    ['app://leakbar/../main/index.js', '/app/out/renderer/main/index.js'],
    ['app://leakbar/%2e%2e/main/index.js', '/app/out/renderer/main/index.js'],
    // An encoded slash survives the parser; decoded, it would climb out.
    ['app://leakbar/assets/%2e%2e%2f%2e%2e%2fmain/index.js', null],
    ['app://leakbar/a%00b', null],
    ['app://other/index.html', null],
    ['file:///app/out/renderer/index.html', null],
  ])('%s → %s', (url, expected) => expect(resolveAppFile(url, root)).toBe(expected));
});

describe('mimeType', () => {
  it('knows the built renderer’s files', () => {
    expect(mimeType('a/b.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeType('x.css')).toBe('text/css; charset=utf-8');
    expect(mimeType('noext')).toBe('application/octet-stream');
  });
});

describe('permissionAllowed', () => {
  it('lets our pages write to the clipboard and nothing else', () => {
    expect(permissionAllowed('clipboard-sanitized-write', 'app://leakbar/index.html', [APP_ORIGIN])).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'https://evil.example/', [APP_ORIGIN])).toBe(false);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(permissionAllowed(p, 'app://leakbar/', [APP_ORIGIN])).toBe(false);
  });
});
