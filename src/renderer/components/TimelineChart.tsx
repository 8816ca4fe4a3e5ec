/** One chart of the timeline: a figure group over the chosen range, with alert, capture and restart markers, a shared hover cursor and drag-to-zoom. */
import { useMemo, type MouseEvent } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Sample } from '../../shared/types.js';
import { formatBytes } from '../../shared/units.js';
import { figureSpec } from '../figures.js';
import type { DetectorSettings } from '../../shared/alerts.js';
import { clock, clockSeconds } from '../format.js';
import type { ChartPalette } from '../hooks/useTheme.js';
import { aloneIndexes, niceTicks, withBreaks, type ChartGroup, type Marker } from '../timeline-data.js';

/** Props of {@link TimelineChart}. */
export interface TimelineChartProps {
  group: ChartGroup;
  /** The detector settings in force: where the alert lines are drawn. */
  settings: DetectorSettings;
  samples: readonly Sample[];
  fromMs: number;
  toMs: number;
  ticks: number[];
  markers: readonly Marker[];
  palette: ChartPalette;
  /** The stretch being dragged over, while a zoom is chosen. */
  selection: { fromMs: number; toMs: number } | null;
  focused: boolean;
  /** Only the bottom chart labels the time axis; the others share it. */
  showTimeAxis: boolean;
  height: number;
  /** The pointer over the plot, as a time (null when it left the plot). */
  onPointer(kind: 'down' | 'move' | 'up' | 'leave', timeMs: number | null): void;
}

/** The plot's inset inside the chart: the y axis on the left, the margin on the right. */
const Y_AXIS_WIDTH = 64;
const MARGIN_RIGHT = 12;

/**
 * The time under a pointer, from its pixel position over the plot. Recharts' own `activeLabel` snaps
 * to the nearest sample, which makes a drag over a stretch without samples collapse to one point.
 */
export function timeAtPointer(clientX: number, box: { left: number; width: number }, fromMs: number, toMs: number): number | null {
  const plotWidth = box.width - Y_AXIS_WIDTH - MARGIN_RIGHT;
  if (plotWidth <= 0) return null;
  const share = (clientX - box.left - Y_AXIS_WIDTH) / plotWidth;
  if (share < 0 || share > 1) return null;
  return fromMs + share * (toMs - fromMs);
}

const compact = (v: number) => (Math.abs(v) >= 10_000 ? `${Math.round(v / 1000)}k` : Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v * 10) / 10));

/** Formats a y-axis tick in the group's unit. */
export function yTick(unit: ChartGroup['unit'], v: number): string {
  if (unit === 'bytes') return formatBytes(v, 0);
  if (unit === 'percent') return `${Number(v.toFixed(v < 10 ? 1 : 0))}%`;
  return compact(v);
}

const markerColor = (m: Marker, p: ChartPalette) => (m.kind === 'alert' ? p.alert : m.kind === 'capture' ? p.capture : p.restart);

/** The chart; its container carries `data-testid="chart-<id>"`. */
export function TimelineChart(props: TimelineChartProps) {
  const { group, samples, fromMs, toMs, ticks, markers, palette, selection, focused, showTimeAxis, height, onPointer, settings } = props;
  const colors = [palette.line, palette.second];
  const short = toMs - fromMs <= 10 * 60_000;
  // The alert line is drawn only when the data come within half of it, so a calm chart keeps its detail.
  let peak = 0;
  for (const s of samples) for (const f of group.figures) peak = Math.max(peak, s[f] ?? 0);
  const at = (e: MouseEvent<HTMLDivElement>) => timeAtPointer(e.clientX, e.currentTarget.getBoundingClientRect(), fromMs, toMs);
  const minScale = Math.max(...group.figures.map((f) => figureSpec(f).minScale));
  const lines = group.figures.map((f) => figureSpec(f).line(settings)).filter((l): l is number => l !== null && peak >= l * 0.5);
  const yTicks = niceTicks(Math.max(peak, minScale, ...lines), group.unit);
  const points = useMemo(() => withBreaks(samples), [samples]);
  // A sample alone between two breaks has no line to be drawn in: it gets a dot (recharts draws nothing, #5218).
  const alone = useMemo(() => new Map(group.figures.map((f) => [f, aloneIndexes(points, f)])), [points, group.figures]);
  return (
    <div className={`chart-card${focused ? ' focused' : ''}`} data-testid={`chart-${group.id}`}>
      <div className="chart-head">
        <h3>{group.title}</h3>
        <span className="chart-legend">
          {group.figures.length > 1 && group.figures.map((f, i) => (
            <span key={f} className="legend-item">
              <span className="swatch" style={{ background: colors[i] }} />
              {figureSpec(f).label}
            </span>
          ))}
        </span>
      </div>
      <div className="chart-plot" onMouseDown={(e) => onPointer('down', at(e))} onMouseMove={(e) => onPointer('move', at(e))} onMouseUp={(e) => onPointer('up', at(e))} onMouseLeave={() => onPointer('leave', null)}>
        <ResponsiveContainer width="100%" height={height + (showTimeAxis ? 20 : 0)}>
          <LineChart data={points} syncId="timeline" margin={{ top: 6, right: MARGIN_RIGHT, bottom: showTimeAxis ? 0 : 6, left: 0 }}>
            <CartesianGrid stroke={palette.grid} vertical={false} />
            <XAxis
              dataKey="timeMs"
              type="number"
              domain={[fromMs, toMs]}
              ticks={ticks}
              allowDataOverflow
              tickFormatter={(t: number) => (short ? clockSeconds(t) : clock(t))}
              stroke={palette.axis}
              tick={showTimeAxis ? { fontSize: 11, fill: palette.axis } : false}
              height={showTimeAxis ? 24 : 4}
              tickLine={false}
              axisLine={{ stroke: palette.grid }}
            />
            <YAxis
              width={Y_AXIS_WIDTH}
              domain={[0, yTicks.at(-1)!]}
              ticks={yTicks}
              interval={0}
              tickFormatter={(v: number) => yTick(group.unit, v)}
              stroke={palette.axis}
              tick={{ fontSize: 11, fill: palette.axis }}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip content={() => null} cursor={{ stroke: palette.axis, strokeDasharray: '3 3' }} isAnimationActive={false} />
            {lines.map((l) => (
              <ReferenceLine key={`line-${l}`} y={l} stroke={palette.alert} strokeDasharray="4 4" strokeOpacity={0.8} />
            ))}
            {markers.map((m, i) => (
              <ReferenceLine key={`m-${i}`} x={m.timeMs} stroke={markerColor(m, palette)} strokeWidth={m.kind === 'alert' ? 2 : 1.5} strokeDasharray={m.kind === 'capture' ? '2 3' : undefined} className={`marker marker-${m.kind}`} />
            ))}
            {group.figures.map((f, i) => (
              <Line
                key={f}
                type="linear"
                dataKey={f}
                name={figureSpec(f).label}
                stroke={colors[i]}
                strokeWidth={1.6}
                dot={(p: { cx?: number; cy?: number; index: number }) =>
                  alone.get(f)!.has(p.index) && p.cx !== undefined && p.cy !== undefined ? <circle key={`alone-${p.index}`} className="alone-dot" cx={p.cx} cy={p.cy} r={2} fill={colors[i]} /> : <g key={`none-${p.index}`} />
                }
                activeDot={{ r: 3 }}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
            {selection ? <ReferenceArea x1={selection.fromMs} x2={selection.toMs} fill={palette.zoom} fillOpacity={0.12} stroke={palette.zoom} strokeOpacity={0.4} /> : null}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
