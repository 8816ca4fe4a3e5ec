/** lsof: parses its field output (`-F`, what leakbar runs on macOS) and its column layout (what people paste), and runs it. */
import { LeakbarError } from '../shared/errors.js';
import type { FdEntry } from '../shared/types.js';
import { fdTypeFromLsof, isNumberedFd } from './fds.js';
import type { ExecFn } from './types.js';

/** Where macOS keeps lsof (a Finder-launched app's PATH does not include /usr/sbin). */
export const LSOF_PATH_DARWIN = '/usr/sbin/lsof';

/**
 * Field identifiers lsof may print with -F, from lsof(8) "OUTPUT FOR OTHER PROGRAMS"
 * (a, c, C, d, D, f, F, G, g, i, K, k, l, L, m, M, n, N, o, p, P, r, R, s, S, t, T, u, z, Z).
 */
const LSOF_FIELD_IDS = new Set('acCdDfFGgiKklLmMnNopPrRsStTuzZ');

/**
 * Parses `lsof -F ftn` output: a `p` line opens a process set, each `f` line opens a file set, and
 * its `t` (type) and `n` (name) lines follow. Fields may end in NL or NUL (`-F0`). Descriptor
 * numbers keep only their digits ("3"); lsof's named rows (cwd, txt, mem) keep their name.
 *
 * @throws LeakbarError 'parse-error' when a line does not start with an lsof field identifier, or
 *   is the column layout's header.
 */
export function parseLsofFields(text: string): FdEntry[] {
  const entries: FdEntry[] = [];
  let current: { fd: string; lsofType: string; name: string } | null = null;
  const flush = () => {
    if (current) entries.push({ fd: current.fd, type: fdTypeFromLsof(current.lsofType, current.name), name: current.name });
    current = null;
  };
  for (const raw of text.split(/[\n\0]/)) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const id = line[0]!;
    if (!LSOF_FIELD_IDS.has(id) || /^COMMAND\s+PID\s/.test(line)) {
      throw new LeakbarError('parse-error', `not lsof -F output: a line starts with ${JSON.stringify(line.slice(0, 40))}`, {
        hint: 'leakbar reads `lsof -n -P -F ftn -p PID`; the column layout goes to parseLsofColumns',
      });
    }
    const value = line.slice(1);
    if (id === 'p') flush();
    else if (id === 'f') {
      flush();
      current = { fd: numberedFd(value), lsofType: '', name: '' };
    } else if (current && id === 't') current.lsofType = value;
    else if (current && id === 'n') current.name = value;
  }
  flush();
  return entries;
}

/** "3u" → "3", "10uW" → "10"; named rows ("cwd", "txt") unchanged. */
function numberedFd(fdField: string): string {
  const m = /^(\d+)/.exec(fdField);
  return m ? m[1]! : fdField;
}

/**
 * Parses lsof's classic column layout (`lsof -p PID`): a header starting `COMMAND`, then one row
 * per file. NAME starts where the header's NAME starts (lsof pads every column before it to one
 * width for the whole listing); COMMAND may hold spaces ("Google Ch"), so the row is read as
 * "command, then the PID, then USER, FD and TYPE". Lines before the header are skipped.
 *
 * @throws LeakbarError 'parse-error' when there is no header, or a row has no PID/USER/FD/TYPE.
 */
export function parseLsofColumns(text: string): FdEntry[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => /^COMMAND\s+PID\s/.test(l));
  if (headerAt < 0) throw new LeakbarError('parse-error', 'no lsof header line (COMMAND PID USER FD TYPE … NAME)', { hint: 'pass the whole output of `lsof -p PID`' });
  const header = lines[headerAt]!;
  const nameCol = header.indexOf(' NAME') + 1;
  if (nameCol <= 0) throw new LeakbarError('parse-error', 'the lsof header has no NAME column');
  const entries: FdEntry[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const m = /^(.*?)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line.slice(0, nameCol));
    if (!m) throw new LeakbarError('parse-error', `lsof row ${i - headerAt} has no PID, USER, FD and TYPE: ${JSON.stringify(line.slice(0, 60))}`);
    const name = line.length > nameCol ? line.slice(nameCol).trim() : '';
    entries.push({ fd: numberedFd(m[4]!), type: fdTypeFromLsof(m[5]!, name), name });
  }
  return entries;
}

/**
 * Runs `lsof -n -P -w -F ftn -p PID` (no DNS or port-name look-ups, no warnings) and parses it.
 * lsof exits 1 with no output for a PID that does not exist.
 *
 * @throws LeakbarError 'no-such-process' when lsof lists nothing for the PID.
 */
export async function runLsof(pid: number, exec: ExecFn, options: { timeoutMs: number; lsofPath?: string; signal?: AbortSignal }): Promise<FdEntry[]> {
  const stdout = await exec(options.lsofPath ?? LSOF_PATH_DARWIN, ['-n', '-P', '-w', '-F', 'ftn', '-p', String(pid)], {
    timeoutMs: options.timeoutMs,
    allowExitCodes: [0, 1],
    signal: options.signal,
  });
  if (!/^p\d+/m.test(stdout)) throw new LeakbarError('no-such-process', `process ${pid} is gone`, { hint: 'lsof lists no files for it; it has exited' });
  return parseLsofFields(stdout);
}

/** The number of numbered FDs in `entries`. */
export function countNumberedFds(entries: readonly FdEntry[]): number {
  let n = 0;
  for (const e of entries) if (isNumberedFd(e.fd)) n++;
  return n;
}
