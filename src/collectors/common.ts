/** Helpers both platforms' collectors share: CPU % between two readings, and picking processes by command line without picking leakbar. */
import { LeakbarError } from '../shared/errors.js';
import type { CpuMark, FoundProcess } from './types.js';

/**
 * CPU share between `previous` and now (100 = one core busy the whole time), or null on a first
 * reading, a different PID, or no time passed.
 */
export function cpuPercentSince(previous: CpuMark | null, current: CpuMark): number | null {
  if (!previous || previous.pid !== current.pid) return null;
  const wallMs = current.atMs - previous.atMs;
  if (wallMs <= 0) return null;
  return Math.max(0, ((current.cpuTimeMs - previous.cpuTimeMs) / wallMs) * 100);
}

/** A process as a listing sees it. */
export interface ProcessListing {
  pid: number;
  command: string;
}

/** Which processes {@link matchProcesses} must never return. */
export interface SelfExclusion {
  /** leakbar's own PID. */
  selfPid: number;
  /** leakbar's parent, its parent, and so on (the shell or `npm exec` that started it). */
  ancestorPids: ReadonlySet<number>;
}

/**
 * A leakbar command (`leakbar serve …`, `node …/bin/leakbar.js watch …`, `npm exec leakbar …`, and the shell npx runs it
 * through, `sh -c 'leakbar' serve --match '…'`): one of its first words is leakbar, quoted or not, then a subcommand.
 */
const LEAKBAR_COMMAND = /^(?:\S+ ){0,3}['"]?(?:\S*\/)?leakbar(?:\.js)?['"]? (?:watch|serve|capture|captures|profile|report|overnight|baseline|pin)\b/;

/** Whether a command line is a leakbar command's (see {@link LEAKBAR_COMMAND}). */
export function isLeakbarCommand(command: string): boolean {
  return LEAKBAR_COMMAND.test(command);
}

/**
 * The processes whose command line matches `pattern` (like `pgrep -f`), never leakbar itself.
 *
 * `npx leakbar watch --match foo` has "foo" in its own command line and in its npm parent's, so a
 * plain match would watch leakbar. Excluded: leakbar's own PID, its ancestors, any leakbar command
 * (a `serve` in another terminal), and — a heuristic for leakbar processes started otherwise — any
 * command line that contains both "leakbar" and `--match` with the pattern as typed. Empty command lines (kernel
 * threads, zombies) never match.
 */
export function matchProcesses(listing: Iterable<ProcessListing>, pattern: RegExp, self: SelfExclusion): FoundProcess[] {
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  // The pattern as typed: RegExp's source writes each '/' as '\/' ('--match /opt/app' has source '\/opt\/app').
  const patternText = pattern.source.replace(/\\\//g, '/');
  const found: FoundProcess[] = [];
  for (const p of listing) {
    if (p.command === '' || p.pid === self.selfPid || self.ancestorPids.has(p.pid)) continue;
    if (!re.test(p.command)) continue;
    if (isLeakbarCommand(p.command) || (p.command.includes('leakbar') && [`--match ${patternText}`, `--match '${patternText}'`, `--match "${patternText}"`].some((m) => p.command.includes(m)))) continue;
    found.push({ pid: p.pid, command: p.command });
  }
  return found;
}

/** A zombie (state Z) has exited; only its parent has not collected its exit status yet. Its figures are zeros, not samples. */
export function exitedZombie(pid: number): LeakbarError {
  return new LeakbarError('no-such-process', `process ${pid} has exited`, { hint: 'it is a zombie: its parent has not collected its exit status yet', reason: 'zombie' });
}

/** The errno-like code of an error (node:fs, a fetch's cause; the first one of a dual-stack connect's AggregateError). */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const errors = (e as { errors?: unknown }).errors;
  return Array.isArray(errors) ? errorCode(errors[0]) : undefined;
}
