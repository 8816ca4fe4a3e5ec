/** The collectors' default outside world: exec on execa (argument arrays, no shell) and procfs reads on node:fs (and native/fdlinks.c), each failure mapped to a LeakbarError; pprof GETs are pprof-http's createPprofFetch. */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { LeakbarError } from '../shared/errors.js';
import type { FdType } from '../shared/types.js';
import { errorCode } from './common.js';
import { LINK_TOO_LONG, type ExecFn, type FileReader, type LinkGroup } from './types.js';

/** Where a missing tool is expected, by name, for the 'tool-missing' hint. */
const TOOL_HOMES: Record<string, string> = { lsof: '/usr/sbin on macOS', vmmap: '/usr/bin on macOS (part of the developer tools)', ps: '/bin' };

/** The largest stdout an exec keeps (lsof of a process with 100,000 FDs is ~5 MB). */
const EXEC_MAX_BUFFER_BYTES = 64 * 1024 * 1024;

/**
 * An {@link ExecFn} on execa 9: the program and an argument array (never a shell), a timeout,
 * LC_ALL=C (ps's lstart and lsof's text in one locale). Rejects with 'tool-missing' (naming the
 * tool and where it is expected), 'timeout', 'permission-denied', 'cancelled' (the tool killed when
 * `signal` aborted), or 'io-error' for any other exit code not in `allowExitCodes`.
 */
export function createExec(): ExecFn {
  return async (file, args, options) => {
    const tool = file.split('/').pop() ?? file;
    const r = await execa(file, args, {
      timeout: options.timeoutMs,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      reject: false,
      stdin: 'ignore',
      stripFinalNewline: false,
      maxBuffer: EXEC_MAX_BUFFER_BYTES,
      env: { LC_ALL: 'C' },
    });
    if (r.code === 'ENOENT') {
      throw new LeakbarError('tool-missing', `${tool} was not found (tried ${file})`, { hint: `leakbar needs ${tool}; it is expected in ${TOOL_HOMES[tool] ?? 'the PATH'}` });
    }
    if (r.code === 'EACCES') throw new LeakbarError('permission-denied', `leakbar may not run ${file}`, { hint: `check the permissions of ${file}` });
    if (r.isCanceled) throw new LeakbarError('cancelled', `${tool} was stopped: the reading was cancelled`);
    if (r.timedOut) throw new LeakbarError('timeout', `${tool} took longer than ${options.timeoutMs} ms`, { hint: 'the machine may be busy; leakbar skips this reading' });
    const exitCode = r.exitCode ?? -1;
    if (r.failed && !(options.allowExitCodes ?? [0]).includes(exitCode)) {
      const why = String(r.stderr ?? '').trim().split('\n')[0] || r.shortMessage;
      throw new LeakbarError('io-error', `${tool} ${args.join(' ')} exited with ${r.exitCode ?? r.signal ?? 'an error'}: ${why}`, { cause: r });
    }
    return String(r.stdout ?? '');
  };
}

// The error of a GET without an answer in time lives with the GET; the watcher's readings name it from here too.
export { noAnswerError } from './http-get.js';

/** Maps a node:fs error on `path` to a LeakbarError: a gone /proc/PID is 'no-such-process'. */
export function fsError(e: unknown, path: string): LeakbarError {
  const code = errorCode(e);
  const proc = /^\/proc\/(\d+)(?:\/|$)/.exec(path);
  if (proc && (code === 'ENOENT' || code === 'ESRCH') && !existsSync(`/proc/${proc[1]}`)) {
    return new LeakbarError('no-such-process', `process ${proc[1]} is gone`, { hint: 'it exited; check the PID, or watch by --match to follow restarts', cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new LeakbarError('permission-denied', `leakbar may not read ${path}`, {
      hint: 'leakbar can read only processes of its own user: run it as the same user as the process (or with sudo)',
      cause: e,
    });
  }
  if (code === 'ENOENT' || code === 'ESRCH') return new LeakbarError('not-found', `${path} does not exist`, { cause: e });
  return new LeakbarError('io-error', `reading ${path} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * native/fdlinks.c, built by scripts/build-native.mjs: `readLinks(dir)` resolves with "fd\0target\0"
 * records, `groupLinks(dir)` with "vanished\0" then "count\0fd\0kind\0target\0" per distinct target.
 */
interface FdLinksAddon {
  readonly version: number;
  readLinks(dir: string): Promise<string>;
  groupLinks(dir: string): Promise<string>;
}

/** The record formats of native/fdlinks.c this code reads (its FDLINKS_VERSION). */
const FDLINKS_VERSION = 3;

let fdLinksAddon: FdLinksAddon | null | undefined;

/**
 * Loads native/build/fdlinks.node once, or null where it was not built (no C compiler at install,
 * or not Linux). It sits at the package root, one folder up from the bundles (dist/cli.js,
 * out/main/index.js) and two from src/collectors. A build that does not load, or is of another
 * version (an older fdlinks.c, not rebuilt since a pull), is said once on stderr and not used.
 */
export function loadFdLinksAddon(warn: (message: string) => void = (m) => console.warn(m)): FdLinksAddon | null {
  if (fdLinksAddon !== undefined) return fdLinksAddon;
  fdLinksAddon = null;
  if (process.platform !== 'linux') return null;
  const require = createRequire(import.meta.url);
  for (const up of ['../', '../../']) {
    const file = fileURLToPath(new URL(`${up}native/build/fdlinks.node`, import.meta.url));
    if (!existsSync(file)) continue;
    const fallback = `the FD breakdown reads /proc links in JavaScript; npm run build rebuilds it`;
    try {
      const addon = require(file) as Partial<FdLinksAddon>;
      if (typeof addon.readLinks === 'function' && typeof addon.groupLinks === 'function' && addon.version === FDLINKS_VERSION) fdLinksAddon = addon as FdLinksAddon;
      else warn(`leakbar: ${file} is of another version (${String(addon.version)}, this leakbar reads ${FDLINKS_VERSION}): ${fallback}`);
    } catch (e) {
      warn(`leakbar: ${file} does not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): ${fallback}`);
    }
    break;
  }
  return fdLinksAddon;
}

/** The flat [fd, target, ...] list of one fdlinks record string (it ends with a NUL); a path too long becomes {@link LINK_TOO_LONG}. */
export function splitFdLinks(records: string): string[] {
  const parts = records.split('\0');
  parts.pop();
  for (let i = 1; i < parts.length; i += 2) if (parts[i] === '\x01ENAMETOOLONG') parts[i] = LINK_TOO_LONG;
  return parts;
}

/** What groupLinks' kind letter says of a path target (a stat through its FD's link); '?' (the stat failed) and '-' (not a path) are null. */
const LINK_KINDS: Record<string, FdType> = { f: 'file', d: 'dir', c: 'chr', p: 'pipe', s: 'unix', o: 'other' };

/** One groupLinks record string read: "vanished\0" then "count\0fd\0kind\0target\0" per target; a path too long becomes {@link LINK_TOO_LONG}. */
export function splitLinkGroups(records: string): { vanished: number; groups: LinkGroup[] } {
  const parts = records.split('\0');
  const groups: LinkGroup[] = [];
  for (let i = 1; i + 3 < parts.length; i += 4) {
    const target = parts[i + 3]!;
    groups.push({ count: Number(parts[i]), fd: parts[i + 1]!, type: LINK_KINDS[parts[i + 2]!] ?? null, target: target === '\x01ENAMETOOLONG' ? LINK_TOO_LONG : target });
  }
  return { vanished: Number(parts[0]), groups };
}

/**
 * A {@link FileReader} for procfs on node:fs. readFile, readdir and readlink are synchronous
 * calls behind the async interface, on purpose: procfs answers from kernel memory in microseconds,
 * and going through the libuv thread pool (node:fs/promises) made a 1,000-FD breakdown take 2×
 * longer (9.5 ms against 4.3 ms here), which the ≥20×-cheaper-than-ps+lsof bench does not allow.
 * readLinks, where native/fdlinks.c was built (unless `nativeLinks: false`), reads a whole fd
 * folder in one call with readlinkat, on Node's thread pool (a folder of 100,000 FDs takes some
 * 300 ms, which must not hold the event loop); without it the links are read one readlinkSync at a time.
 * statType stays asynchronous: it follows the link to the real file, which may sit on a slow mount.
 */
export function createFileReader(options: { nativeLinks?: boolean } = {}): FileReader {
  const addon = options.nativeLinks === false ? null : loadFdLinksAddon();
  const reader: FileReader = {
    async readFile(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        throw fsError(e, path);
      }
    },
    async readdir(path) {
      try {
        return readdirSync(path);
      } catch (e) {
        throw fsError(e, path);
      }
    },
    async readlink(path) {
      try {
        return readlinkSync(path);
      } catch (e) {
        throw fsError(e, path);
      }
    },
    async countLinks(dir) {
      // Linux 6.2+ gives a /proc/PID/fd folder's FD count as its size: no listing of 100,000 names every 5 s.
      let size: number;
      try {
        size = statSync(dir).size;
      } catch (e) {
        throw fsError(e, dir);
      }
      return size > 0 ? size : null;
    },
    async statType(path): Promise<FdType> {
      let s;
      try {
        s = await stat(path);
      } catch (e) {
        throw fsError(e, path);
      }
      if (s.isFile()) return 'file';
      if (s.isDirectory()) return 'dir';
      if (s.isCharacterDevice()) return 'chr';
      if (s.isFIFO()) return 'pipe';
      if (s.isSocket()) return 'unix';
      return 'other';
    },
  };
  if (addon) {
    // One call to the addon, its records split; null past V8's longest string (some 100,000 links of 4 KB paths),
    // where one readlink at a time can still do it.
    const oneCall =
      <T>(read: (dir: string) => Promise<string>, split: (records: string) => T) =>
      async (dir: string): Promise<T | null> => {
        try {
          return split(await read(dir));
        } catch (e) {
          if (errorCode(e) === 'ENOMEM') return null;
          throw fsError(e, dir);
        }
      };
    reader.readLinks = oneCall((dir) => addon.readLinks(dir), splitFdLinks);
    reader.groupLinks = oneCall((dir) => addon.groupLinks(dir), splitLinkGroups);
  }
  return reader;
}
