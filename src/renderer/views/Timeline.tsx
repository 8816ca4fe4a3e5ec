/** The timeline, the inspector's first view: every figure of a target over a range, with markers, a shared hover readout, drag-to-zoom and CSV export. */
import { useEffect, useRef, useState } from 'react';
import { toCsv } from '../../shared/csv.js';
import { useApi } from '../api/context.js';
import { RangePicker } from '../components/RangePicker.js';
import { Readout } from '../components/Readout.js';
import { TimelineChart } from '../components/TimelineChart.js';
import { useDetectorSettings } from '../hooks/useDetectorSettings.js';
import { saveFile } from '../download.js';
import { clockSeconds, dateTime, fileStamp } from '../format.js';
import { useHistory } from '../hooks/useHistory.js';
import { useChartPalette } from '../hooks/useTheme.js';
import { formatRoute, type RangeSpec, type Route } from '../route.js';
import { CHART_GROUPS, groupOf, markersOf, sampleAt, timeTicks, type Marker } from '../timeline-data.js';

/** Points asked of the engine per chart: about one per horizontal pixel of a wide window. */
export const TIMELINE_MAX_POINTS = 1200;

/** The smallest stretch a drag zooms into. */
const MIN_ZOOM_MS = 2_000;

/** The timeline view. */
export function Timeline({ route, targetId, go }: { route: Extract<Route, { view: 'timeline' }>; targetId: string; go(to: Route, o?: { replace?: boolean }): void }) {
  const api = useApi();
  const palette = useChartPalette();
  const detectors = useDetectorSettings();
  const { history, fromMs, toMs, loading, error } = useHistory(targetId, route.range, TIMELINE_MAX_POINTS);
  const [hoverMs, setHoverMs] = useState<number | null>(null);
  const [drag, setDrag] = useState<{ fromMs: number; toMs: number } | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);
  const focusRef = useRef<HTMLDivElement>(null);
  const previous = useRef<RangeSpec | null>(null);

  useEffect(() => {
    if (route.figure) focusRef.current?.querySelector('.chart-card.focused')?.scrollIntoView({ block: 'nearest' });
  }, [route.figure, history !== null]);

  const samples = history?.samples ?? [];
  const markers = history ? markersOf(history, fromMs, toMs) : [];
  const ticks = timeTicks(fromMs, toMs, 7);
  const shown = hoverMs !== null ? sampleAt(samples, hoverMs) : (samples.at(-1) ?? null);
  const setRange = (range: RangeSpec) => {
    if (range.kind === 'custom' && route.range.kind !== 'custom') previous.current = route.range;
    go({ ...route, targetId, range });
  };

  const onPointer = (kind: 'down' | 'move' | 'up' | 'leave', t: number | null) => {
    if (kind === 'leave') {
      setHoverMs(null);
      if (drag) setDrag(null);
      return;
    }
    if (kind === 'down' && t !== null) setDrag({ fromMs: t, toMs: t });
    if (kind === 'move') {
      setHoverMs(t);
      if (drag && t !== null) setDrag({ fromMs: drag.fromMs, toMs: t });
    }
    if (kind === 'up' && drag) {
      const a = Math.min(drag.fromMs, t ?? drag.toMs);
      const b = Math.max(drag.fromMs, t ?? drag.toMs);
      setDrag(null);
      if (b - a >= MIN_ZOOM_MS) setRange({ kind: 'custom', fromMs: a, toMs: b });
    }
  };

  const exportCsv = async () => {
    setExporting('Exporting…');
    try {
      // The export is every stored sample of the range, not the downsampled drawing.
      const full = await api.history({ targetId, fromMs, toMs });
      // Seconds only when both ends fall in the same minute (a dragged zoom), so the two stamps differ.
      const seconds = Math.floor(fromMs / 60_000) === Math.floor(toMs / 60_000);
      const name = `leakbar-${targetId}-${fileStamp(fromMs, seconds)}_to_${fileStamp(toMs, seconds)}.csv`;
      saveFile(name, toCsv(full.samples), 'text/csv');
      setExporting(`${full.samples.length} rows saved`);
    } catch (e) {
      setExporting(e instanceof Error ? e.message : String(e));
    }
  };

  const chartHeight = 96;
  return (
    <div className="timeline" ref={focusRef}>
      <div className="toolbar">
        <RangePicker key={JSON.stringify(route.range)} range={route.range} resolved={{ fromMs, toMs }} onChange={setRange} />
        <span className="toolbar-gap" />
        {route.range.kind === 'custom' ? (
          <button type="button" className="btn" onClick={() => setRange(previous.current ?? { kind: 'last', name: '1h' })} data-testid="reset-zoom">
            Reset zoom
          </button>
        ) : null}
        <button type="button" className="btn" onClick={() => void exportCsv()} data-testid="export-csv" disabled={samples.length === 0}>
          Export CSV
        </button>
      </div>
      <div className="range-line">
        <span>
          {dateTime(fromMs)} – {dateTime(toMs)}
          {history?.downsampled ? <span className="muted"> · downsampled for drawing</span> : null}
          {loading && !history ? <span className="muted"> · loading…</span> : null}
        </span>
        <span className="muted">Drag across a chart to zoom{exporting ? ` · ${exporting}` : ''}</span>
      </div>
      {error ? <p className="error-text">{error}</p> : null}
      <Readout sample={shown} hovering={hoverMs !== null} />
      <div className="charts" onDoubleClick={() => route.range.kind === 'custom' && setRange(previous.current ?? { kind: 'last', name: '1h' })}>
        {CHART_GROUPS.map((g, i) => (
          <TimelineChart
            settings={detectors}
            key={g.id}
            group={g}
            samples={samples}
            fromMs={fromMs}
            toMs={toMs}
            ticks={ticks}
            markers={markers}
            palette={palette}
            selection={drag && drag.fromMs !== drag.toMs ? drag : null}
            focused={route.figure !== null && groupOf(route.figure).id === g.id}
            showTimeAxis={i === CHART_GROUPS.length - 1}
            height={chartHeight}
            onPointer={onPointer}
          />
        ))}
      </div>
      <MarkerList markers={markers} />
    </div>
  );
}

function MarkerList({ markers }: { markers: readonly Marker[] }) {
  return (
    <section className="marker-list" aria-label="Events in this range">
      <h3>
        Events in this range <span className="muted">({markers.length})</span>
        <span className="marker-key">
          <span className="key key-alert">alert</span>
          <span className="key key-capture">capture</span>
          <span className="key key-restart">restart</span>
        </span>
      </h3>
      {markers.length === 0 ? <p className="muted">No alerts, captures or restarts.</p> : null}
      <ul>
        {markers.map((m, i) => (
          <li key={i} className={`marker-row kind-${m.kind}`} data-testid="marker-row" data-kind={m.kind}>
            <span className="marker-time">{clockSeconds(m.timeMs)}</span>
            <span className={`key key-${m.kind}`}>{m.kind}</span>
            {m.ref && 'captureId' in m.ref ? <a href={formatRoute({ view: 'capture', captureId: m.ref.captureId })}>{m.label}</a> : <span>{m.label}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
