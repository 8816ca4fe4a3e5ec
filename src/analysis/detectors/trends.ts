/** Growth alerts: sustained growth of FDs, goroutines, heap, RSS, threads and swap, and of the count of FDs under each path pattern. */
import type { Alert, DetectorSettings, GrowthFigure } from '../../shared/alerts.js';
import {
  alertKey,
  FIGURE_TRIAGE,
  FIGURE_WORDS,
  formatAmount,
  formatClock,
  formatP,
  formatRate,
  formatSigned,
  formatSpan,
  NEXT_STEPS,
  type Finding,
} from './findings.js';
import { evaluateGrowth, type GrowthEvaluation, type GrowthTest } from './growth.js';
import { latestPoint, windowPoints, type BucketSeries } from './series.js';
import type { Point } from './stats.js';

/** The growth test for one figure under `settings`. */
export function growthTestFor(settings: DetectorSettings, figure: GrowthFigure): GrowthTest {
  const g = settings.growth;
  const rule = g.figures[figure];
  return {
    windowMs: g.windowMs,
    minSamples: g.minSamples,
    minCoverage: g.minCoverage,
    pValue: g.pValue,
    segments: g.segments,
    segmentRiseRatio: g.segmentRiseRatio,
    noiseMultiple: g.noiseMultiple,
    resolvePValue: g.resolvePValue,
    resolveRatio: g.resolveRatio,
    minGrowth: rule.minGrowth,
    minGrowthRatio: rule.minGrowthRatio,
  };
}

/** The growth test for path-pattern counts: their own window, minimum and sample count; the rest as for figures. */
export function patternGrowthTest(settings: DetectorSettings): GrowthTest {
  const g = settings.growth;
  const p = settings.fdPatterns;
  return {
    windowMs: p.windowMs,
    minSamples: p.minSamples,
    minCoverage: g.minCoverage,
    pValue: g.pValue,
    segments: g.segments,
    segmentRiseRatio: g.segmentRiseRatio,
    noiseMultiple: g.noiseMultiple,
    resolvePValue: g.resolvePValue,
    resolveRatio: g.resolveRatio,
    minGrowth: p.minGrowth,
    minGrowthRatio: 0,
  };
}

/**
 * Maps a judgement to a finding: a new alert needs `growing`; a live one lasts while `growing` or `holding`.
 * Returns null (hold) when there is too little data to judge.
 */
function decide(evaluation: GrowthEvaluation, live: boolean): boolean | null {
  switch (evaluation.status) {
    case 'insufficient':
      return null;
    case 'growing':
      return true;
    case 'holding':
      return live;
    case 'flat':
      return false;
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The rise a growth alert states, every figure alike, measured so its numbers agree: from the level at the window's
 * start (the median of its first segment, standing for the segment's middle) to the value now, the amount being their
 * difference over the time between them; the Theil–Sen slope follows as the trend. Slope × span is not said as an
 * amount: on a GC sawtooth "now" is one point of a tooth, and "+132.2 MB … now 98.8 MB" from 23.5 MB could not all be
 * true. On a steady rise the rise over its time and the trend agree; on a sawtooth they may not, and the heap's low
 * points say what the GC could not free.
 */
function riseText(subject: string, unit: 'count' | 'bytes', evaluation: GrowthEvaluation, [timeMs, value]: Point): string {
  const { fromValue } = evaluation;
  return (
    `${subject} ${value >= fromValue ? 'rose' : 'went'} from ${formatAmount(fromValue, unit)} to ${formatAmount(value, unit)} ` +
    `in ${formatSpan(timeMs - evaluation.fromMs)} (${formatSigned(value - fromValue, unit)}; trend ${formatRate(evaluation.perMinute, unit)})`
  );
}

/**
 * What a growth alert says once its detector finds no rise left, in place of its message (which said the rise holds):
 * that it stopped (or slowed under the growth the alert needs), by when, and where the figure went while the alert was
 * open (its evidence: the window it fired on, then each step), ending with the value now.
 */
function stoppedText(
  subject: string,
  unit: 'count' | 'bytes',
  alert: Alert,
  judged: { evaluation: GrowthEvaluation; points: readonly Point[]; segments: number },
  now: Point | null,
  windowMs: number,
): string {
  const by = formatClock(now?.[0] ?? alert.lastMs);
  const { evaluation } = judged;
  // A trend still significant but small was judged flat for its size (under the minimum growth), not for its shape: the
  // window may end on a plateau after the rise (stopped), or on a slow rise (slowed). A new high in its last segment tells.
  const small = `the last ${formatSpan(windowMs)} rise only ${formatRate(evaluation.perMinute, unit)}, under the growth this alert needs`;
  const stopped =
    evaluation.perMinute <= 0
      ? `It stopped growing by ${by}: the last ${formatSpan(windowMs)} show no steady rise.`
      : newHighInLastSegment(judged.points, judged.segments)
        ? `It slowed down by ${by}: ${small}.`
        : `It stopped growing by ${by}: no new high in the last ${formatSpan(evaluation.spanMs / judged.segments)} (${small}).`;
  const evidence = alert.evidence;
  const start = evidence[0];
  if (start === undefined || now === null) return stopped;
  let peak = start;
  for (const p of evidence) if (p[1] > peak[1]) peak = p;
  const nowText = `${formatAmount(now[1], unit)} at ${formatClock(now[0])}`;
  const went = `${subject} went from ${formatAmount(start[1], unit)} at ${formatClock(start[0])}`;
  return peak[1] > now[1] && peak[0] < now[0]
    ? `${stopped} ${went} to a high of ${formatAmount(peak[1], unit)} at ${formatClock(peak[0])}, and stood at ${nowText}.`
    : `${stopped} ${went} to ${nowText}.`;
}

/** Whether the last of `segments` equal stretches of `points` goes above everything before it. */
function newHighInLastSegment(points: readonly Point[], segments: number): boolean {
  if (points.length < 2) return false;
  const t0 = points[0]![0];
  const from = t0 + ((points[points.length - 1]![0] - t0) * (segments - 1)) / segments;
  let before = -Infinity;
  let last = -Infinity;
  for (const [t, v] of points) {
    if (t < from) before = Math.max(before, v);
    else last = Math.max(last, v);
  }
  return last > before;
}

/** Judges one figure's window; `live` says whether its growth alert is already live. */
export function detectFigureGrowth(figure: GrowthFigure, series: BucketSeries, settings: DetectorSettings, live: boolean): Finding | null {
  const key = alertKey('growth', figure);
  const { points, samples } = windowPoints(series);
  const evaluation = evaluateGrowth(points, samples, growthTestFor(settings, figure));
  const active = decide(evaluation, live);
  if (active === null) return null;
  const { label, unit } = FIGURE_WORDS[figure];
  if (!active) {
    const now = latestPoint(series);
    return { active: false, key, ended: (alert) => stoppedText(capitalise(label), unit, alert, { evaluation, points, segments: settings.growth.segments }, now, settings.growth.windowMs) };
  }
  const [timeMs, value] = latestPoint(series) ?? points[points.length - 1]!;
  const rate = formatRate(evaluation.perMinute, unit);
  // A heap's GC sawtooth: its low points are what the GC cannot free, the retained heap.
  const floors =
    figure === 'heapInuseBytes' && Number.isFinite(evaluation.floorFrom) && Number.isFinite(evaluation.floorTo)
      ? `, and its low points (after GCs) from ${formatAmount(evaluation.floorFrom, unit)} to ${formatAmount(evaluation.floorTo, unit)}`
      : '';
  return {
    active: true,
    key,
    kind: 'growth',
    figure,
    subject: null,
    severity: figure === 'swapBytes' ? 'critical' : 'warning',
    value,
    line: null,
    ratePerMinute: evaluation.perMinute,
    unit,
    growth: {
      amount: evaluation.growth,
      spanMs: evaluation.spanMs,
      perMinute: evaluation.perMinute,
      pValue: evaluation.mk?.pValue ?? 1,
      fromValue: evaluation.fromValue,
    },
    title: `${capitalise(label)} keep${figure === 'rssBytes' || figure === 'swapBytes' || figure === 'heapInuseBytes' ? 's' : ''} growing (${rate})`,
    message:
      `${riseText(capitalise(label), unit, evaluation, [timeMs, value])}${floors}: ` +
      `a steady rise across the whole window (Mann–Kendall ${formatP(evaluation.mk?.pValue ?? 1)}), not a sawtooth, a start-up ramp or one step.`,
    nextStep: FIGURE_TRIAGE[figure].nextStep,
    family: FIGURE_TRIAGE[figure].family,
    seed: () => points,
    point: [timeMs, value],
  };
}

/** Judges one path pattern's count of open FDs; `live` says whether its alert is already live. */
export function detectPatternGrowth(pattern: string, series: BucketSeries, settings: DetectorSettings, live: boolean): Finding | null {
  const key = alertKey('fd-pattern-growth', 'fdPattern', pattern);
  const { points, samples } = windowPoints(series);
  const evaluation = evaluateGrowth(points, samples, patternGrowthTest(settings));
  const active = decide(evaluation, live);
  if (active === null) return null;
  const subject = `Open FDs under "${pattern}"`;
  if (!active) {
    const now = latestPoint(series);
    return { active: false, key, ended: (alert) => stoppedText(subject, 'count', alert, { evaluation, points, segments: settings.growth.segments }, now, settings.fdPatterns.windowMs) };
  }
  const [timeMs, value] = latestPoint(series) ?? points[points.length - 1]!;
  const rate = formatRate(evaluation.perMinute, 'count');
  return {
    active: true,
    key,
    kind: 'fd-pattern-growth',
    figure: 'fdPattern',
    subject: pattern,
    severity: 'warning',
    value,
    line: null,
    ratePerMinute: evaluation.perMinute,
    unit: 'count',
    growth: {
      amount: evaluation.growth,
      spanMs: evaluation.spanMs,
      perMinute: evaluation.perMinute,
      pValue: evaluation.mk?.pValue ?? 1,
      fromValue: evaluation.fromValue,
    },
    title: `Open files under ${pattern} keep growing (${rate})`,
    message: `${riseText(subject, 'count', evaluation, [timeMs, value])}: sessions are being left open, each keeping its files.`,
    nextStep: `Find where files under "${pattern}" are opened and check each is closed when its session ends. ${NEXT_STEPS.fds}`,
    family: 'fds',
    seed: () => points,
    point: [timeMs, value],
  };
}
