/** Where leakbar keeps history and captures: LEAKBAR_DATA_DIR, else the platform's per-user data folder; and making its folders. */
import type { Stats } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LeakbarError } from '../shared/errors.js';

/** The data folder for this user: ~/Library/Application Support/leakbar on macOS, $XDG_DATA_HOME/leakbar on Linux. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.LEAKBAR_DATA_DIR) return env.LEAKBAR_DATA_DIR;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'leakbar');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'leakbar');
}

/**
 * How a person picks another data folder, for a hint: every `leakbar` command that keeps data takes `--data-dir`;
 * the desktop app has no options, only the environment variable.
 */
export function dataDirChoice(versions: NodeJS.ProcessVersions = process.versions): string {
  return versions.electron ? 'LEAKBAR_DATA_DIR' : '--data-dir or LEAKBAR_DATA_DIR';
}

/** What a person can do about a data folder that cannot be used. */
export function dataDirHint(versions: NodeJS.ProcessVersions = process.versions): string {
  return `give a writable folder with ${dataDirChoice(versions)}`;
}

/** The nearest part of `path` that exists (with its stats), and the first part below it that does not (null: `path` exists). */
interface NearestExisting {
  existing: string;
  stats: Stats | null;
  firstMissing: string | null;
  /** Why `existing` could not be looked at, other than its absence (EACCES on a parent, say). */
  error?: NodeJS.ErrnoException;
}

async function nearestExisting(path: string): Promise<NearestExisting> {
  let at = resolve(path);
  let below: string | null = null;
  for (;;) {
    try {
      return { existing: at, stats: await stat(at), firstMissing: below };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a part above is a file; going up finds it.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(at) === at) return { existing: at, stats: null, firstMissing: below, error: e as NodeJS.ErrnoException };
      below = at;
      at = dirname(at);
    }
  }
}

/** A folder-making error's code as a LeakbarError code. */
function errorCodeOf(code: string | undefined): 'permission-denied' | 'disk-full' | 'io-error' {
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'permission-denied';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'disk-full';
  return 'io-error';
}

/** Why `folder` cannot be made under `parent`, in words, from the error of making it alone (not recursively). */
function reasonOf(e: NodeJS.ErrnoException, parent: string): string {
  if (e.code === 'EROFS') return `${parent} is on a read-only file system (EROFS)`;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `permission denied: this user cannot write in ${parent} (${e.code})`;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return `the disk holding ${parent} is full (${e.code})`;
  return e.message;
}

/**
 * Why a recursive mkdir of `path` failed, found by hand: Node's recursive mkdir says ENOENT for a parent on a
 * read-only file system or one this user cannot write (`mkdir -p` says the real cause), and ENOTDIR without naming
 * the file in the way. Makes the first missing folder on its own to learn the real cause; null when that worked
 * (the caller tries again).
 */
async function diagnose(path: string, e: NodeJS.ErrnoException): Promise<{ code: ReturnType<typeof errorCodeOf>; reason: string } | null> {
  const near = await nearestExisting(path);
  if (near.error) return { code: errorCodeOf(near.error.code), reason: near.error.message };
  if (near.stats && !near.stats.isDirectory()) return { code: 'io-error', reason: `${near.existing} is ${near.stats.isFile() ? 'a file' : 'not a folder'}, not a folder` };
  if (near.firstMissing === null) return { code: errorCodeOf(e.code), reason: e.message };
  try {
    await mkdir(near.firstMissing);
    return null;
  } catch (first) {
    const err = first as NodeJS.ErrnoException;
    return { code: errorCodeOf(err.code), reason: reasonOf(err, near.existing) };
  }
}

async function mkdirAll(path: string): Promise<NodeJS.ErrnoException | null> {
  try {
    await mkdir(path, { recursive: true });
    return null;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

/**
 * Makes `path` a folder, with the folders above it, or throws a LeakbarError saying what could not be done (`what`:
 * "create the history folder …") and the real cause: a file in the way, a read-only file system, permission denied.
 */
export async function makeFolder(path: string, what: string): Promise<void> {
  let failed = await mkdirAll(path);
  if (!failed) return;
  let why = await diagnose(path, failed);
  if (why === null) {
    // The first missing folder could be made alone: the whole path once more (what failed may have been a race).
    failed = await mkdirAll(path);
    if (!failed) return;
    why = { code: errorCodeOf(failed.code), reason: failed.message };
  }
  throw new LeakbarError(why.code, `cannot ${what}: ${why.reason}`, { hint: why.code === 'disk-full' ? 'free some space' : dataDirHint(), cause: failed });
}

/** A target id from a free text (a regex or a name): lowercase [a-z0-9-], at most 48 characters, never empty. */
export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return slug || 'target';
}
