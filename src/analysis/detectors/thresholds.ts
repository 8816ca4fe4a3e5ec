/** Fixed lines: FDs, FDs against the FD limit, threads, RSS, goroutines, and RSS high while the Go heap is small; each latched with debounce and hysteresis. */
import type { DetectorSettings, ThresholdRule } from '../../shared/alerts.js';
import type { Sample } from '../../shared/types.js';
import { alertKey, FIGURE_TRIAGE, FIGURE_WORDS, formatAmount, formatSpan, NEXT_STEPS, type Finding } from './findings.js';
import { ARMED, stepLatch, stepThreshold, type Latch } from './latch.js';
import type { Point } from './stats.js';

/** The latched conditions, one latch each. */
export const LATCHED_CONDITIONS = ['fds', 'fdLimitRatio', 'threads', 'rssBytes', 'goroutines', 'rssHeapGap'] as const;
export type LatchedCondition = (typeof LATCHED_CONDITIONS)[number];

/** Every latch armed. */
export function armedLatches(): Record<LatchedCondition, Latch> {
  return { fds: ARMED, fdLimitRatio: ARMED, threads: ARMED, rssBytes: ARMED, goroutines: ARMED, rssHeapGap: ARMED };
}

/** What the latched detectors read on one step besides the sample. */
export interface LatchedInput {
  sample: Sample;
  /** FDs open: the sample's, else the FD breakdown's total. */
  fds: number | undefined;
  /** The FD limit: the sample's, else the FD breakdown's. */
  fdLimit: number | undefined;
  /** 'darwin' adds the macOS advice (MADV_FREE, physical footprint) to the RSS-heap alert. */
  platform: string | null;
  /** The recent history of a figure, for a new alert's evidence. */
  history: (figure: 'fds' | 'threads' | 'rssBytes' | 'goroutines') => Point[];
}

type FixedFigure = 'fds' | 'threads' | 'rssBytes' | 'goroutines';

/** Steps every latch and reports each latched condition it can judge on this sample. */
export function detectLatched(
  latches: Record<LatchedCondition, Latch>,
  input: LatchedInput,
  settings: DetectorSettings,
): { latches: Record<LatchedCondition, Latch>; findings: Finding[] } {
  const next = { ...latches };
  const findings: Finding[] = [];
  const t = input.sample.timeMs;
  const figures: Record<FixedFigure, number | undefined> = {
    fds: input.fds,
    threads: input.sample.threads,
    rssBytes: input.sample.rssBytes,
    goroutines: input.sample.goroutines,
  };

  for (const figure of ['fds', 'threads', 'rssBytes', 'goroutines'] as const) {
    const rule = settings.thresholds[figure];
    const value = figures[figure];
    // A rule turned off starts over when turned on again: its alert was closed, so a tripped latch would never fire it again.
    if (!rule.enabled) next[figure] = ARMED;
    if (!rule.enabled || value === undefined) continue;
    next[figure] = stepThreshold(latches[figure], value, rule.line, rule.rearmRatio, rule.consecutive, t);
    findings.push(fixedFinding(figure, next[figure], value, rule, input));
  }

  const limitRule = settings.thresholds.fdLimitRatio;
  if (!limitRule.enabled) next.fdLimitRatio = ARMED;
  if (limitRule.enabled && input.fds !== undefined && input.fdLimit !== undefined && input.fdLimit > 0) {
    const share = input.fds / input.fdLimit;
    next.fdLimitRatio = stepThreshold(latches.fdLimitRatio, share, limitRule.line, limitRule.rearmRatio, limitRule.consecutive, t);
    findings.push(fdLimitFinding(next.fdLimitRatio, input.fds, input.fdLimit, limitRule, input));
  }

  const gap = settings.rssHeapGap;
  if (!gap.enabled) next.rssHeapGap = ARMED;
  const heapBytes = input.sample.heapInuseBytes ?? input.sample.heapSysBytes;
  const rss = input.sample.rssBytes;
  if (gap.enabled && rss !== undefined && heapBytes !== undefined) {
    const holds = rss > gap.minRssBytes && heapBytes < gap.maxHeapRatio * rss;
    next.rssHeapGap = stepLatch(latches.rssHeapGap, holds, !holds, gap.consecutive, t);
    findings.push(rssHeapGapFinding(next.rssHeapGap, rss, heapBytes, gap.maxHeapRatio, input));
  }
  return { latches: next, findings };
}

const TITLE_WORD: Record<FixedFigure, string> = { fds: 'FDs', threads: 'Threads', rssBytes: 'RSS', goroutines: 'Goroutines' };

function fixedFinding(figure: FixedFigure, latch: Latch, value: number, rule: ThresholdRule, input: LatchedInput): Finding {
  const key = alertKey('threshold', figure);
  if (!latch.tripped) return { active: false, key };
  const { label, unit } = FIGURE_WORDS[figure];
  const t = input.sample.timeMs;
  const fmt = (v: number) => formatAmount(v, unit);
  // The line it fired past, not the rule's line now: a line changed in Settings applies to the next alert.
  const line = latch.line ?? rule.line;
  const critical = rule.criticalLine !== null && value > rule.criticalLine;
  const what = figure === 'rssBytes' ? `RSS ${fmt(value)}` : `${fmt(value)} ${label}${figure === 'fds' ? ' open' : ''}`;
  return {
    active: true,
    key,
    kind: 'threshold',
    figure,
    subject: null,
    severity: critical ? 'critical' : 'warning',
    value,
    line,
    ratePerMinute: null,
    unit,
    growth: null,
    title: `${TITLE_WORD[figure]} past ${fmt(line)}`,
    message:
      `${what}, over the line of ${fmt(line)} for ${formatSpan(t - (latch.sinceMs ?? t))}` +
      `${critical ? ` and past the critical line of ${fmt(rule.criticalLine ?? 0)}` : ''}. It clears below ${fmt(line * rule.rearmRatio)}.`,
    nextStep: FIGURE_TRIAGE[figure].nextStep,
    family: FIGURE_TRIAGE[figure].family,
    seed: () => input.history(figure),
    point: [t, value],
  };
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

function fdLimitFinding(latch: Latch, fds: number, limit: number, rule: ThresholdRule, input: LatchedInput): Finding {
  const key = alertKey('fd-limit', 'fds');
  if (!latch.tripped) return { active: false, key };
  const share = fds / limit;
  const line = latch.line ?? rule.line;
  const critical = rule.criticalLine !== null && share > rule.criticalLine;
  return {
    active: true,
    key,
    kind: 'fd-limit',
    figure: 'fds',
    subject: null,
    severity: critical ? 'critical' : 'warning',
    value: fds,
    line: Math.floor(line * limit),
    ratePerMinute: null,
    unit: 'count',
    growth: null,
    title: `FDs at ${percent(share)} of the limit`,
    message:
      `${formatAmount(fds, 'count')} of ${formatAmount(limit, 'count')} FDs in use (${percent(share)}), past ${percent(line)} of the limit; ` +
      `at the limit every open, accept and dial fails with "too many open files". It clears below ${percent(line * rule.rearmRatio)}.`,
    nextStep: NEXT_STEPS.fds,
    family: 'fds',
    seed: () => input.history('fds'),
    point: [input.sample.timeMs, fds],
  };
}

function rssHeapGapFinding(latch: Latch, rss: number, heapBytes: number, maxHeapRatio: number, input: LatchedInput): Finding {
  const key = alertKey('rss-heap-gap', 'rssBytes');
  if (!latch.tripped) return { active: false, key };
  const s = input.sample;
  const b = (v: number) => formatAmount(v, 'bytes');
  const heapName = s.heapInuseBytes !== undefined ? 'HeapInuse' : 'HeapSys';
  const parts = [
    `RSS is ${b(rss)} but the Go heap (${heapName}) is ${b(heapBytes)}, ${percent(heapBytes / rss)} of it (under ${percent(maxHeapRatio)}): ` +
      'most of the memory is outside the heap, so a heap profile will not show it. Point at the memory map: ' +
      'its largest regions (anonymous memory from cgo or C libraries, mapped files, thread stacks) say where it is.',
  ];
  if (s.heapSysBytes !== undefined && s.heapReleasedBytes !== undefined && s.heapInuseBytes !== undefined) {
    const idle = s.heapSysBytes - s.heapReleasedBytes - s.heapInuseBytes;
    if (idle > 0.25 * rss) {
      parts.push(`The runtime also holds ${b(idle)} of idle heap it has not returned to the OS yet (HeapSys − HeapReleased − HeapInuse).`);
    }
  }
  const mac = input.platform === 'darwin' || s.physFootprintBytes !== undefined;
  if (mac) {
    const fp =
      s.physFootprintBytes !== undefined
        ? ` (now ${b(s.physFootprintBytes)}${s.physFootprintPeakBytes !== undefined ? `, peak ${b(s.physFootprintPeakBytes)}` : ''})`
        : '';
    parts.push(
      'On macOS, memory Go has freed stays counted in RSS (MADV_FREE) until the system needs it: ' +
        `compare vmmap's physical footprint with its peak${fp} before calling it a leak.`,
    );
  }
  return {
    active: true,
    key,
    kind: 'rss-heap-gap',
    figure: 'rssBytes',
    subject: null,
    severity: 'warning',
    value: rss,
    line: null,
    ratePerMinute: null,
    unit: 'bytes',
    growth: null,
    title: `RSS ${b(rss)} but the heap is ${b(heapBytes)}`,
    message: parts.join(' '),
    nextStep: NEXT_STEPS.rssHeapGap,
    family: 'memory',
    seed: () => input.history('rssBytes'),
    point: [s.timeMs, rss],
  };
}
