/** One figure in the popover: its name, current value, alert line and sparkline; a click opens the timeline at it. */
import type { SourceStatus } from '../../shared/status.js';
import type { Sample } from '../../shared/types.js';
import { formatLine, type FigureSpec } from '../figures.js';
import { NEAR_LINE_RATIO } from '../health.js';
import type { ChartPalette } from '../hooks/useTheme.js';
import { Sparkline, sparkPoints } from './Sparkline.js';

/** Props of {@link FigureTile}. */
export interface FigureTileProps {
  spec: FigureSpec;
  samples: readonly Sample[];
  current: number | undefined;
  line: number | null;
  palette: ChartPalette;
  onOpen(): void;
  /** The process is gone: the figures are its last, shown dimmed, and `staleNote` says since when. */
  staleNote?: string | null;
  /** Why the figure has no value yet, when a source it comes from is failing (said instead of "collecting…"). */
  problem?: SourceStatus | null;
}

/** The tile; `data-testid="figure-<key>"`, the value in `.figure-value`. */
export function FigureTile({ spec, samples, current, line, palette, onOpen, staleNote = null, problem = null }: FigureTileProps) {
  const points = sparkPoints(samples, spec.key);
  const tone = line !== null && current !== undefined ? (current > line ? 'alert' : current >= line * NEAR_LINE_RATIO ? 'warning' : 'normal') : 'normal';
  return (
    <button
      type="button"
      className={`figure-tile tone-${tone}${staleNote ? ' stale' : ''}`}
      data-testid={`figure-${spec.key}`}
      data-stale={staleNote ? 'true' : undefined}
      onClick={onOpen}
      title={staleNote ? `${spec.label}: ${staleNote}; open the timeline` : `${spec.label}: open the timeline`}
    >
      <span className="figure-row">
        <span className="figure-label">{spec.label}</span>
        {line !== null ? (
          <span className="figure-line" title={`Alerts when ${spec.label.toLowerCase()} stay above ${formatLine(spec, line)}`}>
            <span className="line-swatch" aria-hidden="true" />
            {formatLine(spec, line)}
          </span>
        ) : (
          <span className="figure-line" title={spec.noLine === 'growth' ? `No fixed line: alerts when ${spec.label.toLowerCase()} keep growing` : 'No alert on this figure'}>
            {spec.noLine === 'growth' ? '↗ growth' : spec.noLine}
          </span>
        )}
      </span>
      <span className="figure-value" data-value={current ?? ''}>
        {current !== undefined ? spec.format(current) : '—'}
      </span>
      <span className="figure-spark">
        {points.length > 1 ? (
          <Sparkline id={spec.key} points={points} line={line} minSpan={spec.minScale} palette={palette} tone={tone} />
        ) : problem && current === undefined ? (
          <span className="figure-empty figure-problem" data-testid={`problem-${spec.key}`} title={problem.hint ? `${problem.message} (${problem.hint})` : problem.message}>
            {problem.message.replace(/^GET \S+: /, '')}
          </span>
        ) : (
          <span className="figure-empty">collecting…</span>
        )}
      </span>
    </button>
  );
}
