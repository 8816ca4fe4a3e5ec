/**
 * The one HTTP GET leakbar makes to a pprof endpoint: node:http / node:https on a fresh connection of its
 * own (`agent: false`, `Connection: close`), closed when the answer is in, following redirects, reading the
 * whole body, within one timeout, and cancelled by a signal with its socket destroyed at once.
 *
 * Not the global fetch: after an aborted GET, undici opens a spare connection to the server that stays about
 * 4 s (nodejs/undici#5845). In a watched Go program that is one more FD and one more goroutine, counted in
 * the very figures leakbar reports. Here each GET has its own socket, and nothing is left once it settles.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LeakbarError } from '../shared/errors.js';
import { formatBytes } from '../shared/units.js';
import { errorCode } from './common.js';

/** How many redirects a GET follows, at most. @default 5 */
export const MAX_REDIRECTS = 5;

/**
 * The largest answer a GET reads. A debug=2 dump of two million goroutines is some 300 MB; more than this is a
 * server that does not stop, and reading on would only fill leakbar's memory. @default 512 MiB
 */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;

/** What an HTTP GET answered, body and all. Any status: the caller judges it. */
export interface HttpGetResponse {
  status: number;
  /** The reason phrase the server sent ("Not Found"); '' when it sent none. */
  statusText: string;
  /** The Content-Type header, '' when absent. */
  contentType: string;
  body: Uint8Array;
  /** With {@link HttpGetOptions.keep}: the bytes dropped between the head and the tail (0 when nothing was). */
  skipped: number;
  /** The URL that answered (after redirects). */
  url: string;
}

/** Options of {@link httpGet}. */
export interface HttpGetOptions {
  /** How long the whole answer may take: connections, redirects, headers and body. */
  timeoutMs: number;
  /** Cancels the GET: its socket is destroyed at once and the GET rejects with reason 'cancelled'. */
  signal?: AbortSignal;
  /** @default MAX_REDIRECTS */
  maxRedirects?: number;
  /** @default MAX_BODY_BYTES */
  maxBytes?: number;
  /**
   * Keeps only the answer's first `head` and last `tail` bytes, however long it is (no `maxBytes` then): a reader that
   * needs a text's first line (the goroutine count) or its end (MemStats, after every heap record) holds a few
   * kilobytes, not a dump of hundreds of megabytes. The body is the head, then the tail; `skipped` says how many bytes
   * between them were dropped. With no tail, the GET ends once the head is in (`skipped` is then 0: the rest was not read).
   */
  keep?: { head: number; tail: number };
}

/**
 * Why a GET failed:
 * - 'cancelled': the signal aborted (before or during the GET);
 * - 'timeout': the whole answer did not arrive within the timeout;
 * - 'connect': no connection could be made (refused, unknown host, unreachable, TLS handshake);
 * - 'closed': the connection was made, then closed or reset before an answer's headers;
 * - 'broke-off': an answer started, and its body was cut short;
 * - 'redirect': too many redirects, or one to another address (scheme, host or port) or to something that is not an http(s) URL;
 * - 'too-large': the answer is longer than `maxBytes`;
 * - 'bad-url': the URL is not an http(s) URL.
 */
export type HttpGetFailure = 'cancelled' | 'timeout' | 'connect' | 'closed' | 'broke-off' | 'redirect' | 'too-large' | 'bad-url';

/** A failed {@link httpGet}: why (`reason`), the errno-like code when there is one, and a message with that code said once. */
export class HttpGetError extends Error {
  readonly reason: HttpGetFailure;
  readonly code: string | undefined;
  /** For a timeout: the bytes of the answer's body in by then, or null when not even its headers were. */
  readonly receivedBytes: number | null;

  constructor(reason: HttpGetFailure, message: string, options: { code?: string; cause?: unknown; receivedBytes?: number | null } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpGetError';
    this.reason = reason;
    this.code = options.code;
    this.receivedBytes = options.receivedBytes ?? null;
  }
}

/** A wait for a message: "200 ms" under a second, else seconds ("1.5 s", "20 s"). */
function formatWait(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;
}

/**
 * The error of an HTTP GET that got no answer in time. It names the URL and what usually causes it: the
 * program, or the address, not the machine (a busy machine still answers a pprof GET within seconds).
 */
export function noAnswerError(url: string, timeoutMs: number, cause?: unknown): LeakbarError {
  // Headers in and the body still coming: the program answers, slowly or at length; not a stuck one.
  const received = cause instanceof HttpGetError ? cause.receivedBytes : null;
  if (received !== null) {
    return new LeakbarError('timeout', `GET ${url}: the answer was still arriving after ${formatWait(timeoutMs)} (${formatBytes(received)} in)`, {
      hint: 'the program writes it slowly, or it is very large',
      cause,
    });
  }
  return new LeakbarError('timeout', `GET ${url}: no answer within ${formatWait(timeoutMs)}`, {
    hint: 'the program may be stuck, stopped in a debugger, or this is not its pprof address',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The codes of a host name that could not be turned into an address: none such (ENOTFOUND, Node's name for
 * getaddrinfo's EAI_NONAME), or no answer from the resolver now (EAI_AGAIN), or a resolver that failed (EAI_FAIL).
 */
const LOOKUP_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']);

/** The error of a GET whose host name could not be looked up: said as that, not as a refused connection. */
function lookupError(url: string, e: HttpGetError): LeakbarError {
  const host = parseHttpUrl(url)?.hostname ?? url;
  if (e.code === 'ENOTFOUND') {
    return new LeakbarError('endpoint-refused', `GET ${url}: no host named ${host} (ENOTFOUND)`, { hint: 'check the host name in the URL for a typo; a program on this machine is at 127.0.0.1', cause: e });
  }
  // A resolver that does not answer now may answer later: the same code as a refusal, so a watcher keeps asking.
  return new LeakbarError('endpoint-refused', `GET ${url}: the address of ${host} could not be looked up (${e.code})`, { hint: 'the name server did not answer: check the network, or give the host as an IP address', cause: e });
}

/**
 * The LeakbarError of a GET that failed in a way every caller says alike: no whole answer within `timeoutMs`
 * ({@link noAnswerError}), a redirect leakbar does not follow, an answer too large, a URL that is none, a host
 * name that could not be looked up. Null for the other failures (cancelled, refused, cut short), which each caller
 * says in its own words.
 */
export function answerError(url: string, e: HttpGetError, timeoutMs: number): LeakbarError | null {
  if (e.reason === 'timeout') return noAnswerError(url, timeoutMs, e);
  if (e.reason === 'connect' && e.code !== undefined && LOOKUP_CODES.has(e.code)) return lookupError(url, e);
  if (e.reason === 'redirect') return new LeakbarError('endpoint-garbage', `GET ${url}: ${e.message}`, { hint: 'give the address the program serves pprof at itself', cause: e });
  if (e.reason === 'too-large') return new LeakbarError('endpoint-garbage', `GET ${url}: ${e.message}`, { hint: 'is this a pprof endpoint? Go does not send profiles this large', cause: e });
  if (e.reason === 'bad-url') return new LeakbarError('bad-input', e.message, { hint: 'a pprof URL looks like http://127.0.0.1:6060/debug/pprof/', cause: e });
  return null;
}

/** Node's message for a socket error, its code said once ("connect ECONNREFUSED 127.0.0.1:6060", "ECONNRESET: socket hang up"). */
function socketErrorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = errorCode(e);
  // A dual-stack connect fails with an AggregateError whose own message may be empty.
  const errors = (e as { errors?: unknown }).errors;
  const first = Array.isArray(errors) && errors[0] instanceof Error ? errors[0].message : '';
  const message = e.message || first || 'failed';
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function parseHttpUrl(url: string | URL): URL | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/**
 * GETs `url` and reads the whole answer. Resolves for any status (redirects 301, 302, 303, 307 and 308
 * with a Location are followed, up to `maxRedirects`); rejects with an {@link HttpGetError}.
 *
 * Every connection is the GET's own and is closed when it settles, whichever way; no listener stays on
 * `signal` after it settles (a watcher's signal lives all day). The timeout and the signal are joined by
 * hand, not with AbortSignal.any: on Node 20 a composite signal stays reachable from a long-lived source
 * signal, a leak in an all-day loop.
 */
export function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetResponse> {
  const { timeoutMs, signal } = options;
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const keep = options.keep;
  const first = parseHttpUrl(url);
  if (!first) return Promise.reject(new HttpGetError('bad-url', `${JSON.stringify(url)} is not an http(s) URL`));
  const cancelled = () => new HttpGetError('cancelled', `GET ${url} was cancelled`, { cause: signal?.reason });
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise<HttpGetResponse>((resolve, reject) => {
    let settled = false;
    let current: ClientRequest | null = null;
    // The body's bytes in so far, or null before an answer's headers: a timeout says which it was.
    let received: number | null = null;
    const onAbort = () => fail(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    // One deadline for the whole answer, redirects and body included (as fetch with an abort signal).
    const timer = setTimeout(() => {
      const what = received === null ? 'no answer' : `the answer was still arriving (${received} bytes in)`;
      fail(new HttpGetError('timeout', `GET ${url}: ${what} after ${timeoutMs} ms`, { receivedBytes: received }));
    }, timeoutMs);

    /** Settles once: clears the timer, takes the listener off the caller's signal, and closes the connection. */
    function finish(): void {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      current?.destroy();
      current = null;
    }
    function fail(e: HttpGetError): void {
      if (settled) return;
      finish();
      reject(e);
    }
    function succeed(res: HttpGetResponse): void {
      if (settled) return;
      finish();
      resolve(res);
    }

    const get = (target: URL, redirectsLeft: number): void => {
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      let connected = false;
      const req = send(target, { method: 'GET', agent: false, headers: { connection: 'close', accept: '*/*', 'user-agent': 'leakbar' } });
      current = req;
      const mine = () => !settled && current === req;
      req.on('socket', (socket) => {
        socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
      });
      // Stays for the request's life: an error after the GET settled (the destroy itself) is nobody's.
      req.on('error', (e) => {
        if (!mine()) return;
        fail(new HttpGetError(connected ? 'closed' : 'connect', socketErrorMessage(e), { code: errorCode(e), cause: e }));
      });
      req.on('response', (res: IncomingMessage) => {
        res.on('error', () => {}); // a body cut short is said by 'close' below
        if (!mine()) return void res.resume();
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location) {
          res.resume();
          const next = parseHttpUrl(safeResolve(location, target));
          // The Location is the server's text: not quoted here, where it could reach a terminal unescaped.
          if (!next) return fail(new HttpGetError('redirect', 'redirected to something that is not an http(s) URL'));
          // Go's pprof redirects only within itself (/debug/pprof to /debug/pprof/). Another address is another
          // program, whose answer must not pass for this one's; and never from https down to http.
          if (next.origin !== first.origin) return fail(new HttpGetError('redirect', `redirected to another address (${next.origin}), which leakbar does not follow`));
          if (redirectsLeft <= 0) return fail(new HttpGetError('redirect', `more than ${maxRedirects} redirects`));
          req.destroy();
          return get(next, redirectsLeft - 1);
        }
        const tooLarge = () => new HttpGetError('too-large', `the answer is larger than ${maxBytes} bytes, the most leakbar reads`);
        const declared = Number(res.headers['content-length']);
        if (!keep && Number.isFinite(declared) && declared > maxBytes) return fail(tooLarge());
        const body = keep ? headAndTail(keep.head, keep.tail) : whole(maxBytes);
        let length = 0;
        received = 0;
        const answer = () => {
          const { bytes, skipped } = body.done();
          succeed({ status, statusText: res.statusMessage ?? '', contentType: headerValue(res.headers['content-type']), body: bytes, skipped, url: target.toString() });
        };
        res.on('data', (chunk: Buffer) => {
          if (!mine()) return;
          length += chunk.length;
          received = length;
          const more = body.add(chunk);
          if (more === 'too-large') fail(tooLarge());
          // Only the head is kept, and it is in: the rest is not read (the connection closes).
          else if (more === 'enough') answer();
        });
        res.on('end', () => {
          if (mine()) answer();
        });
        res.on('close', () => {
          if (!mine() || res.complete) return;
          fail(new HttpGetError('broke-off', `the connection closed after ${length} bytes of the answer`));
        });
      });
      req.end();
    };
    get(first, maxRedirects);
  });
}

/**
 * A body being read: `add` takes a chunk and says whether to read on ('more'), whether what is kept is all there is to
 * keep ('enough': a head alone), or whether the answer is past what may be read; `done` gives the bytes kept.
 */
interface BodyBuffer {
  add(chunk: Buffer): 'more' | 'enough' | 'too-large';
  done(): { bytes: Uint8Array; skipped: number };
}

function joinChunks(chunks: readonly Buffer[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The whole body, up to `maxBytes`. */
function whole(maxBytes: number): BodyBuffer {
  const chunks: Buffer[] = [];
  let length = 0;
  return {
    add(chunk) {
      chunks.push(chunk);
      length += chunk.length;
      return length <= maxBytes ? 'more' : 'too-large';
    },
    done: () => ({ bytes: joinChunks(chunks, length), skipped: 0 }),
  };
}

/** The first `head` and the last `tail` bytes of a body of any length; memory stays under head + 2 × tail + a chunk. */
function headAndTail(head: number, tail: number): BodyBuffer {
  const first: Buffer[] = [];
  let firstLength = 0;
  let last: Buffer[] = [];
  let lastLength = 0;
  let skipped = 0;
  return {
    add(chunk) {
      if (firstLength < head) {
        const take = chunk.subarray(0, head - firstLength);
        first.push(take);
        firstLength += take.length;
        chunk = chunk.subarray(take.length);
      }
      if (tail === 0) return firstLength < head ? 'more' : 'enough';
      if (chunk.length === 0) return 'more';
      last.push(chunk);
      lastLength += chunk.length;
      // Trimmed now and then, not at every chunk: down to the last `tail` bytes once twice that is held.
      if (lastLength > 2 * tail) {
        const joined = joinChunks(last, lastLength);
        skipped += lastLength - tail;
        last = [Buffer.from(joined.subarray(lastLength - tail))];
        lastLength = tail;
      }
      return 'more';
    },
    done() {
      const kept = Math.min(lastLength, tail);
      const tailBytes = joinChunks(last, lastLength).subarray(lastLength - kept);
      skipped += lastLength - kept;
      return { bytes: joinChunks([...first, Buffer.from(tailBytes)], firstLength + kept), skipped };
    },
  };
}

/** `location` resolved against `base`; '' when it cannot be. */
function safeResolve(location: string, base: URL): string {
  try {
    return new URL(location, base).toString();
  } catch {
    return '';
  }
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
