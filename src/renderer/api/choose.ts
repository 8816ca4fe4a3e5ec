/**
 * Picks the renderer's door to the engine: the Electron preload bridge (`window.leakbar`) when the app
 * runs in the desktop shell, else HTTP to `leakbar serve` with the token from the URL it printed.
 */
import type { LeakbarApi } from '../../shared/api.js';
import { captureFileHref, captureFilePath, createHttpApi, type StreamState } from './http-client.js';

const TOKEN_KEY = 'leakbar-token';

/** The token this page took (in memory, besides the tab's sessionStorage); null on the desktop or without one. */
let pageToken: string | null = null;

/** Where the page is and what it may remember: `window`'s parts, injectable for tests. */
export interface PageLike {
  location: Pick<Location, 'href' | 'origin'>;
  history: Pick<History, 'replaceState' | 'state'>;
  sessionStorage: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * The token for this tab: from `?token=` on first load (then kept in sessionStorage and removed from the
 * address bar, so it is not left in history or bookmarks), else from sessionStorage (a reload); null when
 * neither has it. sessionStorage is per origin, and an origin includes the port, so no other server on
 * 127.0.0.1 can read it, unlike a cookie, which the browser sends to them all.
 */
export function takeToken(page: PageLike): string | null {
  const url = new URL(page.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    page.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    page.history.replaceState(page.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return page.sessionStorage.getItem(TOKEN_KEY);
}

/** The API this renderer uses, or the reason it has none. */
export type ApiChoice = { ok: true; api: LeakbarApi; door: 'desktop' | 'http' } | { ok: false; reason: string };

/** The preload bridge if present, else the HTTP client with the page's token. */
export function chooseApi(win: Window, onStream?: (state: StreamState | 'resync') => void): ApiChoice {
  if (win.leakbar) return { ok: true, api: win.leakbar, door: 'desktop' };
  const token = takeToken(win);
  pageToken = token;
  if (!token) return { ok: false, reason: 'This page needs the token leakbar serve printed. Open the full URL from its output (…/?token=…).' };
  return { ok: true, api: createHttpApi({ origin: win.location.origin, token, ...(onStream ? { onStream } : {}) }), door: 'http' };
}

/**
 * A link to a capture file on `leakbar serve`, for an `<a download>` (which cannot send a header): the path
 * with this page's token as `?token=`. Same-origin and relative, so it only ever goes back to this server.
 */
export function captureFileLink(captureId: string, name: string): string {
  return pageToken === null ? captureFilePath(captureId, name) : captureFileHref(captureId, name, pageToken);
}
