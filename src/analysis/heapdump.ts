/** Reads `/debug/pprof/heap?debug=1` text: the totals header, one record per allocation stack, and the `# runtime.MemStats` section. */
import { LeakbarError } from '../shared/errors.js';
import type { MemStats } from '../shared/types.js';
import type { StackFrame } from './goroutines/model.js';
import { MEMSTATS_HEADER, parseMemStats } from './memstats.js';

/** One allocation stack: what of it is live now and what it has allocated since the program started (sampled, not scaled). */
export interface HeapRecord {
  inuseObjects: number;
  inuseBytes: number;
  allocObjects: number;
  allocBytes: number;
  /** Program counters of the `@ 0x… 0x…` list, as printed. */
  addresses: string[];
  /** The stack, innermost first; the runtime's own leading frames left out, as runtime/pprof prints it. */
  frames: StackFrame[];
}

/** A `heap?debug=1` dump. Counts are the sampled ones the text prints; pprof scales them, this does not. */
export interface HeapDump {
  inuseObjects: number;
  inuseBytes: number;
  allocObjects: number;
  allocBytes: number;
  /**
   * runtime.MemProfileRate in bytes. runtime/pprof writes `@ heap/%d` with `2*runtime.MemProfileRate`,
   * so this is half the header's number (512 KiB by default).
   */
  memProfileRateBytes: number;
  records: HeapRecord[];
  /** The `# runtime.MemStats` section by field name, or null when the text has none. */
  memStats: MemStats | null;
}

const RECORD = /^(\d+): (\d+) \[(\d+): (\d+)\] @/;
const HEADER = /^heap profile: (\d+): (\d+) \[(\d+): (\d+)\] @ heap\/(\d+)/;

/** Splits `#\t0xPC\tfunction+0xOFF\t\tfile:line` into a frame (null when it is not one). */
function readFrame(line: string): StackFrame | null {
  const parts = line.split('\t').filter((p) => p !== '');
  // parts: '#', '0xPC', 'function+0xOFF', 'file:line'
  if (parts.length < 3) return parts.length === 2 ? { function: parts[1]!, file: '', line: 0 } : null;
  const fn = parts[2]!;
  const plus = fn.lastIndexOf('+0x');
  const loc = parts.slice(3).join('\t');
  const colon = loc.lastIndexOf(':');
  const lineNo = colon >= 0 ? Number(loc.slice(colon + 1)) : NaN;
  return {
    function: plus > 0 ? fn.slice(0, plus) : fn,
    file: Number.isInteger(lineNo) && colon + 1 < loc.length ? loc.slice(0, colon) : loc,
    line: Number.isInteger(lineNo) && colon + 1 < loc.length ? lineNo : 0,
  };
}

/**
 * Parses `heap?debug=1` text: `heap profile: A: B [C: D] @ heap/R`, then per stack `A: B [C: D] @ 0x…`
 * with `#` frame lines, then `# runtime.MemStats` (read by {@link parseMemStats}).
 *
 * @throws LeakbarError `empty-profile` for an empty body; `not-a-profile` for a protobuf profile, an HTML
 * page or text without the header. Never anything else.
 */
export function parseHeapDump(text: string): HeapDump {
  if (text.trim() === '') throw new LeakbarError('empty-profile', 'the heap dump is empty', { hint: 'fetch /debug/pprof/heap?debug=1 from a running Go program' });
  const head = text.slice(0, 512);
  if (head.charCodeAt(0) === 0x1f || head.includes('\u0000') || head.includes('\ufffd')) {
    throw new LeakbarError('not-a-profile', 'this is a binary (protobuf) heap profile, not the text form', {
      hint: 'ask for /debug/pprof/heap?debug=1, or open the protobuf with `leakbar profile top`',
    });
  }
  if (head.trimStart().startsWith('<')) {
    throw new LeakbarError('not-a-profile', 'this is an HTML page, not a heap dump', { hint: 'ask the pprof endpoint for /debug/pprof/heap?debug=1' });
  }
  // The header is the first line; text before it (a `# source:` note, say) is skipped.
  const after = text.indexOf('\nheap profile: ');
  const at = text.startsWith('heap profile: ') ? 0 : after < 0 ? -1 : after + 1;
  const headerEnd = at < 0 ? -1 : text.indexOf('\n', at);
  const header = at < 0 ? null : HEADER.exec(text.slice(at, headerEnd < 0 ? text.length : headerEnd));
  if (!header) {
    throw new LeakbarError('not-a-profile', 'no `heap profile: …` header in the text', { hint: 'expected /debug/pprof/heap?debug=1 (or ?debug=1 of allocs)' });
  }
  const memAt = text.indexOf(MEMSTATS_HEADER, at);
  const body = text.slice(at, memAt < 0 ? text.length : memAt);
  const records: HeapRecord[] = [];
  let current: HeapRecord | null = null;
  const lines = body.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line === '') {
      current = null;
      continue;
    }
    const c0 = line.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57) {
      const m = RECORD.exec(line);
      if (!m) continue;
      current = {
        inuseObjects: Number(m[1]),
        inuseBytes: Number(m[2]),
        allocObjects: Number(m[3]),
        allocBytes: Number(m[4]),
        addresses: line.slice(m[0].length).trim().split(' ').filter(Boolean),
        frames: [],
      };
      records.push(current);
    } else if (current && line.startsWith('#\t')) {
      const f = readFrame(line);
      if (f) current.frames.push(f);
    }
  }
  return {
    inuseObjects: Number(header[1]),
    inuseBytes: Number(header[2]),
    allocObjects: Number(header[3]),
    allocBytes: Number(header[4]),
    memProfileRateBytes: Number(header[5]) / 2,
    records,
    memStats: memAt < 0 ? null : parseMemStats(text.slice(memAt)),
  };
}
