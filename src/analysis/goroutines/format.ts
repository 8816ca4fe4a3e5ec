/** Text reports of grouped goroutine dumps and their diffs, for the command line and logs. */
import { formatCount } from '../../shared/units.js';
import { IDLE_GROWTH, IDLE_MANY, type BlockKind, type GoroutineDiff, type GoroutineDump, type GoroutineGroup, type GroupChange, type IdleWaitKind, type StackFrame } from './model.js';

/** Options of the text reports. */
export interface TextReportOptions {
  /** Show at most this many groups (0 = all). @default 0 */
  maxGroups?: number;
  /** Show at most this many frames of each group, innermost first. @default 8 */
  maxFrames?: number;
}

const frameText = (f: StackFrame): string => (f.file ? `${f.function}  ${f.file}:${f.line}` : f.function);

/**
 * What `!` (a suspicious group, see `GoroutineGroup.suspicious`) marks, in the dump's format, for the summary line
 * and the inspector. It says exactly what the parser decides: blocked in one of the wait states, except the main
 * goroutine and the waits a program has by design, however long they wait: a listener's Accept loop, the signal
 * loop, idle HTTP connections of a server or a client pool — unless those are too many or grew too much, as
 * connections never closed do. A debug=1 dump prints no states, and Go leaves the runtime's frames out of it, so
 * only the waits its top frame shows (IO, a lock, sleep) are known. No parentheses: the CLI's summary line puts
 * this legend in a pair of its own.
 */
export function suspiciousLegend(format: GoroutineDump['format']): string {
  const byDesign =
    "not main, nor what waits by design: a listener's Accept, the signal loop, an idle HTTP connection of a server or a client pool, " +
    `unless more than ${IDLE_MANY} in one stack or ${IDLE_GROWTH} or more new since the base`;
  return format === 'debug=2'
    ? `blocked on a channel, select, lock, IO or sleep; ${byDesign}`
    : `blocked on IO, a lock or sleep as the top frame shows; ${byDesign}; debug=1 has no states, so channel and select waits go unseen: use ?debug=2`;
}

/**
 * What `!!` counts, in words that cannot be read as each goroutine's own wait: the goroutines of the suspicious
 * groups of which some member has waited at least `longWaitMinutes` ("651 of them in stacks where some have waited
 * ≥ 3 min"; of those 651, fewer may have waited that long themselves). Null for a debug=1 dump (it has no waits).
 */
export function longWaitSummary(dump: Pick<GoroutineDump, 'format' | 'groups' | 'longWaitMinutes'>): string | null {
  if (dump.format !== 'debug=2') return null;
  const long = dump.groups.filter((g) => g.suspicious && g.longWait).reduce((s, g) => s + g.count, 0);
  return `${formatCount(long)} of them in stacks where some have waited ≥ ${dump.longWaitMinutes} min`;
}

/**
 * A wait kind in the words of Go's own states, as a debug=2 dump prints them ("IO wait", "chan receive"), so a
 * wait guessed from a debug=1 dump's top frame reads like the same wait read from a debug=2 state. Lock waits
 * have several states (`semacquire`, and since Go 1.20 `sync.Mutex.Lock`, `sync.Cond.Wait`, …): the generic one.
 */
export const BLOCK_KIND_STATE: Readonly<Record<BlockKind, string>> = {
  'chan-receive': 'chan receive',
  'chan-send': 'chan send',
  select: 'select',
  lock: 'semacquire',
  'io-wait': 'IO wait',
  sleep: 'sleep',
};

/**
 * A group's state in one wording for both dump forms: its states as the dump prints them (debug=2: "chan receive",
 * or "select (3), IO wait (1)"), else the wait its top frame shows (debug=1: "IO wait (from the top frame)"), else null.
 */
export function groupStateText(g: Pick<GoroutineGroup, 'states' | 'blockedOn'>, options: { first?: boolean } = {}): string | null {
  if (g.states.length) {
    const states = options.first ? g.states.slice(0, 1) : g.states;
    return states.map((s) => (g.states.length === 1 || options.first ? s.state : `${s.state} (${formatCount(s.count)})`)).join(', ');
  }
  return g.blockedOn ? `${BLOCK_KIND_STATE[g.blockedOn]} (from the top frame)` : null;
}

/** What each wait by design is, for one goroutine (`one`) and for a flagged pile of them (`many`). */
const IDLE_WAIT_WORDS: Readonly<Record<IdleWaitKind, { one: string; many: string }>> = {
  listener: { one: "a listener's Accept", many: 'listeners in Accept' },
  signal: { one: 'the signal loop', many: 'signal loops' },
  'http-server-conn': { one: 'HTTP keep-alive connection, waiting for its next request', many: 'idle HTTP connections' },
  'http-client-conn': { one: 'HTTP client connection, idle in its pool', many: 'idle HTTP client connections' },
};

/**
 * What a group that waits by design is, in the words of the command line, the inspector and the reports: "idle by
 * design: HTTP keep-alive connection, waiting for its next request"; or, when it is flagged anyway, why: "idle
 * HTTP connections: 312, more than 100", "idle HTTP connections: 40, grew by 32". Null for any other group.
 */
export function idleWaitText(g: Pick<GoroutineGroup, 'idleWait' | 'idleGrowth' | 'suspicious' | 'count'>): string | null {
  if (g.idleWait === null) return null;
  const words = IDLE_WAIT_WORDS[g.idleWait];
  if (!g.suspicious) return `idle by design: ${words.one}`;
  const why = [g.count > IDLE_MANY ? `more than ${IDLE_MANY}` : null, g.idleGrowth !== null ? `grew by ${formatCount(g.idleGrowth)}` : null].filter((x) => x !== null);
  return `${words.many}: ${formatCount(g.count)}${why.length ? `, ${why.join(', ')}` : ''}`;
}

/** `!!` suspicious and waiting long, `! ` suspicious, blank otherwise. */
function marker(g: GoroutineGroup): string {
  return g.suspicious ? (g.longWait ? '!!' : '! ') : '  ';
}

/**
 * A wait range in whole minutes as a dump gives it, the one wording of the command line, the reports and the
 * inspector: "3 min", "3–7 min", "up to 7 min"; null when no member's wait was timed (0). Go prints a wait only
 * from a minute on, and counts it only from the first garbage collection after the goroutine began waiting (a GC
 * at least every 2 minutes), so a header without minutes does not say the wait was under a minute: nothing is said
 * of it, and a range from 0 reads "up to" its end.
 */
export function formatWaitMinutes(minWaitMinutes: number, maxWaitMinutes: number): string | null {
  if (maxWaitMinutes === 0) return null;
  if (minWaitMinutes === maxWaitMinutes) return `${maxWaitMinutes} min`;
  return minWaitMinutes === 0 ? `up to ${maxWaitMinutes} min` : `${minWaitMinutes}–${maxWaitMinutes} min`;
}

/**
 * How long a group's goroutines have waited ({@link formatWaitMinutes}), or null when that says nothing: a debug=1
 * dump (no waits), a group not blocked (running, runnable), or one whose waits Go has not timed or put at a minute yet.
 */
export function groupWaitText(g: Pick<GoroutineGroup, 'minWaitMinutes' | 'maxWaitMinutes' | 'blockedOn'>): string | null {
  if (g.maxWaitMinutes === null) return null;
  return formatWaitMinutes(g.minWaitMinutes ?? 0, g.maxWaitMinutes);
}

/** Frames of the Go runtime and the standard library's waiting machinery, passed over when naming a group. */
const WAIT_MACHINERY = ['runtime.', 'runtime/internal/', 'internal/', 'sync.', 'time.'];

/** A frame of the runtime or the library's waiting machinery (`runtime.gopark`, `internal/poll.runtime_pollWait`, `sync.(*Mutex).Lock`). */
export function isWaitMachinery(fn: string): boolean {
  return WAIT_MACHINERY.some((p) => fn.startsWith(p));
}

/**
 * The one name of a goroutine group, for the inspector, the reports and the command line alike: its innermost frame
 * outside the Go runtime and the library's waiting machinery (where the program's own code, or the library call it
 * made, waits: `main.waitForever`, `net.(*netFD).Read`), else its innermost frame, else "(no stack)". `functions`
 * are the stack's function names, innermost first.
 */
export function goroutineGroupName(functions: readonly string[]): string {
  return functions.find((f) => !isWaitMachinery(f)) ?? functions[0] ?? '(no stack)';
}

/** {@link goroutineGroupName} of a group. */
export function groupName(g: Pick<GoroutineGroup, 'frames'>): string {
  return goroutineGroupName(g.frames.map((f) => f.function));
}

/** "1 more frame", "2 more frames": what a report left out, singular for one. */
function moreOf(n: number, noun: string): string {
  return `${formatCount(n)} more ${noun}${n === 1 ? '' : 's'}`;
}

function groupLines(g: GoroutineGroup, lead: string, maxFrames: number): string[] {
  const facts: string[] = [lead];
  const state = groupStateText(g);
  if (state) facts.push(state);
  const wait = groupWaitText(g);
  if (wait) facts.push(`waiting ${wait}`);
  if (g.lockedToThread) facts.push(`${formatCount(g.lockedToThread)} locked to thread`);
  const idle = idleWaitText(g);
  if (idle) facts.push(idle);
  facts.push(`key ${g.key}`);
  const lines = [`${marker(g)} ${facts.join(' · ')}`];
  if (g.createdBy.length) {
    const shown = g.createdBy.slice(0, 3).map((c) => (g.createdBy.length === 1 ? `${c.function} at ${c.file}:${c.line}` : `${c.function} (${formatCount(c.count)})`));
    lines.push(`     created by ${shown.join(', ')}${g.createdBy.length > 3 ? `, +${g.createdBy.length - 3} more` : ''}`);
  }
  if (g.labels.length) lines.push(`     labels ${g.labels.slice(0, 3).map((l) => `${l.labels} (${formatCount(l.count)})`).join(', ')}`);
  const frames = maxFrames > 0 ? g.frames.slice(0, maxFrames) : g.frames;
  for (const f of frames) lines.push(`       ${frameText(f)}`);
  if (frames.length < g.frames.length) lines.push(`       … ${moreOf(g.frames.length - frames.length, 'frame')}`);
  if (g.framesElided) lines.push('       …frames elided by the Go runtime');
  return lines;
}

/** The groups of a dump, largest first: count, states, wait range, creator, top frames; `!` marks a suspicious group. */
export function formatGoroutineDumpText(dump: GoroutineDump, options: TextReportOptions = {}): string {
  const maxFrames = options.maxFrames ?? 8;
  const groups = options.maxGroups ? dump.groups.slice(0, options.maxGroups) : dump.groups;
  const long = longWaitSummary(dump);
  const out = [
    `${formatCount(dump.total)} goroutines in ${formatCount(dump.groups.length)} stacks (${dump.format}); ` +
      `${formatCount(dump.suspiciousTotal)} in suspicious stacks (!: ${suspiciousLegend(dump.format)})` +
      (long ? `, ${long} (!!)` : ''),
    ...dump.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  for (const g of groups) out.push(...groupLines(g, `${formatCount(g.count)} goroutine${g.count === 1 ? '' : 's'} in ${groupName(g)}`, maxFrames), '');
  if (groups.length < dump.groups.length) out.push(`… ${moreOf(dump.groups.length - groups.length, 'stack')}`, '');
  return out.join('\n');
}

const signed = (n: number): string => (n > 0 ? `+${formatCount(n)}` : formatCount(n));

/** What changed between two dumps: the groups that grew (new ones marked), then those that shrank or are gone. */
export function formatGoroutineDiffText(diff: GoroutineDiff, options: TextReportOptions = {}): string {
  const maxFrames = options.maxFrames ?? 4;
  const limit = (xs: GroupChange[]): GroupChange[] => (options.maxGroups ? xs.slice(0, options.maxGroups) : xs);
  const out = [
    `goroutines ${formatCount(diff.baseTotal)} → ${formatCount(diff.total)} (${signed(diff.delta)}); ` +
      `${diff.grew.length} ${diff.grew.length === 1 ? 'stack' : 'stacks'} grew (${diff.added.length} new), ${diff.shrank.length} shrank, ${diff.removed.length} gone, ${diff.unchangedGroups} unchanged`,
    ...diff.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  const section = (title: string, xs: GroupChange[]): void => {
    if (!xs.length) return;
    out.push(`${title}:`, '');
    for (const c of limit(xs)) {
      const lead = `${signed(c.delta)} (${formatCount(c.baseCount)} → ${formatCount(c.count)})${c.status === 'new' ? ' new' : ''} in ${groupName(c.group)}`;
      out.push(...groupLines(c.group, lead, maxFrames), '');
    }
    if (options.maxGroups && xs.length > options.maxGroups) out.push(`… ${xs.length - options.maxGroups} more`, '');
  };
  section('Grew', diff.grew);
  section('Shrank', diff.shrank);
  section('Gone', diff.removed);
  if (!diff.grew.length && !diff.shrank.length && !diff.removed.length) out.push('No stack changed.', '');
  return out.join('\n');
}
