/**
 * The app's security settings as pure data, so tests can hold them: web preferences and window options
 * for every window, the Content-Security-Policy, which URLs are ours, which links may open in the
 * browser, and how an `app://` URL maps to a file of the built renderer.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** The renderer is served from `app://leakbar/…` in a packaged app (a standard, secure scheme: 'self' and CSP work as for https). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'leakbar';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The windows leakbar opens. */
export type WindowKind = 'popover' | 'inspector';

/** Web preferences of every window: isolated, sandboxed, no Node, web security on, nothing extra. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/** Popover size, in DIP. @default 380 × 560 */
export const POPOVER_SIZE = { width: 380, height: 560 } as const;
/** Inspector size on first open, in DIP. @default 1100 × 760 */
export const INSPECTOR_SIZE = { width: 1100, height: 760 } as const;

/** BrowserWindow options for one kind of window. Every kind gets {@link secureWebPreferences}. */
export function windowOptions(kind: WindowKind, preloadPath: string): BrowserWindowConstructorOptions {
  const common: BrowserWindowConstructorOptions = { show: false, backgroundColor: '#1f1f1f', webPreferences: secureWebPreferences(preloadPath) };
  if (kind === 'popover') {
    return {
      ...common,
      ...POPOVER_SIZE,
      frame: false,
      resizable: false,
      movable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      skipTaskbar: true,
      alwaysOnTop: true,
      hasShadow: true,
    };
  }
  return { ...common, ...INSPECTOR_SIZE, minWidth: 720, minHeight: 480, title: 'leakbar', autoHideMenuBar: true };
}

/**
 * The Content-Security-Policy of every page we load, sent as a response header by the main process
 * (the `app://` handler in a packaged app, `onHeadersReceived` for the dev server), so the renderer's
 * index.html needs no meta tag. Scripts and styles come only from our origin, never inline, never eval: React's
 * style props (and recharts') are set through the CSSOM (`element.style`), which style-src does not govern, and no
 * page of ours sets a style attribute or a <style> element, so the built pages run as `leakbar serve` serves them
 * (the same style-src). In development (`devServerOrigin` given) Vite's client needs its inline preamble, the
 * <style> elements it injects CSS with, and a websocket.
 */
export function contentSecurityPolicy(options: { devServerOrigin?: string } = {}): string {
  const dev = options.devServerOrigin;
  const ws = dev ? dev.replace(/^http/, 'ws') : '';
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', dev ? ["'self'", "'unsafe-inline'", dev] : ["'self'"]],
    ['style-src', dev ? ["'self'", "'unsafe-inline'", dev] : ["'self'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', dev ? ["'self'", dev, ws] : ["'self'"]],
    ['worker-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/** Permissions our pages may have: writing to the clipboard (the "copy as Markdown" buttons). Everything else is refused. */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

/** True when a page at `requestingUrl` may have `permission`: only ours, only the allowed ones. */
export function permissionAllowed(permission: string, requestingUrl: string, ownOrigins: readonly string[]): boolean {
  return ALLOWED_PERMISSIONS.includes(permission) && isOwnUrl(requestingUrl, ownOrigins);
}

/** True when `url` is a page of ours: the app origin, or the dev server's origin while developing. */
export function isOwnUrl(url: string, ownOrigins: readonly string[]): boolean {
  const origin = originOf(url);
  return origin !== null && ownOrigins.includes(origin);
}

/**
 * True when a link may open in the user's browser: http or https, a host name, no user name or password,
 * no control characters. Everything else (file:, javascript:, custom schemes) is refused.
 */
export function isSafeExternalUrl(url: string): boolean {
  if (url.length > 2048 || [...url].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.username === '' && u.password === '';
}

/**
 * The file an `app://leakbar/…` URL names inside `rootDir`, or null for another host or a path that
 * leaves the folder. `/` is index.html; query and hash are ignored.
 */
export function resolveAppFile(url: string, rootDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = resolve(rootDir);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return null;
  return file;
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    // Custom schemes report origin "null" in WHATWG URL; build it from the parts.
    return u.origin !== 'null' ? u.origin : u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** The Content-Type of a built renderer file, by extension. @default application/octet-stream */
export function mimeType(file: string): string {
  const dot = file.lastIndexOf('.');
  return (dot >= 0 && MIME[file.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/** Headers every page and asset of ours is served with. */
export function securityHeaders(csp: string, file: string): Record<string, string> {
  return { 'Content-Type': mimeType(file), 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Opener-Policy': 'same-origin' };
}
