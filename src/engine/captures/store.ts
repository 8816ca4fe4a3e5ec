/**
 * The capture store: one folder per capture under `<dataDir>/captures/<targetId>/<captureId>/`, holding
 * the bytes exactly as fetched plus `meta.json`. A capture is written into `.tmp-<id>` beside its final
 * place, fsynced, then renamed in, so a crash or a full disk never leaves a half-written capture that
 * looks complete; leftover `.tmp-*` folders are removed at open. Retention never deletes a baseline or
 * a pinned capture.
 */
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { z } from 'zod';
import { CAPTURE_KINDS, type CaptureFile, type CaptureMeta } from '../../shared/captures.js';
import { LeakbarError } from '../../shared/errors.js';
import { dataDirHint, makeFolder } from '../data-dir.js';
import { CAPTURE_FILE_NAME_RE, checkFileName, checkId, isCaptureId, resolveInside } from './ids.js';

/** How much each target keeps; the oldest unprotected captures go first. */
export interface RetentionOptions {
  /** Captures kept per target (baseline and pinned ones count, but are never deleted). @default 50 */
  maxCaptures?: number;
  /** Bytes kept per target, summed over the captures' files. @default 524288000 (500 MB) */
  maxBytes?: number;
  /** Captures started longer ago than this go (baseline and pinned ones stay). @default Infinity */
  maxAgeMs?: number;
}

/** Retention defaults, sized for a laptop. */
export const DEFAULT_RETENTION: Required<RetentionOptions> = { maxCaptures: 50, maxBytes: 500 * 1024 * 1024, maxAgeMs: Number.POSITIVE_INFINITY };

/**
 * A capture as the store hands it out. `damaged` is set (saying what is wrong) for a capture whose meta.json cannot be
 * read: it is listed from what its folder holds, never deleted by retention, and refuses marks and notes.
 */
export type StoredCapture = CaptureMeta & { damaged?: string };

/** Writes one file durably (data fsynced before it resolves). Injected by tests to simulate a full disk. */
export type DurableWriteFn = (path: string, bytes: Uint8Array) => Promise<void>;

/** Options for {@link createCaptureStore}. */
export interface CaptureStoreOptions {
  /** @default DEFAULT_RETENTION */
  retention?: RetentionOptions;
  /** @default open, write, fsync, close */
  writeFile?: DurableWriteFn;
  /** The clock `maxAgeMs` is measured by. @default Date.now */
  now?: () => number;
  /**
   * Make the folder now and clear what a crash left in it. False for a run that keeps nothing on disk (`watch
   * --no-store`): the folder is read if it is there, and made only by a capture taken. @default true
   */
  open?: boolean;
}

/** A capture being written: files go into its temporary folder until {@link PendingCapture.commit}. */
export interface PendingCapture {
  readonly id: string;
  readonly targetId: string;
  /** The temporary folder (`.tmp-<id>`), not the final one. */
  readonly tmpDir: string;
  /** Files written so far. */
  readonly files: readonly CaptureFile[];
  /** Writes one file, fsynced; rejects with LeakbarError('disk-full' | 'permission-denied' | 'io-error'). */
  writeFile(name: string, bytes: Uint8Array, role: CaptureFile['role'], url?: string): Promise<CaptureFile>;
  /** Writes meta.json, fsyncs, and renames the folder into place; returns the stored metadata. */
  commit(meta: Omit<CaptureMeta, 'id' | 'targetId' | 'files'>): Promise<CaptureMeta>;
  /** Removes the temporary folder; safe to call twice or after a failed commit. */
  discard(): Promise<void>;
}

/** The capture store of one data folder. Every method rejects with a LeakbarError. */
export interface CaptureStore {
  /** `<dataDir>/captures`. */
  readonly root: string;
  /** Temporary folders removed at open (left by a crash). */
  readonly cleanedAtOpen: number;
  /** Starts writing a capture with a fresh id (see newCaptureId). */
  begin(targetId: string, captureId: string): Promise<PendingCapture>;
  /** Captures of one target (or all), newest first; one whose meta.json is damaged is listed with `damaged` set. */
  list(targetId?: string): Promise<StoredCapture[]>;
  /** One capture (`damaged` set when its meta.json is); LeakbarError('not-found') when there is none, 'bad-input' for a malformed id. */
  get(captureId: string): Promise<StoredCapture>;
  /** The capture's folder (inside the store, checked). */
  dir(captureId: string): Promise<string>;
  /**
   * A capture as it stands on disk now, the way `leakbar captures` and the API (listCaptures, getCapture) hand it out:
   * with its folder, each file meta.json lists that the folder no longer holds (deleted by hand) marked `missing`, and
   * their names in `missingFiles`. One stat per file; only a file that is not there counts (one that cannot be looked
   * at for another reason stays listed: reading it says why). Nothing is written.
   */
  onDisk(capture: StoredCapture): Promise<StoredCapture & { dir: string }>;
  /** The bytes of one listed file of a capture, exactly as stored. */
  readFile(captureId: string, name: string): Promise<Uint8Array>;
  /** Marks a capture as its target's baseline; the previous baseline of that target is unmarked. Refused for a damaged one. */
  markBaseline(captureId: string): Promise<CaptureMeta>;
  /** The target's baseline, or null. */
  baseline(targetId: string): Promise<StoredCapture | null>;
  setPinned(captureId: string, pinned: boolean): Promise<CaptureMeta>;
  setNote(captureId: string, note: string): Promise<CaptureMeta>;
  /** Deletes a capture (a person's explicit choice: baseline and pinned ones too). */
  delete(captureId: string): Promise<void>;
  /**
   * Deletes the oldest captures of `targetId` until it is within the limits (and none is older than
   * `maxAgeMs`), never a baseline, a pinned capture or one of `keepIds`. Returns the deleted ids.
   */
  applyRetention(targetId: string, options?: RetentionOptions & { keepIds?: readonly string[] }): Promise<string[]>;
}

const META = 'meta.json';
const META_TMP = '.meta.json.tmp';
const TMP_PREFIX = '.tmp-';

const sampleSchema = z.object({ timeMs: z.number(), pid: z.number() }).catchall(z.number());
const metaSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  targetId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  kind: z.enum(CAPTURE_KINDS),
  pid: z.number().int().nullable(),
  startedMs: z.number(),
  endedMs: z.number(),
  files: z.array(
    z.object({
      name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
      role: z.enum(['heap', 'allocs', 'goroutine', 'goroutine-dump', 'cpu', 'block', 'mutex', 'fds', 'memory-map', 'process']),
      bytes: z.number().int().nonnegative(),
      url: z.string().optional(),
    }),
  ),
  figures: sampleSchema.nullable(),
  alertKey: z.string().nullable(),
  baseline: z.boolean(),
  pinned: z.boolean(),
  note: z.string(),
});

/** A Node file-system error as a LeakbarError that says what could not be done and what to do. */
export function storeIoError(e: unknown, what: string): LeakbarError {
  if (e instanceof LeakbarError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new LeakbarError('disk-full', `cannot ${what}: the disk is full`, { cause: e, hint: 'free some space, or lower the capture retention; nothing half-written was kept' });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new LeakbarError('permission-denied', `cannot ${what}: ${reason}`, { cause: e, hint: `check that the data folder is writable, or ${dataDirHint()}` });
  }
  return new LeakbarError('io-error', `cannot ${what}: ${reason}`, { cause: e, hint: `the data folder must be a folder you can write: check it, or ${dataDirHint()}` });
}

/** The default durable write: create, write, fsync, close. */
async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, 'wx', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a folder so a rename in it is on disk; some platforms refuse, which is not an error worth failing for. */
async function syncDir(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
    await fh.sync();
  } catch {
    // Directory fsync is unsupported on some platforms (EISDIR/EPERM); the rename is still atomic.
  } finally {
    await fh?.close();
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storeIoError(e, `read ${path}`);
  }
}

/** What reading a capture folder's meta.json gave: the metadata, or what is wrong with it (null: the folder has none). */
type MetaRead = { meta: CaptureMeta; problem?: undefined } | { meta?: undefined; problem: string; missing: boolean };

async function readMetaFile(dir: string): Promise<MetaRead> {
  let text: string;
  try {
    text = await readFile(join(dir, META), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'its meta.json is missing' : `its meta.json cannot be read (${(e as Error).message})`, missing: code === 'ENOENT' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { problem: text.trim() === '' ? 'its meta.json is empty' : `its meta.json is not JSON (${(e as Error).message})`, missing: false };
  }
  const parsed = metaSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `its meta.json is not a capture's metadata (${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message})`, missing: false };
  }
  return { meta: parsed.data as CaptureMeta };
}

/** What each file a capture writes holds, by name (for a capture whose meta.json no longer says). */
function roleOfFile(name: string): CaptureFile['role'] | null {
  const pprof = /^(heap|allocs|goroutine|cpu|block|mutex)\.pb\.gz$/.exec(name);
  if (pprof) return pprof[1] as CaptureFile['role'];
  if (/^goroutine.*\.txt$/.test(name)) return 'goroutine-dump';
  return ({ 'fds.json': 'fds', 'memory-map.json': 'memory-map', 'process.json': 'process' } as const)[name] ?? null;
}

/**
 * A capture whose meta.json is damaged, as the store lists it: what its folder holds (each file with its size), its
 * kind and time read from its id, no marks, and `damaged` saying what is wrong. Its files are as captured; only what
 * meta.json alone said (figures, cause, marks, note) is not known.
 */
async function damagedCapture(dir: string, targetId: string, captureId: string, problem: string): Promise<StoredCapture> {
  const files: CaptureFile[] = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (name === META || !CAPTURE_FILE_NAME_RE.test(name)) continue;
    const role = roleOfFile(name);
    const st = await stat(join(dir, name)).catch(() => null);
    // A file leakbar does not write (put there by hand) is left out: it has no role to be read by.
    if (role === null || !st?.isFile()) continue;
    files.push({ name, role, bytes: st.size });
  }
  const m = /^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)-([a-z]+)-/.exec(captureId);
  const fromId = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
  const startedMs = Number.isFinite(fromId) ? fromId : ((await stat(dir).catch(() => null))?.mtimeMs ?? 0);
  const kindInId = m && (CAPTURE_KINDS as readonly string[]).includes(m[7]!) ? (m[7] as CaptureMeta['kind']) : null;
  const pprof = files.filter((f) => f.role !== 'goroutine-dump' && (CAPTURE_KINDS as readonly string[]).includes(f.role));
  const kind = kindInId ?? (pprof.length === 0 ? 'system' : pprof.length === 1 ? (pprof[0]!.role as CaptureMeta['kind']) : 'bundle');
  return {
    id: captureId,
    targetId,
    kind,
    pid: null,
    startedMs,
    endedMs: startedMs,
    files,
    figures: null,
    alertKey: null,
    baseline: false,
    pinned: false,
    note: `damaged: ${problem}; its files are as captured`,
    damaged: problem,
  };
}

/** The error for a change to a capture whose meta.json is damaged: what is wrong, and that its files are intact. */
function damagedError(c: StoredCapture, what: string): LeakbarError {
  return new LeakbarError('bad-input', `cannot ${what} capture ${c.id}: ${c.damaged}`, {
    hint: `its files (${c.files.map((f) => f.name).join(', ') || 'none'}) are as captured and still read: keep the folder; restoring its meta.json (from a backup) makes it a whole capture again`,
  });
}

/** Opens (creating if needed) the capture store under `dataDir`, removing leftovers of crashed writes. */
export async function createCaptureStore(dataDir: string, options: CaptureStoreOptions = {}): Promise<CaptureStore> {
  const root = join(dataDir, 'captures');
  const write = options.writeFile ?? writeDurably;
  const now = options.now ?? Date.now;
  const retentionDefaults = { ...DEFAULT_RETENTION, ...options.retention };
  // Says the real cause (a file in the way, a read-only disk) where a recursive mkdir can say ENOENT.
  if (options.open !== false) await makeFolder(root, `create the capture store in the data folder ${dataDir}`);

  // A crash mid-write leaves `.tmp-*` folders (and `.meta.json.tmp` files): none of them is a capture.
  let cleanedAtOpen = 0;
  for (const t of options.open === false ? [] : await readdirOrEmpty(root)) {
    if (t.startsWith(TMP_PREFIX)) {
      await rm(join(root, t), { recursive: true, force: true });
      cleanedAtOpen++;
      continue;
    }
    if (!isCaptureId(t)) continue;
    for (const c of await readdirOrEmpty(join(root, t)).catch(() => [] as string[])) {
      if (c.startsWith(TMP_PREFIX)) {
        await rm(join(root, t, c), { recursive: true, force: true });
        cleanedAtOpen++;
      } else if (isCaptureId(c)) {
        await rm(join(root, t, c, META_TMP), { force: true }).catch(() => {});
      }
    }
  }

  // Mutations of meta.json files run one at a time, so two baseline marks cannot interleave.
  let chain: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  }

  async function targetIds(): Promise<string[]> {
    return (await readdirOrEmpty(root)).filter(isCaptureId);
  }

  /** Whether `dir` is a folder (a capture's, by its name). */
  const isFolder = (dir: string) => stat(dir).then((st) => st.isDirectory(), () => false);

  async function locate(captureId: string): Promise<string> {
    checkId(captureId);
    for (const t of await targetIds()) {
      const dir = resolveInside(root, t, captureId);
      if (await isFolder(dir)) return dir;
    }
    throw new LeakbarError('not-found', `no capture ${captureId}`, { hint: `\`leakbar captures\` (or the app's Captures view) lists what is stored in ${root}` });
  }

  /**
   * The capture in folder `<root>/<targetId>/<captureId>`: its meta.json, or, when that is damaged, what the folder
   * holds; null for a folder with neither a meta.json nor a file a capture writes (nothing there to read).
   */
  async function readCapture(dir: string, targetId: string, captureId: string): Promise<StoredCapture | null> {
    const read = await readMetaFile(dir);
    if (read.meta === undefined) {
      const damaged = await damagedCapture(dir, targetId, captureId, read.problem);
      return read.missing && damaged.files.length === 0 ? null : damaged;
    }
    if (read.meta.id !== captureId || read.meta.targetId !== targetId) {
      return damagedCapture(dir, targetId, captureId, `its meta.json names capture ${read.meta.id} of target ${read.meta.targetId}, not this folder's ${captureId} of ${targetId}`);
    }
    return read.meta;
  }

  async function load(captureId: string): Promise<{ dir: string; meta: StoredCapture }> {
    const dir = await locate(captureId);
    const parts = dir.split(sep);
    const meta = await readCapture(dir, parts[parts.length - 2]!, captureId);
    if (meta === null) throw new LeakbarError('not-found', `no capture ${captureId}: its folder ${dir} holds no meta.json and no capture file`, { hint: `\`leakbar captures\` (or the app's Captures view) lists what is stored in ${root}` });
    return { dir, meta };
  }

  /** load(), for a change to the capture's meta.json: refused, saying why, when that file is damaged. */
  async function loadForChange(captureId: string, what: string): Promise<{ dir: string; meta: CaptureMeta }> {
    const got = await load(captureId);
    if (got.meta.damaged !== undefined) throw damagedError(got.meta, what);
    return got;
  }

  async function writeMeta(dir: string, meta: CaptureMeta): Promise<void> {
    const tmp = join(dir, META_TMP);
    try {
      await rm(tmp, { force: true });
      await write(tmp, new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n'));
      await rename(tmp, join(dir, META));
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      throw storeIoError(e, `update ${join(dir, META)}`);
    }
  }

  async function list(targetId?: string): Promise<StoredCapture[]> {
    const targets = targetId === undefined ? await targetIds() : [checkId(targetId, 'target id')];
    const out: StoredCapture[] = [];
    for (const t of targets) {
      for (const c of await readdirOrEmpty(resolveInside(root, t))) {
        if (!isCaptureId(c) || !(await isFolder(join(root, t, c)))) continue;
        const got = await readCapture(join(root, t, c), t, c);
        if (got) out.push(got);
      }
    }
    return out.sort((a, b) => b.startedMs - a.startedMs || (a.id < b.id ? 1 : -1));
  }

  async function removeCapture(dir: string, id: string): Promise<void> {
    // Rename first, so a crash mid-delete leaves a `.tmp-` folder (cleaned at open), never half a capture.
    const doomed = join(dir, '..', `${TMP_PREFIX}del-${id}`);
    try {
      await rename(dir, doomed);
      await rm(doomed, { recursive: true, force: true });
    } catch (e) {
      throw storeIoError(e, `delete capture ${id}`);
    }
  }

  const store: CaptureStore = {
    root,
    cleanedAtOpen,

    async begin(targetId, captureId) {
      checkId(targetId, 'target id');
      checkId(captureId);
      const targetDir = resolveInside(root, targetId);
      const finalDir = resolveInside(root, targetId, captureId);
      const tmpDir = resolveInside(root, targetId, `${TMP_PREFIX}${captureId}`);
      try {
        // Twice at most: a capture of this target discarded just now may remove the folder, empty, between the two.
        for (let tries = 1; ; tries++) {
          await makeFolder(targetDir, `create a capture folder in ${targetDir}`);
          const made = await mkdir(tmpDir).then(
            () => true,
            (e: NodeJS.ErrnoException) => {
              if (e.code !== 'ENOENT' || tries === 2) throw e;
              return false;
            },
          );
          if (made) break;
        }
      } catch (e) {
        throw storeIoError(e, `create a capture folder in ${targetDir}`);
      }
      const files: CaptureFile[] = [];
      let done = false;
      const pending: PendingCapture = {
        id: captureId,
        targetId,
        tmpDir,
        files,
        async writeFile(name, bytes, role, url) {
          checkFileName(name);
          if (name === META || files.some((f) => f.name === name)) throw new LeakbarError('bad-input', `capture file ${name} is written twice or reserved`);
          try {
            await write(resolveInside(tmpDir, name), bytes);
          } catch (e) {
            throw storeIoError(e, `write ${name} of capture ${captureId}`);
          }
          const file: CaptureFile = url === undefined ? { name, role, bytes: bytes.byteLength } : { name, role, bytes: bytes.byteLength, url };
          files.push(file);
          return file;
        },
        async commit(partial) {
          if (done) throw new LeakbarError('bad-input', `capture ${captureId} was already committed or discarded`);
          const meta: CaptureMeta = { ...partial, id: captureId, targetId, files: [...files] };
          try {
            await write(join(tmpDir, META), new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n'));
            await syncDir(tmpDir);
            if (await stat(finalDir).then(() => true, () => false)) throw new LeakbarError('busy', `capture ${captureId} already exists`, { hint: 'take the capture again; ids are unique per second and kind' });
            await rename(tmpDir, finalDir);
            await syncDir(targetDir);
          } catch (e) {
            throw storeIoError(e, `save capture ${captureId}`);
          }
          done = true;
          return meta;
        },
        async discard() {
          if (done) return;
          done = true;
          await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
          // The target's folder too, when this capture was all it held: a failed first capture leaves nothing behind.
          await rmdir(targetDir).catch(() => {});
        },
      };
      return pending;
    },

    list,

    async get(captureId) {
      return (await load(captureId)).meta;
    },

    async dir(captureId) {
      return locate(captureId);
    },

    async onDisk(capture) {
      const dir = resolveInside(root, capture.targetId, capture.id);
      const gone = await Promise.all(capture.files.map((f) => stat(join(dir, f.name)).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'ENOENT')));
      if (!gone.includes(true)) return { ...capture, dir };
      const files = capture.files.map((f, i) => (gone[i] ? { ...f, missing: true as const } : f));
      return { ...capture, files, dir, missingFiles: files.filter((f) => f.missing).map((f) => f.name) };
    },

    async readFile(captureId, name) {
      checkFileName(name);
      const { dir, meta } = await load(captureId);
      if (!meta.files.some((f) => f.name === name)) throw new LeakbarError('not-found', `capture ${captureId} has no file ${name}`, { hint: `its files: ${meta.files.map((f) => f.name).join(', ') || 'none'}` });
      try {
        return new Uint8Array(await readFile(resolveInside(dir, name)));
      } catch (e) {
        // Listed in meta.json but gone from the folder: deleted by hand (or by a tool), not a data folder leakbar cannot write.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new LeakbarError('not-found', `this file of the capture was deleted: ${name} of capture ${captureId} is no longer in ${dir}`, {
            cause: e,
            hint: `the rest of the capture is kept; take a new ${meta.kind} capture to have this file again`,
          });
        }
        throw storeIoError(e, `read ${name} of capture ${captureId}`);
      }
    },

    markBaseline(captureId) {
      return serial(async () => {
        const { dir, meta } = await loadForChange(captureId, 'mark as the baseline');
        for (const other of await list(meta.targetId)) {
          if (other.baseline && other.id !== captureId) await writeMeta(resolveInside(root, other.targetId, other.id), { ...other, baseline: false });
        }
        const next = { ...meta, baseline: true };
        await writeMeta(dir, next);
        return next;
      });
    },

    async baseline(targetId) {
      return (await list(targetId)).find((m) => m.baseline) ?? null;
    },

    setPinned(captureId, pinned) {
      return serial(async () => {
        const { dir, meta } = await loadForChange(captureId, pinned ? 'pin' : 'unpin');
        const next = { ...meta, pinned };
        await writeMeta(dir, next);
        return next;
      });
    },

    setNote(captureId, note) {
      return serial(async () => {
        const { dir, meta } = await loadForChange(captureId, 'write a note on');
        const next = { ...meta, note: note.slice(0, 2000) };
        await writeMeta(dir, next);
        return next;
      });
    },

    delete(captureId) {
      return serial(async () => {
        const dir = await locate(captureId);
        await removeCapture(dir, captureId);
      });
    },

    applyRetention(targetId, opts = {}) {
      return serial(async () => {
        const maxCaptures = opts.maxCaptures ?? retentionDefaults.maxCaptures;
        const maxBytes = opts.maxBytes ?? retentionDefaults.maxBytes;
        const oldestMs = now() - (opts.maxAgeMs ?? retentionDefaults.maxAgeMs);
        const keep = new Set(opts.keepIds ?? []);
        // Newest first; a capture whose meta.json is damaged may be a baseline or pinned: never deleted here.
        const all = (await list(targetId)).filter((m) => m.damaged === undefined);
        const size = (m: CaptureMeta) => m.files.reduce((n, f) => n + f.bytes, 0);
        let count = all.length;
        let bytes = all.reduce((n, m) => n + size(m), 0);
        const deleted: string[] = [];
        for (const m of [...all].reverse()) {
          if (count <= maxCaptures && bytes <= maxBytes && m.startedMs >= oldestMs) break;
          if (m.baseline || m.pinned || keep.has(m.id)) continue;
          await removeCapture(resolveInside(root, m.targetId, m.id), m.id);
          deleted.push(m.id);
          count--;
          bytes -= size(m);
        }
        return deleted;
      });
    },
  };
  return store;
}

/** The sum of a capture's file sizes, in bytes, less the files marked missing (deleted since: see CaptureStore.onDisk). */
export function captureBytes(meta: Pick<CaptureMeta, 'files'>): number {
  return meta.files.reduce((n, f) => n + (f.missing ? 0 : f.bytes), 0);
}
