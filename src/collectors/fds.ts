/** What every FD source shares: lsof's TYPE names mapped onto FdType, and one summary of a list of FDs into an FdBreakdown. */
import { FD_TYPES, type FdBreakdown, type FdEntry, type FdType } from '../shared/types.js';

/** How many times a name must be open to count as repeated. */
export const REPEATED_MIN_COUNT = 4;
/** How many repeated names a breakdown keeps. */
export const REPEATED_MAX_NAMES = 20;

const LSOF_TYPES: Record<string, FdType> = {
  REG: 'file',
  VREG: 'file',
  PSXSHM: 'file',
  DIR: 'dir',
  VDIR: 'dir',
  PIPE: 'pipe',
  FIFO: 'pipe',
  unix: 'unix',
  IPv4: 'ipv4',
  IPv6: 'ipv6',
  KQUEUE: 'kqueue',
  CHR: 'chr',
  VCHR: 'chr',
};

/**
 * Maps lsof's TYPE column (or `t` field) onto an FdType. Linux lsof calls an epoll FD `a_inode`
 * named `[eventpoll]`; other anonymous inodes (eventfd, timerfd, signalfd, pidfd) are `other`.
 */
export function fdTypeFromLsof(lsofType: string, name: string): FdType {
  const known = LSOF_TYPES[lsofType];
  if (known) return known;
  if (lsofType === 'a_inode') return name.includes('eventpoll') ? 'eventpoll' : 'other';
  return 'other';
}

/** True for a descriptor lsof or procfs numbers ("3"), false for lsof's extra rows (cwd, txt, mem, rtd, DEL…). */
export function isNumberedFd(fd: string): boolean {
  return /^\d+$/.test(fd);
}

/** A breakdown with every FdType at zero: the start of a count. */
export function emptyByType(): Record<FdType, number> {
  const byType = {} as Record<FdType, number>;
  for (const t of FD_TYPES) byType[t] = 0;
  return byType;
}

/** FDs that share a type and name, counted: what a breakdown is made of. */
export interface FdGroup {
  type: FdType;
  name: string;
  count: number;
}

/**
 * Summarises open FDs: the total, a count per type (every FdType key present), the names open
 * {@link REPEATED_MIN_COUNT} or more times (most first, then by name; at most {@link REPEATED_MAX_NAMES}),
 * and how many names contain each path pattern.
 *
 * Only numbered descriptors count: lsof's cwd/txt/mem/rtd rows are not open FDs and procfs does not
 * list them, so both sources give the same total for the same process.
 */
export function summarizeFds(entries: readonly FdEntry[], patterns: readonly string[], limit: number | null): FdBreakdown {
  const groups: FdGroup[] = [];
  for (const e of entries) if (isNumberedFd(e.fd)) groups.push({ type: e.type, name: e.name, count: 1 });
  return summarizeFdGroups(groups, patterns, limit);
}

/**
 * {@link summarizeFds} over FDs already counted by name (one group per link target, as procfs'
 * breakdown reads them): the same figures without an object per FD. A name counts towards
 * `repeated` only when it is a path (starts with `/`): pipes, anonymous inodes and sockets without
 * a path have no name worth repeating. Groups may share a name (two sockets bound to one path).
 */
export function summarizeFdGroups(groups: readonly FdGroup[], patterns: readonly string[], limit: number | null): FdBreakdown {
  const byType = emptyByType();
  const byName = new Map<string, number>();
  const patternCounts = patterns.map(() => 0);
  let total = 0;
  for (const g of groups) {
    total += g.count;
    byType[g.type] += g.count;
    if (g.name.startsWith('/')) byName.set(g.name, (byName.get(g.name) ?? 0) + g.count);
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      if (p !== '' && g.name.includes(p)) patternCounts[i]! += g.count;
    }
  }
  const repeated = [...byName]
    .filter(([, count]) => count >= REPEATED_MIN_COUNT)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, REPEATED_MAX_NAMES)
    .map(([name, count]) => ({ name, count }));
  return { total, byType, repeated, patterns: patterns.map((pattern, i) => ({ pattern, count: patternCounts[i]! })), limit };
}
