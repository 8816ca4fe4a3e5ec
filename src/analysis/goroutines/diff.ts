/** Compares two goroutine dumps group by group: which stacks grew, which are new, which are gone — how a goroutine leak shows itself. */
import { IDLE_GROWTH, type GoroutineDiff, type GoroutineDump, type GroupChange } from './model.js';
import { compareGroups, judgeSuspicious, suspiciousCount } from './parse.js';

const byKey = (a: GroupChange, b: GroupChange): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * What a comparison of a debug=1 and a debug=2 dump cannot show. Their keys leave out the runtime frames one
 * form hides, so most stacks match, but not all: the goroutine writing the dump runs other code for each form
 * (runtime/pprof.writeRuntimeProfile for debug=1, writeGoroutineStacks for debug=2), so it shows as new and as
 * gone; a goroutine only starting has an empty stack in debug=1; and debug=1 has no states or waits.
 */
export function mixedFormsWarning(base: Pick<GoroutineDump, 'format'>, current: Pick<GoroutineDump, 'format'>): string | null {
  if (base.format === current.format) return null;
  return (
    `the base is a ${base.format} dump and this one a ${current.format} dump: the two forms print some stacks differently ` +
    '(the goroutine writing the dump shows as both new and gone), and debug=1 has no states or waits; ' +
    'capture both with ?debug=2 (…/debug/pprof/goroutine?debug=2) to compare like with like'
  );
}

/**
 * `current` judged against `base`: an idle-by-design group (`idleWait`) that grew by {@link IDLE_GROWTH} or more
 * since the base (a new one counting from 0) gets `idleGrowth` and is suspicious, with the dump's order and
 * `suspiciousTotal` to match. Alone, a dump can only say "too many" ({@link IDLE_MANY}); a leak of connections
 * shows first as growth, long before it reaches that. Returns `current` itself when no group changes.
 */
export function judgeAgainstBase(base: GoroutineDump, current: GoroutineDump): GoroutineDump {
  const baseCount = new Map(base.groups.map((g) => [g.key, g.count]));
  let changed = false;
  const groups = current.groups.map((g) => {
    if (g.idleWait === null) return g;
    const delta = g.count - (baseCount.get(g.key) ?? 0);
    const idleGrowth = delta >= IDLE_GROWTH ? delta : null;
    if (idleGrowth === g.idleGrowth) return g;
    changed = true;
    const judged = { ...g, idleGrowth };
    return { ...judged, suspicious: judgeSuspicious(judged) };
  });
  if (!changed) return current;
  groups.sort(compareGroups);
  return { ...current, groups, suspiciousTotal: suspiciousCount(groups) };
}

/**
 * Matches the groups of `base` and `current` by key (the stack, so a debug=1 dump compares with a
 * debug=2 one, with a warning: {@link mixedFormsWarning}) and says how each changed. `grew` (new groups
 * included) is sorted by growth, largest first. The changes carry the groups of `current` as judged against
 * `base` ({@link judgeAgainstBase}), so an idle group that grew too much reads as suspicious.
 */
export function diffGoroutineDumps(base: GoroutineDump, dump: GoroutineDump): GoroutineDiff {
  const current = judgeAgainstBase(base, dump);
  const baseByKey = new Map(base.groups.map((g) => [g.key, g]));
  const grew: GroupChange[] = [];
  const added: GroupChange[] = [];
  const shrank: GroupChange[] = [];
  const removed: GroupChange[] = [];
  let unchangedGroups = 0;
  const seen = new Set<string>();
  for (const group of current.groups) {
    const before = baseByKey.get(group.key);
    seen.add(group.key);
    const baseCount = before?.count ?? 0;
    const delta = group.count - baseCount;
    const status: GroupChange['status'] = before === undefined ? 'new' : delta > 0 ? 'grew' : delta < 0 ? 'shrank' : 'same';
    const change: GroupChange = { key: group.key, status, baseCount, count: group.count, delta, group };
    if (status === 'new') added.push(change);
    if (delta > 0) grew.push(change);
    else if (delta < 0) shrank.push(change);
    else unchangedGroups++;
  }
  for (const group of base.groups) {
    if (seen.has(group.key)) continue;
    removed.push({ key: group.key, status: 'gone', baseCount: group.count, count: 0, delta: -group.count, group });
  }
  grew.sort((a, b) => b.delta - a.delta || b.count - a.count || byKey(a, b));
  added.sort((a, b) => b.count - a.count || byKey(a, b));
  shrank.sort((a, b) => a.delta - b.delta || byKey(a, b));
  removed.sort((a, b) => b.baseCount - a.baseCount || byKey(a, b));
  const mixed = mixedFormsWarning(base, current);
  return { baseTotal: base.total, total: current.total, delta: current.total - base.total, grew, added, removed, shrank, unchangedGroups, warnings: mixed ? [mixed] : [] };
}
