/** Go's pprof HTTP endpoint: the goroutine count (`goroutine?debug=1`), MemStats (`heap?debug=1`) and Go 1.26's leaked-goroutine count (`goroutineleak?debug=1`), each one GET with a timeout. */
import { parseMemStats } from '../analysis/memstats.js';
import { LeakbarError } from '../shared/errors.js';
import type { MemStats } from '../shared/types.js';
import type { FetchFn } from './types.js';

/** How long one pprof GET may take. @default 5000 */
export const DEFAULT_PPROF_TIMEOUT_MS = 5000;

/** Options of the pprof readers. */
export interface PprofReadOptions {
  /** @default DEFAULT_PPROF_TIMEOUT_MS */
  timeoutMs?: number;
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

/** GETs `url` and returns its body as text when it answers 200 with a body that starts as `expected` says. */
async function getPprofText(url: string, fetch: FetchFn, timeoutMs: number, expected: RegExp): Promise<string> {
  const res = await fetch(url, { timeoutMs });
  if (res.status !== 200) {
    throw new LeakbarError('endpoint-status', `GET ${url} answered ${res.status}`, {
      hint: res.status === 404 ? 'check the URL: it should end in /debug/pprof/, and the program must import net/http/pprof' : 'the pprof endpoint is there but failed; see the program’s log',
    });
  }
  const text = new TextDecoder().decode(res.body);
  if (!expected.test(text)) {
    throw new LeakbarError('endpoint-garbage', `the endpoint answered, but not with a pprof text: ${JSON.stringify(text.slice(0, 60))}`, {
      hint: `GET ${url} should return Go's text profile; is the URL the pprof endpoint (…/debug/pprof/) and not another page?`,
    });
  }
  return text;
}

/** Reads N from the first line of `goroutine?debug=1`: `goroutine profile: total N`. @throws LeakbarError 'endpoint-garbage' otherwise. */
export function parseGoroutineTotal(text: string): number {
  const m = /^goroutine profile: total (\d+)/.exec(text);
  if (!m) throw new LeakbarError('endpoint-garbage', `the endpoint answered, but not with a pprof text: ${JSON.stringify(text.slice(0, 60))}`);
  return Number(m[1]);
}

/** The goroutine count from `GET {pprofUrl}goroutine?debug=1`. */
export async function readGoroutineCount(pprofUrl: string, fetch: FetchFn, options: PprofReadOptions = {}): Promise<number> {
  const url = pprofEndpointUrl(pprofUrl, 'goroutine?debug=1');
  return parseGoroutineTotal(await getPprofText(url, fetch, options.timeoutMs ?? DEFAULT_PPROF_TIMEOUT_MS, /^goroutine profile: total \d+/));
}

/** The `# runtime.MemStats` section of `GET {pprofUrl}heap?debug=1` (it comes after every profile record, so the whole body is read). */
export async function readMemStats(pprofUrl: string, fetch: FetchFn, options: PprofReadOptions = {}): Promise<MemStats> {
  const url = pprofEndpointUrl(pprofUrl, 'heap?debug=1');
  const text = await getPprofText(url, fetch, options.timeoutMs ?? DEFAULT_PPROF_TIMEOUT_MS, /^heap profile: /);
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
  const res = await fetch(url, { timeoutMs: options.timeoutMs ?? DEFAULT_PPROF_TIMEOUT_MS });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new LeakbarError('endpoint-status', `GET ${url} answered ${res.status}`, { hint: 'the pprof endpoint is there but failed; see the program’s log' });
  const text = new TextDecoder().decode(res.body);
  const m = /^goroutineleak profile: total (\d+)/.exec(text);
  if (!m) throw new LeakbarError('endpoint-garbage', `the endpoint answered, but not with a goroutineleak profile: ${JSON.stringify(text.slice(0, 60))}`);
  return Number(m[1]);
}

/**
 * The command line of the program that serves the endpoint (`GET {pprofUrl}cmdline`: its arguments,
 * NUL-separated), joined by spaces; null when the endpoint has no such page.
 */
export async function readPprofCmdline(pprofUrl: string, fetch: FetchFn, options: PprofReadOptions = {}): Promise<string | null> {
  const url = pprofEndpointUrl(pprofUrl, 'cmdline');
  const res = await fetch(url, { timeoutMs: options.timeoutMs ?? DEFAULT_PPROF_TIMEOUT_MS });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new LeakbarError('endpoint-status', `GET ${url} answered ${res.status}`);
  return new TextDecoder().decode(res.body).split('\0').filter(Boolean).join(' ');
}
