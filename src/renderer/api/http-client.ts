/**
 * The API contract over HTTP, for the renderer in a browser (`leakbar serve`): each call is a POST to
 * `/api/call/<name>`, the live stream is an EventSource on `/api/events` (the browser replays what it
 * missed with `Last-Event-ID` when it reconnects), and capture files come as bytes from a GET. The token
 * goes as `Authorization: Bearer` on every fetch, and as `?token=` only where no header can be sent.
 */
import { API_CALLS, type ApiCallName, type ApiError, type ApiEvent, type ApiOutputs, type LeakbarApi } from '../../shared/api.js';

/** A failed call: the server's ApiError (code, message, hint, issues) as an Error. */
export class ApiCallError extends Error implements ApiError {
  readonly code: string;
  readonly hint?: string;
  readonly issues?: Array<{ path: string; message: string }>;
  /** The HTTP status (0 when the server could not be reached). */
  readonly status: number;
  constructor(error: ApiError, status: number) {
    super(error.hint ? `${error.message} (${error.hint})` : error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.status = status;
    if (error.hint !== undefined) this.hint = error.hint;
    if (error.issues !== undefined) this.issues = error.issues;
  }
}

/**
 * The connection of the live stream, for a "reconnecting…" notice; `unauthorized` when the server no
 * longer takes this page's token (`leakbar serve` restarted with a new one): only the new URL helps then.
 */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

/** The EventSource constructor (injectable for tests and non-browser hosts). */
export type EventSourceLike = new (url: string) => Pick<EventSource, 'addEventListener' | 'close' | 'readyState' | 'onerror' | 'onopen'>;

/** Options for {@link createHttpApi}. */
export interface HttpApiOptions {
  /** Where the server is, e.g. `http://127.0.0.1:7070`. @default location.origin */
  origin?: string;
  /** The token `leakbar serve` printed. */
  token: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default globalThis.EventSource */
  EventSource?: EventSourceLike;
  /** Hears the live stream's state changes, and `resync` when events were lost for good (refetch then). */
  onStream?: (state: StreamState | 'resync') => void;
  /** How long to wait before opening the stream again after the browser gave it up for good. @default 2000 */
  reopenMs?: number;
}

/** The path of a capture file on the server, relative to its origin (read with the token as a header). */
export function captureFilePath(captureId: string, name: string): string {
  return `/api/captures/${encodeURIComponent(captureId)}/files/${encodeURIComponent(name)}`;
}

/**
 * The same path with `?token=`, for what cannot send a header (a download link). The token rides only in
 * URLs of this origin, never in a cookie, which the browser would send to every server on 127.0.0.1.
 */
export function captureFileHref(captureId: string, name: string, token: string): string {
  return `${captureFilePath(captureId, name)}?token=${encodeURIComponent(token)}`;
}

function isApiError(v: unknown): v is ApiError {
  return typeof v === 'object' && v !== null && typeof (v as ApiError).code === 'string' && typeof (v as ApiError).message === 'string';
}

/** The API contract over HTTP + Server-Sent Events. */
export function createHttpApi(options: HttpApiOptions): LeakbarApi {
  const origin = options.origin ?? globalThis.location.origin;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const auth = { Authorization: `Bearer ${options.token}` };

  async function failure(res: Response): Promise<never> {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON: fall through */
    }
    if (isApiError(body)) throw new ApiCallError(body, res.status);
    throw new ApiCallError({ code: res.status === 401 ? 'unauthorized' : 'http-error', message: `the server answered ${res.status} ${res.statusText}`.trim(), ...(res.status === 401 ? { hint: 'open the URL `leakbar serve` printed (it carries the token)' } : {}) }, res.status);
  }

  async function request(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${origin}${path}`, { ...init, headers: { ...auth, ...init.headers }, cache: 'no-store' });
    } catch (e) {
      throw new ApiCallError({ code: 'unreachable', message: `leakbar serve is not reachable: ${(e as Error).message}`, hint: 'is `leakbar serve` still running?' }, 0);
    }
    if (!res.ok) {
      if (res.status === 401) options.onStream?.('unauthorized');
      return failure(res);
    }
    return res;
  }

  async function call(name: ApiCallName, input: unknown): Promise<unknown> {
    const res = await request(`/api/call/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(input ?? {}) });
    return res.json();
  }

  async function readCaptureFile({ captureId, name }: { captureId: string; name: string }): Promise<ApiOutputs['readCaptureFile']> {
    const res = await request(captureFilePath(captureId, name), { method: 'GET' });
    return new Uint8Array(await res.arrayBuffer());
  }

  const listeners = new Set<(e: ApiEvent) => void>();
  let source: InstanceType<EventSourceLike> | null = null;
  let reopenTimer: ReturnType<typeof setTimeout> | null = null;
  // The last event id seen, so a stream opened anew (not the browser's own reconnect) replays what was missed.
  let lastEventId = '';
  const CLOSED = 2;

  /**
   * The browser gave the stream up for good (it retries only after a network error, never after an HTTP
   * error status): ask the server why with a call. A 401 means the token is gone (the call says so through
   * `request`); anything else, open the stream again a little later.
   */
  function afterStreamClosed(es: InstanceType<EventSourceLike>): void {
    request('/api/call/listTargets', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then(
      () => reopen(es),
      (e: unknown) => {
        if (!(e instanceof ApiCallError && e.status === 401)) reopen(es);
      },
    );
  }

  function reopen(es: InstanceType<EventSourceLike>): void {
    if (source !== es || reopenTimer) return;
    reopenTimer = setTimeout(() => {
      reopenTimer = null;
      if (source === es) openStream();
    }, options.reopenMs ?? 2000);
  }

  function openStream(): void {
    const ES = options.EventSource ?? globalThis.EventSource;
    options.onStream?.('connecting');
    // EventSource cannot send headers; the token rides in the query. On reconnect the browser sends Last-Event-ID itself.
    const es = new ES(`${origin}/api/events?token=${encodeURIComponent(options.token)}${lastEventId ? `&lastEventId=${encodeURIComponent(lastEventId)}` : ''}`);
    es.onopen = () => options.onStream?.('open');
    es.onerror = () => {
      if (es.readyState === CLOSED) {
        if (source === es) afterStreamClosed(es);
      } else options.onStream?.('reconnecting');
    };
    es.addEventListener('message', (m) => {
      const id = (m as MessageEvent<string>).lastEventId;
      if (id) lastEventId = id;
      let event: ApiEvent;
      try {
        event = JSON.parse((m as MessageEvent<string>).data) as ApiEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    });
    es.addEventListener('resync', () => options.onStream?.('resync'));
    source = es;
  }

  const calls: Partial<Record<ApiCallName, (input: unknown) => Promise<unknown>>> = {};
  for (const name of Object.keys(API_CALLS) as ApiCallName[]) calls[name] = (input) => call(name, input);

  return {
    // One cast, checked by the loop above: a function for every name of the contract, resolving with the server's JSON.
    ...(calls as Omit<LeakbarApi, 'subscribe' | 'readCaptureFile'>),
    readCaptureFile,
    subscribe(listener) {
      listeners.add(listener);
      if (!source) openStream();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
          if (reopenTimer) clearTimeout(reopenTimer);
          reopenTimer = null;
        }
      };
    },
  };
}
