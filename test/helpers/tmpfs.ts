/** A small tmpfs mounted for a test (a disk that fills up, a read-only one): real file system errors, not injected ones. */
import { spawnSync } from 'node:child_process';

/** A mount, or why there is none (mounting needs root with CAP_SYS_ADMIN): a test skipped for it says so. */
export interface Tmpfs {
  mounted: boolean;
  /** Why it could not be mounted; empty when it was. */
  why: string;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (e.g. "512k") at `path`, an existing empty folder; `readOnly` mounts it read-only. */
export function mountTmpfs(path: string, size: string, readOnly = false): Tmpfs {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `${readOnly ? 'ro,' : ''}size=${size}`, 'tmpfs', path], { encoding: 'utf8' });
  const mounted = r.status === 0;
  return {
    mounted,
    why: mounted ? '' : `a ${readOnly ? 'read-only ' : ''}${size} tmpfs could not be mounted here (${(r.stderr || r.error?.message || '').trim()}): needs root with CAP_SYS_ADMIN`,
    unmount: () => void (mounted && spawnSync('umount', [path])),
  };
}
