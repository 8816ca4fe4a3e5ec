/**
 * The desktop app's settings: `<dataDir>/settings.json` (see settings-location.ts), the very file `leakbar watch`,
 * `serve` and `capture` read, opened through the engine's {@link openSettingsFile} so every process on the data
 * folder reads, changes and watches it the same way: versioned and validated by src/shared/settings.ts (zod, our own
 * migrations), written atomically, a change laid over the document as it is on disk (so a change `serve` saved
 * meanwhile is kept), changes from other processes heard, and a document from a newer leakbar read but never
 * overwritten.
 *
 * Why not electron-store (the app's windows still use it for their bounds): its whole-document writes from memory
 * would undo what another process saved, its migrations key on the app's version, not the document's, and its ajv
 * validation runs when the file is read, so an old (v1) file would be refused before a migration could upgrade it.
 */
import { openSettingsFile } from '../engine/settings-file.js';
import type { Settings } from '../shared/settings.js';
import type { SettingsPort } from './ipc.js';

/** The settings as the main process holds them: read, change (validated), and hear changes. */
export interface SettingsStore extends SettingsPort {
  /** Calls `listener` after each change, made here or saved to the file by another process; returns an unsubscribe function. */
  onChange(listener: (next: Settings, previous: Settings) => void): () => void;
  /** Why the stored file was not used at start (kept beside it as settings.json.bad), or empty. */
  readonly loadProblems: readonly string[];
  /** Stops looking at the file for other processes' changes. */
  close(): void;
}

/** Opens (and if needed migrates) `<cwd>/settings.json`. @param cwd the data folder. */
export function openSettingsStore(options: { cwd: string; warn?: (m: string) => void; pollMs?: number }): SettingsStore {
  return openSettingsFile(options.cwd, { ...(options.warn ? { warn: options.warn } : {}), ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }) });
}
