/**
 * Where the desktop app keeps its settings: `<dataDir>/settings.json`, the file `leakbar watch`, `serve` and
 * `capture` read, so one document holds the thresholds, cadences and retention for every front door. Earlier
 * apps kept it in Electron's userData folder, which is the data folder on macOS but `~/.config/leakbar` on
 * Linux; such a file is copied over once, when the data folder has none yet.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SETTINGS_FILE_NAME } from '../engine/settings-file.js';

/** Copies `<userData>/settings.json` to `<dataDir>/settings.json` when only the former exists; returns the file copied, or null. */
export function adoptUserDataSettings(dataDir: string, userData: string): string | null {
  const target = join(dataDir, SETTINGS_FILE_NAME);
  const legacy = join(userData, SETTINGS_FILE_NAME);
  if (resolve(dataDir) === resolve(userData) || existsSync(target) || !existsSync(legacy)) return null;
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(legacy, target);
  return legacy;
}
