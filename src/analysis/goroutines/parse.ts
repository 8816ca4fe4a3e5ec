/**
 * Reads goroutine dumps — `/debug/pprof/goroutine?debug=2` (one block per goroutine) and `?debug=1`
 * (one record per stack) — into groups of identical stacks, in one pass over the text.
 *
 * Speed matters: a dump of 100,000 goroutines is tens of megabytes. So the text is walked line by line
 * with indexOf and charCodeAt (no regex per line), each goroutine's stack is reduced to one key string
 * as it is read (no frame objects per goroutine), and frames are built once per group, from the text
 * range of the group's first member.
 */
import { LeakbarError } from '../../shared/errors.js';
import {
  DEFAULT_LONG_WAIT_MINUTES,
  IDLE_MANY,
  type BlockKind,
  type CreatorCount,
  type GoroutineDump,
  type GoroutineGroup,
  type GoroutineInfo,
  type GroupOptions,
  type IdleWaitKind,
  type LabelCount,
  type StackFrame,
  type StateCount,
} from './model.js';

const TAB = 9;
const CR = 13;
const SPACE = 32;
const HASH = 35;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const PAREN_OPEN = 40;
const PAREN_CLOSE = 41;
const BRACKET_OPEN = 91;
const BRACKET_CLOSE = 93;
const BRACE_OPEN = 123;
const LOWER_C = 99;
const LOWER_G = 103;

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** A group while the dump is being read. */
interface GroupAcc {
  /** The stack's identity from {@link StackInterner.stack}. */
  stackKey: string;
  /** Text range of the first member's frame lines, to build `frames` once at the end. */
  frameStart: number;
  frameEnd: number;
  count: number;
  states: Tally;
  minWaitMinutes: number;
  maxWaitMinutes: number;
  /** By `function\nfile:line` of the `go` statement. */
  creators: Tally;
  lockedToThread: number;
  labels: Tally;
  ids: number[];
  elided: boolean;
}

/** Counts of strings that makes no Map while there is one string only (most groups have one state, one creator, no labels). */
class Tally {
  private first: string | null = null;
  private firstCount = 0;
  private more: Map<string, number> | null = null;

  add(key: string, n: number): void {
    if (this.more !== null) this.more.set(key, (this.more.get(key) ?? 0) + n);
    else if (this.first === null || this.first === key) {
      this.first = key;
      this.firstCount += n;
    } else this.more = new Map([[this.first, this.firstCount], [key, n]]);
  }

  /** The strings and their counts, most first, then by string. */
  sorted(): Array<[string, number]> {
    if (this.more === null) return this.first === null ? [] : [[this.first, this.firstCount]];
    return [...this.more].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

function newAcc(stackKey: string, frameStart: number, frameEnd: number, elided: boolean): GroupAcc {
  return {
    stackKey,
    frameStart,
    frameEnd,
    count: 0,
    states: new Tally(),
    minWaitMinutes: Infinity,
    maxWaitMinutes: -Infinity,
    creators: new Tally(),
    lockedToThread: 0,
    labels: new Tally(),
    ids: [],
    elided,
  };
}

/** The text one frame contributes to a stack's stable key: `function file:line\n`. */
const frameText = (fn: string, loc: string): string => `${fn} ${loc}\n`;
/** Stands for `...frames elided...` in a stack's identity (a function no frame has, at no location). */
const ELIDED_FUNCTION = '...';

/** An interned frame; `next` chains frames at the same location. */
interface FrameEntry {
  fn: string;
  /** The frame's id as the two UTF-16 units it adds to a stack identity. */
  unit: string;
  next: FrameEntry | undefined;
  /** The frame as an object, made when a group first needs it. */
  frame: StackFrame | undefined;
}

/**
 * Interns frames while a dump is read, and builds each goroutine's stack identity from frame ids: two
 * UTF-16 units per frame, so the group map is keyed by short strings, and the stable key (a hash of the
 * frames' text) is worked out once per distinct frame and once per group, not once per goroutine.
 */
class StackInterner {
  /** Frames by location, then function (one line seldom holds two functions, so the list is nearly always one long). */
  private readonly byLocation = new Map<string, FrameEntry>();
  private readonly hash1: number[] = [];
  private readonly hash2: number[] = [];
  /** The stack so far, without the runtime's hidden frames. */
  key = '';
  /** The stack so far with them, kept from the first hidden frame on (null until then). */
  keyAll: string | null = null;

  reset(): void {
    this.key = '';
    this.keyAll = null;
  }

  /** Adds the frame whose function is text[fnStart, fnEnd) and whose `file:line` is `loc` (no function string is made when the frame is known). */
  addAt(text: string, fnStart: number, fnEnd: number, loc: string, hidden: boolean): void {
    this.push(this.entryAt(text, fnStart, fnEnd, loc).unit, hidden);
  }

  /** Adds the frame `fn` at `loc`. */
  add(fn: string, loc: string, hidden: boolean): void {
    this.push(this.entry(fn, loc).unit, hidden);
  }

  /** The frame text[fnStart, fnEnd) at `loc` as an object, one per distinct frame of the dump (groups share them). */
  frameAt(text: string, fnStart: number, fnEnd: number, loc: string): StackFrame {
    const e = this.entryAt(text, fnStart, fnEnd, loc);
    return (e.frame ??= { function: e.fn, ...splitLocation(loc) });
  }

  /** The frame `fn` at `loc` as an object, one per distinct frame. */
  frame(fn: string, loc: string): StackFrame {
    const e = this.entry(fn, loc);
    return (e.frame ??= { function: e.fn, ...splitLocation(loc) });
  }

  private entryAt(text: string, fnStart: number, fnEnd: number, loc: string): FrameEntry {
    const first = this.byLocation.get(loc);
    let e = first;
    while (e !== undefined && !(e.fn.length === fnEnd - fnStart && text.startsWith(e.fn, fnStart))) e = e.next;
    return e ?? this.intern(text.slice(fnStart, fnEnd), loc, first);
  }

  private entry(fn: string, loc: string): FrameEntry {
    const first = this.byLocation.get(loc);
    let e = first;
    while (e !== undefined && e.fn !== fn) e = e.next;
    return e ?? this.intern(fn, loc, first);
  }

  private intern(fn: string, loc: string, first: FrameEntry | undefined): FrameEntry {
    const id = this.hash1.length;
    const entry: FrameEntry = { fn, unit: String.fromCharCode(id & 0xffff, id >>> 16), next: first, frame: undefined };
    this.byLocation.set(loc, entry);
    const t = frameText(fn, loc);
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.hash1.push(h1);
    this.hash2.push(h2);
    return entry;
  }

  private push(unit: string, hidden: boolean): void {
    if (hidden) {
      this.keyAll = (this.keyAll ?? this.key) + unit;
    } else {
      this.key += unit;
      if (this.keyAll !== null) this.keyAll += unit;
    }
  }

  /** The finished stack's identity: without hidden frames, unless it has nothing else. */
  stack(): string {
    return this.key === '' && this.keyAll !== null ? this.keyAll : this.key;
  }

  /** The stable 16-hex-digit key of a finished stack identity. */
  stableKey(stack: string): string {
    let h1 = 0x2545f491;
    let h2 = 0x5bd1e995;
    for (let i = 0; i < stack.length; i += 2) {
      const id = stack.charCodeAt(i) | (stack.charCodeAt(i + 1) << 16);
      // Each frame's two lanes folded into the stack's, in order.
      h1 = Math.imul(h1 ^ this.hash1[id]!, 0xcc9e2d51);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 ^ this.hash2[id]!, 0x1b873593);
      h2 ^= h2 >>> 13;
    }
    return finishKey(h1, h2, stack.length / 2);
  }
}

/** The last mixing of a stack's two hash lanes, as 16 hex digits. */
function finishKey(h1: number, h2: number, frames: number): string {
  h1 = Math.imul(h1 ^ frames, 0x85ebca6b);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The stable key of a stack given as frames (innermost first): the key a dump's group with these frames
 * has, so stacks from elsewhere (a protobuf goroutine profile, a stored capture) can be matched with
 * dump groups. The runtime's unexported frames are left out as the parsers leave them out. Pass
 * `framesElided` for a stack whose dump cut frames at its end (Go ≤ 1.20's `...additional frames elided...`).
 */
export function goroutineStackKey(frames: readonly StackFrame[], framesElided = false): string {
  const shown: Array<[string, string]> = [];
  const all: Array<[string, string]> = [];
  for (const f of frames) {
    const frame: [string, string] = [f.function, f.file === '' && f.line === 0 ? '' : `${f.file}:${f.line}`];
    all.push(frame);
    if (!isHiddenRuntimeFunction(f.function, 0, f.function.length)) shown.push(frame);
  }
  const chosen = shown.length === 0 && all.length > 0 ? all : shown;
  if (framesElided) chosen.push([ELIDED_FUNCTION, '']);
  const interner = new StackInterner();
  for (const [fn, loc] of chosen) interner.add(fn, loc, false);
  return interner.stableKey(interner.stack());
}

/** A control character text never holds (NUL, or below space other than tab, newline, vertical tab, form feed, carriage return). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && (c < 0x09 || c > 0x0d)) return true;
  }
  return false;
}

/**
 * Detects which text format a goroutine dump is in.
 *
 * @throws LeakbarError `empty-profile` for an empty body; `not-a-profile` for a protobuf (binary) profile,
 * an HTML page, a heap profile, or text with no goroutine in it. Each says what to fetch instead.
 */
export function detectGoroutineFormat(text: string): 'debug=1' | 'debug=2' {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const head = text.slice(start, start + 512);
  if (head.trim() === '' && text.trim() === '') {
    throw new LeakbarError('empty-profile', 'the goroutine dump is empty', { hint: 'fetch /debug/pprof/goroutine?debug=2 from a running Go program' });
  }
  // pprof serves its protobuf profiles gzip'd (magic 1f 8b, whose 8b decodes as U+FFFD).
  if (head.charCodeAt(0) === 0x1f && head.charCodeAt(1) === 0xfffd) {
    throw new LeakbarError('not-a-profile', 'this is a gzip file (likely a protobuf goroutine profile), not a text dump', {
      hint: 'ask for the text form: /debug/pprof/goroutine?debug=2 (or ?debug=1), or open the protobuf with `leakbar profile top`',
    });
  }
  if (head.includes('\ufffd') || hasControlCharacter(head)) {
    throw new LeakbarError('not-a-profile', 'this is binary data, not a goroutine dump', {
      hint: 'fetch /debug/pprof/goroutine?debug=2 (or ?debug=1) from a running Go program',
    });
  }
  const first = head.trimStart();
  if (first.startsWith('<')) {
    throw new LeakbarError('not-a-profile', 'this is an HTML page, not a goroutine dump', {
      hint: 'ask the pprof endpoint for /debug/pprof/goroutine?debug=2, not its index page',
    });
  }
  if (first.startsWith('goroutine profile:')) return 'debug=1';
  if (/^goroutine \d+\b[^\n]*\[/m.test(text)) return 'debug=2';
  if (/^goroutine profile: total \d+/m.test(text)) return 'debug=1';
  if (first.startsWith('heap profile:')) {
    throw new LeakbarError('not-a-profile', 'this is a heap profile, not a goroutine dump', { hint: 'fetch /debug/pprof/goroutine?debug=2' });
  }
  throw new LeakbarError('not-a-profile', 'no goroutine found in the text', {
    hint: 'expected `goroutine N [state]:` blocks (/debug/pprof/goroutine?debug=2) or `goroutine profile: total N` (?debug=1)',
  });
}

/**
 * Parses a goroutine dump in either text format (detected) and groups its goroutines by stack.
 *
 * @throws LeakbarError (see {@link detectGoroutineFormat}); never anything else.
 */
export function parseGoroutineDump(text: string, options: GroupOptions = {}): GoroutineDump {
  return detectGoroutineFormat(text) === 'debug=1' ? parseGoroutineDebug1(text, options) : parseGoroutineDebug2(text, options);
}

/** True when the function at text[start, end) is one the runtime hides from debug=2 tracebacks (unexported `runtime.` names). */
function isHiddenRuntimeFunction(text: string, start: number, end: number): boolean {
  if (end - start < 9 || !text.startsWith('runtime.', start)) return false;
  const c = text.charCodeAt(start + 8);
  // runtime/traceback.go showfuncinfo: shown only when `isExportedRuntime(name)`.
  return !(c >= 65 && c <= 90);
}

/** End of the `file:line` part of a location starting at `start` and ending at `end` (before ` +0x…`, ` fp=…`). */
function locationEnd(text: string, start: number, end: number): number {
  let i = end - 1;
  while (i >= start && text.charCodeAt(i) !== COLON) i--;
  if (i < start) {
    // No colon: the location has no line number; drop a trailing ` +0x…` if there is one (searched in the line only).
    const sp = text.slice(start, end).indexOf(' +0x');
    return sp >= 0 ? start + sp : end;
  }
  let j = i + 1;
  while (j < end && isDigit(text.charCodeAt(j))) j++;
  return j === i + 1 ? end : j;
}

/** Splits `file:line` into its parts (line 0 when missing). */
function splitLocation(loc: string): { file: string; line: number } {
  const colon = loc.lastIndexOf(':');
  if (colon < 0) return { file: loc, line: 0 };
  const line = Number(loc.slice(colon + 1));
  return Number.isInteger(line) && colon + 1 < loc.length ? { file: loc.slice(0, colon), line } : { file: loc, line: 0 };
}

/** End of a function name on a debug=2 function line: before its argument list `(…)`. */
function functionEnd(text: string, start: number, end: number): number {
  if (end <= start || text.charCodeAt(end - 1) !== PAREN_CLOSE) return end;
  for (let i = end - 2; i > start; i--) if (text.charCodeAt(i) === PAREN_OPEN) return i;
  return end;
}

/** The header of one debug=2 goroutine: `goroutine N [state, M minutes, locked to thread]:`. */
interface Header {
  id: number;
  state: string;
  waitMinutes: number;
  locked: boolean;
  labels: string | null;
}

/**
 * Reads a header line at text[pos, end), or returns null when it is not one.
 *
 * runtime/traceback.go goroutineheader prints `goroutine ID [STATUS` then `, N minutes` when waiting a minute
 * or more, `, locked to thread`, (1.24+) `, synctest bubble N`, (1.26+ with GODEBUG=tracebacklabels=1)
 * `, labels:{…}`, then `]:`. With GOTRACEBACK=system or in a crash, `gp=… m=… mp=…` come between the id and `[`.
 */
function readHeader(text: string, pos: number, end: number): Header | null {
  let p = pos + 10;
  let id = 0;
  while (p < end && isDigit(text.charCodeAt(p))) id = id * 10 + (text.charCodeAt(p++) - ZERO);
  if (p === pos + 10) return null;
  let open = -1;
  for (let i = p; i < end; i++) {
    if (text.charCodeAt(i) === BRACKET_OPEN) {
      open = i;
      break;
    }
  }
  if (open < 0) return null;
  let close = -1;
  for (let i = end - 1; i > open; i--) {
    if (text.charCodeAt(i) === BRACKET_CLOSE) {
      close = i;
      break;
    }
  }
  const content = text.slice(open + 1, close < 0 ? end : close);
  let labels: string | null = null;
  if (close >= 0 && text.charCodeAt(close + 1) === BRACE_OPEN) {
    // The debug=3 form proposed in golang/go#74964: `[state]{labels}:`.
    const tail = text.slice(close + 1, end);
    const lastBrace = tail.lastIndexOf('}');
    if (lastBrace >= 0) labels = tail.slice(0, lastBrace + 1);
  }
  const comma = content.indexOf(', ');
  const state = comma < 0 ? content : content.slice(0, comma);
  let waitMinutes = 0;
  let locked = false;
  if (comma >= 0) {
    let rest = content.slice(comma + 2);
    while (rest.length > 0) {
      if (rest.startsWith('labels:')) {
        labels = rest.slice(7);
        break;
      }
      const next = rest.indexOf(', ');
      const part = next < 0 ? rest : rest.slice(0, next);
      if (part === 'locked to thread') locked = true;
      else if (part.endsWith(' minutes') || part.endsWith(' minute')) {
        const n = Number(part.slice(0, part.indexOf(' ')));
        if (Number.isInteger(n) && n >= 0) waitMinutes = n;
      }
      if (next < 0) break;
      rest = rest.slice(next + 2);
    }
  }
  return { id, state, waitMinutes, locked, labels };
}

/** What a goroutine in `state` waits on, or null when it is not blocked in one of the states leaks hide in. */
export function blockKindOfState(state: string): BlockKind | null {
  if (state.startsWith('chan receive')) return 'chan-receive';
  if (state.startsWith('chan send')) return 'chan-send';
  if (state.startsWith('select')) return 'select';
  // Before Go 1.20 every sync wait was `semacquire`; since, `sync.Mutex.Lock`, `sync.RWMutex.RLock`,
  // `sync.RWMutex.Lock`, `sync.Cond.Wait` (Go 1.25: `sync.WaitGroup.Wait`).
  if (state.startsWith('semacquire') || state.startsWith('sync.')) return 'lock';
  if (state.startsWith('IO wait')) return 'io-wait';
  if (state.startsWith('sleep')) return 'sleep';
  return null;
}

/** debug=1 prints no states; for the few top frames that say what the goroutine waits on, this says it. */
const TOP_FUNCTION_BLOCK: ReadonlyMap<string, BlockKind> = new Map<string, BlockKind>([
  ['time.Sleep', 'sleep'],
  ['internal/poll.runtime_pollWait', 'io-wait'],
  ['sync.runtime_Semacquire', 'lock'],
  ['sync.runtime_SemacquireMutex', 'lock'],
  ['sync.runtime_SemacquireRWMutex', 'lock'],
  ['sync.runtime_SemacquireRWMutexR', 'lock'],
  ['sync.runtime_SemacquireWaitGroup', 'lock'],
  ['sync.runtime_notifyListWait', 'lock'],
  ['runtime.chanrecv1', 'chan-receive'],
  ['runtime.chanrecv2', 'chan-receive'],
  ['runtime.chansend1', 'chan-send'],
  ['runtime.selectgo', 'select'],
  ['runtime.block', 'select'],
]);

/**
 * Parses `goroutine?debug=2` text (also what `runtime.Stack(buf, true)` and a crash print) and groups it.
 * Lines outside goroutine blocks (a panic message, `exit status 2`) are skipped.
 *
 * @throws LeakbarError `not-a-profile` when no goroutine is found; never anything else.
 */
export function parseGoroutineDebug2(text: string, options: GroupOptions = {}): GoroutineDump {
  const longWaitMinutes = options.longWaitMinutes ?? DEFAULT_LONG_WAIT_MINUTES;
  const keep = options.keepGoroutines ?? false;
  const groups = new Map<string, GroupAcc>();
  const kept: Array<Omit<GoroutineInfo, 'groupKey'> & { acc: GroupAcc }> = [];
  const warnings: string[] = [];
  // A dump cut short (a body broken off, a file cut) ends mid-line: that half line is left out. A last
  // line that is a whole location (`\tfile:line +0x…`) is kept: only its newline is missing.
  let n = text.length;
  let halfLine = false;
  if (n > 0 && text.charCodeAt(n - 1) !== 10) {
    const lastStart = text.lastIndexOf('\n') + 1;
    if (!/^\t.*:\d+ \+0x[0-9a-f]+\r?$/.test(text.slice(lastStart))) {
      n = lastStart;
      halfLine = true;
    }
  }
  let total = 0;

  // The goroutine being read.
  let header: Header | null = null;
  const stacks = new StackInterner();
  let fnStart = -1;
  let fnEnd = -1;
  let frameStart = -1;
  let frameEnd = -1;
  let creatorFn: string | null = null;
  let creatorGoroutineId: number | null = null;
  let creatorLoc = '';
  let inCreator = false;
  let inAncestors = false;
  let elided = false;
  // Where the frames ended before the function line being read (its location line not read yet).
  let frameEndBeforeFn = -1;

  const emitFrame = (locStart: number, locEnd: number): void => {
    stacks.addAt(text, fnStart, fnEnd, text.slice(locStart, locEnd), isHiddenRuntimeFunction(text, fnStart, fnEnd));
    fnStart = -1;
  };

  const finish = (): void => {
    if (header === null) return;
    if (fnStart >= 0) emitFrame(0, 0);
    const stackKey = stacks.stack();
    let acc = groups.get(stackKey);
    if (acc === undefined) {
      acc = newAcc(stackKey, frameStart, frameEnd, elided);
      groups.set(stackKey, acc);
    }
    acc.count++;
    total++;
    acc.states.add(header.state, 1);
    if (header.waitMinutes < acc.minWaitMinutes) acc.minWaitMinutes = header.waitMinutes;
    if (header.waitMinutes > acc.maxWaitMinutes) acc.maxWaitMinutes = header.waitMinutes;
    if (header.locked) acc.lockedToThread++;
    if (header.labels !== null) acc.labels.add(header.labels, 1);
    acc.ids.push(header.id);
    if (creatorFn !== null) acc.creators.add(`${creatorFn}\n${creatorLoc}`, 1);
    if (keep) {
      kept.push({
        id: header.id,
        state: header.state,
        waitMinutes: header.waitMinutes,
        lockedToThread: header.locked,
        createdBy: creatorFn,
        createdByGoroutineId: creatorGoroutineId,
        labels: header.labels,
        acc,
      });
    }
    header = null;
  };

  let pos = 0;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === CR) end--;
    const c0 = end > pos ? text.charCodeAt(pos) : -1;
    if (c0 === -1) {
      finish();
    } else if (c0 === LOWER_G && text.startsWith('goroutine ', pos) && isDigit(text.charCodeAt(pos + 10))) {
      const h = readHeader(text, pos, end);
      if (h !== null) {
        finish();
        header = h;
        stacks.reset();
        fnStart = -1;
        frameStart = nl + 1;
        frameEnd = nl + 1;
        creatorFn = null;
        creatorGoroutineId = null;
        creatorLoc = '';
        inCreator = false;
        inAncestors = false;
        elided = false;
      } else if (header !== null && !inAncestors && !inCreator) {
        if (fnStart >= 0) emitFrame(0, 0);
        fnStart = pos;
        fnEnd = functionEnd(text, pos, end);
        frameEndBeforeFn = frameEnd;
        frameEnd = nl;
      }
    } else if (header === null || inAncestors) {
      // Outside a goroutine block, or in `[originating from goroutine N]` ancestor stacks: not this goroutine's stack.
    } else if (c0 === TAB) {
      const locStart = pos + 1;
      if (inCreator) {
        creatorLoc = text.slice(locStart, locationEnd(text, locStart, end));
        inCreator = false;
      } else if (fnStart >= 0) {
        emitFrame(locStart, locationEnd(text, locStart, end));
        frameEnd = nl;
      }
      // Else a tab line with no function before it ("goroutine running on other thread; stack unavailable").
    } else if (c0 === LOWER_C && text.startsWith('created by ', pos)) {
      if (fnStart >= 0) emitFrame(0, 0);
      // Searched in the line alone: an unbounded indexOf would scan the rest of the dump for each goroutine of Go < 1.21.
      const line = text.slice(pos + 11, end);
      const inG = line.indexOf(' in goroutine ');
      if (inG >= 0) {
        creatorFn = line.slice(0, inG);
        const gid = Number(line.slice(inG + 14));
        creatorGoroutineId = Number.isInteger(gid) ? gid : null;
      } else {
        creatorFn = line;
        creatorGoroutineId = null;
      }
      inCreator = true;
    } else if (c0 === DOT && text.startsWith('...', pos)) {
      // `...additional frames elided...` (up to Go 1.20) or `...N frames elided...` (1.21+).
      if (fnStart >= 0) emitFrame(0, 0);
      elided = true;
      stacks.add(ELIDED_FUNCTION, '', false);
    } else if (c0 === BRACKET_OPEN && text.startsWith('[originating from goroutine', pos)) {
      if (fnStart >= 0) emitFrame(0, 0);
      inAncestors = true;
    } else if (!inCreator) {
      if (fnStart >= 0) emitFrame(0, 0);
      fnStart = pos;
      fnEnd = functionEnd(text, pos, end);
      frameEndBeforeFn = frameEnd;
      frameEnd = nl;
    }
    pos = nl + 1;
  }
  // The last record of a dump cut short lacks what follows its last whole line: a function without its
  // location, a creator without its location. Those are left out rather than counted as another frame or creator.
  if (header !== null && (halfLine || fnStart >= 0 || inCreator)) {
    const left: string[] = [];
    if (halfLine) left.push('its last line, cut in the middle');
    if (fnStart >= 0) {
      left.push(`the frame ${quoteFunction(text.slice(fnStart, fnEnd))}, which has no location`);
      fnStart = -1;
      frameEnd = frameEndBeforeFn;
    }
    if (inCreator) {
      left.push(`its creator ${quoteFunction(creatorFn ?? '')}, which has no location`);
      creatorFn = null;
      creatorGoroutineId = null;
    }
    warnings.push(`the dump is cut short: goroutine ${header.id}'s record ends mid-way (left out: ${left.join('; ')})`);
  } else if (halfLine) {
    warnings.push('the dump is cut short: its last line ends mid-way and was left out');
  }
  finish();
  if (total === 0) {
    throw new LeakbarError('not-a-profile', 'no goroutine found in the text', { hint: 'expected `goroutine N [state]:` blocks, as /debug/pprof/goroutine?debug=2 prints them' });
  }
  const byAcc = new Map<GroupAcc, GoroutineGroup>();
  for (const acc of groups.values()) {
    const frames = readDebug2Frames(text, acc.frameStart, acc.frameEnd, stacks);
    const states = acc.states.sorted().map(([state, count]): StateCount => ({ state, count }));
    byAcc.set(acc, finishGroup(acc, stacks.stableKey(acc.stackKey), frames, states, blockKindOfState(states[0]?.state ?? ''), acc.minWaitMinutes, acc.maxWaitMinutes, longWaitMinutes));
  }
  const dump = finishDump('debug=2', total, [...byAcc.values()], longWaitMinutes, warnings);
  if (keep) {
    dump.goroutines = kept.map(({ acc, ...g }) => ({ ...g, groupKey: byAcc.get(acc)!.key }));
  }
  return dump;
}

/** A function name for a warning, cut if long. */
function quoteFunction(name: string): string {
  return name.length > 80 ? `${name.slice(0, 77)}…` : name;
}

/** Builds the frames of one debug=2 stack from its text range (function line, then tab + location line). */
function readDebug2Frames(text: string, start: number, stop: number, stacks: StackInterner): StackFrame[] {
  const frames: StackFrame[] = [];
  let fnStart = -1;
  let fnEnd = -1;
  let pos = start;
  while (pos < stop) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > stop) nl = stop;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === CR) end--;
    if (end > pos) {
      const c0 = text.charCodeAt(pos);
      if (c0 === TAB) {
        if (fnStart >= 0) {
          frames.push(stacks.frameAt(text, fnStart, fnEnd, text.slice(pos + 1, locationEnd(text, pos + 1, end))));
          fnStart = -1;
        }
      } else if (c0 !== DOT || !text.startsWith('...', pos)) {
        if (fnStart >= 0) frames.push(stacks.frameAt(text, fnStart, fnEnd, ''));
        fnStart = pos;
        fnEnd = functionEnd(text, pos, end);
      }
    }
    pos = nl + 1;
  }
  if (fnStart >= 0) frames.push(stacks.frameAt(text, fnStart, fnEnd, ''));
  return frames;
}

/**
 * Parses `goroutine?debug=1` text: `goroutine profile: total N`, then per stack `COUNT @ 0x… 0x…`,
 * an optional `# labels: {…}`, and `#\t0xPC\tfunction+0xOFF\tfile:line` frame lines. Records with the
 * same frames but different labels become one group (their labels counted apart).
 *
 * @throws LeakbarError `not-a-profile` when there is no record; never anything else.
 */
export function parseGoroutineDebug1(text: string, options: GroupOptions = {}): GoroutineDump {
  const longWaitMinutes = options.longWaitMinutes ?? DEFAULT_LONG_WAIT_MINUTES;
  const groups = new Map<string, GroupAcc>();
  const warnings: string[] = [];
  const n = text.length;
  let headerTotal: number | null = null;
  let sum = 0;
  let records = 0;

  let inRecord = false;
  let count = 0;
  let labels: string | null = null;
  const stacks = new StackInterner();
  let frameStart = -1;
  let frameEnd = -1;

  const finish = (): void => {
    if (!inRecord) return;
    inRecord = false;
    records++;
    sum += count;
    const stackKey = stacks.stack();
    let acc = groups.get(stackKey);
    if (acc === undefined) {
      acc = newAcc(stackKey, frameStart, frameEnd, false);
      groups.set(stackKey, acc);
    }
    acc.count += count;
    if (labels !== null) acc.labels.add(labels, count);
  };

  let pos = 0;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === CR) end--;
    const c0 = end > pos ? text.charCodeAt(pos) : -1;
    if (c0 === -1) {
      finish();
    } else if (isDigit(c0)) {
      let p = pos;
      let c = 0;
      while (p < end && isDigit(text.charCodeAt(p))) c = c * 10 + (text.charCodeAt(p++) - ZERO);
      if (text.startsWith(' @', p)) {
        finish();
        inRecord = true;
        count = c;
        labels = null;
        stacks.reset();
        frameStart = nl + 1;
        frameEnd = nl + 1;
      }
    } else if (c0 === HASH && inRecord) {
      if (text.charCodeAt(pos + 1) === TAB) {
        const f = readDebug1Frame(text, pos, end);
        stacks.add(f.fn, f.loc, isHiddenRuntimeFunction(f.fn, 0, f.fn.length));
        frameEnd = nl;
      } else if (text.startsWith('# labels: ', pos)) {
        labels = text.slice(pos + 10, end);
      }
    } else if (c0 === LOWER_G && headerTotal === null && text.startsWith('goroutine profile: total ', pos)) {
      const t = Number(text.slice(pos + 25, end));
      if (Number.isInteger(t) && t >= 0) headerTotal = t;
    }
    pos = nl + 1;
  }
  finish();
  if (records === 0 && headerTotal === null) {
    throw new LeakbarError('not-a-profile', 'no goroutine record found in the text', { hint: 'expected `goroutine profile: total N` and `COUNT @ 0x…` records, as /debug/pprof/goroutine?debug=1 prints them' });
  }
  if (headerTotal !== null && headerTotal !== sum) warnings.push(`the dump says total ${headerTotal} but its records add up to ${sum}`);
  const out: GoroutineGroup[] = [];
  for (const acc of groups.values()) {
    const frames = readDebug1Frames(text, acc.frameStart, acc.frameEnd, stacks);
    out.push(finishGroup(acc, stacks.stableKey(acc.stackKey), frames, [], TOP_FUNCTION_BLOCK.get(frames[0]?.function ?? '') ?? null, null, null, longWaitMinutes));
  }
  return finishDump('debug=1', headerTotal ?? sum, out, longWaitMinutes, warnings);
}

/** Reads one debug=1 frame line `#\t0xPC\tfunction+0xOFF\t\tfile:line` (the tabs are tabwriter padding). */
function readDebug1Frame(text: string, pos: number, end: number): { fn: string; loc: string } {
  const a = pos + 2;
  let b = a;
  while (b < end && text.charCodeAt(b) !== TAB) b++;
  if (b >= end) return { fn: text.slice(a, end), loc: '' }; // a PC with no symbol
  let c = b + 1;
  while (c < end && text.charCodeAt(c) !== TAB) c++;
  let fnEnd = c;
  for (let i = c - 1; i > b; i--) {
    if (text.charCodeAt(i) === 43 /* + */) {
      fnEnd = i;
      break;
    }
  }
  let d = c;
  while (d < end && (text.charCodeAt(d) === TAB || text.charCodeAt(d) === SPACE)) d++;
  return { fn: text.slice(b + 1, fnEnd), loc: text.slice(d, end) };
}

function readDebug1Frames(text: string, start: number, stop: number, stacks: StackInterner): StackFrame[] {
  const frames: StackFrame[] = [];
  let pos = start;
  while (pos < stop) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > stop) nl = stop;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === CR) end--;
    if (text.charCodeAt(pos) === HASH && text.charCodeAt(pos + 1) === TAB) {
      const f = readDebug1Frame(text, pos, end);
      frames.push(stacks.frame(f.fn, f.loc));
    }
    pos = nl + 1;
  }
  return frames;
}

/**
 * The waits a program has by design, the one list of them: each is a goroutine per listener, open connection or
 * process, parked until the outside world does something, for minutes or hours. Matched on the stack's frames (the
 * library's own functions, which a program cannot rename), never on a group's display name. Each is as narrow as
 * the idle state itself: the same goroutines waiting elsewhere (a handler stuck on a channel under
 * `(*conn).serve`, a `readLoop` in its select because a response body was never closed) are not idle, and stay
 * suspicious.
 *
 * The runtime's own waiters (`runtime.forcegchelper`, `bgsweep`, `bgscavenge`, `runfinq`) need no entry: Go leaves
 * them out of goroutine profiles and dumps, and where they show (GOTRACEBACK=system) their states ("force gc
 * (idle)", "GC sweep wait", "finalizer wait") are no {@link BlockKind}, so they are never blocked in our sense.
 */
const IDLE_WAITS: ReadonlyArray<{ kind: IdleWaitKind; matches: (frames: readonly StackFrame[], blockedOn: BlockKind) => boolean }> = [
  // A listener's accept loop (net/http.(*Server).Serve calls it; a TLS listener wraps it): one per listener.
  { kind: 'listener', matches: (frames) => hasFrame(frames, 'net.(*TCPListener).Accept') || hasFrame(frames, 'net.(*UnixListener).Accept') },
  // os/signal's loop, started by the first signal.Notify: one per process.
  { kind: 'signal', matches: (frames) => hasFrame(frames, 'os/signal.signal_recv') },
  // A server's keep-alive connection between requests: (*conn).serve reading the next request's header (readRequest,
  // or bufio Peek while an IdleTimeout runs). And while a handler runs, the reader that watches the client for a
  // close (backgroundRead): the handler's own goroutine is what is judged.
  {
    kind: 'http-server-conn',
    matches: (frames, blockedOn) =>
      blockedOn === 'io-wait' &&
      (hasFrame(frames, 'net/http.(*connReader).backgroundRead') || ['net/http.(*conn).readRequest', 'bufio.(*Reader).Peek'].includes(calledBy(frames, 'net/http.(*conn).serve') ?? '')),
  },
  // A client's pooled connection: readLoop peeking for the next response, writeLoop in its select for the next request.
  {
    kind: 'http-client-conn',
    matches: (frames, blockedOn) =>
      (blockedOn === 'io-wait' && calledBy(frames, 'net/http.(*persistConn).readLoop') === 'bufio.(*Reader).Peek') ||
      (blockedOn === 'select' && frames.find((f) => !f.function.startsWith('runtime.'))?.function === 'net/http.(*persistConn).writeLoop'),
  },
];

const hasFrame = (frames: readonly StackFrame[], fn: string): boolean => frames.some((f) => f.function === fn);

/** The function `fn` called (the frame just inside it), or null when `fn` is not on the stack or is its top. */
function calledBy(frames: readonly StackFrame[], fn: string): string | null {
  const i = frames.findIndex((f) => f.function === fn);
  return i > 0 ? frames[i - 1]!.function : null;
}

/** The wait by design a blocked stack is in ({@link IDLE_WAITS}), or null. */
function idleWaitOf(frames: readonly StackFrame[], blockedOn: BlockKind | null): IdleWaitKind | null {
  if (blockedOn === null) return null;
  return IDLE_WAITS.find((w) => w.matches(frames, blockedOn))?.kind ?? null;
}

/**
 * The program's main goroutine (its stack ends in `main.main`; debug=1 shows `runtime.main` below it): there is one,
 * so it is no leak however long it waits.
 */
function isMainGoroutine(frames: readonly StackFrame[]): boolean {
  const n = frames.length;
  if (n === 0) return false;
  if (frames[n - 1]!.function === 'main.main') return true;
  return n >= 2 && frames[n - 1]!.function === 'runtime.main' && frames[n - 2]!.function === 'main.main';
}

/**
 * Whether a group is suspicious ({@link GoroutineGroup.suspicious}): blocked, not main, and not idle by design —
 * unless its idle goroutines are too many ({@link IDLE_MANY}) or grew too much since a base (`idleGrowth`, set
 * only against a base: {@link IDLE_GROWTH}), since connections never closed pile up as exactly these stacks.
 */
export function judgeSuspicious(g: Pick<GoroutineGroup, 'frames' | 'blockedOn' | 'idleWait' | 'count' | 'idleGrowth'>): boolean {
  if (g.blockedOn === null || isMainGoroutine(g.frames)) return false;
  return g.idleWait === null || g.count > IDLE_MANY || g.idleGrowth !== null;
}

function finishGroup(
  acc: GroupAcc,
  key: string,
  frames: StackFrame[],
  states: StateCount[],
  blockedOn: BlockKind | null,
  minWaitMinutes: number | null,
  maxWaitMinutes: number | null,
  longWaitMinutes: number,
): GoroutineGroup {
  const createdBy = acc.creators.sorted().map(([k, count]): CreatorCount => {
    const nl = k.indexOf('\n');
    return { function: k.slice(0, nl), ...splitLocation(k.slice(nl + 1)), count };
  });
  const labels = acc.labels.sorted().map(([l, count]): LabelCount => ({ labels: l, count }));
  const idleWait = idleWaitOf(frames, blockedOn);
  return {
    key,
    count: acc.count,
    frames,
    topFrame: frames[0] ?? null,
    framesElided: acc.elided,
    states,
    minWaitMinutes,
    maxWaitMinutes,
    createdBy,
    creator: createdBy[0]?.function ?? null,
    lockedToThread: acc.lockedToThread,
    labels,
    goroutineIds: acc.ids,
    blockedOn,
    idleWait,
    idleGrowth: null,
    suspicious: judgeSuspicious({ frames, blockedOn, idleWait, count: acc.count, idleGrowth: null }),
    longWait: maxWaitMinutes !== null && maxWaitMinutes >= longWaitMinutes,
  };
}

/** Orders groups largest first, then suspicious first, then longest wait, then by key. */
export function compareGroups(a: GoroutineGroup, b: GoroutineGroup): number {
  return (
    b.count - a.count ||
    Number(b.suspicious) - Number(a.suspicious) ||
    (b.maxWaitMinutes ?? 0) - (a.maxWaitMinutes ?? 0) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

function finishDump(format: GoroutineDump['format'], total: number, groups: GoroutineGroup[], longWaitMinutes: number, warnings: string[]): GoroutineDump {
  groups.sort(compareGroups);
  return { format, total, groups, suspiciousTotal: suspiciousCount(groups), longWaitMinutes, warnings };
}

/** Goroutines in suspicious groups. */
export function suspiciousCount(groups: readonly GoroutineGroup[]): number {
  let n = 0;
  for (const g of groups) if (g.suspicious) n += g.count;
  return n;
}

/**
 * Reads pprof labels as goroutine dumps print them, `{"key":"value", "k2":"v2"}` (Go-quoted strings),
 * into an object.
 *
 * @throws LeakbarError `parse-error` when the text is not in that form.
 */
export function parseLabels(text: string): Record<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const fail = (): never => {
    throw new LeakbarError('parse-error', `labels not in the form {"key":"value", …}: ${text.slice(0, 80)}`);
  };
  const skipSpaces = (): void => {
    while (text.charCodeAt(i) === SPACE) i++;
  };
  const quoted = (): string => {
    if (text[i] !== '"') fail();
    i++;
    let s = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] !== '\\') {
        s += text[i++];
        continue;
      }
      const e = text[i + 1];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\u0007', b: '\b', f: '\f', v: '\v', "'": "'" };
      if (e !== undefined && simple[e] !== undefined) {
        s += simple[e];
        i += 2;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const code = Number.parseInt(text.slice(i + 2, i + 2 + len), 16);
        if (!Number.isFinite(code) || code > 0x10ffff) fail();
        s += String.fromCodePoint(code);
        i += 2 + len;
      } else fail();
    }
    if (text[i] !== '"') fail();
    i++;
    return s;
  };
  skipSpaces();
  if (text[i] !== '{') fail();
  i++;
  skipSpaces();
  if (text[i] === '}') return {};
  for (;;) {
    skipSpaces();
    const k = quoted();
    skipSpaces();
    if (text[i] !== ':') fail();
    i++;
    skipSpaces();
    out.set(k, quoted());
    skipSpaces();
    if (text[i] === ',') {
      i++;
      continue;
    }
    // Object.fromEntries defines own properties, so a `__proto__` label stays a label.
    if (text[i] === '}') return Object.fromEntries(out);
    fail();
  }
}
