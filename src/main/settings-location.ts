/**
 * Where the desktop app keeps its settings: `<dataDir>/settings.json`, the file `leakbar watch`, `serve` and
 * `capture` read, so one document holds the thresholds, cadences and retention for every front door. Earlier
 * apps kept it in Electron's userData folder, which is the data folder on macOS but `~/.config/leakbar` on
 * Linux; such a file is moved over once, when the data folder has none yet.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SETTINGS_FILE_NAME } from '../engine/settings-file.js';

/** What the userData file is renamed to once copied, so a data-folder file deleted later is not brought back stale. */
export const MOVED_SUFFIX = '.moved-to-data-folder';

/**
 * Moves `<userData>/settings.json` to `<dataDir>/settings.json` when only the former exists (copied, then the old one
 * renamed with {@link MOVED_SUFFIX}); returns the file moved, or null. When both exist the data folder's wins (the CLI
 * or `serve` wrote it) and `warn` says where the app's older one was left.
 */
export function adoptUserDataSettings(dataDir: string, userData: string, warn: (message: string) => void = () => {}): string | null {
  const target = join(dataDir, SETTINGS_FILE_NAME);
  const legacy = join(userData, SETTINGS_FILE_NAME);
  if (resolve(dataDir) === resolve(userData) || !existsSync(legacy)) return null;
  if (existsSync(target)) {
    renameSync(legacy, `${legacy}${MOVED_SUFFIX}`);
    warn(`leakbar: settings are now read from ${target} (shared with the leakbar command); the app's older ${legacy} was not used and is kept as ${legacy}${MOVED_SUFFIX}`);
    return null;
  }
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(legacy, target);
  renameSync(legacy, `${legacy}${MOVED_SUFFIX}`);
  return legacy;
}
