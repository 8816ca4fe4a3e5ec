/** Capture ids and capture file names: made safe for paths and URLs, and resolved only inside the store. */
import { randomBytes } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CaptureKind } from '../../shared/captures.js';
import { LeakbarError } from '../../shared/errors.js';

/** What a capture id (and a target id) may be: the API's idSchema, 1-64 of [a-z0-9-], not starting with '-'. */
export const CAPTURE_ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** What a file name inside a capture folder may be (the API's readCaptureFile rule). */
export const CAPTURE_FILE_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** True when `id` is a well-formed capture or target id. */
export function isCaptureId(id: string): boolean {
  return CAPTURE_ID_RE.test(id);
}

/** Throws LeakbarError('bad-input') unless `id` is a well-formed id; `what` names it in the message. */
export function checkId(id: string, what = 'capture id'): string {
  if (typeof id !== 'string' || !CAPTURE_ID_RE.test(id)) {
    throw new LeakbarError('bad-input', `${JSON.stringify(id)} is not a valid ${what}`, { hint: 'an id is 1-64 characters of a-z, 0-9 and -, e.g. 20261124-153012-heap-ab12' });
  }
  return id;
}

/** Throws LeakbarError('bad-input') unless `name` is a well-formed capture file name. */
export function checkFileName(name: string): string {
  if (typeof name !== 'string' || !CAPTURE_FILE_NAME_RE.test(name) || name.includes('..')) {
    throw new LeakbarError('bad-input', `${JSON.stringify(name)} is not a valid capture file name`, { hint: 'file names are like heap.pb.gz or fds.json' });
  }
  return name;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A new capture id: UTC time, kind and 4 random hex digits, e.g. `20261124-153012-heap-ab12`.
 * @param randomHex4 - the suffix source. @default 4 hex digits from crypto.randomBytes
 */
export function newCaptureId(startedMs: number, kind: CaptureKind, randomHex4: () => string = () => randomBytes(2).toString('hex')): string {
  const d = new Date(startedMs);
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return checkId(`${stamp}-${kind}-${randomHex4().toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8) || '0000'}`);
}

/**
 * Joins `parts` onto `root` and checks the result stays strictly inside `root`; throws
 * LeakbarError('bad-input') otherwise. Parts are checked by the callers too: this is the last line.
 */
export function resolveInside(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const full = resolve(base, ...parts);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new LeakbarError('bad-input', `${JSON.stringify(parts.join('/'))} points outside the capture store`, { hint: 'use a capture id as listed by the store' });
  }
  return full;
}
