/** Time formatting for the views: clock times, dates and "how long ago". */
import { formatDurationMs } from '../shared/units.js';

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
