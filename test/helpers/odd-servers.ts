/** HTTP servers on 127.0.0.1 that are not Go's net/http/pprof, for the tests of what leakbar says about them. */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * 4 KiB of fixed bytes that are no text and no profile: invalid UTF-8, with terminal escapes (ESC [ 2 J,
 * a C1 CSI, BEL) among them, as a server sending random bytes would.
 */
export const BINARY_BODY: Uint8Array = (() => {
  const out = new Uint8Array(4096);
  let x = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  out.set([0x6d, 0xf9, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0xc2, 0x9b, 0x33, 0x31, 0x6d], 0);
  return out;
})();

/** Valid UTF-8 text full of terminal escapes: clear screen, set title, C1 CSI, bell. */
export const ESCAPES_TEXT = '\u001b[2J\u001b]0;owned\u0007hello \u009b31mred\r\nsecond line';

/** The C0, DEL and C1 control characters in `text` that are not in `allowed`: what a message must never carry to a terminal. */
export function controlChars(text: string, allowed = ''): string[] {
  return [...text].filter((c) => {
    const n = c.charCodeAt(0);
    return (n < 0x20 || (n >= 0x7f && n <= 0x9f)) && !allowed.includes(c);
  });
}

/** The servers, each under its own path prefix of one port: `${base}/html/debug/pprof/` and so on. */
export interface OddServers {
  base: string;
  /** Every path: 200 text/html `<html><body>hello</body></html>`. */
  html: string;
  /** Every path: 200 with {@link BINARY_BODY}, no content type. */
  binary: string;
  /** Every path: 200 text/plain {@link ESCAPES_TEXT}. */
  escapes: string;
  /** Every path: 500 text/plain {@link ESCAPES_TEXT}. */
  escapes500: string;
  /** Accepts and never answers. */
  hang: string;
  close(): Promise<void>;
}

/** Listens on a free 127.0.0.1 port; resolves with the base URL. */
export function listen(server: Server): Promise<string> {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** Closes a server and every connection it holds. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

/** Starts the odd servers on one free 127.0.0.1 port. */
export async function startOddServers(): Promise<OddServers> {
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/html/')) res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>hello</body></html>');
    else if (path.startsWith('/binary/')) res.writeHead(200).end(BINARY_BODY);
    else if (path.startsWith('/escapes/')) res.writeHead(200, { 'content-type': 'text/plain' }).end(ESCAPES_TEXT);
    else if (path.startsWith('/escapes500/')) res.writeHead(500, { 'content-type': 'text/plain' }).end(ESCAPES_TEXT);
    else if (path.startsWith('/hang/')) return;
    else res.writeHead(404).end('404 page not found\n');
  });
  const base = await listen(server);
  const at = (prefix: string) => `${base}/${prefix}/debug/pprof/`;
  return { base, html: at('html'), binary: at('binary'), escapes: at('escapes'), escapes500: at('escapes500'), hang: at('hang'), close: () => closeServer(server) };
}

/** Sends a request on to `target` (http://127.0.0.1:PORT) and its answer back; a 502 when nothing answers there. */
export function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.writeHead(502).end());
  req.pipe(up);
}

/**
 * A proxy in front of a real pprof endpoint (`upstream`, http://127.0.0.1:PORT) that has no `cmdline` page,
 * as an older or non-Go pprof server: `/debug/pprof/cmdline` is a 404, everything else is forwarded.
 */
export async function startProxyWithoutCmdline(upstream: string): Promise<{ pprofUrl: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/debug/pprof/cmdline')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    forward(target, req, res);
  });
  const base = await listen(server);
  return { pprofUrl: `${base}/debug/pprof/`, close: () => closeServer(server) };
}

/**
 * A proxy in front of a real pprof endpoint (`upstream`, http://127.0.0.1:PORT) whose goroutine profile works for a
 * count (`goroutine?debug=1` is forwarded) and fails for a capture: every other goroutine read answers 500
 * "profile broken".
 */
export async function startProxyFailingGoroutineCaptures(upstream: string): Promise<{ pprofUrl: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/debug/pprof/goroutine') && !url.includes('debug=1')) res.writeHead(500, { 'content-type': 'text/plain' }).end('profile broken\n');
    else forward(target, req, res);
  });
  const base = await listen(server);
  return { pprofUrl: `${base}/debug/pprof/`, close: () => closeServer(server) };
}
