/** A small area chart of one figure over the popover's window, with its alert line when the line is in sight. */
import { Area, AreaChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { ChartPalette } from '../hooks/useTheme.js';
import type { FigureName, Sample } from '../../shared/types.js';
import { withBreaks } from '../timeline-data.js';

/** One point: time and value (null: a break in the line, see {@link withBreaks}). */
export interface SparkPoint {
  t: number;
  v: number | null;
}

/** One figure's points over the samples that have it, the line broken across gaps and restarts as the timeline's is. */
export function sparkPoints(samples: readonly Sample[], key: FigureName): SparkPoint[] {
  const points: SparkPoint[] = [];
  for (const p of withBreaks(samples)) {
    if (p.pid === undefined) {
      if (points.length > 0) points.push({ t: p.timeMs, v: null });
      continue;
    }
    const v = p[key];
    if (v !== undefined) points.push({ t: p.timeMs, v });
  }
  return points;
}

/** The y range: the data with room above and below (at least `minSpan` tall), widened to show the line when the data come near it. */
export function sparkDomain(points: readonly SparkPoint[], line: number | null, minSpan = 0): [number, number] {
  if (!points.some((p) => p.v !== null)) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    if (p.v === null) continue;
    lo = Math.min(lo, p.v);
    hi = Math.max(hi, p.v);
  }
  if (line !== null && hi >= line * 0.5) hi = Math.max(hi, line);
  if (hi - lo < minSpan) {
    // Centre the data in the least span, without going below zero.
    const from = Math.max(0, (lo + hi) / 2 - minSpan / 2);
    return [from, from + minSpan];
  }
  const pad = Math.max((hi - lo) * 0.15, Math.abs(hi) * 0.05, 1e-9);
  return [Math.max(0, lo - pad), hi + pad];
}

/** Draws the sparkline; `tone` colours it (alert red when past the line). */
export function Sparkline({ points, line, minSpan, palette, tone, id }: { points: SparkPoint[]; line: number | null; minSpan: number; palette: ChartPalette; tone: 'normal' | 'warning' | 'alert'; id: string }) {
  const color = tone === 'alert' ? palette.alert : tone === 'warning' ? palette.warning : palette.line;
  const domain = sparkDomain(points, line, minSpan);
  const gradient = `spark-${id}`;
  return (
    <ResponsiveContainer width="100%" height={22}>
      <AreaChart data={points} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
        <defs>
          <linearGradient id={gradient} x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" stopColor={color} stopOpacity={palette.dark ? 0.35 : 0.25} />
            <stop offset="100%" stopColor={color} stopOpacity={0.02} />
          </linearGradient>
        </defs>
        <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} hide />
        <YAxis type="number" domain={domain} hide allowDataOverflow />
        {line !== null && line <= domain[1] ? <ReferenceLine y={line} stroke={palette.alert} strokeDasharray="3 3" strokeOpacity={0.7} /> : null}
        <Area type="monotone" dataKey="v" stroke={color} strokeWidth={1.5} fill={`url(#${gradient})`} isAnimationActive={false} dot={false} activeDot={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}
