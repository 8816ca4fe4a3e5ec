/**
 * Fixes PATH once at start: an app launched from Finder, the Dock or a login item gets launchd's bare
 * PATH, and the tools the collectors run (`lsof`, `vmmap`, `ps`) live in /usr/sbin and /usr/bin.
 *
 * Why not the fix-path package: it spawns the user's login shell at start-up (slow, and it runs their
 * dotfiles inside our process's start), to learn a PATH we do not need. Our tools are in fixed system
 * folders, so adding those folders is enough, instant, and testable as a pure function.
 */

/** Folders every leakbar tool lives in, in the order they are tried. */
export const SYSTEM_PATH_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/opt/homebrew/bin', '/usr/local/bin'] as const;

/**
 * PATH with the system folders added at the end where missing (the user's own order wins for the rest).
 * On Windows it returns `currentPath` untouched.
 */
export function fixedPath(currentPath: string | undefined, platform: NodeJS.Platform): string {
  if (platform === 'win32') return currentPath ?? '';
  const parts = (currentPath ?? '').split(':').filter((p) => p !== '');
  const have = new Set(parts.map((p) => p.replace(/\/+$/, '')));
  for (const dir of SYSTEM_PATH_DIRS) if (!have.has(dir)) parts.push(dir);
  return parts.join(':');
}

/** Sets `process.env.PATH` once, before the engine spawns anything. */
export function setupPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): void {
  env.PATH = fixedPath(env.PATH, platform);
}
