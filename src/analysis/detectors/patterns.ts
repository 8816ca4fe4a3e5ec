/** Leak patterns that are not trends: the same file open many times, a restart (the PID changed), and the Go runtime's own goroutineleak profile. */
import type { DetectorSettings } from '../../shared/alerts.js';
import type { FdBreakdown } from '../../shared/types.js';
import { alertKey, formatAmount, formatSpan, NEXT_STEPS, type Finding } from './findings.js';

/** Judges the repeated files of an FD breakdown: the most-opened file not ignored, open `minCount` times or more. */
export function detectRepeatedFiles(breakdown: FdBreakdown, settings: DetectorSettings, timeMs: number): Finding {
  const rule = settings.repeatedFiles;
  const key = alertKey('repeated-file', 'repeatedFiles');
  const files = breakdown.repeated
    .filter((r) => r.count >= rule.minCount && !rule.ignorePrefixes.some((p) => r.name.startsWith(p)))
    .sort((a, b) => b.count - a.count);
  const top = files[0];
  if (top === undefined) return { active: false, key };
  const others = files.slice(1, 5).map((f) => `${f.name} (${f.count})`);
  return {
    active: true,
    key,
    kind: 'repeated-file',
    figure: 'repeatedFiles',
    subject: top.name,
    severity: 'warning',
    value: top.count,
    line: rule.minCount,
    ratePerMinute: null,
    unit: 'count',
    growth: null,
    // The title names the file (a popover line is short); the message and subject keep the full path.
    title: `${top.name.slice(top.name.lastIndexOf('/') + 1) || top.name} is open ${top.count} times`,
    message:
      `${top.name}: something opens it again without closing the earlier ones.` +
      (others.length ? ` Also open ${rule.minCount}+ times: ${others.join(', ')}${files.length > 5 ? ', …' : ''}.` : ''),
    nextStep: `Find where ${top.name} is opened and make sure every open has its Close (a defer right after the error check). ${NEXT_STEPS.fds}`,
    family: 'fds',
    seed: () => [[timeMs, top.count]],
    point: [timeMs, top.count],
  };
}

/** What the restart detector remembers: the latest restart and how many came in a row (each within holdMs of the one before). */
export interface RestartMemory {
  fromPid: number;
  toPid: number;
  /** Sample time of the latest restart. */
  lastMs: number;
  /** Sample time of the first restart of the run. */
  firstMs: number;
  count: number;
}

/** Restarts in a row that make the alert critical (a crash loop). */
const CRASH_LOOP_RESTARTS = 3;

/**
 * Judges a restart: fires when the PID differs from the previous sample's and lasts `restart.holdMs` after the latest one.
 * `previous` is the previous sample's time and PID (null for the first sample).
 */
export function detectRestart(
  memory: RestartMemory | null,
  previous: { timeMs: number; pid: number } | null,
  sample: { timeMs: number; pid: number },
  settings: DetectorSettings,
): { memory: RestartMemory | null; finding: Finding | null } {
  const key = alertKey('restart', 'pid');
  const holdMs = settings.restart.holdMs;
  const t = sample.timeMs;
  let next = memory;
  const restarted = previous !== null && previous.pid !== sample.pid;
  if (restarted) {
    const inRun = memory !== null && t - memory.lastMs <= holdMs;
    next = {
      fromPid: previous.pid,
      toPid: sample.pid,
      lastMs: t,
      firstMs: inRun ? memory.firstMs : t,
      count: inRun ? memory.count + 1 : 1,
    };
  }
  if (!settings.restart.enabled || next === null) return { memory: next, finding: null };
  if (!restarted && t - next.lastMs >= holdMs) return { memory: null, finding: { active: false, key } };
  const m = next;
  const loop = m.count >= CRASH_LOOP_RESTARTS;
  return {
    memory: next,
    finding: {
      active: true,
      key,
      kind: 'restart',
      figure: 'pid',
      subject: null,
      severity: loop ? 'critical' : 'warning',
      value: m.toPid,
      line: null,
      ratePerMinute: null,
      unit: 'count',
      growth: null,
      title: loop ? `Restarted ${m.count} times in ${formatSpan(m.lastMs - m.firstMs)}` : 'The process restarted',
      message:
        `PID ${m.fromPid} → ${m.toPid}${m.count > 1 ? ` (${m.count} restarts in ${formatSpan(m.lastMs - m.firstMs)})` : ''}. ` +
        'Its figures and trends start over from here.',
      nextStep: NEXT_STEPS.restart,
      family: 'process',
      seed: () => (previous === null ? [[t, sample.pid]] : [[previous.timeMs, previous.pid], [t, sample.pid]]),
      point: restarted ? [t, sample.pid] : null,
    },
  };
}

/** Judges the count of the runtime's `goroutineleak` profile (Go's leaked-goroutine detector): any leaked goroutine fires, critical. */
export function detectGoroutineLeakProfile(leakedGoroutines: number, timeMs: number): Finding {
  const key = alertKey('goroutine-leak-profile', 'goroutineLeakCount');
  if (!(leakedGoroutines > 0)) return { active: false, key };
  const n = formatAmount(leakedGoroutines, 'count');
  return {
    active: true,
    key,
    kind: 'goroutine-leak-profile',
    figure: 'goroutineLeakCount',
    subject: null,
    severity: 'critical',
    value: leakedGoroutines,
    line: 0,
    ratePerMinute: null,
    unit: 'count',
    growth: null,
    title: `${n} leaked goroutine${leakedGoroutines === 1 ? '' : 's'} (runtime's own report)`,
    message:
      `The runtime's goroutineleak profile reports ${n} leaked goroutine${leakedGoroutines === 1 ? '' : 's'}: ` +
      'blocked on a channel or lock that nothing reachable can ever release. No guess here: the garbage collector proved it.',
    nextStep: NEXT_STEPS.goroutineLeakProfile,
    family: 'goroutines',
    seed: () => [[timeMs, leakedGoroutines]],
    point: [timeMs, leakedGoroutines],
  };
}
