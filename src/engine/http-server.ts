/**
 * The HTTP door of the API contract (`leakbar serve`): one POST route per call, Server-Sent Events
 * with replay for the live stream, capture files as bytes, Prometheus `/metrics`, and the built
 * renderer as static files. It listens on 127.0.0.1 only and answers nothing with data without the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { isApiCallName, parseApiInput, type ApiCallName, type ApiError, type ApiEvent, type LeakbarApi, type TargetSummary } from '../shared/api.js';
import type { Alert } from '../shared/alerts.js';
import { isLeakbarError, type ErrorCode } from '../shared/errors.js';

/** The only address `leakbar serve` listens on. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * The Content-Security-Policy of every response: the renderer's own files only, no inline scripts or
 * styles (React sets styles through the DOM, which CSP allows), no framing, no plugins.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Options for {@link startHttpServer}. */
export interface HttpServerOptions {
  /** The engine (or anything else implementing the contract). */
  api: LeakbarApi;
  /** The secret every request for data must carry (`Authorization: Bearer` or `?token=`; never a cookie). */
  token: string;
  /** The built renderer (index.html and assets/); null serves no pages. */
  staticDir: string | null;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Must be a loopback address. @default '127.0.0.1' */
  host?: string;
  /** Live events kept for clients that reconnect with `Last-Event-ID`. @default 1000 */
  replayEvents?: number;
  /** A comment line on idle event streams, so proxies and browsers keep them open. @default 15000 */
  heartbeatMs?: number;
  /** Largest accepted call body. @default 65536 */
  maxBodyBytes?: number;
}

/** A running server. */
export interface RunningHttpServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  port: number;
  /** The URL a person opens: the origin with the token, at the given hash route. */
  urlFor(route?: string): string;
  /** Ends event streams and open connections, then stops listening. */
  close(): Promise<void>;
}

/** Generous HTTP statuses for each error code a LeakbarError can carry. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  'no-such-process': 404,
  'permission-denied': 403,
  'tool-missing': 500,
  timeout: 504,
  'endpoint-refused': 502,
  'endpoint-status': 502,
  'endpoint-garbage': 502,
  'not-a-profile': 422,
  'corrupt-profile': 422,
  'empty-profile': 422,
  'parse-error': 422,
  'bad-input': 400,
  'disk-full': 507,
  'io-error': 500,
  busy: 409,
  cancelled: 409,
  'not-found': 404,
  unsupported: 501,
};

/** The HTTP status an API error is answered with. */
export function statusForError(code: string): number {
  return (STATUS_BY_CODE as Record<string, number>)[code] ?? 500;
}

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function tokensMatch(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The token a request carries, if any: `?token=` (what cannot send a header: the printed URL, EventSource,
 * download links) or `Authorization: Bearer` (every fetch of the page). Never a cookie: cookies ignore the
 * port, so the browser would hand one to every other server on 127.0.0.1 (the watched program's pprof
 * page, a dev server, another user's server), and whoever received it could drive this API.
 */
function tokenOf(req: IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q !== null) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return null;
}

/**
 * Whether a Host header names this server: `127.0.0.1:PORT` or `localhost:PORT`, and the bare name on
 * port 80, where a browser leaves the port out. Any other name may be a DNS-rebinding page.
 */
export function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  const names = ['127.0.0.1', 'localhost'];
  const allowed = names.map((n) => `${n}:${port}`);
  if (port === 80) allowed.push(...names);
  return allowed.includes(hostHeader ?? '');
}

// ---- live events with replay ----------------------------------------------------------------------

/** One event of the live stream with its id (ids count up from 1 per server). */
export interface NumberedEvent {
  id: number;
  event: ApiEvent;
}

/**
 * A bounded ring of the latest events. `since(lastId)` gives what a reconnecting client missed,
 * or `null` when some of it has already fallen out of the ring (the client should reload).
 */
export class EventRing {
  private readonly items: NumberedEvent[] = [];
  private nextId = 1;
  constructor(private readonly capacity: number) {}

  /** Adds an event and returns it numbered. */
  push(event: ApiEvent): NumberedEvent {
    const n = { id: this.nextId++, event };
    this.items.push(n);
    if (this.items.length > this.capacity) this.items.shift();
    return n;
  }

  /** Events after `lastId`; null when the gap cannot be filled (too old, or an id from another server run). */
  since(lastId: number): NumberedEvent[] | null {
    if (!Number.isInteger(lastId) || lastId < 0 || lastId >= this.nextId) return null;
    const first = this.items[0]?.id ?? this.nextId;
    if (lastId + 1 < first) return null;
    return this.items.filter((e) => e.id > lastId);
  }
}

// ---- Prometheus text format -----------------------------------------------------------------------

type Gauge = [name: string, help: string, value: (t: TargetSummary, alerts: readonly Alert[]) => number | null | undefined];

const GAUGES: Gauge[] = [
  ['leakbar_target_watching', 'Whether leakbar currently follows a live process for the target (1) or waits for one (0).', (t) => (t.status.state === 'watching' ? 1 : 0)],
  ['leakbar_pid', 'The process id being watched.', (t) => t.status.pid],
  ['leakbar_rss_bytes', 'Resident set size of the target process.', (t) => t.status.lastSample?.rssBytes],
  ['leakbar_vsz_bytes', 'Virtual size of the target process.', (t) => t.status.lastSample?.vszBytes],
  ['leakbar_cpu_percent', 'CPU use since the previous sample (100 = one core).', (t) => t.status.lastSample?.cpuPercent],
  ['leakbar_threads', 'OS threads of the target process.', (t) => t.status.lastSample?.threads],
  ['leakbar_open_fds', 'Open file descriptors of the target process.', (t) => t.status.lastSample?.fds],
  ['leakbar_fd_limit', 'Soft limit on open file descriptors (RLIMIT_NOFILE).', (t) => t.status.lastSample?.fdLimit],
  ['leakbar_goroutines', 'Goroutines, from the pprof endpoint.', (t) => t.status.lastSample?.goroutines],
  ['leakbar_heap_alloc_bytes', 'Go runtime HeapAlloc.', (t) => t.status.lastSample?.heapAllocBytes],
  ['leakbar_heap_inuse_bytes', 'Go runtime HeapInuse.', (t) => t.status.lastSample?.heapInuseBytes],
  ['leakbar_swap_bytes', 'Swapped-out memory of the target process.', (t) => t.status.lastSample?.swapBytes],
  ['leakbar_alerts_firing', 'Alerts firing now (not snoozed, not acknowledged).', (_t, a) => a.filter((x) => x.state === 'firing').length],
  ['leakbar_alerts_open', 'Alerts whose condition still holds, whatever their state.', (_t, a) => a.filter((x) => x.state !== 'resolved').length],
  ['leakbar_last_sample_timestamp_seconds', 'When the latest sample was taken (Unix time).', (t) => (t.status.lastSample ? t.status.lastSample.timeMs / 1000 : null)],
];

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/**
 * The figures of every target in the Prometheus text exposition format (version 0.0.4): one gauge
 * family per figure with HELP and TYPE lines, one line per target labelled `target="<id>"`.
 * A figure a target has no value for is left out, as Prometheus expects.
 */
export function formatMetrics(targets: readonly TargetSummary[], alertsByTarget: ReadonlyMap<string, readonly Alert[]>): string {
  const lines: string[] = [];
  for (const [name, help, value] of GAUGES) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const t of targets) {
      const v = value(t, alertsByTarget.get(t.target.id) ?? []);
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      lines.push(`${name}{target="${escapeLabel(t.target.id)}"} ${v}`);
    }
  }
  return lines.join('\n') + '\n';
}

// ---- the server -----------------------------------------------------------------------------------

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message);
  }
}

/** Decodes one percent-encoded part of a path; a malformed one (`%`, `%E0%A4%A`) is the client's mistake, a 400. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpFailure(400, { code: 'bad-input', message: `the path has a malformed percent-encoding: ${JSON.stringify(part.slice(0, 200))} (each % starts %XX of valid UTF-8; % itself is %25)` });
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost';
}

/**
 * Starts the server. Every request for data (`/api/…`, `/metrics`, any POST) needs the token:
 * `Authorization: Bearer`, or `?token=` where no header can be sent (EventSource, download links). Without
 * it the answer is a 401 and nothing else: JSON for the API, plain text for the rest. The renderer's own
 * files are served without it (see {@link isPublicRequest}); a page request carrying a wrong token gets a
 * short page saying where the right one is.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? LOOPBACK_HOST;
  if (!isLoopback(host)) throw new Error(`leakbar serve listens on 127.0.0.1 only, not ${host}`);
  if (options.token.length < 16) throw new Error('the token must be at least 16 characters');
  const { api, token } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const staticRoot = options.staticDir === null ? null : resolve(options.staticDir);

  const ring = new EventRing(options.replayEvents ?? 1000);
  const streams = new Set<ServerResponse>();
  const unsubscribe = api.subscribe((event) => {
    const n = ring.push(event);
    const frame = sseFrame(n);
    for (const res of streams) {
      // A client that stops reading is dropped; it reconnects and replays what it missed.
      if (res.writableLength > 4 * 1024 * 1024) res.destroy();
      else res.write(frame);
    }
  });

  let port = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpFailure) return sendJson(res, e.status, e.body);
      sendJson(res, 500, { code: 'internal', message: e instanceof Error ? e.message : String(e) });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCommonHeaders(res);
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach us.
    if (!hostAllowed(req.headers.host, port)) {
      return sendJson(res, 421, { code: 'bad-host', message: 'requests must be addressed to 127.0.0.1' });
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const given = tokenOf(req, url);
    // A wrong token is refused everywhere, so a stale printed URL says so at once rather than load a page that cannot work.
    if (given !== null ? !tokensMatch(given, token) : !isPublicRequest(method, path)) return sendUnauthorized(req, res, path, port);

    if (path.startsWith('/api/call/')) {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      return handleCall(req, res, decodePathPart(path.slice('/api/call/'.length)));
    }
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    if (path === '/api/events') return handleEvents(req, res, url);
    const file = /^\/api\/captures\/([^/]+)\/files\/([^/]+)$/.exec(path);
    if (file) return sendCaptureFile(res, decodePathPart(file[1]!), decodePathPart(file[2]!));
    if (path === '/metrics') return handleMetrics(res);
    if (path.startsWith('/api/')) return sendJson(res, 404, { code: 'not-found', message: `no route ${path}` });
    return serveStatic(res, path, method === 'HEAD');
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!isApiCallName(name)) return sendJson(res, 404, { code: 'not-found', message: `no API call named ${JSON.stringify(name)}` });
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/.test(type)) return sendJson(res, 415, { code: 'bad-input', message: 'send the input as application/json' });
    const text = await readBody(req, maxBodyBytes);
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return sendJson(res, 400, { code: 'bad-input', message: 'the body is not valid JSON' });
    }
    const parsed = parseApiInput(name, body);
    if (!parsed.ok) return sendJson(res, 400, parsed.error);
    let value: unknown;
    try {
      value = await callApi(name, parsed.value);
    } catch (e) {
      return sendApiFailure(res, e);
    }
    if (value instanceof Uint8Array) return sendBytes(res, value, 'application/octet-stream', null);
    return sendJson(res, 200, value);
  }

  /** Calls one method of the contract with input its schema has already checked. */
  function callApi(name: ApiCallName, input: unknown): Promise<unknown> {
    const fn = api[name] as (input: unknown) => Promise<unknown>;
    return fn.call(api, input);
  }

  async function sendCaptureFile(res: ServerResponse, captureId: string, name: string): Promise<void> {
    const parsed = parseApiInput('readCaptureFile', { captureId, name });
    if (!parsed.ok) return sendJson(res, 400, parsed.error);
    try {
      const bytes = await api.readCaptureFile(parsed.value);
      const type = name.endsWith('.json') ? 'application/json' : name.endsWith('.txt') ? 'text/plain; charset=utf-8' : 'application/octet-stream';
      sendBytes(res, bytes, type, name);
    } catch (e) {
      sendApiFailure(res, e);
    }
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse, url: URL): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const last = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId');
    if (typeof last === 'string' && last !== '') {
      const missed = ring.since(Number(last));
      if (missed === null) res.write('event: resync\ndata: {}\n\n');
      else for (const n of missed) res.write(sseFrame(n));
    }
    streams.add(res);
    const beat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    beat.unref();
    const done = () => {
      clearInterval(beat);
      streams.delete(res);
    };
    req.once('close', done);
    res.once('close', done);
  }

  async function handleMetrics(res: ServerResponse): Promise<void> {
    const targets = await api.listTargets({});
    const alerts = new Map<string, Alert[]>();
    await Promise.all(targets.map(async (t) => alerts.set(t.target.id, await api.alerts({ targetId: t.target.id }).catch(() => []))));
    const text = formatMetrics(targets, alerts);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  }

  async function serveStatic(res: ServerResponse, path: string, headOnly: boolean): Promise<void> {
    if (staticRoot === null) return sendJson(res, 404, { code: 'not-found', message: 'this server has no pages' });
    const rel = path === '/' ? 'index.html' : decodePathPart(path.slice(1));
    const file = resolve(join(staticRoot, rel));
    if (!file.startsWith(staticRoot + sep) || rel.includes('\0')) return sendJson(res, 404, { code: 'not-found', message: 'no such file' });
    let bytes: Buffer;
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      bytes = await readFile(file);
    } catch {
      return sendJson(res, 404, { code: 'not-found', message: `no file ${path}` });
    }
    const headers: Record<string, string | number> = {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': bytes.length,
      // Vite names assets by content hash; the page itself must always be fresh.
      'Cache-Control': rel.startsWith('assets/') ? 'private, max-age=31536000, immutable' : 'no-store',
    };
    res.writeHead(200, headers);
    res.end(headOnly ? undefined : bytes);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, LOOPBACK_HOST, () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    port,
    urlFor: (route = '/popover') => `${origin}/?token=${encodeURIComponent(token)}#${route}`,
    async close() {
      unsubscribe();
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/**
 * Whether a request may go without the token: a GET or HEAD of the built renderer (index.html, the JS and
 * CSS bundle, the icon), which holds code and no data, the same for every user of this leakbar version.
 * It must: a page (re)loaded by the browser and the `<script>` and `<link>` it loads cannot send a header,
 * and the token may no longer be in the address bar (the page removes it, and keeps it in the tab's
 * sessionStorage, which is per origin and so per port). Everything with data stays behind the token:
 * the API and its event stream and capture files (`/api/…`), `/metrics`, and any other method.
 */
export function isPublicRequest(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && !path.startsWith('/api/') && path !== '/api' && path !== '/metrics';
}

function sseFrame(n: NumberedEvent): string {
  return `id: ${n.id}\ndata: ${JSON.stringify(n.event)}\n\n`;
}

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // The token travels in the first URL: never hand it to another site.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** The page a browser gets for a page request without the right token: no script, no style, nothing from the server. */
const unauthorizedPage = (port: number): string =>
  [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>leakbar: token needed</title></head>',
    '<body><h1>leakbar: token needed</h1>',
    '<p>This leakbar page needs its token: open the URL <code>leakbar serve</code> printed (it changes each time serve starts).</p>',
    `<p>It looks like <code>http://127.0.0.1:${port}/?token=…#/popover</code>.</p>`,
    '</body></html>',
    '',
  ].join('\n');

/**
 * The 401: JSON for the API (`/api/…`), a short readable page for a browser asking for a page (GET or HEAD
 * accepting text/html), plain text for the rest (assets, `/metrics`).
 */
function sendUnauthorized(req: IncomingMessage, res: ServerResponse, path: string, port: number): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="leakbar"');
  if (path.startsWith('/api/')) return sendJson(res, 401, { code: 'unauthorized', message: 'the token is missing or not the current one', hint: 'open the URL `leakbar serve` printed (it changes each time serve starts)' } satisfies ApiError);
  const method = req.method ?? 'GET';
  const wantsPage = (method === 'GET' || method === 'HEAD') && path !== '/metrics' && /\btext\/html\b/.test(req.headers.accept ?? '');
  const body = wantsPage ? unauthorizedPage(port) : '401 Unauthorized\n';
  res.writeHead(401, { 'Content-Type': wantsPage ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendBytes(res: ServerResponse, bytes: Uint8Array, type: string, fileName: string | null): void {
  const headers: Record<string, string | number> = { 'Content-Type': type, 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-store' };
  if (fileName) headers['Content-Disposition'] = `attachment; filename="${fileName}"`;
  res.writeHead(200, headers);
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function sendApiFailure(res: ServerResponse, e: unknown): void {
  if (isLeakbarError(e)) {
    const body: ApiError = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    return sendJson(res, statusForError(e.code), body);
  }
  sendJson(res, 500, { code: 'internal', message: e instanceof Error ? e.message : String(e) });
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { code: 'bad-input', message: `use ${allow}` });
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Past the limit the rest is read and dropped, so the 413 reaches the client.
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => {
      if (size > limit) fail(new HttpFailure(413, { code: 'bad-input', message: `the body is larger than ${limit} bytes` }));
      else ok(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', fail);
  });
}
