/** pmap (Linux, `pmap -x PID`): the totals line and the number of mappings; a reference for smaps_rollup, not run per tick. */
import { LeakbarError } from '../shared/errors.js';

/** The totals of `pmap -x`, in bytes, and how many mappings it listed. */
export interface PmapTotals {
  virtualBytes: number;
  rssBytes: number;
  dirtyBytes: number;
  regionCount: number;
}

/**
 * Parses `pmap -x PID`: a `PID:   command` line, the `Address Kbytes RSS Dirty Mode Mapping`
 * header, one row per mapping, a dashed line, and `total kB  VIRT RSS DIRTY`.
 *
 * @throws LeakbarError 'parse-error' without the header or the total line.
 */
export function parsePmapX(text: string): PmapTotals {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => /^Address\s+Kbytes\s+RSS\s+Dirty/.test(l));
  if (headerAt < 0) throw new LeakbarError('parse-error', 'no `Address Kbytes RSS Dirty Mode Mapping` header in the pmap output', { hint: 'leakbar reads `pmap -x PID`' });
  let regionCount = 0;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^-+\s/.test(line) || line.startsWith('total')) break;
    if (/^[0-9a-f]+\s+\d+/.test(line)) regionCount++;
  }
  const total = /^total kB\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(text);
  if (!total) throw new LeakbarError('parse-error', 'no `total kB` line in the pmap output');
  return { virtualBytes: Number(total[1]) * 1024, rssBytes: Number(total[2]) * 1024, dirtyBytes: Number(total[3]) * 1024, regionCount };
}
