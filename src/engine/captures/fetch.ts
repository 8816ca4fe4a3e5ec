/**
 * Fetching profiles for a capture: an injectable HTTP GET (default: the collectors' httpGet, time-boxed
 * and cancellable), and the checks that bytes are a gzipped pprof protobuf before
 * anything is kept. Every failure is a LeakbarError that says why: endpoint down, timeout, cancelled,
 * not a Go program (404, HTML), or a corrupt profile.
 */
import { gunzip, gunzipSync } from 'node:zlib';
import { decodeProfile, inflatesTooLarge, isGzip, isInflateTooLarge, MAX_INFLATED_BYTES, type ProfileModel } from '../../analysis/pprof/index.js';
import { LeakbarError } from '../../shared/errors.js';
import { answerError, HttpGetError, httpGet } from '../../collectors/http-get.js';
import { describeBody, quoteExcerpt } from '../../collectors/pprof-http.js';

/** One HTTP response, fully read. */
export interface FetchedResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
  /**
   * A gzipped body inflated by {@link createCaptureFetch}, off the event loop, or the LeakbarError of
   * inflating it (too large, corrupt); {@link checkProfileResponse} inflates what has none.
   */
  inflated?: Uint8Array | LeakbarError;
}

/** Inflates gzip bytes with node:zlib, synchronously, at most {@link MAX_INFLATED_BYTES}: a gzip bomb fails early, as 'corrupt-profile'. */
export function gunzipCapped(gz: Uint8Array, maxBytes: number = MAX_INFLATED_BYTES): Uint8Array {
  try {
    return gunzipSync(gz, { maxOutputLength: maxBytes });
  } catch (e) {
    throw inflateError(e, maxBytes);
  }
}

function inflateError(e: unknown, maxBytes: number): LeakbarError {
  if (isInflateTooLarge(e)) return inflatesTooLarge(maxBytes);
  return new LeakbarError('corrupt-profile', 'the profile is a truncated or corrupt gzip file', { cause: e, hint: 'capture it again; a profile cut short in transfer or on disk cannot be read' });
}

/**
 * Inflates gzip bytes with node:zlib on its thread pool, so the event loop (a watcher's samples, a serve's
 * requests) goes on meanwhile, at most {@link MAX_INFLATED_BYTES}. Rejects with a LeakbarError
 * ('corrupt-profile': too large, truncated or corrupt).
 */
export function inflateProfile(gz: Uint8Array, maxBytes: number = MAX_INFLATED_BYTES): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gunzip(gz, { maxOutputLength: maxBytes }, (e, out) => (e ? reject(inflateError(e, maxBytes)) : resolve(out)));
  });
}

/** Inflates a gzipped body off the event loop for {@link checkProfileResponse}; text and other bodies are left as they are. */
async function withInflated(res: FetchedResponse): Promise<FetchedResponse> {
  if (!isGzip(res.body)) return res;
  try {
    return { ...res, inflated: await inflateProfile(res.body) };
  } catch (e) {
    return { ...res, inflated: e instanceof LeakbarError ? e : inflateError(e, MAX_INFLATED_BYTES) };
  }
}

/**
 * An HTTP GET with a timeout and an optional cancel signal; resolves for any status and rejects with a
 * LeakbarError: 'timeout', 'cancelled' (the signal fired) or 'endpoint-refused'. A superset of the
 * collectors' FetchFn.
 */
export type CaptureFetchFn = (url: string, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<FetchedResponse>;

/**
 * How long a profile that is not timed (heap, allocs, goroutine, block, mutex) may take to arrive. A live Go
 * program answers within a second or two, even with a large heap (heap?gc=1 runs one GC first) or a
 * 64 MB goroutine?debug=2 dump; pprof's own 60 s only kept a stuck program's caller waiting.
 */
export const PROFILE_ANSWER_TIMEOUT_MS = 20_000;

/** How long a profile fetch may take: 1.5 × the CPU seconds when given, else {@link PROFILE_ANSWER_TIMEOUT_MS}. */
export function profileTimeoutMs(seconds?: number): number {
  return seconds !== undefined && seconds > 0 ? Math.ceil(seconds * 1500) : PROFILE_ANSWER_TIMEOUT_MS;
}

/**
 * The default fetch: {@link httpGet} (a connection of its own per GET, closed when the answer is in, and no
 * spare one left after a cancel), time-boxed and cancelled by `signal`.
 */
export function createCaptureFetch(): CaptureFetchFn {
  return async (url, { timeoutMs, signal }) => {
    try {
      const res = await httpGet(url, signal ? { timeoutMs, signal } : { timeoutMs });
      // A profile is inflated here, on zlib's thread pool, rather than in checkProfileResponse on the event loop.
      return await withInflated({ status: res.status, contentType: res.contentType, body: res.body });
    } catch (e) {
      if (!(e instanceof HttpGetError)) throw e;
      if (e.reason === 'cancelled') throw new LeakbarError('cancelled', `the fetch of ${url} was cancelled`, { cause: e });
      const odd = answerError(url, e, timeoutMs);
      if (odd) throw odd;
      // The body broke off mid-way: the program exited or restarted during the capture.
      if (e.reason === 'broke-off') throw new LeakbarError('endpoint-refused', `the answer from ${url} broke off: ${e.message}`, { cause: e, hint: 'did the program exit or restart during the capture?' });
      if (e.reason === 'closed' || e.code === 'ECONNRESET' || e.code === 'EPIPE') {
        throw new LeakbarError('endpoint-refused', `the connection to ${url} closed before the profile arrived (${e.message})`, { cause: e, hint: 'did the program exit or restart during the capture?' });
      }
      throw new LeakbarError('endpoint-refused', `could not fetch ${url}: ${e.message}`, { cause: e, hint: 'is the program running, and serving net/http/pprof at this address?' });
    }
  };
}

/** The first line of a text answer, as sent (for matching; quote it with quoteExcerpt). */
function firstLine(body: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(0, 300)).trim().split('\n', 1)[0]?.slice(0, 160) ?? '';
}

function looksLikeHtml(body: Uint8Array, contentType: string): boolean {
  if (/text\/html/i.test(contentType)) return true;
  const head = new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(0, 200)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/** Throws a LeakbarError for a non-2xx answer, naming a 404 for what it usually means. */
export function checkStatus(url: string, res: FetchedResponse): void {
  if (res.status >= 200 && res.status < 300) return;
  if (res.status === 404) {
    throw new LeakbarError('endpoint-status', `${url} answered 404 Not Found: this does not look like a Go program serving net/http/pprof`, {
      hint: 'check the URL ends in /debug/pprof/ and that the program imports _ "net/http/pprof"',
    });
  }
  const line = firstLine(res.body);
  throw new LeakbarError('endpoint-status', `${url} answered ${res.status}${line ? `: ${quoteExcerpt(line, 80)}` : ''}`, {
    hint: /already in use/i.test(line) ? 'another CPU profile is running in that program; wait for it to finish' : 'check the program and the profile name',
  });
}

/** A fetched profile: the bytes exactly as served, and their decoded model (for checks and emptiness). */
export interface FetchedProfile {
  bytes: Uint8Array;
  profile: ProfileModel;
}

/**
 * Checks that `res` is a gzipped pprof protobuf (status 2xx, magic 1f 8b, decodes). Throws LeakbarError:
 * 'endpoint-status', 'not-a-profile' (HTML or text), 'corrupt-profile', 'empty-profile' (0 bytes).
 */
export function checkProfileResponse(url: string, res: FetchedResponse): FetchedProfile {
  checkStatus(url, res);
  const body = res.body;
  if (body.length === 0) throw new LeakbarError('empty-profile', `${url} answered with 0 bytes`, { hint: 'try again; is the program shutting down?' });
  if (!isGzip(body)) {
    if (looksLikeHtml(body, res.contentType)) {
      throw new LeakbarError('not-a-profile', `${url} answered with an HTML page, not a gzipped profile: this does not look like a Go pprof endpoint`, {
        hint: 'open the URL in a browser; the pprof base URL ends in /debug/pprof/',
      });
    }
    // Binary data is described by its size and first bytes; text is quoted (escaped and cut), after its first bytes.
    const hex = Array.from(body.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    const got = describeBody(body);
    const type = res.contentType ? `, ${quoteExcerpt(res.contentType)}` : '';
    const what = got.startsWith('"') ? `(first bytes ${hex}${type}): ${got}` : `(${got}${type})`;
    throw new LeakbarError('not-a-profile', `${url} answered with something other than a gzipped profile ${what}`, {
      hint: 'check that the URL is a Go pprof endpoint',
    });
  }
  try {
    if (res.inflated instanceof LeakbarError) throw res.inflated;
    const inflated = res.inflated ?? gunzipCapped(body);
    if (inflated.length === 0) throw new LeakbarError('empty-profile', 'the profile is empty (it inflates to 0 bytes)', { hint: 'capture it again' });
    return { bytes: body, profile: decodeProfile(inflated, { allowNoSamples: true }) };
  } catch (e) {
    // The URL goes in front, as the other answers' errors have it.
    if (e instanceof LeakbarError) throw new LeakbarError(e.code, `${url}: ${e.message}`, { hint: e.hint, cause: e });
    throw e;
  }
}

/** Checks a `goroutine?debug=2` text dump: 2xx and starting with "goroutine ". Returns the bytes as served. */
export function checkGoroutineDump(url: string, res: FetchedResponse): Uint8Array {
  checkStatus(url, res);
  const head = new TextDecoder('utf-8', { fatal: false }).decode(res.body.subarray(0, 64)).trimStart();
  if (!head.startsWith('goroutine ')) {
    throw new LeakbarError('not-a-profile', `${url} did not answer with a goroutine dump: ${describeBody(res.body)}`, { hint: 'check that the URL is a Go pprof endpoint' });
  }
  return res.body;
}
