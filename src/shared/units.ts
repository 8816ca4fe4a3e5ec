/** Units and formatting for people: bytes, durations, counts. */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 kB" (powers of 1024, as pprof and Activity Monitor show memory). */
/** A day in milliseconds (retention is set in days). */
export const DAY_MS = 24 * 60 * 60_000;

export function formatBytes(bytes: number, digits = 1): string {
  const sign = bytes < 0 ? '-' : '';
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sign}${i === 0 ? v.toFixed(0) : v.toFixed(digits)} ${BYTE_UNITS[i]}`;
}

/** 90_000 → "1m30s"; 1500 → "1.5s"; 12 → "12ms". */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  if (m < 60) return s ? `${m}m${s}s` : `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
}

/** A count with thousands separators: 12345 → "12,345". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
