/** The history as CSV: the columns of the mem-monitor shell script people use today first, then the rest. */
import type { Sample } from './types.js';

type Column = [header: string, value: (s: Sample) => number | string | undefined];

const MB = 1024 * 1024;
const mb = (v: number | undefined) => (v === undefined ? undefined : Math.round((v / MB) * 100) / 100);

/** The columns, in order: `time,heap_alloc_bytes,heap_inuse_bytes,goroutines,rss_mb` as mem-monitor.sh wrote them, then more. */
export const CSV_COLUMNS: readonly Column[] = [
  ['time', (s) => new Date(s.timeMs).toISOString()],
  ['heap_alloc_bytes', (s) => s.heapAllocBytes],
  ['heap_inuse_bytes', (s) => s.heapInuseBytes],
  ['goroutines', (s) => s.goroutines],
  ['rss_mb', (s) => mb(s.rssBytes)],
  ['pid', (s) => s.pid],
  ['vsz_mb', (s) => mb(s.vszBytes)],
  ['cpu_percent', (s) => s.cpuPercent],
  ['threads', (s) => s.threads],
  ['fds', (s) => s.fds],
  ['fd_limit', (s) => s.fdLimit],
  ['heap_sys_bytes', (s) => s.heapSysBytes],
  ['num_gc', (s) => s.numGC],
  ['swap_bytes', (s) => s.swapBytes],
];

/** The CSV header line (no newline). */
export function csvHeader(): string {
  return CSV_COLUMNS.map(([h]) => h).join(',');
}

/** One sample as a CSV line (no newline); unknown figures are empty cells. */
export function csvRow(sample: Sample): string {
  return CSV_COLUMNS.map(([, f]) => f(sample) ?? '').join(',');
}

/** Samples as a whole CSV document, header included, ending in a newline. */
export function toCsv(samples: readonly Sample[]): string {
  return [csvHeader(), ...samples.map(csvRow)].join('\n') + '\n';
}
