/** The goroutine-dump model: goroutines grouped by stack, with their states, wait ages and creators; plain JSON, no formats, no I/O. */

/** One frame of a stack, as the dump prints it. */
export interface StackFrame {
  /** Fully qualified function name without arguments, e.g. `net/http.(*conn).serve`. */
  function: string;
  /** Source file path as the binary recorded it; empty when the dump gives none. */
  file: string;
  /** Source line; 0 when the dump gives none. */
  line: number;
}

/** What a blocked goroutine waits on, the states a person hunting a leak looks for. */
export const BLOCK_KINDS = ['chan-receive', 'chan-send', 'select', 'lock', 'io-wait', 'sleep'] as const;
/**
 * `chan-receive` / `chan-send` (including on a nil channel), `select`, `lock` (semacquire, sync.Mutex,
 * sync.RWMutex, sync.Cond, sync.WaitGroup), `io-wait` (netpoll), `sleep` (time.Sleep).
 */
export type BlockKind = (typeof BLOCK_KINDS)[number];

/**
 * The waits a program has by design, matched on a stack's frames (the list, and why each is there: `IDLE_WAITS`
 * in parse.ts): a listener's accept loop, the signal loop, a server's keep-alive connection waiting for its next
 * request, a client's pooled connection waiting for its next use.
 */
export const IDLE_WAIT_KINDS = ['listener', 'signal', 'http-server-conn', 'http-client-conn'] as const;
export type IdleWaitKind = (typeof IDLE_WAIT_KINDS)[number];

/** How many goroutines of a group are in one state. */
export interface StateCount {
  /** The state as the dump prints it: `chan receive`, `select`, `IO wait`, `running`, … */
  state: string;
  count: number;
}

/** How many goroutines of a group one `go` statement started. */
export interface CreatorCount {
  /** The function holding the `go` statement (`created by F`). */
  function: string;
  /** Where the `go` statement is. */
  file: string;
  line: number;
  count: number;
}

/** How many goroutines of a group carry one set of pprof labels. */
export interface LabelCount {
  /** The labels as the dump prints them, e.g. `{"handler":"/api"}`; see {@link parseLabels}. */
  labels: string;
  count: number;
}

/** Goroutines whose stacks are the same (functions and file:line; arguments and goroutine ids ignored). */
export interface GoroutineGroup {
  /**
   * Stable key of the stack: 16 hex digits hashed from its frames' `function file:line`, leaving out the
   * runtime's own unexported frames (which debug=2 hides and debug=1 shows), so the same stack has the
   * same key in a debug=1 and a debug=2 dump, and in two dumps of the same binary taken at different times.
   */
  key: string;
  /** How many goroutines share the stack. */
  count: number;
  /** The stack, innermost (where it waits) first; the first member's frames as printed. */
  frames: StackFrame[];
  /** The innermost frame, or null for an empty stack. */
  topFrame: StackFrame | null;
  /** The dump left out frames of this stack (`...additional frames elided...`). */
  framesElided: boolean;
  /** States of the members, most common first; empty for a debug=1 dump (it has none). */
  states: StateCount[];
  /** Shortest wait of a member in whole minutes (Go prints none under a minute: 0); null for debug=1. */
  minWaitMinutes: number | null;
  /** Longest wait of a member in whole minutes; null for debug=1. */
  maxWaitMinutes: number | null;
  /** Where the members were started, most common first; empty when the dump does not say (debug=1, main). */
  createdBy: CreatorCount[];
  /** The function that started most members, or null. */
  creator: string | null;
  /** Members locked to their OS thread (runtime.LockOSThread). */
  lockedToThread: number;
  /** pprof labels of the members, most common first; empty when none. */
  labels: LabelCount[];
  /** Goroutine ids of the members in dump order; empty for debug=1 (it has no ids). */
  goroutineIds: number[];
  /** What the group waits on: from its most common state (debug=2), or guessed from the top frame (debug=1); null when not blocked or unknown. */
  blockedOn: BlockKind | null;
  /** The wait by design the group's stack is in ({@link IdleWaitKind}, matched on its frames), or null. */
  idleWait: IdleWaitKind | null;
  /**
   * How much an idle-by-design group grew since a base dump, when that growth makes it suspicious (see
   * {@link IDLE_GROWTH}); null otherwise, and always null in a dump judged alone (`judgeAgainstBase` sets it).
   */
  idleGrowth: number | null;
  /**
   * Blocked in one of {@link BLOCK_KINDS}, and not the main goroutine nor a wait by design ({@link idleWait}) —
   * unless those idle goroutines are more than {@link IDLE_MANY} or grew by {@link IDLE_GROWTH} or more since a
   * base dump: the groups a person hunting a goroutine leak looks at first.
   */
  suspicious: boolean;
  /** Some member has waited at least `longWaitMinutes`. */
  longWait: boolean;
}

/** One goroutine of a debug=2 dump (only kept when asked: `keepGoroutines`). */
export interface GoroutineInfo {
  id: number;
  state: string;
  waitMinutes: number;
  lockedToThread: boolean;
  /** Function of the `go` statement that started it, or null (main, or not printed). */
  createdBy: string | null;
  /** The goroutine that started it (Go 1.21+ `created by F in goroutine K`), or null. */
  createdByGoroutineId: number | null;
  /** pprof labels as printed (Go 1.26+ with GODEBUG=tracebacklabels=1), or null. */
  labels: string | null;
  /** Key of its group. */
  groupKey: string;
}

/** A goroutine dump, grouped. */
export interface GoroutineDump {
  /** `debug=2`: one block per goroutine, with states; `debug=1`: one record per stack, with counts. */
  format: 'debug=1' | 'debug=2';
  /** Goroutines in the dump (debug=1: its `total` line). */
  total: number;
  /** Groups, largest first (then suspicious first, then longest wait, then key). */
  groups: GoroutineGroup[];
  /** Goroutines in suspicious groups. */
  suspiciousTotal: number;
  /** The line `longWait` was judged by, in minutes. */
  longWaitMinutes: number;
  /** Every goroutine (debug=2 with `keepGoroutines` only). */
  goroutines?: GoroutineInfo[];
  /** Things the parser noticed but read past (a total that does not add up, lines it could not place). */
  warnings: string[];
}

/** Options of the parsers. */
export interface GroupOptions {
  /** A group is `longWait` when a member has waited at least this many minutes. @default 10 */
  longWaitMinutes?: number;
  /** Keep one {@link GoroutineInfo} per goroutine of a debug=2 dump. @default false */
  keepGoroutines?: boolean;
}

/**
 * Idle-by-design goroutines are one per listener, open connection or process, so their count follows the program's
 * connections, not its age, and they wait for minutes by nature: long waits say nothing. Their count does say
 * something: connections never closed (a client that never closes, a server with no IdleTimeout, response bodies
 * left open, a Transport made per request) pile up as these very stacks. A program's own clients and the default
 * client pool (Transport.MaxIdleConns is 100) keep tens of them, so more than 100 in one stack is flagged.
 */
export const IDLE_MANY = 100;

/**
 * Against a base dump, an idle-by-design group that grew by this many or more is flagged. Connections come and go
 * between two dumps (a client reconnects, a browser opens six), so a few more is no sign; ten more kept open is
 * worth a look, and a leak of connections grows by far more than that between two captures.
 */
export const IDLE_GROWTH = 10;

/** The default of {@link GroupOptions.longWaitMinutes}. */
export const DEFAULT_LONG_WAIT_MINUTES = 10;

/** How one group changed between two dumps. */
export interface GroupChange {
  key: string;
  /** `new`: only in the later dump; `gone`: only in the base; else by the sign of `delta`. */
  status: 'new' | 'gone' | 'grew' | 'shrank' | 'same';
  baseCount: number;
  count: number;
  /** `count - baseCount`. */
  delta: number;
  /** The group as the later dump has it (the base's for `gone`). */
  group: GoroutineGroup;
}

/** What changed between two dumps, by group. */
export interface GoroutineDiff {
  baseTotal: number;
  total: number;
  /** `total - baseTotal`. */
  delta: number;
  /** Groups that grew, new ones included, largest growth first: how a goroutine leak shows itself. */
  grew: GroupChange[];
  /** Groups only in the later dump, largest first. */
  added: GroupChange[];
  /** Groups only in the base, largest first. */
  removed: GroupChange[];
  /** Groups in both that shrank, largest drop first. */
  shrank: GroupChange[];
  /** Groups in both with the same count. */
  unchangedGroups: number;
  /** What to know before reading the changes: the two dumps are of different forms (debug=1 and debug=2). */
  warnings: string[];
}
