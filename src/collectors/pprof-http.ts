/**
 * Go's pprof HTTP endpoint: the goroutine count (`goroutine?debug=1`), MemStats (`heap?debug=1`), Go 1.26's
 * leaked-goroutine count (`goroutineleak?debug=1`) and the serving program's command line (`cmdline`, to
 * check the endpoint is the watched process's own), each one GET with a timeout that a signal can cancel;
 * and how what a server answered is quoted in a message (escaped, cut short).
 */
import { parseMemStats } from '../analysis/memstats.js';
import { LeakbarError } from '../shared/errors.js';
import type { MemStats } from '../shared/types.js';
import { answerError, HttpGetError, httpGet } from './http-get.js';
import type { FetchFn } from './types.js';

/** How long one pprof GET may take. @default 5000 */
export const DEFAULT_PPROF_TIMEOUT_MS = 5000;

/** Options of the pprof readers. */
export interface PprofReadOptions {
  /** @default DEFAULT_PPROF_TIMEOUT_MS */
  timeoutMs?: number;
  /** Cancels the GET under way: its connection is closed at once, and the read rejects with 'cancelled'. */
  signal?: AbortSignal;
}


/** The codes of a connection that was refused or reset, or of an address nothing answers at. */
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'EADDRNOTAVAIL']);

/**
 * The {@link FetchFn} the pprof readers use by default: {@link httpGet} (a connection of its own per GET,
 * `Connection: close`, closed when the answer is in), time-boxed, and cancelled by `signal` (so a watcher
 * that stops closes its sockets to a hung endpoint at once, instead of holding the process open until the
 * timeout). Rejects with 'cancelled' when `signal` aborted it, 'timeout' when the answer (body included)
 * takes longer than `timeoutMs`, 'endpoint-refused' when nothing listens (or the host is unknown or
 * unreachable, or the connection is reset), 'io-error' otherwise.
 */
export function createPprofFetch(): FetchFn {
  return async (url, { timeoutMs, signal, maxBytes, keep }) => {
    try {
      // No kept-alive connection, and no spare one after an abort (as the global fetch leaves, nodejs/undici#5845):
      // either would sit in the watched program as an open FD and a goroutine, and the figures leakbar reports would count leakbar.
      const res = await httpGet(url, { timeoutMs, ...(signal ? { signal } : {}), ...(maxBytes === undefined ? {} : { maxBytes }), ...(keep ? { keep } : {}) });
      return { status: res.status, contentType: res.contentType, body: res.body };
    } catch (e) {
      if (!(e instanceof HttpGetError)) throw e;
      if (e.reason === 'cancelled') throw new LeakbarError('cancelled', `GET ${url} was cancelled`, { cause: e });
      const odd = answerError(url, e, timeoutMs);
      if (odd) throw odd;
      if ((e.reason === 'connect' || e.reason === 'closed') && e.code !== undefined && REFUSED_CODES.has(e.code)) {
        // Accepted, then closed with no answer (a server at its connection limit, a proxy with nothing behind it): not a refusal.
        const what = e.reason === 'closed' ? 'the connection was closed before any answer' : 'connection refused';
        throw new LeakbarError('endpoint-refused', `GET ${url}: ${what} (${e.code})`, {
          hint: 'is the program running with net/http/pprof imported, and is the URL right?',
          cause: e,
        });
      }
      throw new LeakbarError('io-error', `GET ${url} failed: ${e.message}`, { cause: e });
    }
  };
}

/** `http://h:p/debug/pprof/` + `goroutine?debug=1`; a base URL without its final slash gets one. */
export function pprofEndpointUrl(pprofUrl: string, endpoint: string): string {
  const base = pprofUrl.endsWith('/') ? pprofUrl : `${pprofUrl}/`;
  try {
    return new URL(endpoint, base).toString();
  } catch (e) {
    throw new LeakbarError('bad-input', `${JSON.stringify(pprofUrl)} is not a URL`, { hint: 'a pprof URL looks like http://127.0.0.1:6060/debug/pprof/', cause: e });
  }
}

/**
 * `text` quoted for a one-line message: cut to `max` characters (then "…"), and every control, DEL, C1,
 * line-separator or bidi-override character escaped, so what a server sent cannot move the cursor,
 * recolour or reorder a terminal.
 */
export function quoteExcerpt(text: string, max = 60): string {
  const cut = [...text].length > max;
  return escapeUnsafe(JSON.stringify(cut ? [...text].slice(0, max).join('') : text)) + (cut ? '…' : '');
}

/** `text` with every control, DEL, C1, line-separator or bidi-override character written as `\uXXXX`; the rest as is. */
export function escapeUnsafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when `bytes` are no text: invalid UTF-8, or holding a NUL. (Text with terminal escapes is text, quoted escaped.) */
function isBinary(bytes: Uint8Array, cut: boolean): boolean {
  try {
    // A cut may split the last character: streaming leaves it pending instead of calling it invalid.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut }).includes('\0');
  } catch {
    return true;
  }
}

/** What a server answered, for a message: an excerpt of text (see {@link quoteExcerpt}), or the size and first bytes of binary data. */
export function describeBody(bytes: Uint8Array, max = 60): string {
  if (bytes.length === 0) return 'an empty answer';
  const head = bytes.subarray(0, max * 4);
  if (isBinary(head, head.length < bytes.length)) {
    const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `${bytes.length} bytes of binary data, starting ${hex}`;
  }
  return quoteExcerpt(new TextDecoder().decode(head), max);
}

/** The error for an endpoint whose answer is not what Go's net/http/pprof serves, naming the base URL and quoting the answer. */
function notPprof(pprofUrl: string, body: Uint8Array, hint: string): LeakbarError {
  return new LeakbarError('endpoint-garbage', `the pprof endpoint at ${pprofUrl} does not answer like Go's net/http/pprof (got ${describeBody(body)})`, { hint });
}

/**
 * What a reader asks its fetch for: the timeout (default {@link DEFAULT_PPROF_TIMEOUT_MS}), the cancel signal, if any,
 * and how much of the answer it needs (`read`).
 */
function request(options: PprofReadOptions, read: Pick<Parameters<FetchFn>[1], 'maxBytes' | 'keep'> = {}): Parameters<FetchFn>[1] {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PPROF_TIMEOUT_MS;
  return { timeoutMs, ...(options.signal ? { signal: options.signal } : {}), ...read };
}

/** A text page's first line is all a count needs: its first 4 KiB, whatever the dump's length. */
const FIRST_LINE = { keep: { head: 4096, tail: 0 } };
/**
 * MemStats come after every heap record (hundreds of megabytes with MemProfileRate = 1): the first 4 KiB (to tell a
 * heap profile) and the last 256 KiB (the section is some 10 KiB) are kept, whatever the length.
 */
const HEAP_HEAD_AND_MEMSTATS = { keep: { head: 4096, tail: 256 * 1024 } };

/** GETs `url` and returns its body as text when it answers 200 with a body that starts as `expected` says. */
async function getPprofText(pprofUrl: string, url: string, fetch: FetchFn, options: PprofReadOptions, expected: RegExp, read: Parameters<typeof request>[1]): Promise<string> {
  const res = await fetch(url, request(options, read));
  if (res.status !== 200) {
    throw new LeakbarError('endpoint-status', `GET ${url} answered ${res.status}`, {
      hint: res.status === 404 ? 'check the URL: it should end in /debug/pprof/, and the program must import net/http/pprof' : 'the pprof endpoint is there but failed; see the program’s log',
    });
  }
  const text = new TextDecoder().decode(res.body);
  if (!expected.test(text)) {
    throw notPprof(pprofUrl, res.body, `GET ${url} should return Go's text profile; is the URL the pprof endpoint (…/debug/pprof/) and not another page?`);
  }
  return text;
}

/** Reads N from the first line of `goroutine?debug=1`: `goroutine profile: total N`. @throws LeakbarError 'endpoint-garbage' otherwise. */
export function parseGoroutineTotal(text: string): number {
  const m = /^goroutine profile: total (\d+)/.exec(text);
  if (!m) throw new LeakbarError('endpoint-garbage', `the endpoint answered, but not with a goroutine profile: ${quoteExcerpt(text)}`);
  return Number(m[1]);
}

/** The goroutine count from `GET {pprofUrl}goroutine?debug=1`. */
export async function readGoroutineCount(pprofUrl: string, fetch: FetchFn, options: PprofReadOptions = {}): Promise<number> {
  const url = pprofEndpointUrl(pprofUrl, 'goroutine?debug=1');
  return parseGoroutineTotal(await getPprofText(pprofUrl, url, fetch, options, /^goroutine profile: total \d+/, FIRST_LINE));
}

/** The `# runtime.MemStats` section of `GET {pprofUrl}heap?debug=1` (it comes after every profile record, so the whole body is read). */
export async function readMemStats(pprofUrl: string, fetch: FetchFn, options: PprofReadOptions = {}): Promise<MemStats> {
  const url = pprofEndpointUrl(pprofUrl, 'heap?debug=1');
  const text = await getPprofText(pprofUrl, url, fetch, options, /^heap profile: /, HEAP_HEAD_AND_MEMSTATS);
  try {
    return parseMemStats(text);
  } catch (e) {
    throw new LeakbarError('endpoint-garbage', `GET ${url} has a heap profile but no # runtime.MemStats section`, { hint: 'the program’s Go runtime writes it since Go 1.0; was the body cut short?', cause: e });
  }
}

/**
 * The runtime's own count of leaked goroutines from `GET {pprofUrl}goroutineleak?debug=1` (Go 1.26+,
 * `goroutineleak profile: total N`), or null when the program's runtime has no such profile (404).
 */
export async function readGoroutineLeakCount(pprofUrl: string, fetch: FetchFn, options: PprofReadOptions = {}): Promise<number | null> {
  const url = pprofEndpointUrl(pprofUrl, 'goroutineleak?debug=1');
  const res = await fetch(url, request(options, FIRST_LINE));
  if (res.status === 404) return null;
  if (res.status !== 200) throw new LeakbarError('endpoint-status', `GET ${url} answered ${res.status}`, { hint: 'the pprof endpoint is there but failed; see the program’s log' });
  const text = new TextDecoder().decode(res.body);
  const m = /^goroutineleak profile: total (\d+)/.exec(text);
  if (!m) throw new LeakbarError('endpoint-garbage', `GET ${url} answered, but not with a goroutineleak profile: ${describeBody(res.body)}`);
  return Number(m[1]);
}

/** How many of `text`'s characters are C0 controls not in `allowed`, DEL, or C1 controls. */
function controlCharacters(text: string, allowed: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 || (c >= 0x7f && c <= 0x9f)) && !allowed.includes(text[i]!)) n++;
  }
  return n;
}

/** The longest command line a `cmdline` answer may be (Linux's ARG_MAX is 2 MiB; real ones are far shorter). */
const MAX_CMDLINE_BYTES = 256 * 1024;

/**
 * The command line in a `cmdline` answer, arguments joined by spaces. Go's handler writes os.Args joined
 * by NUL as text/plain; anything else (an HTML page, binary data, a huge body) is not a command line,
 * and says so rather than being taken for another program's.
 *
 * @throws LeakbarError 'endpoint-garbage'
 */
export function parsePprofCmdline(pprofUrl: string, res: { contentType: string; body: Uint8Array }): string {
  const url = pprofEndpointUrl(pprofUrl, 'cmdline');
  const garbage = () => notPprof(pprofUrl, res.body, `GET ${url} should return the program's command line as plain text; is ${pprofUrl} the program's pprof address?`);
  if (res.body.length === 0 || res.body.length > MAX_CMDLINE_BYTES) throw garbage();
  if (res.contentType !== '' && !/^text\/plain\b/i.test(res.contentType)) throw garbage();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(res.body);
  } catch {
    throw garbage();
  }
  // NUL separates the arguments; tab and newline may sit inside one, and so may another C0 control character (a
  // program run with `-sep $'\x1f'`). Terminal escapes (ESC, C1), text that is mostly control characters, or markup,
  // are not a command line.
  // eslint-disable-next-line no-control-regex -- finding terminal escapes is the point
  if (/[\x1b\x80-\x9f]/.test(text) || controlCharacters(text, '\0\t\n') * 4 > text.length || /^\s*</.test(text)) throw garbage();
  const args = text.split('\0').filter(Boolean);
  if (args.length === 0) throw garbage();
  return args.join(' ');
}

/**
 * The command line of the program that serves the endpoint (`GET {pprofUrl}cmdline`: its arguments,
 * NUL-separated), joined by spaces; null when the endpoint has no such page.
 *
 * @throws LeakbarError 'endpoint-status' for another failing status, 'endpoint-garbage' when the answer is not a command line (see {@link parsePprofCmdline})
 */
export async function readPprofCmdline(pprofUrl: string, fetch: FetchFn, options: PprofReadOptions = {}): Promise<string | null> {
  const url = pprofEndpointUrl(pprofUrl, 'cmdline');
  // One byte past the longest command line is enough to tell an answer that is none.
  const res = await fetch(url, request(options, { keep: { head: MAX_CMDLINE_BYTES + 1, tail: 0 } }));
  if (res.status === 404) return null;
  if (res.status !== 200) throw new LeakbarError('endpoint-status', `GET ${url} answered ${res.status}`);
  return parsePprofCmdline(pprofUrl, res);
}

/** A command line with its whitespace collapsed: arguments joined by one space. */
function oneLine(command: string): string {
  return command.trim().split(/\s+/).join(' ');
}

/** True when two command lines are the same program's, whitespace aside (the endpoint joins arguments by spaces, as the process readers do). */
export function sameCommandLine(a: string, b: string): boolean {
  return oneLine(a) === oneLine(b);
}

/**
 * Two command lines on one readable line each (whitespace collapsed), cut to `max` characters so that
 * where they differ stays in sight: copies of one program differ only late, in their flags. A cut
 * keeps the program and the arguments just before the difference ("/bin/srv … -config a.yaml -port 2").
 */
function shortCommands(a: string, b: string, max = 80): [string, string] {
  const [x, y] = [oneLine(a), oneLine(b)];
  if (x.length <= max && y.length <= max) return [x, y];
  let same = 0;
  while (same < x.length && same < y.length && x[same] === y[same]) same++;
  const fit = (line: string) => (line.length <= max ? line : `${line.slice(0, max - 1)}…`);
  const cut = (line: string) => {
    const program = line.split(' ', 1)[0]!;
    const from = same < max - 10 ? -1 : line.lastIndexOf(' ', same - 20);
    if (from <= program.length) return fit(line);
    return fit(`${program.length <= 40 ? program : `…${program.slice(-39)}`} …${line.slice(from)}`);
  };
  return [cut(x), cut(y)];
}

/** The message that the pprof endpoint at `pprofUrl` serves `served`, another program than pid `pid` (`command`). */
export function pprofOwnerError(pprofUrl: string, pid: number, served: string, command: string, options: { consequence?: string; hint: string }): LeakbarError {
  // A command line may hold bidi or line-separator characters: escape them, as every quoted server answer is.
  const [theirs, ours] = shortCommands(served, command).map(escapeUnsafe) as [string, string];
  const then = options.consequence ? `; ${options.consequence}` : '';
  return new LeakbarError('bad-input', `the pprof endpoint at ${pprofUrl} belongs to another program (${theirs}), not to pid ${pid} (${ours})${then}`, { hint: options.hint });
}

/**
 * Checks that the pprof endpoint at `pprofUrl` is served by pid `pid`, whose command line is `command`
 * (Go serves its own at `cmdline`). Resolves when it is, or when the endpoint cannot tell: no `cmdline`
 * page (404, an older or non-Go server) or another failing status.
 *
 * @throws LeakbarError 'bad-input' when it serves another program, 'endpoint-garbage' when its answer
 *   is not a command line, 'timeout' or 'endpoint-refused' when it does not answer
 */
export async function checkPprofOwner(pprofUrl: string, pid: number, command: string, fetch: FetchFn, options: PprofReadOptions & { hint: string }): Promise<void> {
  let served: string | null;
  try {
    served = await readPprofCmdline(pprofUrl, fetch, options);
  } catch (e) {
    if (e instanceof LeakbarError && e.code === 'endpoint-status') return;
    throw e;
  }
  if (served !== null && !sameCommandLine(served, command)) throw pprofOwnerError(pprofUrl, pid, served, command, { hint: options.hint });
}
