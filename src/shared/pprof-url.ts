/**
 * A pprof URL as people give it, made into the base URL leakbar reads from (`http://host:port/…/debug/pprof/`): one
 * reading for every door (the CLI's `--pprof`, a `serve --config` file, the API's target descriptions, settings.json).
 */
import { z } from 'zod';
import { DEFAULT_PPROF_URL } from './types.js';

/** What a pprof URL looks like, for messages. */
const LOOKS_LIKE = `it looks like ${DEFAULT_PPROF_URL} (or just 127.0.0.1:6060)`;

/**
 * The pprof base URL `value` stands for, ending in `/pprof/`: `host:port` alone means http; a bare port or
 * `:port` (as Go's `ListenAndServe(":6060")` is written) means 127.0.0.1; a path with a `pprof` segment is the base up
 * to that segment, so a profile's own URL pasted in (`…/debug/pprof/heap?debug=1`) stands for its base and handlers
 * mounted elsewhere (gin-contrib's `pprof.Register(r, "dev/pprof")`: `/dev/pprof/`) are read where they are; any other
 * path gets `/debug/pprof/` added. Or why it is none.
 */
export function normalizePprofUrl(value: string): { ok: true; url: string } | { ok: false; problem: string } {
  const text = value.trim();
  if (text === '') return { ok: false, problem: `pprof URL: empty; ${LOOKS_LIKE}` };
  const withHost = /^:?\d{1,5}(\/|$)/.test(text) ? `127.0.0.1${text.startsWith(':') ? '' : ':'}${text}` : text;
  const port = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\[[^\]]*\]|[^/:?#]*):(\d+)(?:[/?#]|$)/i.exec(withHost)?.[1];
  if (port !== undefined && Number(port) > 65535) {
    return { ok: false, problem: `pprof URL: ${JSON.stringify(value)} has port ${port}, past the last one (65535); ${LOOKS_LIKE}` };
  }
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(withHost) ? withHost : `http://${withHost}`);
  } catch {
    return { ok: false, problem: `pprof URL: ${JSON.stringify(value)} is not a URL; ${LOOKS_LIKE}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, problem: `pprof URL: ${JSON.stringify(value)} is not http or https (${url.protocol.slice(0, -1)}); ${LOOKS_LIKE}` };
  }
  if (url.hostname === '') return { ok: false, problem: `pprof URL: ${JSON.stringify(value)} names no host; ${LOOKS_LIKE}` };
  url.pathname = basePath(url.pathname);
  url.search = '';
  url.hash = '';
  return { ok: true, url: url.toString() };
}

/**
 * The base path in a URL's path: up to Go's own `/debug/pprof/` where it is there (behind a proxy's prefix, which may
 * itself be `/pprof/`), else up to the last `pprof` segment (handlers mounted elsewhere), else the path with
 * `/debug/pprof/` added.
 */
function basePath(path: string): string {
  const segments = path.split('/');
  const debug = segments.findIndex((s, i) => s === 'debug' && segments[i + 1] === 'pprof');
  const at = debug >= 0 ? debug + 1 : segments.lastIndexOf('pprof');
  return at >= 0 ? `${segments.slice(0, at + 1).join('/')}/` : `${path.replace(/\/+$/, '')}/debug/pprof/`;
}

/** A pprof URL in a schema: any form {@link normalizePprofUrl} reads, made into the base URL; a refusal says what to write. */
export const pprofUrlSchema = z.string({ error: (iss) => `pprof URL: must be a URL as text, or null for none (got ${JSON.stringify(iss.input) ?? 'nothing'})` }).transform((value, ctx): string | null => {
  // Empty, as the Settings page's empty field means and a config file may say: no pprof endpoint, as null does.
  if (value.trim() === '') return null;
  const r = normalizePprofUrl(value);
  if (r.ok) return r.url;
  ctx.issues.push({ code: 'custom', message: r.problem, input: value });
  return z.NEVER;
});
