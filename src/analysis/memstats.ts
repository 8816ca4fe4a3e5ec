/** Go's `# runtime.MemStats` section (the tail of `/debug/pprof/heap?debug=1`) read into numbers by field name. */
import { LeakbarError } from '../shared/errors.js';
import type { MemStats } from '../shared/types.js';

/** The line that opens the section, as runtime/pprof writes it. */
export const MEMSTATS_HEADER = '# runtime.MemStats';

/**
 * Parses the `# runtime.MemStats` section: every `# Name = N` line becomes `Name: N`.
 *
 * runtime/pprof writes three pairs as `# Stack = StackInuse / StackSys` (likewise MSpan and
 * MCache); those become `StackInuse` and `StackSys`, the names runtime.MemStats gives them.
 * Arrays (`PauseNs = [...]`, `PauseEnd`, `BySize`) and booleans (`DebugGC = false`) are left out.
 * Values past 2^53 (LastGC, in ns since the epoch) lose their last digits as JavaScript numbers.
 *
 * @throws LeakbarError 'parse-error' when the text has no `# runtime.MemStats` line.
 */
export function parseMemStats(text: string): MemStats {
  const start = text.indexOf(MEMSTATS_HEADER);
  if (start < 0) throw new LeakbarError('parse-error', 'no `# runtime.MemStats` section', { hint: 'it is at the end of /debug/pprof/heap?debug=1' });
  const stats: MemStats = {};
  for (const line of text.slice(start + MEMSTATS_HEADER.length).split('\n')) {
    const m = /^# (\w+) = (.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, name, value] = m as unknown as [string, string, string];
    const single = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.exec(value);
    if (single) {
      stats[name] = Number(value);
      continue;
    }
    const pair = /^(\d+) \/ (\d+)$/.exec(value);
    if (pair) {
      stats[`${name}Inuse`] = Number(pair[1]);
      stats[`${name}Sys`] = Number(pair[2]);
    }
  }
  return stats;
}
