/** Where leakbar keeps history and captures: LEAKBAR_DATA_DIR, else the platform's per-user data folder. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The data folder for this user: ~/Library/Application Support/leakbar on macOS, $XDG_DATA_HOME/leakbar on Linux. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.LEAKBAR_DATA_DIR) return env.LEAKBAR_DATA_DIR;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'leakbar');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'leakbar');
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
