/** The profile views of the inspector: the top table, the flame graph (with sandwich and icicle), and the diff against an earlier capture. */
import { useMemo, useState, type RefObject } from 'react';
import { baseRelation, type CaptureMeta } from '../../shared/captures.js';
import { dateTime, dateTimeSeconds } from '../format.js';
import { Breadcrumb, FlameGraph, formatShare, formatValue } from './FlameGraph.js';
import { matchFrames, nodeOfZoomPath, searchShare, zoomPathOf, type FlameLayout } from './flame-layout.js';
import type { FlameTipKind } from './flame-tip.js';
import type { StateChangeOptions } from './hooks.js';
import type { DiffAnalysis, ProfileAnalysis, SandwichAnalysis } from './protocol.js';
import { DIFF_FILTERS, type InspectorState } from './state.js';
import { diffRows, type DiffMeasure } from './table-model.js';
import { FitName, TopTable, useTopMatchFlat } from './TopTable.js';
import { VirtualRows } from './VirtualRows.js';

type Update = (patch: Partial<InspectorState>, options?: StateChangeOptions) => void;

/** The search box with what the matches account for. */
export function SearchBar({ value, onChange, inputRef, summary, placeholder }: { value: string; onChange(v: string): void; inputRef: RefObject<HTMLInputElement | null>; summary: React.ReactNode; placeholder?: string }) {
  return (
    <div className="search-bar">
      <input
        ref={inputRef}
        type="search"
        className="search-input"
        data-testid="inspector-search"
        placeholder={placeholder ?? 'Search functions  ( / )'}
        title="Substring, or /regex/. Keys: / or Ctrl+F to search, Esc to clear."
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            onChange('');
            e.currentTarget.blur();
            e.stopPropagation();
          }
        }}
        aria-label="Search"
      />
      <span className="search-summary" data-testid="search-summary">
        {summary}
      </span>
    </div>
  );
}

/** The granularity switch (functions, files, lines). */
export function GranularitySwitch({ state, update }: { state: InspectorState; update: Update }) {
  const options: Array<[InspectorState['granularity'], string]> = [
    ['functions', 'functions'],
    ['files', 'files'],
    ['lines', 'lines'],
  ];
  return (
    <div className="segmented" role="group" aria-label="Granularity">
      {options.map(([g, label]) => (
        <button key={g} type="button" className={state.granularity === g ? 'on' : ''} onClick={() => update({ granularity: g, zoom: '', sandwich: '' })}>
          {label}
        </button>
      ))}
    </div>
  );
}

/** The top table view with its search. */
export function TopPane({ analysis, state, update, searchRef }: { analysis: ProfileAnalysis; state: InspectorState; update: Update; searchRef: RefObject<HTMLInputElement | null> }) {
  const { top, flame } = analysis;
  const matchedRows = useMemo(() => matchFrames(top.names, state.search), [top, state.search]);
  const matchedFrames = useMemo(() => matchFrames(flame.names, state.search), [flame, state.search]);
  const flat = useTopMatchFlat(top, matchedRows);
  // Like pprof -top, rows under 0.5 % of the total are left out until asked for; a search looks at every row.
  const keptCount = useMemo(() => top.pprofKept.reduce((s, v) => s + v, 0), [top]);
  const shownRows = matchedRows ?? (state.showAll ? null : top.pprofKept);
  const stacks = useMemo(() => (matchedFrames ? searchShare(flame, matchedFrames, 0) : null), [flame, matchedFrames]);
  const summary =
    flat && stacks ? (
      <>
        <strong>{flat.rows}</strong> matching · flat <strong>{formatValue(flat.flat, top.unit)}</strong> ({formatShare(flat.flat, top.total)}) · in stacks{' '}
        <strong data-testid="search-share">{formatShare(stacks.value, flame.totalValue[0]!)}</strong> of the total
      </>
    ) : keptCount < top.names.length ? (
      <span className="muted">
        {state.showAll ? `all ${top.names.length.toLocaleString('en-US')} rows` : `${keptCount.toLocaleString('en-US')} of ${top.names.length.toLocaleString('en-US')} rows (cum ≥ 0.5 %, as pprof)`} ·{' '}
        <button type="button" className="linklike" data-testid="top-show-all" onClick={() => update({ showAll: !state.showAll })}>
          {state.showAll ? 'as pprof' : 'show all'}
        </button>
      </span>
    ) : (
      <span className="muted">{top.names.length.toLocaleString('en-US')} rows</span>
    );
  return (
    <div className="pane">
      <div className="pane-toolbar">
        <SearchBar value={state.search} onChange={(v) => update({ search: v })} inputRef={searchRef} summary={summary} />
        <GranularitySwitch state={state} update={update} />
      </div>
      <TopTable top={top} matchedRows={shownRows} sort={state.sort} sortAsc={state.sortAsc} onSort={(sort, sortAsc) => update({ sort, sortAsc })} onPick={(name) => update({ view: 'flame', sandwich: name, zoom: '' }, { push: true })} />
    </div>
  );
}

/** The flame graph view: search, zoom with breadcrumb, icicle switch, and the sandwich of a chosen function. */
export function FlamePane({
  analysis,
  sandwich,
  state,
  update,
  searchRef,
}: {
  analysis: ProfileAnalysis;
  sandwich: { value: SandwichAnalysis | null; error: string | null; loading: boolean };
  state: InspectorState;
  update: Update;
  searchRef: RefObject<HTMLInputElement | null>;
}) {
  const { flame } = analysis;
  const zoomNode = useMemo(() => nodeOfZoomPath(flame, state.zoom), [flame, state.zoom]);
  const matchedFrames = useMemo(() => matchFrames(flame.names, state.search), [flame, state.search]);
  // What the view draws: the zoomed subtree and, across the full width, the frames on the path to it.
  const share = useMemo(() => (matchedFrames ? searchShare(flame, matchedFrames, zoomNode) : null), [flame, matchedFrames, zoomNode]);
  const wholeGraph = useMemo(() => (matchedFrames && zoomNode > 0 ? searchShare(flame, matchedFrames, 0) : null), [flame, matchedFrames, zoomNode]);
  const orientation = state.icicle ? 'icicle' : 'flame';
  const zoomedName = zoomNode > 0 ? flame.names[flame.frame[zoomNode]!]! : null;
  const summary = share ? (
    zoomedName && wholeGraph ? (
      <span title={`Counted in the zoomed view: the zoomed frame, what it calls, and the frames on its path from the root (drawn across the full width). ${wholeGraph.matchedNodes.toLocaleString('en-US')} frames match in the whole graph.`}>
        <strong data-testid="search-count">{share.matchedNodes.toLocaleString('en-US')}</strong> of <span data-testid="search-count-all">{wholeGraph.matchedNodes.toLocaleString('en-US')}</span> matching frames in this zoom
        {share.pathNodes > 0 ? ` (${share.pathNodes.toLocaleString('en-US')} on its path)` : ''} · <strong data-testid="search-share">{formatShare(share.value, flame.totalValue[zoomNode]!)}</strong> of the zoomed frame ({formatValue(share.value, flame.unit)})
      </span>
    ) : (
      <>
        <strong data-testid="search-count">{share.matchedNodes.toLocaleString('en-US')}</strong> {share.matchedNodes === 1 ? 'frame matches' : 'frames match'} · <strong data-testid="search-share">{formatShare(share.value, flame.totalValue[0]!)}</strong> of the total ({formatValue(share.value, flame.unit)})
      </>
    )
  ) : (
    <span className="muted">Click a frame to zoom · Esc zooms out</span>
  );
  return (
    <div className="pane">
      <div className="pane-toolbar">
        <SearchBar value={state.search} onChange={(v) => update({ search: v })} inputRef={searchRef} summary={summary} />
        <GranularitySwitch state={state} update={update} />
        <div className="segmented" role="group" aria-label="Orientation">
          <button type="button" className={!state.icicle ? 'on' : ''} onClick={() => update({ icicle: false })}>
            flame
          </button>
          <button type="button" className={state.icicle ? 'on' : ''} onClick={() => update({ icicle: true })} data-testid="icicle-toggle">
            icicle
          </button>
        </div>
      </div>
      <div className="flame-bar">
        <Breadcrumb layout={flame} zoomNode={zoomNode} onZoom={(n) => update({ zoom: zoomPathOf(flame, n) }, { push: true })} />
        <span className="toolbar-gap" />
        {zoomedName ? (
          <button type="button" className="btn small" data-testid="sandwich-button" onClick={() => update({ sandwich: zoomedName })}>
            Callers and callees of <span className="mono">{shorten(zoomedName, 40)}</span>
          </button>
        ) : null}
      </div>
      <div className="flame-scroll">
        <FlameGraph layout={flame} zoomNode={zoomNode} onZoom={(n) => update({ zoom: zoomPathOf(flame, n) }, { push: true })} orientation={orientation} matchedFrames={matchedFrames} exposeForTests label={`Flame graph of ${flame.sampleType}`} />
        {state.sandwich ? <SandwichPanel name={state.sandwich} sandwich={sandwich} matchedFrames={state.search} profileTotal={flame.totalValue[0]!} onClose={() => update({ sandwich: '' })} /> : null}
      </div>
    </div>
  );
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}

/** Callers (flame: the function at the bottom, its callers above) and callees (icicle: the function at the top, what it calls below). */
function SandwichPanel({
  name,
  sandwich,
  matchedFrames,
  profileTotal,
  onClose,
}: {
  name: string;
  sandwich: { value: SandwichAnalysis | null; error: string | null; loading: boolean };
  matchedFrames: string;
  /** The profile's total (the main flame graph's root), for the tooltips' shares. */
  profileTotal: number;
  onClose(): void;
}) {
  const [callerZoom, setCallerZoom] = useState(0);
  const [calleeZoom, setCalleeZoom] = useState(0);
  const s = sandwich.value && sandwich.value.name === name ? sandwich.value : null;
  const callersMatch = useMemo(() => (s ? matchFrames(s.callers.names, matchedFrames) : null), [s, matchedFrames]);
  const calleesMatch = useMemo(() => (s ? matchFrames(s.callees.names, matchedFrames) : null), [s, matchedFrames]);
  return (
    <section className="sandwich" data-testid="sandwich">
      <div className="sandwich-head">
        <h3>
          Callers and callees of <span className="mono">{name}</span>
        </h3>
        <span className="toolbar-gap" />
        <button type="button" className="btn small" onClick={onClose}>
          Close
        </button>
      </div>
      {sandwich.error ? <p className="error-text">{sandwich.error}</p> : null}
      {!s ? <p className="muted">Building…</p> : null}
      {s && s.callers.totalValue[0] === 0 ? <p className="muted">No stack holds this function at this granularity.</p> : null}
      {s && s.callers.totalValue[0]! > 0 ? (
        <>
          <h4 className="muted">Callers (who calls it, up to the root)</h4>
          <SubFlame layout={s.callers} zoom={callerZoom} setZoom={setCallerZoom} orientation="flame" matched={callersMatch} testId="sandwich-callers" tip={{ kind: 'callers', fn: name, profileTotal }} />
          <h4 className="muted">Callees (what it calls)</h4>
          <SubFlame layout={s.callees} zoom={calleeZoom} setZoom={setCalleeZoom} orientation="icicle" matched={calleesMatch} testId="sandwich-callees" tip={{ kind: 'callees', fn: name, profileTotal }} />
        </>
      ) : null}
    </section>
  );
}

function SubFlame({
  layout,
  zoom,
  setZoom,
  orientation,
  matched,
  testId,
  tip,
}: {
  layout: FlameLayout;
  zoom: number;
  setZoom(n: number): void;
  orientation: 'flame' | 'icicle';
  matched: Uint8Array | null;
  testId: string;
  tip: FlameTipKind;
}) {
  // The sandwich trees' root is synthetic: start at the function itself.
  const z = zoom === 0 && layout.count > 1 ? 1 : Math.min(zoom, layout.count - 1);
  return (
    <>
      <Breadcrumb layout={layout} zoomNode={z} onZoom={setZoom} fromNode={1} />
      <FlameGraph layout={layout} zoomNode={z} onZoom={(n) => setZoom(Math.max(1, n))} orientation={orientation} matchedFrames={matched} testId={testId} label={testId} hideRoot tip={tip} />
    </>
  );
}

/** Where a diff's base comes from, as the base picker lists it. */
export interface BaseChoice {
  capture: CaptureMeta;
  label: string;
}

/**
 * A label for a capture in pickers: "baseline · 2026-11-24 14:05" or the date alone, with seconds when another
 * capture of `among` was taken in the same minute (and milliseconds in the same second), so no two read alike.
 */
export function captureLabel(c: CaptureMeta, among: readonly CaptureMeta[] = []): string {
  const others = among.filter((o) => o.id !== c.id);
  const sameSecond = others.some((o) => Math.floor(o.startedMs / 1000) === Math.floor(c.startedMs / 1000));
  const sameMinute = others.some((o) => dateTime(o.startedMs) === dateTime(c.startedMs));
  const when = sameSecond ? `${dateTimeSeconds(c.startedMs)}.${String(c.startedMs % 1000).padStart(3, '0')}` : sameMinute ? dateTimeSeconds(c.startedMs) : dateTime(c.startedMs);
  return `${c.baseline ? 'baseline · ' : ''}${when}`;
}

/**
 * How a view names the capture it compares with: "the baseline (2026-11-24 18:44:05)" or "the base capture (…)";
 * of another process than `of` (the capture shown), it says so: a change across a restart is not a leak; of
 * another target, it names that target.
 */
export function baseCaptureText(c: CaptureMeta, of?: Pick<CaptureMeta, 'pid'> & Partial<Pick<CaptureMeta, 'targetId'>>): string {
  const relation = of ? baseRelation(c, of) : null;
  const otherProcess = relation?.kind === 'other-target' ? `, of ${c.targetId}` : relation?.kind === 'restart' ? `, of pid ${c.pid}, before a restart` : '';
  return `${c.baseline ? 'the baseline' : 'the base capture'} (${dateTimeSeconds(c.startedMs)}${otherProcess})`;
}

/** The diff view: a table of the change per function with filters, and the diff flame graph. */
export function DiffPane({
  diff,
  choices,
  baseId,
  state,
  update,
  searchRef,
  goroutineProfile = false,
}: {
  diff: { value: DiffAnalysis | null; error: string | null; loading: boolean };
  choices: BaseChoice[];
  baseId: string | null;
  state: InspectorState;
  update: Update;
  searchRef: RefObject<HTMLInputElement | null>;
  /** A goroutine profile: every goroutine's flat frame is the runtime's wait, so point to the Goroutines view. */
  goroutineProfile?: boolean;
}) {
  const [measure, setMeasure] = useState<DiffMeasure>('flat');
  const d = diff.value;
  const matchedRows = useMemo(() => (d ? matchFrames(d.columns.names, state.search) : null), [d, state.search]);
  const rows = useMemo(() => (d ? diffRows(d.columns, measure, state.normalize, state.diffFilter, matchedRows) : []), [d, measure, state.normalize, state.diffFilter, matchedRows]);
  const matchedFrames = useMemo(() => (d ? matchFrames(d.flame.names, state.search) : null), [d, state.search]);
  const zoomNode = useMemo(() => (d ? nodeOfZoomPath(d.flame, state.zoom) : 0), [d, state.zoom]);
  const baseScale = d && state.normalize && d.columns.baseTotal > 0 ? d.columns.total / d.columns.baseTotal : 1;
  if (choices.length === 0) return <p className="muted pad">No earlier capture of this kind to compare with. Take another capture later, or mark this one as the baseline (the button above) to compare later captures with it.</p>;
  const unit = d?.columns.unit ?? '';
  const fmtDelta = (v: number) => `${v > 0 ? '+' : ''}${formatValue(v, unit)}`;
  const totalDelta = d ? d.columns.total - d.columns.baseTotal * baseScale : 0;
  return (
    <div className="pane">
      <div className="pane-toolbar">
        <label className="field">
          against{' '}
          <select value={baseId ?? ''} onChange={(e) => update({ base: e.target.value })} data-testid="diff-base">
            {choices.map((c) => (
              <option key={c.capture.id} value={c.capture.id}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented" role="group" aria-label="Filter">
          {DIFF_FILTERS.map((f) => (
            <button key={f} type="button" className={state.diffFilter === f ? 'on' : ''} onClick={() => update({ diffFilter: f })} data-testid={`diff-filter-${f}`}>
              {f}
            </button>
          ))}
        </div>
        <div className="segmented" role="group" aria-label="Measure">
          {(['flat', 'cum'] as const).map((m) => (
            <button key={m} type="button" className={measure === m ? 'on' : ''} onClick={() => setMeasure(m)}>
              {m}
            </button>
          ))}
        </div>
        <label className="check" title="Scale the base to the current total: compare shares instead of sizes">
          <input type="checkbox" checked={state.normalize} onChange={(e) => update({ normalize: e.target.checked })} /> normalized
        </label>
        <GranularitySwitch state={state} update={update} />
      </div>
      <div className="pane-toolbar">
        <SearchBar value={state.search} onChange={(v) => update({ search: v })} inputRef={searchRef} summary={d ? <span className="muted">{rows.length.toLocaleString('en-US')} rows</span> : null} />
        {d ? (
          <span className="diff-total">
            total {formatValue(d.columns.baseTotal * baseScale, unit)} → {formatValue(d.columns.total, unit)} <span className={totalDelta > 0 ? 'grow' : totalDelta < 0 ? 'shrink' : 'muted'}>({fmtDelta(totalDelta)})</span>
          </span>
        ) : null}
      </div>
      {goroutineProfile ? (
        <p className="muted hint pad" data-testid="diff-goroutine-hint">
          Every waiting goroutine&apos;s own frame is the runtime&apos;s (<code className="mono">runtime.gopark</code>), so flat leads with it. The{' '}
          <button type="button" className="linklike" onClick={() => update({ view: 'goroutines' })} data-testid="diff-goroutine-link">
            Goroutines view
          </button>{' '}
          compares whole stacks with the base and names the ones that grew.
        </p>
      ) : null}
      {diff.error ? <p className="error-text pad">{diff.error}</p> : null}
      {!d && !diff.error ? <p className="muted pad">Comparing…</p> : null}
      {d ? (
        <div className="diff-body">
          <VirtualRows
            className="diff-table"
            testId="diff-table"
            rowCount={rows.length}
            rowHeightPx={24}
            header={
              <div className="trow thead diff-row" role="row">
                <span className="tcell th tname">function</span>
                <span className="tcell th tnum">before</span>
                <span className="tcell th tnum">now</span>
                <span className="tcell th tnum">change</span>
                <span className="tcell th tnum">%</span>
                <span className="tcell th">status</span>
              </div>
            }
            renderRow={(k) => {
              const r = rows[k]!;
              return (
                <div key={r.index} className="trow diff-row" role="row" data-testid="diff-row" data-name={r.name} data-status={r.status} title={r.name}>
                  <span className="tcell tname mono fit-cell">
                    <FitName text={r.name} />
                  </span>
                  <span className="tcell tnum">{formatValue(r.base, unit)}</span>
                  <span className="tcell tnum">{formatValue(r.current, unit)}</span>
                  <span className={`tcell tnum ${r.delta > 0 ? 'grow' : r.delta < 0 ? 'shrink' : ''}`}>{fmtDelta(r.delta)}</span>
                  <span className="tcell tnum muted">{Number.isFinite(r.ratio) ? `${r.ratio > 0 ? '+' : ''}${(r.ratio * 100).toFixed(r.ratio < 10 ? 1 : 0)}%` : '—'}</span>
                  <span className="tcell">
                    <span className={`tag st-${r.status}`}>{r.status}</span>
                  </span>
                </div>
              );
            }}
          />
          <div className="diff-flame">
            <div className="flame-bar">
              <Breadcrumb layout={d.flame} zoomNode={zoomNode} onZoom={(n) => update({ zoom: zoomPathOf(d.flame, n) }, { push: true })} />
              <span className="toolbar-gap" />
              <span className="legend">
                <span className="swatch grow-bg" /> grew <span className="swatch shrink-bg" /> shrank · width = now
              </span>
            </div>
            <div className="flame-scroll">
              <FlameGraph
                layout={d.flame}
                zoomNode={zoomNode}
                onZoom={(n) => update({ zoom: zoomPathOf(d.flame, n) }, { push: true })}
                orientation={state.icicle ? 'icicle' : 'flame'}
                matchedFrames={matchedFrames}
                colorBy="diff"
                baseScale={baseScale}
                testId="diff-flame-canvas"
                label="Diff flame graph"
              />
            </div>
          </div>
        </div>
      ) : null}
    </div>
  );
}
