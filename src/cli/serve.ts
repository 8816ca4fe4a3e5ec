/** `leakbar serve`: runs the engine and serves the popover and inspector to a browser on 127.0.0.1, behind a random token. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { targetInputSchema, type TargetInput } from '../shared/api.js';
import { LeakbarError } from '../shared/errors.js';
import { DEFAULT_PPROF_URL } from '../shared/types.js';
import type { WatchEvent } from '../shared/events.js';
import { defaultDataDir, slugify } from '../engine/data-dir.js';
import { LOOPBACK_HOST, startHttpServer } from '../engine/http-server.js';
import { targetWatching } from '../engine/series-store.js';
import { createService, type RecordingChange } from '../engine/service.js';
import { cadencesFromOptions, checkPidExists, formatEventLine, sayUnwritten, STOP_SIGNALS, terminalSafe, whenOutputGone, heapIntervalOption, intervalOption, parsePprofUrl, targetFromOptions } from './watch.js';
import { createCollectors } from '../collectors/index.js';

/** Options of `leakbar serve` as commander hands them over. */
export interface ServeOptions {
  port: number;
  host: string;
  open?: boolean;
  pid?: number;
  match?: string;
  config?: string;
  pprof: string | false;
  dataDir?: string;
  /** Seconds between samples; without it, the settings' (5 s by default). */
  interval?: number;
  /** Seconds between reads of Go's MemStats; without it, the settings' (30 s by default). */
  heapInterval?: number;
}

const targetList = z
  .array(targetInputSchema)
  .min(1, 'list at least one target')
  .superRefine((targets, ctx) => {
    // Two targets of one name cannot be told apart on the page; two of one id (a name cut to the same 48 characters,
    // an id given twice) would be id and id-2 by their order in the file, so reordering it would swap their histories.
    const names = new Map<string, number>();
    const ids = new Map<string, number>();
    targets.forEach((t, i) => {
      const name = t.name ?? t.match ?? `pid ${t.pid}`;
      const id = t.id ?? slugify(t.name ?? t.match ?? `pid-${t.pid}`);
      if (names.has(name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${JSON.stringify(name)} is also the name of target ${names.get(name)}: give each target its own` });
      else if (ids.has(id)) ctx.addIssue({ code: 'custom', path: [i, t.id === undefined ? 'name' : 'id'], message: `its history would be kept as ${JSON.stringify(id)}, as target ${ids.get(id)}'s is: give it another ${t.id === undefined ? 'name' : 'id'}` });
      names.set(name, names.get(name) ?? i);
      ids.set(id, ids.get(id) ?? i);
    });
  });

/**
 * A `--config` file: `{ "targets": [...] }` (or the bare list), each target as the API's `addTarget` takes it.
 * Picked by shape rather than a union, so every problem is reported with its own path.
 */
export function serveConfigSchema(json: unknown) {
  return Array.isArray(json) ? targetList : z.object({ targets: targetList }).strict().transform((c) => c.targets);
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError(`expected a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

function parsePid(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a process id (a positive integer), got ${JSON.stringify(value)}`);
  return n;
}

function parseHost(value: string): string {
  if (value === '127.0.0.1' || value === 'localhost') return LOOPBACK_HOST;
  throw new InvalidArgumentError(`leakbar serve listens on 127.0.0.1 only (got ${JSON.stringify(value)}); reach it from elsewhere through an SSH tunnel`);
}

/** Reads and checks a `--config` file; every problem is named with its path in the file. */
export async function readServeConfig(file: string): Promise<TargetInput[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new LeakbarError('io-error', `cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LeakbarError('bad-input', `${file} is not JSON: ${(e as Error).message}`);
  }
  const r = serveConfigSchema(json).safeParse(json);
  if (!r.success) {
    // A pprof URL's message names the field itself ("pprof URL: …"); the path says where it is.
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.path.at(-1) === 'pprofUrl' ? i.message.replace(/^pprof URL: /, '') : i.message}`).join('; ');
    throw new LeakbarError('bad-input', `${file}: ${problems}`, { hint: 'expected {"targets": [{"name": "…", "match": "regex" or "pid": N, "pprofUrl": "http://127.0.0.1:6060/debug/pprof/"}]}' });
  }
  return r.data;
}

/** The targets the options describe: from `--config`, or one from `--pid`/`--match` with `--pprof`. */
export async function targetsFromServeOptions(o: ServeOptions): Promise<TargetInput[]> {
  const given = [o.pid !== undefined, o.match !== undefined, o.config !== undefined].filter(Boolean).length;
  if (given !== 1) throw new LeakbarError('bad-input', 'give exactly one of --pid N, --match REGEX or --config FILE');
  if (o.config !== undefined) return readServeConfig(o.config);
  const t = targetFromOptions(o);
  const input: TargetInput = { name: t.name, pprofUrl: t.pprofUrl, ...('pid' in t.selector ? { pid: t.selector.pid } : { match: t.selector.match }) };
  return [targetInputSchema.parse(input)];
}

/** The built renderer: beside the bundle (dist/cli.js → out/renderer) or the sources (src/cli → out/renderer). */
export function findRendererDir(): string | null {
  const candidates = [process.env.LEAKBAR_RENDERER_DIR, fileURLToPath(new URL('../out/renderer/', import.meta.url)), fileURLToPath(new URL('../../out/renderer/', import.meta.url))];
  for (const c of candidates) if (c && existsSync(`${c}/index.html`)) return c;
  return null;
}

/**
 * A page that sends the browser on to `url` at once (a meta refresh, and a script for a browser that holds refreshes
 * back), and holds nothing else: the token is in it only as part of that URL. Sends no referrer anywhere.
 */
export function redirectPage(url: string): string {
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const js = JSON.stringify(url).replace(/</g, '\\u003c');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">',
    `<meta http-equiv="refresh" content="0;url=${attr}">`,
    '<title>leakbar</title>',
    `<script>location.replace(${js});</script>`,
    '</head><body><p>Opening leakbar…</p></body></html>',
    '',
  ].join('\n');
}

/**
 * Opens `url` (it carries the token) in the default browser, without a shell and without putting it on a command line,
 * where any user of the machine could read it (`ps`): as Jupyter does, it writes a page that redirects there
 * ({@link redirectPage}) into a folder only this user can enter (0700, made anew under the temporary folder), readable
 * only by this user (0600), and hands the browser that file. Resolves to what removes the page and its folder, for
 * when serve stops. If the page cannot be written, it says so and asks the user to open the URL printed above.
 */
export async function openBrowser(url: string, err: NodeJS.WritableStream = process.stderr): Promise<() => void> {
  let dir: string | null = null;
  const remove = () => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  };
  let page: string;
  try {
    dir = await mkdtemp(join(tmpdir(), 'leakbar-open-'));
    // mkdtemp makes it 0700 (less with a stricter umask); say so outright rather than rely on it.
    await chmod(dir, 0o700);
    page = join(dir, 'open.html');
    await writeFile(page, redirectPage(url), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    remove();
    err.write(`leakbar: could not write the page that opens the browser (${(e as Error).message}); open this URL yourself: ${url}\n`);
    return () => {};
  }
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer.exe' : 'xdg-open';
  const child = spawn(cmd, [pathToFileURL(page).href], { stdio: 'ignore', detached: true });
  child.on('error', (e) => {
    remove();
    err.write(`leakbar: could not open a browser (${e.message}); open the URL above yourself\n`);
  });
  child.unref();
  // Gone however serve ends; stopping calls it first.
  process.once('exit', remove);
  return () => {
    process.removeListener('exit', remove);
    remove();
  };
}

/**
 * The line `serve` prints when a target's history changes hands: another leakbar records it (this serve shows it and
 * keeps its own samples in memory), or this serve records it now. `before` is the process that recorded it until then.
 */
export function recordingLine(change: RecordingChange, before: number | null = null): string {
  if (change.recording) return `leakbar: this serve records the history of ${change.name} now${before === null ? '' : ` (pid ${before} stopped recording it)`}`;
  if (change.recordedBy !== null)
    return `leakbar: another leakbar (pid ${change.recordedBy}) records the history of ${change.name}; this serve shows it and keeps its own samples in memory until that one stops`;
  return `leakbar: this serve does not record the history of ${change.name}${change.reason ? ` (${change.reason})` : ''}; it keeps its own samples in memory meanwhile`;
}

/** Runs the service and the server until a signal arrives. */
export async function runServe(o: ServeOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const startedMs = Date.now();
  let outputGone = false;
  let stopForOutput = () => {};
  whenOutputGone([out, process.stderr], () => {
    outputGone = true;
    stopForOutput();
  });
  let targets = await targetsFromServeOptions(o);
  // As watch does: a PID given on the command line or in --config that names no process is refused, not served empty.
  const collectors = createCollectors();
  const startTimes = new Map<number, number | null>();
  for (const t of targets) if (t.pid !== undefined) startTimes.set(t.pid, await checkPidExists(collectors, t.pid, 'serve'));
  const staticDir = findRendererDir();
  if (!staticDir) process.stderr.write('leakbar: the renderer is not built (out/renderer is missing); the API works, the pages do not. Run `npm run build`.\n');
  const dataDir = o.dataDir ?? defaultDataDir();
  // By --pid, as watch does: the history of the target already recording that process, not a second one.
  const joined = o.pid !== undefined ? await targetWatching(dataDir, o.pid, Date.now(), startTimes.get(o.pid) ?? null) : null;
  if (joined) targets = targets.map((t) => ({ ...t, id: joined, name: joined }));
  const service = await createService({ dataDir, targets, cadences: cadencesFromOptions(o) });
  const token = randomBytes(24).toString('base64url');
  let server;
  try {
    server = await startHttpServer({ api: service, token, staticDir, port: o.port, host: o.host });
  } catch (e) {
    await service.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new LeakbarError('busy', `port ${o.port} is in use`, { hint: 'pick another with --port, or --port 0 for a free one' });
    throw e;
  }
  const url = server.urlFor('/popover');
  out.write(`leakbar: serving ${targets.map((t) => t.name).join(', ')}; history in ${dataDir}\n`);
  out.write(`leakbar: open ${url}\n`);
  out.write(`leakbar: metrics at ${server.origin}/metrics (send the token as "Authorization: Bearer …")\n`);
  // Who records each target's history, once per change: at once for those another leakbar records now.
  const recordedBy = new Map<string, number | null>();
  const unwatchRecording = service.onRecording((change) => {
    out.write(terminalSafe(recordingLine(change, recordedBy.get(change.targetId) ?? null)) + '\n');
    recordedBy.set(change.targetId, change.recording ? null : change.recordedBy);
  });
  // What watch prints of each target, once per change: a source failing or recovering (a pprof endpoint that refuses,
  // a process gone, a full disk), a restart, and which process a --match watches when several match. Who records the
  // history (the store's 'busy', and 'took-over' when recording after it) is said by the recording lines above.
  // An event of the first moments can come both live and in the history read back below: said once. (Once that is
  // read, nothing more is kept.)
  let said: Set<string> | null = new Set<string>();
  const sayTarget = (targetId: string, e: WatchEvent) => {
    if (e.type === 'status' && e.source === 'store' && (e.code === 'busy' || e.code === 'took-over')) return;
    const key = JSON.stringify([targetId, e]);
    if (said?.has(key)) return;
    said?.add(key);
    const line = e.type === 'status' && e.code === 'several-match' ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : formatEventLine(e);
    out.write(`leakbar: ${targetId}: ${terminalSafe(line)}\n`);
  };
  const unwatchTargets = service.subscribe((e) => {
    if (e.type === 'watch') sayTarget(e.targetId, e.event);
  });
  for (const { target } of await service.listTargets({})) {
    for (const e of (await service.history({ targetId: target.id, fromMs: startedMs })).events) sayTarget(target.id, e);
  }
  said = null;
  const closePage = o.open ? await openBrowser(url) : () => {};
  // SIGHUP (the terminal closed) stops it as SIGTERM does: the page removed, the history flushed, its lock let go; and
  // so does output that can no longer be written (a terminal closed, a pipe's reader gone), rather than crash.
  const signal = await new Promise<string>((ok) => {
    for (const s of STOP_SIGNALS) process.once(s, () => ok(s));
    if (outputGone) ok('output closed');
    else stopForOutput = () => ok('output closed');
  });
  closePage();
  unwatchRecording();
  unwatchTargets();
  await server.close();
  sayUnwritten(await service.close());
  out.write(`leakbar: stopped serving (${signal})\n`);
}

/** Adds `serve` to the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the popover and the inspector to a browser on 127.0.0.1 (HTTP + Server-Sent Events, token required)')
    .addOption(new Option('--port <port>', 'the port to listen on (0 picks a free one)').default(0).argParser(parsePort))
    .addOption(new Option('--host <address>', 'the address to listen on: 127.0.0.1 only').default(LOOPBACK_HOST).argParser(parseHost).hideHelp())
    .option('--open', 'open the popover in the default browser')
    .addOption(new Option('--pid <pid>', 'the process id to watch').argParser(parsePid))
    .addOption(new Option('--match <regex>', 'a regular expression over the full command line (like pgrep -f); follows restarts'))
    .option('--config <file>', 'a JSON file listing targets: {"targets": [{"name", "pid" or "match", "pprofUrl"}]}')
    .addOption(new Option('--pprof <url>', 'the pprof base URL (with --pid or --match)').default(DEFAULT_PPROF_URL).argParser(parsePprofUrl))
    .option('--no-pprof', 'the target serves no pprof endpoint: system figures only')
    .option('--data-dir <dir>', 'where history and captures are kept (default: LEAKBAR_DATA_DIR or the per-user data folder)')
    .addOption(intervalOption())
    .addOption(heapIntervalOption())
    .action(async (opts: ServeOptions) => {
      await runServe(opts);
    });
}
