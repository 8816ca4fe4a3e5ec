/** Growth alerts: sustained growth of FDs, goroutines, heap, RSS, threads and swap, and of the count of FDs under each path pattern. */
import type { DetectorSettings, GrowthFigure } from '../../shared/alerts.js';
import { alertKey, FIGURE_TRIAGE, FIGURE_WORDS, formatAmount, formatP, formatRate, formatSigned, formatSpan, NEXT_STEPS, type Finding } from './findings.js';
import { evaluateGrowth, type GrowthEvaluation, type GrowthTest } from './growth.js';
import { latestPoint, windowPoints, type BucketSeries } from './series.js';

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

/** Judges one figure's window; `live` says whether its growth alert is already live. */
export function detectFigureGrowth(figure: GrowthFigure, series: BucketSeries, settings: DetectorSettings, live: boolean): Finding | null {
  const key = alertKey('growth', figure);
  const { points, samples } = windowPoints(series);
  const evaluation = evaluateGrowth(points, samples, growthTestFor(settings, figure));
  const active = decide(evaluation, live);
  if (active === null) return null;
  if (!active) return { active: false, key };
  const { label, unit } = FIGURE_WORDS[figure];
  const [timeMs, value] = latestPoint(series) ?? points[points.length - 1]!;
  const rate = formatRate(evaluation.perMinute, unit);
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
      `${formatSigned(evaluation.growth, unit)} ${label} in ${formatSpan(evaluation.spanMs)} (${rate}), now ${formatAmount(value, unit)}: ` +
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
  if (!active) return { active: false, key };
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
    message:
      `${formatSigned(evaluation.growth, 'count')} open FDs under "${pattern}" in ${formatSpan(evaluation.spanMs)} (${rate}), now ${formatAmount(value, 'count')}: ` +
      'sessions are being left open, each keeping its files.',
    nextStep: `Find where files under "${pattern}" are opened and check each is closed when its session ends. ${NEXT_STEPS.fds}`,
    family: 'fds',
    seed: () => points,
    point: [timeMs, value],
  };
}
