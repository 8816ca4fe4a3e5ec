/**
 * Settings on disk: one electron-store file (`<dataDir>/settings.json`, see settings-location.ts; written atomically) holding the
 * versioned document of src/shared/settings.ts. zod validates and our own migrations upgrade it.
 *
 * Why not electron-store's `schema` and `migrations`: its migrations key on the app's version, not the
 * document's, and its ajv validation runs when the file is read, so an old (v1) file would be refused
 * before a migration could upgrade it, and a refused value would throw without a per-field reason.
 * The zod schema stays the one source of truth; `settingsJsonSchema()` renders it for editors.
 */
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { app } from 'electron';
import Store from 'electron-store';
import { applySettingsPatch, DEFAULT_SETTINGS, migrateSettings, type Settings, type SettingsResult } from '../shared/settings.js';
import type { SettingsPort } from './ipc.js';

/** The settings as the main process holds them: read, change (validated), and hear changes. */
export interface SettingsStore extends SettingsPort {
  /** Calls `listener` after each accepted change; returns an unsubscribe function. */
  onChange(listener: (next: Settings, previous: Settings) => void): () => void;
  /** Why the stored file was not used at start (kept beside it as settings.json.bad), or empty. */
  readonly loadProblems: readonly string[];
}

/** Opens (and if needed migrates) the settings file. @param cwd folder of the file. @default Electron's userData */
export function openSettingsStore(options: { cwd?: string; warn?: (m: string) => void } = {}): SettingsStore {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const cwd = options.cwd ?? app.getPath('userData');
  const open = () => new Store<Record<string, unknown>>({ name: 'settings', cwd, clearInvalidConfig: false });
  let store: Store<Record<string, unknown>>;
  try {
    store = open();
  } catch (e) {
    // Not JSON at all: keep the file for the person who wrote it, start fresh.
    const path = join(cwd, 'settings.json');
    if (existsSync(path)) renameSync(path, `${path}.bad`);
    warn(`leakbar: settings file unreadable (${e instanceof Error ? e.message : String(e)}); kept as ${path}.bad`);
    store = open();
  }

  const loaded = migrateSettings(store.store);
  let current: Settings;
  let loadProblems: string[] = [];
  if (loaded.ok) {
    current = loaded.settings;
    if (loaded.migratedFrom !== null || Object.keys(store.store).length === 0) store.store = { ...current };
  } else {
    loadProblems = loaded.problems;
    current = structuredClone(DEFAULT_SETTINGS);
    if (existsSync(store.path)) copyFileSync(store.path, `${store.path}.bad`);
    warn(`leakbar: settings not used (${loaded.problems.join('; ')}); kept as ${store.path}.bad, running on defaults`);
  }

  const listeners = new Set<(next: Settings, previous: Settings) => void>();
  return {
    loadProblems,
    get: () => current,
    set(patch: unknown): SettingsResult {
      const r = applySettingsPatch(current, patch);
      if (!r.ok) return r;
      const previous = current;
      current = r.settings;
      store.store = { ...current };
      for (const l of listeners) l(current, previous);
      return r;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
