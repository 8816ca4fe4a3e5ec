/**
 * The engine's settings: one JSON document at `<dataDir>/settings.json` (beside the `targets/` and `captures/` folders),
 * shared by every leakbar process on the data folder (the desktop app, `serve`, `watch`, `capture`). Read through
 * `migrateSettings`, changed through `applySettingsPatch` on the document as it is on disk at that moment, written
 * atomically, and watched for changes other processes make. Also how explicit start-up options (`leakbar watch
 * --alerts`, `createService({ detectorSettings })`) are laid over the stored settings without being written to them.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, linkSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DetectorSettings } from '../shared/alerts.js';
import { applySettingsPatch, DEFAULT_SETTINGS, migrateSettings, SETTINGS_VERSION, shownValue, valueAt, type Settings, type SettingsPort, type SettingsResult } from '../shared/settings.js';
import type { Cadences } from './watcher.js';
import { deepMerge, isPlainObject } from '../shared/merge.js';

/** The settings file's name inside the data folder. */
export const SETTINGS_FILE_NAME = 'settings.json';

/** How often a file with listeners is looked at for changes made by another process. */
export const SETTINGS_POLL_MS = 2000;

/** A settings file: the port the service reads and changes, and why the stored file was not used, if it was not. */
export interface SettingsFile extends SettingsPort {
  readonly path: string;
  /**
   * Why the file was not used at all at start, or empty: not JSON, not an object (it is kept as `settings.json.bad`, or
   * `settings.json.N.bad` beside earlier ones, or left in place when it could not be moved there), or it may not be read
   * (permission denied: left as it is, and never written over while so).
   */
  readonly loadProblems: readonly string[];
  /** The version of the document on disk when a newer leakbar wrote it (this one reads it but never writes it), else null. */
  readonly newerVersion: number | null;
  /**
   * Calls `listener` after each change: a `set` here, or a change another process made to the file (noticed by a look
   * at its size and time every `pollMs` while anyone listens, and at each `set`). Returns an unsubscribe function.
   */
  onChange(listener: (next: Settings, previous: Settings) => void): () => void;
  /** What people should know of the file now (see SettingsPort.notes): always given here. */
  notes(): string[];
  /** Stops looking at the file and forgets the listeners. */
  close(): void;
}

/** What was on disk when last read or written: the file's identity (inode, size, time) and its text; null when missing. */
interface Seen {
  stamp: string | null;
  text: string | null;
}

/**
 * Opens `<dataDir>/settings.json`. A missing file gives the defaults (and is only written on the first change). A
 * document is read as a person writes it by hand: fields left out take their defaults, and a field whose value cannot
 * be used falls back to its default (at start) or to the value in force (once running), said in one warning naming
 * each field and why; the file is left as written (the next `set` writes it whole). A retention limit that cannot be
 * read never deletes with a default: at start, nothing is deleted as old until it is read or settings are saved
 * (`retentionHeld`); once running, the limit in force stays. An older version is migrated and written back (unless
 * some of it could not be used). Only a file that cannot be read, is not JSON or holds no object is renamed to
 * `settings.json.bad` (`settings.json.2.bad`, … when an earlier one is there: none is written over), and the defaults are used. A file a newer leakbar wrote is read for what this one knows
 * (defaults for the rest), never renamed and never written: `set` refuses while it is there.
 *
 * Once open, the settings in force never fall back to the defaults: a file that becomes unusable, or goes (another
 * leakbar starting sets a bad one aside, a person deletes it), leaves them as they were, said once, and the next `set`
 * writes them with its change; a document read later that does not hold a retention limit (an older version, a newer
 * one's field this build cannot read) keeps that limit as it was, since a default could shrink it and history would go.
 *
 * Several processes may hold the file: `set` re-reads it when it changed and lays the patch over the document
 * found there, so changes to different fields from two processes both survive. Two writes within the same few
 * milliseconds (read, patch, rename) can still race, the later rename winning; there is no lock file.
 */
export function openSettingsFile(dataDir: string, options: { warn?: (message: string) => void; pollMs?: number } = {}): SettingsFile {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const pollMs = options.pollMs ?? SETTINGS_POLL_MS;
  const path = join(dataDir, SETTINGS_FILE_NAME);
  let current: Settings = structuredClone(DEFAULT_SETTINGS);
  let loadProblems: string[] = [];
  /** Where the file unusable at start was set aside (a .bad name beside it), when it was. */
  let keptAsBad: string | null = null;
  let newerVersion: number | null = null;
  let seen: Seen = { stamp: null, text: null };
  /** The newer version last warned about, and the unusable file last warned about (its text), so each is said once. */
  let warnedNewer: number | null = null;
  let warnedBad: { text: string | null } | null = null;
  /**
   * Why the file on disk is not what is in force, after start: it cannot be used (problems), or it is gone (another
   * leakbar set it aside as .bad, a person moved or deleted it). The settings before it stay in force either way, and
   * the next `set` writes them, with its change, to the file again. Null when the file is what is in force.
   */
  let unusable: { kind: 'bad'; problems: string[] } | { kind: 'gone' } | { kind: 'unreadable'; problem: string } | null = null;
  /**
   * See {@link SettingsPort.retentionHeld}: set at start when the file was unusable, is missing with a .bad beside it,
   * holds retention limits that cannot be read, or has no retention at all with a .bad beside it (written while held).
   * It ends when a change names retention, or a document is read whose retention is whole. While held, the file is
   * written without `retention`, so that another leakbar, or this one started again, holds too rather than reading the
   * defaults there as the user's.
   */
  let retentionHeld = false;
  /** The text of the file as last read when some of its values could not be used: kept as .bad before it is written over. */
  let fellBackText: string | null = null;
  /** What the last warning said of each value in that text that could not be used (for {@link SettingsPort.notes}). */
  let fellBackLines: string[] = [];
  /** A document with no retention beside a .bad: the retention the user meant is in the .bad (see retentionHeld). */
  const retentionOnlyInBad = (r: ReadResult) => r.kind === 'doc' && isPlainObject(r.doc) && !('retention' in r.doc) && hasBadBeside(path);

  /**
   * Takes a document read from disk into `current` (at start, the defaults for a missing file), or says why it cannot
   * be used (only a file that cannot be read, is not JSON, or holds no object). A document is read as a person writes
   * it (see `migrateSettings`): a field absent takes its default, a field with a value that cannot be used falls back
   * (to the default at start, to the value in force when running), said in one warning naming each such field and
   * why. `inForce`: the settings in force when the engine is already running on some (null at start); a retention
   * limit the document does not hold (an older version without it, a newer one's field this build cannot read, a
   * value that fails here) keeps its value from there rather than taking the default, so a default never shrinks
   * what is kept. `retentionUnreadable`: the retention limits present in the document that could not be read.
   */
  function take(
    read: ReadResult,
    inForce: Settings | null,
  ): { ok: true; migratedFrom: number | null; fellBack: boolean; retentionUnreadable: string[] } | { ok: false; problems: string[] } {
    seen = { stamp: read.stamp, text: read.kind === 'missing' || read.kind === 'unreadable' ? null : read.text };
    fellBackText = null;
    fellBackLines = [];
    if (read.kind === 'missing') {
      current = structuredClone(DEFAULT_SETTINGS);
      newerVersion = null;
      return { ok: true, migratedFrom: null, fellBack: false, retentionUnreadable: [] };
    }
    if (read.kind === 'bad' || read.kind === 'unreadable') return { ok: false, problems: [read.problem] };
    const loaded = migrateSettings(read.doc, inForce ? { fallback: inForce } : {});
    if (!loaded.ok) return loaded;
    const kept = inForce ? keepRetentionNotRead(loaded.settings, read.doc, inForce) : [];
    current = loaded.settings;
    newerVersion = loaded.newer?.version ?? null;
    const notRead = loaded.notRead ?? [];
    if (notRead.length > 0 && !loaded.newer) fellBackText = read.text;
    const retentionUnreadable = RETENTION_LIMITS.map((k) => `retention.${k}`).filter((f) => notRead.some((n) => n.why !== 'unknown' && (n.path === f || n.path === 'retention' || n.path === 'settings')));
    if (loaded.newer && warnedNewer !== loaded.newer.version) {
      warnedNewer = loaded.newer.version;
      const onDefaults = loaded.newer.unread.filter((f) => !kept.includes(f) && !(f === 'retention' && kept.length === RETENTION_LIMITS.length));
      const unread = [onDefaults.length > 0 ? `on defaults here: ${onDefaults.join(', ')}` : '', kept.length > 0 ? `kept as they were: ${kept.join(', ')}` : ''].filter((x) => x !== '');
      warn(`leakbar: ${path} was written by a newer leakbar (version ${loaded.newer.version}); this one reads what it knows and does not change the file${unread.length > 0 ? ` (${unread.join('; ')})` : ''}`);
    } else if (!loaded.newer) {
      const lines = notRead.map((n) => {
        if (n.why === 'unknown') return `${n.path}: ${n.reason}; ignored`;
        if (n.why === 'dropped') return `${n.path}: ${n.reason}; left out`;
        if (n.path === 'version') return `version: ${n.reason}; read as version ${SETTINGS_VERSION}`;
        const value = n.path === 'settings' ? current : valueAt(current, n.path.split('.'));
        const shown = isPlainObject(value) ? (inForce ? 'the values in force' : 'the defaults') : shownValue(value);
        if (inForce) return `${n.path}: ${n.reason}; keeping ${shown}${isPlainObject(value) ? '' : ', the value in force'}`;
        const held = retentionUnreadable.includes(n.path) || (n.path === 'retention' && retentionUnreadable.length > 0) ? ', meanwhile (nothing is deleted as old until this is fixed or the settings are saved)' : '';
        return `${n.path}: ${n.reason}; using ${shown}${isPlainObject(value) ? '' : ', the default'}${held}`;
      });
      // A retention limit the document leaves out keeps its value in force, when that is not the default (the default would shrink it).
      for (const f of kept) {
        if (notRead.some((n) => n.path === f || n.path === 'retention' || n.path === 'settings')) continue;
        const v = valueAt(current, f.split('.'));
        const d = valueAt(DEFAULT_SETTINGS, f.split('.'));
        if (v !== d) lines.push(`${f}: not in the file; keeping ${shownValue(v)}, the value in force (not the default ${shownValue(d)})`);
      }
      if (fellBackText !== null) fellBackLines = lines;
      if (lines.length > 0) {
        warn(`leakbar: not every setting in ${path} can be used as written; the rest of it is in force, and the file is left as it is (the next change saved writes it whole, keeping this text as ${nextBadPath(path)}):\n${lines.map((l) => `  ${l}`).join('\n')}`);
      }
    }
    return { ok: true, migratedFrom: loaded.migratedFrom, fellBack: notRead.length > 0, retentionUnreadable };
  }

  /**
   * Reads the file again when it is not what was last seen (its identity first, then its text): `current` follows
   * it. A document that cannot be used, or a file gone, leaves `current` as it was and sets `unusable`. True when
   * `current` changed.
   */
  function refresh(checkText: boolean): boolean {
    // A file that may not be read is tried at each look: a chmod or chown that ends it changes neither its size nor its time.
    if (!checkText && unusable?.kind !== 'unreadable' && stampOf(path) === seen.stamp) return false;
    const read = readSettingsDocument(path);
    if (read.kind === 'unreadable') {
      // What it holds is not known: the settings in force stay, it is left as it is, and saving is refused meanwhile.
      if (unusable?.kind !== 'unreadable') {
        unusable = { kind: 'unreadable', problem: read.problem };
        warn(`leakbar: ${read.problem}; the settings in force stay, the file is left as it is, and saving settings is refused until it can be read (${unreadableHint(path)})`);
      }
      return false;
    }
    const text = read.kind === 'missing' ? null : read.text;
    if (text === seen.text && unusable === null) {
      seen.stamp = read.stamp;
      return false;
    }
    if (read.kind === 'missing') {
      // Seen before, gone now: its settings stay in force (the defaults would shrink retention, and drop every choice),
      // and go back on disk at once, so a leakbar starting meanwhile does not run on the defaults either.
      seen = { stamp: null, text: null };
      newerVersion = null;
      warnedBad = null;
      const gone = `${path} is gone (moved, deleted, or set aside as a .bad file by another leakbar that could not use it; where it went is not known here)`;
      const problem = retentionHeld ? 'the settings in force are defaults standing in for it' : write(current);
      if (problem === null) {
        unusable = null;
        warn(`leakbar: ${gone}; the settings in force were written back to it`);
      } else if (unusable?.kind !== 'gone') {
        unusable = { kind: 'gone' };
        warn(`leakbar: ${gone}; the settings in force stay, and the next change saved here writes them back to ${path} (not now: ${problem})`);
      }
      return false;
    }
    const before = current;
    const took = take(read, current);
    if (!took.ok) {
      unusable = { kind: 'bad', problems: took.problems };
      if (warnedBad === null || warnedBad.text !== text) {
        warnedBad = { text };
        warn(`leakbar: ${path} changed but cannot be used (${took.problems.join('; ')}); the settings in force stay, and the file is set aside as ${nextBadPath(path)} by the next change saved here or by a leakbar starting before then, unless it is fixed first`);
      }
      return false;
    }
    unusable = null;
    // Held (defaults standing in for settings that could not be used): it ends once the retention limits are read.
    const wasHeld = retentionHeld;
    retentionHeld = retentionHeld && (took.retentionUnreadable.length > 0 || retentionOnlyInBad(read));
    return JSON.stringify(before) !== JSON.stringify(current) || wasHeld !== retentionHeld;
  }

  const read = readSettingsDocument(path);
  const took = take(read, null);
  // Defaults standing in for settings that could not be used (now, or by an earlier leakbar: a .bad beside no file)
  // must not delete what those settings kept; nor must defaults standing in for retention limits the file holds in a
  // form that cannot be read.
  retentionHeld = !took.ok || (read.kind === 'missing' && hasBadBeside(path)) || took.retentionUnreadable.length > 0 || retentionOnlyInBad(read);
  // A migrated file is written back in this version, unless some of it could not be used: then it stays as written.
  if (took.ok && took.migratedFrom !== null && newerVersion === null && !took.fellBack) {
    const w = write(current);
    if (w) warn(`leakbar: settings migrated from version ${took.migratedFrom} but not saved (${w})`);
  } else if (!took.ok && read.kind === 'unreadable') {
    // Not a file that cannot be used: one this process may not read. Never set aside nor written over (what it holds is
    // the user's, and a leakbar that can read it may be using it): the defaults stand in, and saving is refused.
    loadProblems = took.problems;
    unusable = { kind: 'unreadable', problem: read.problem };
    warn(`leakbar: ${read.problem}; running on the defaults, the file is left as it is, and saving settings is refused until it can be read (${unreadableHint(path)})`);
  } else if (!took.ok) {
    loadProblems = took.problems;
    const kept = keepBad();
    if (typeof kept !== 'string') {
      keptAsBad = kept.at;
      warn(`leakbar: settings not used (${loadProblems.join('; ')}); kept as ${kept.at}, running on defaults`);
      seen = { stamp: null, text: null };
    } else {
      // It stays where it is: known as unusable (not a change to warn about at the next look), replaced at the next change.
      warn(`leakbar: settings not used (${loadProblems.join('; ')}); ${path} could not be kept as ${nextBadPath(path)} (${kept}) and stays where it is, running on defaults; the next change saved here replaces it`);
      seen = { stamp: read.stamp ?? stampOf(path), text: read.kind === 'missing' || read.kind === 'unreadable' ? null : read.text };
      unusable = { kind: 'bad', problems: loadProblems };
      warnedBad = { text: seen.text };
    }
  }
  if (retentionHeld && took.ok && took.retentionUnreadable.length > 0) {
    const end = newerVersion === null ? 'fix it there, or save the settings (the Settings page), to end this' : 'the newer leakbar that wrote it reads it';
    warn(`leakbar: nothing is deleted as old (history, captures) while ${took.retentionUnreadable.join(', ')} in ${path} cannot be read; ${end}`);
  } else if (retentionHeld && unusable?.kind === 'unreadable') {
    warn(`leakbar: nothing is deleted as old (history, captures) while the settings are defaults standing in for ${path}, which cannot be read; make it readable to end this`);
  } else if (retentionHeld) {
    warn(`leakbar: nothing is deleted as old (history, captures) while the settings are defaults standing in for a settings file that could not be used (see ${keptAsBad ?? `the .bad file beside ${path}`}); save the retention settings (the Settings page's Retention, or retention in a fixed ${path}) to end this`);
  }

  /** Moves the file on disk to the first free .bad name (`settings.json.bad`, `settings.json.2.bad`, …; never over an earlier one); returns where, else why not. */
  function keepBad(): { at: string } | string {
    return placeAsBad(path, path);
  }

  /** Writes `settings` atomically and remembers it as what is on disk; returns the problem, or null. */
  function write(settings: Settings): string | null {
    // While held, retention stays out of the file: the defaults in force are not the user's (see retentionHeld).
    const { retention: _retention, ...withoutRetention } = settings;
    const text = JSON.stringify(retentionHeld ? withoutRetention : settings, null, 2) + '\n';
    const w = writeTextAtomic(path, text);
    if (typeof w === 'string') return w;
    seen = { stamp: stampFrom(w), text };
    return null;
  }

  const listeners = new Set<(next: Settings, previous: Settings) => void>();
  const tell = (next: Settings, previous: Settings) => {
    for (const l of [...listeners]) {
      try {
        l(next, previous);
      } catch (e) {
        warn(`leakbar: a settings listener failed: ${(e as Error).message}`);
      }
    }
  };
  let timer: NodeJS.Timeout | null = null;
  const poll = () => {
    const previous = current;
    if (refresh(false)) tell(current, previous);
  };

  return {
    path,
    loadProblems,
    get newerVersion() {
      return newerVersion;
    },
    get retentionHeld() {
      return retentionHeld;
    },
    get: () => current,
    notes() {
      const notes: string[] = [];
      if (loadProblems.length > 0 && unusable === null && seen.text === null) notes.push(`${path} could not be used (${loadProblems.join('; ')}) and was kept as ${keptAsBad ?? `a .bad file beside it`}: the defaults are in force`);
      if (unusable?.kind === 'bad') notes.push(`${path} cannot be used (${unusable.problems.join('; ')}): the settings in force stay, until it is fixed or a change is saved here`);
      if (unusable?.kind === 'unreadable') {
        const inForce = loadProblems.length > 0 && seen.text === null && keptAsBad === null ? 'the defaults are in force' : 'the settings in force stay';
        notes.push(`${unusable.problem}: ${inForce}, the file is left as it is, and saving settings is refused until it can be read (${unreadableHint(path)})`);
      }
      if (unusable?.kind === 'gone') notes.push(`${path} is gone: the settings in force stay, and the next change saved here writes them back`);
      if (newerVersion !== null) notes.push(`${path} was written by a newer leakbar (version ${newerVersion}): this one reads what it knows and saves nothing`);
      for (const line of fellBackLines) notes.push(`${path}: ${line}`);
      if (retentionHeld) notes.push('nothing is deleted as old (history, captures) until the retention settings are saved here or the file is fixed');
      return notes;
    },
    set(patch: unknown): SettingsResult {
      // The document as it is now, with whatever another process saved since it was last read.
      const outside = current;
      if (refresh(true)) tell(current, outside);
      // A file this process may not read is not written over: what it holds (maybe another user's settings) is not known.
      if (unusable?.kind === 'unreadable') {
        return { ok: false, problems: [`settings: not saved: ${unusable.problem}, and it is not written over while it cannot be read; ${unreadableHint(path)}`] };
      }
      if (newerVersion !== null) {
        return { ok: false, problems: [`version: ${path} was written by a newer leakbar (version ${newerVersion}); this one (version ${SETTINGS_VERSION}) does not change it, so nothing was saved: change the settings in the newer leakbar`] };
      }
      const r = applySettingsPatch(current, patch);
      if (!r.ok) return r;
      // A file another writer left unusable is kept beside it, as at start (a copy: it stays in place if the write
      // fails). A file gone is written again: the settings in force, with this change.
      // So is a file some of whose values could not be used: this write would put the fallbacks in their place.
      let kept = '';
      const partly = unusable === null && fellBackText !== null && seen.text === fellBackText;
      if (unusable?.kind === 'bad' || partly) {
        const copied = seen.text === null ? 'it cannot be read' : copyAsBad(path, seen.text);
        kept = typeof copied === 'string' ? `it could not be kept as ${nextBadPath(path)} (${copied})` : `it is kept as ${copied.at}`;
      }
      // Only a change that names retention decides it: a tray snooze or a target added must not end a hold.
      const heldBefore = retentionHeld;
      if (isPlainObject(patch) && 'retention' in patch) retentionHeld = false;
      const problem = write(r.settings);
      if (problem) {
        retentionHeld = heldBefore;
        return { ok: false, problems: [`settings: could not be saved to ${path}: ${problem}`] };
      }
      if (unusable?.kind === 'bad') warn(`leakbar: ${path} could not be used (${unusable.problems.join('; ')}); ${kept}, and this change was saved over the settings in force`);
      else if (partly) warn(`leakbar: ${path} held values this leakbar could not use (said when it was read); ${kept}, and this change was saved with the settings in force`);
      unusable = null;
      fellBackText = null;
      fellBackLines = [];
      const previous = current;
      current = r.settings;
      tell(current, previous);
      return r;
    },
    onChange(listener) {
      listeners.add(listener);
      if (timer === null) {
        timer = setInterval(poll, pollMs);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    close() {
      listeners.clear();
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/** The retention limits: lowering one drops history or captures for good. */
const RETENTION_LIMITS = ['historyDays', 'captureDays', 'maxCaptureBytes'] as const;

/**
 * Puts back, in `taken` (read from `doc`), each retention limit the document does not hold as that very value (it came
 * from the defaults or the fallback: a field missing in an older version or in a document written by hand, one a newer
 * version's document has that this build cannot read, a value that fails here), to its value in `inForce`. A running engine's retention changes only where a document says so. Returns the
 * limits put back, as dotted paths.
 */
function keepRetentionNotRead(taken: Settings, doc: unknown, inForce: Settings): string[] {
  const stored = isPlainObject(doc) && isPlainObject(doc.retention) ? doc.retention : {};
  const kept: string[] = [];
  const retention = { ...taken.retention };
  for (const k of RETENTION_LIMITS) {
    if (stored[k] === retention[k]) continue;
    retention[k] = inForce.retention[k];
    kept.push(`retention.${k}`);
  }
  taken.retention = retention;
  return kept;
}

/**
 * What reading the file gave. `unreadable`: it is there but this process may not read it (EACCES, EPERM: its owner or
 * mode), which says nothing of what it holds, so it is neither set aside as .bad nor written over.
 */
type ReadResult =
  | { kind: 'missing'; stamp: null }
  | { kind: 'doc'; doc: unknown; text: string; stamp: string }
  | { kind: 'bad'; problem: string; text: string | null; stamp: string | null }
  | { kind: 'unreadable'; problem: string; stamp: string | null };

/** Whether an error reading the file is the file's permissions (not what it holds). */
const isPermissionError = (e: unknown) => ['EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '');

/** What to check when the settings file may not be read. */
function unreadableHint(path: string): string {
  const uid = process.getuid?.();
  return `check its owner and mode with \`ls -l ${path}\`: leakbar${uid === undefined ? '' : ` (uid ${uid})`} must be able to read and write it`;
}

/** The problem of a settings file that may not be read. */
function unreadableProblem(path: string): string {
  return `cannot read ${basename(path)}: permission denied (${path})`;
}

/** The file's identity as a string (device, inode, size, modification time); null when it is missing or cannot be looked at. */
function stampOf(path: string): string | null {
  try {
    return stampFrom(statSync(path));
  } catch {
    return null;
  }
}

function stampFrom(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** Reads the file once, its identity from the same open file as its text (so the two always belong together). */
function readSettingsDocument(path: string): ReadResult {
  let text: string;
  let stamp: string;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    // A data folder under a file (ENOTDIR) holds no settings file either: the folder's own error is said where it is made.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'missing', stamp: null };
    if (isPermissionError(e)) return { kind: 'unreadable', problem: unreadableProblem(path), stamp: stampOf(path) };
    return { kind: 'bad', problem: `settings: cannot read ${path}: ${(e as Error).message}`, text: null, stamp: null };
  }
  try {
    stamp = stampFrom(fstatSync(fd));
    text = readFileSync(fd, 'utf8');
  } catch (e) {
    if (isPermissionError(e)) return { kind: 'unreadable', problem: unreadableProblem(path), stamp: stampOf(path) };
    return { kind: 'bad', problem: `settings: cannot read ${path}: ${(e as Error).message}`, text: null, stamp: null };
  } finally {
    closeSync(fd);
  }
  try {
    const doc = JSON.parse(text) as unknown;
    // `null` is JSON but no settings document (as a list or a string is not): set aside like them, never taken for defaults silently.
    if (doc === null) return { kind: 'bad', problem: 'settings: must be an object (got null)', text, stamp };
    return { kind: 'doc', doc, text, stamp };
  } catch (e) {
    return { kind: 'bad', problem: `settings: not JSON: ${(e as Error).message}`, text, stamp };
  }
}

/** The names a settings file that cannot be used is set aside under, in turn: settings.json.bad, settings.json.2.bad, … */
function badPath(path: string, n: number): string {
  return n === 1 ? `${path}.bad` : `${path}.${n}.bad`;
}

const MAX_BAD_FILES = 1000;

/** Whether an unusable settings file was set aside beside `path` (any of its .bad names). */
function hasBadBeside(path: string): boolean {
  const name = basename(path);
  try {
    return readdirSync(dirname(path)).some((f) => f === `${name}.bad` || (f.startsWith(`${name}.`) && /^\d+\.bad$/.test(f.slice(name.length + 1))));
  } catch {
    return false;
  }
}

/** The .bad name the next settings file set aside beside `path` would take. */
function nextBadPath(path: string): string {
  for (let n = 1; n < MAX_BAD_FILES; n++) if (!existsSync(badPath(path, n))) return badPath(path, n);
  return badPath(path, MAX_BAD_FILES);
}

/**
 * Moves `from` to the first free .bad name beside `path`, never over an earlier one (each keeps the text of its own
 * day): a hard link made exclusively, then `from` removed; a rename to a name still free where there are no hard links.
 */
function placeAsBad(path: string, from: string): { at: string } | string {
  for (let n = 1; n <= MAX_BAD_FILES; n++) {
    const at = badPath(path, n);
    try {
      linkSync(from, at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') return (e as Error).message;
      if (existsSync(at)) continue;
      try {
        renameSync(from, at);
        return { at };
      } catch (e2) {
        return (e2 as Error).message;
      }
    }
    try {
      unlinkSync(from);
    } catch (e) {
      // Not moved after all (a folder that takes new names but lets none go): the link made is undone where it can be.
      try {
        unlinkSync(at);
      } catch {
        /* left as a copy */
      }
      return (e as Error).message;
    }
    return { at };
  }
  return `${MAX_BAD_FILES} files set aside are there already; move some away`;
}

/** Writes `text` (a settings file that cannot be used, as it was) to the first free .bad name beside `path`; returns where, or the problem. */
function copyAsBad(path: string, text: string): { at: string } | string {
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.bad.tmp`;
  const w = writeTextAtomic(tmp, text);
  if (typeof w === 'string') return w;
  const placed = placeAsBad(path, tmp);
  if (typeof placed === 'string') {
    try {
      unlinkSync(tmp);
    } catch {
      /* gone already */
    }
  }
  return placed;
}

/**
 * Writes `value` as JSON to `path` atomically: a temporary file beside it, flushed, then renamed over it, so a
 * crash leaves the old document or the new one, never half of one. Returns the problem, or null when written.
 */
export function writeJsonAtomic(path: string, value: unknown): string | null {
  const w = writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n');
  return typeof w === 'string' ? w : null;
}

/** {@link writeJsonAtomic} for a text; returns the problem, or the written file's stats (the same file once renamed). */
function writeTextAtomic(path: string, text: string): string | Stats {
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    const st = fstatSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
    return st;
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    return (e as Error).message;
  }
}

/** Parts of the settings fixed by start-up options; they win over the stored settings (and are never written to them). */
export interface SettingsOverrides {
  detectors?: DetectorSettings;
  cadences?: Partial<Cadences>;
  retention?: { maxCaptureBytes?: number };
  autoCapture?: { enabled?: boolean; minGapMs?: number };
}

/** The overrides that explicit {@link createService} options make. */
export function overridesFromOptions(o: { detectorSettings?: DetectorSettings; cadences?: Partial<Cadences>; retention?: { maxBytes?: number }; autoCaptureGapMs?: number }): SettingsOverrides {
  const out: SettingsOverrides = {};
  if (o.detectorSettings) out.detectors = o.detectorSettings;
  if (o.cadences) out.cadences = o.cadences;
  if (o.retention?.maxBytes !== undefined) out.retention = { maxCaptureBytes: o.retention.maxBytes };
  if (o.autoCaptureGapMs !== undefined) out.autoCapture = Number.isFinite(o.autoCaptureGapMs) ? { minGapMs: o.autoCaptureGapMs } : { enabled: false };
  return out;
}

/** The settings in force: the stored ones with the overrides laid over them (objects merge). */
export function overlaySettings(stored: Settings, overrides: SettingsOverrides): Settings {
  return deepMerge(stored, overrides) as Settings;
}

/**
 * The overrides left once a person changed some fields through `setSettings`: every field the patch names is
 * dropped from them, so the person's latest word wins there while the other options still hold.
 */
export function dropPatched(overrides: SettingsOverrides, patch: unknown): SettingsOverrides {
  return (withoutPatched(overrides, patch) ?? {}) as SettingsOverrides;
}

/** The fields the overrides fix, as dotted paths (a list is one field). */
export function fixedPaths(overrides: SettingsOverrides): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!isPlainObject(node)) {
      if (node !== undefined && path !== '') out.push(path);
      return;
    }
    for (const [k, v] of Object.entries(node)) walk(v, path === '' ? k : `${path}.${k}`);
  };
  walk(overrides, '');
  return out;
}

/** Which parts the engine applies changed between two settings. */
export function settingsChanges(before: Settings, after: Settings): { detectors: boolean; cadences: boolean; retention: boolean; autoCapture: boolean } {
  const differ = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  return {
    detectors: differ(before.detectors, after.detectors),
    cadences: differ(before.cadences, after.cadences),
    retention: differ(before.retention, after.retention),
    autoCapture: differ(before.autoCapture, after.autoCapture),
  };
}

/** The least time between two automatic captures, or Infinity when auto-capture is off. */
export function autoCaptureGapMs(settings: Settings): number {
  return settings.autoCapture.enabled ? settings.autoCapture.minGapMs : Number.POSITIVE_INFINITY;
}

/** `base` without the leaves `patch` names; undefined when nothing is left. */
function withoutPatched(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return undefined;
  if (!isPlainObject(base)) return base;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) {
    if (!(k in patch)) out[k] = v;
    else if (isPlainObject(patch[k])) {
      const rest = withoutPatched(v, patch[k]);
      if (rest !== undefined) out[k] = rest;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
