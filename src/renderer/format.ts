/** Formatting for the views: clock times, dates, "how long ago", names cut to fit, and a capture's size on disk. */
import type { CaptureFile } from '../shared/captures.js';
import { formatBytes, formatDurationMs } from '../shared/units.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** 14:05 (local time). */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** 14:05:09 (local time). */
export function clockSeconds(ms: number): string {
  const d = new Date(ms);
  return `${clock(ms)}:${pad(d.getSeconds())}`;
}

/** 2024-05-03 14:05 (local time). */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`;
}

/** 2024-05-03 14:05:09 (local time). */
export function dateTimeSeconds(ms: number): string {
  const d = new Date(ms);
  return `${dateTime(ms)}:${pad(d.getSeconds())}`;
}

/** A time in a file name, sortable and free of spaces and colons: 2024-05-03_14-05 (local time), with `-09` seconds when asked. */
export function fileStamp(ms: number, seconds = false): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}-${pad(d.getMinutes())}${seconds ? `-${pad(d.getSeconds())}` : ''}`;
}

/** The value of an `<input type="datetime-local">` for a time. */
export function toDateTimeLocal(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${clock(ms)}`;
}

/** "just now", "45s ago", "3m ago". */
export function ago(ms: number, nowMs: number): string {
  const d = nowMs - ms;
  return d < 5_000 ? 'just now' : `${formatDurationMs(d)} ago`;
}

/**
 * A name cut to `maxChars` in the middle, keeping more of its end ("leaky -addr 127.0.0.1:17001" → "leaky -a…127.0.0.1:17001"):
 * targets watched side by side often differ only at the end (a port, a flag), which an ellipsis at the end would hide.
 */
export function middleEllipsis(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  const kept = Math.max(1, maxChars - 1);
  const head = Math.floor(kept * 0.4);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (kept - head)).join('')}`;
}

/**
 * A target's name for a menu of `maxChars`-wide entries that tells it apart from `others`: cut in the middle
 * ({@link middleEllipsis}), unless the first character where it differs from the most alike other name would fall in the
 * cut; then a stretch around that character is shown between two ellipses ("leaky …7.0.0.1:17001 -d…").
 */
export function distinctLabel(name: string, others: readonly string[], maxChars: number): string {
  const chars = Array.from(name);
  const plain = middleEllipsis(name, maxChars);
  if (chars.length <= maxChars || maxChars < 8) return plain;
  const differsAt = Math.max(0, ...others.filter((o) => o !== name).map((o) => commonPrefixLength(chars, Array.from(o))));
  const kept = maxChars - 1;
  const head = Math.floor(kept * 0.4);
  if (differsAt < head || differsAt >= chars.length - (kept - head)) return plain;
  // head … window … : the window holds the differing character, near its end, after what comes before it (the rest of a port, an address).
  const shortHead = Math.floor((maxChars - 2) * 0.3);
  const window = maxChars - 2 - shortHead;
  const start = Math.max(shortHead, Math.min(differsAt - Math.floor(window * 0.8), chars.length - window));
  const end = start + window;
  const tail = end >= chars.length ? chars.slice(start).join('') : `${chars.slice(start, end).join('')}…`;
  // Nothing is cut between the head and the window when the window starts right after it.
  return `${chars.slice(0, shortHead).join('')}${start === shortHead ? '' : '…'}${tail}`;
}

function commonPrefixLength(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** What a capture holds on disk now: see {@link captureSize}. */
export interface CaptureSize {
  /** The bytes of its files still in its folder. */
  bytes: number;
  /** How many of its files were deleted from its folder by hand (`missing`). */
  deleted: number;
  /** "1.2 kB", or "1.2 kB (1 deleted)" when some are missing. */
  text: string;
}

/**
 * A capture's size as its pages show it (the capture list, the capture's page, the popover's capture line), by one
 * rule: the files still on disk are summed, and a file deleted by hand (`missing`, as the engine marks it) counts
 * nothing but is said ("(1 deleted)"), so no page gives bytes a download would not find.
 */
export function captureSize(files: ReadonlyArray<Pick<CaptureFile, 'bytes' | 'missing'>>): CaptureSize {
  let bytes = 0;
  let deleted = 0;
  for (const f of files) {
    if (f.missing) deleted++;
    else bytes += f.bytes;
  }
  return { bytes, deleted, text: deleted > 0 ? `${formatBytes(bytes)} (${deleted} deleted)` : formatBytes(bytes) };
}
