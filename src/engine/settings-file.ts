/**
 * The engine's settings when no desktop app holds them: one JSON document at `<dataDir>/settings.json`
 * (beside the `targets/` and `captures/` folders), read through `migrateSettings`, changed through
 * `applySettingsPatch`, written atomically. Also how explicit start-up options (`leakbar watch --alerts`,
 * `createService({ detectorSettings })`) are laid over the stored settings without being written to them.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectorSettings } from '../shared/alerts.js';
import { applySettingsPatch, DEFAULT_SETTINGS, migrateSettings, type Settings, type SettingsPort, type SettingsResult } from '../shared/settings.js';
import type { Cadences } from './watcher.js';
import { deepMerge, isPlainObject } from '../shared/merge.js';

/** The settings file's name inside the data folder. */
export const SETTINGS_FILE_NAME = 'settings.json';

/** A settings file: the port the service reads and changes, and why the stored file was not used, if it was not. */
export interface SettingsFile extends SettingsPort {
  readonly path: string;
  /** Why the file was not used at start (it is kept as `settings.json.bad`), or empty. */
  readonly loadProblems: readonly string[];
}

/**
 * Opens `<dataDir>/settings.json`. A missing file gives the defaults (and is only written on the first change);
 * an older version is migrated and written back; a file that cannot be read, is not JSON or fails validation is
 * renamed to `settings.json.bad` and the defaults are used — the same as the desktop app's store.
 */
export function openSettingsFile(dataDir: string, options: { warn?: (message: string) => void } = {}): SettingsFile {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const path = join(dataDir, SETTINGS_FILE_NAME);
  let current: Settings = structuredClone(DEFAULT_SETTINGS);
  let loadProblems: string[] = [];

  const read = readSettingsDocument(path);
  if (read.kind === 'doc') {
    const loaded = migrateSettings(read.doc);
    if (loaded.ok) {
      current = loaded.settings;
      if (loaded.migratedFrom !== null) {
        const w = writeJsonAtomic(path, current);
        if (w) warn(`leakbar: settings migrated from version ${loaded.migratedFrom} but not saved (${w})`);
      }
    } else loadProblems = loaded.problems;
  } else if (read.kind === 'bad') loadProblems = [read.problem];

  if (loadProblems.length > 0) {
    let kept = `${path}.bad`;
    try {
      renameSync(path, kept);
    } catch (e) {
      kept = `(not kept: ${(e as Error).message})`;
    }
    warn(`leakbar: settings not used (${loadProblems.join('; ')}); kept as ${kept}, running on defaults`);
  }

  return {
    path,
    loadProblems,
    get: () => current,
    set(patch: unknown): SettingsResult {
      const r = applySettingsPatch(current, patch);
      if (!r.ok) return r;
      const problem = writeJsonAtomic(path, r.settings);
      if (problem) return { ok: false, problems: [`settings: could not be saved to ${path}: ${problem}`] };
      current = r.settings;
      return r;
    },
  };
}

type ReadResult = { kind: 'missing' } | { kind: 'doc'; doc: unknown } | { kind: 'bad'; problem: string };

function readSettingsDocument(path: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', problem: `settings: cannot read ${path}: ${(e as Error).message}` };
  }
  try {
    return { kind: 'doc', doc: JSON.parse(text) as unknown };
  } catch (e) {
    return { kind: 'bad', problem: `settings: not JSON: ${(e as Error).message}` };
  }
}

/**
 * Writes `value` as JSON to `path` atomically: a temporary file beside it, flushed, then renamed over it, so a
 * crash leaves the old document or the new one, never half of one. Returns the problem, or null when written.
 */
export function writeJsonAtomic(path: string, value: unknown): string | null {
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
    return null;
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
