/**
 * The capture inspector: one capture's profile header and views (top table, flame graph, diff,
 * goroutines, file descriptors, memory map, files), with the view state in the URL hash, keyboard
 * shortcuts, the raw profile download and an HTML export. Profiles are analysed in a Web Worker.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CAPTURE_KIND_TITLES } from '../../shared/captures.js';
import type { CaptureFile, CaptureMeta } from '../../shared/captures.js';
import type { MemoryMap } from '../../shared/types.js';
import { formatDurationMs } from '../../shared/units.js';
import { captureFileLink } from '../api/choose.js';
import { useApiContext } from '../api/context.js';
import { saveFile } from '../download.js';
import { dateTime } from '../format.js';
import { CaptureDetail, CaptureMarks } from '../views/CaptureDetail.js';
import { buildExportHtml, flamePngDataUrl, type ExportTable } from './export-html.js';
import { parseFdSnapshot } from './fd-model.js';
import { formatShare, formatValue } from './FlameGraph.js';
import { matchFrames, nodeOfZoomPath } from './flame-layout.js';
import { useAnalysisWorker, useAsync, useInspectorState } from './hooks.js';
import { inspectorPerf, recordStep } from './perf.js';
import { baseCaptureText, captureLabel, DiffPane, FlamePane, SearchBar, TopPane, type BaseChoice } from './ProfileViews.js';
import type { DiffAnalysis, ProfileAnalysis, ProfileSummary } from './protocol.js';
import { emptyProfileReason, explainSampleType, sampleTypeLabel } from './sample-types.js';
import type { InspectorState, InspectorView } from './state.js';
import { FdsView, GoroutinesView, MemoryView } from './SystemViews.js';
import { diffRows, pprofPercent, pprofValue, topView } from './table-model.js';
import type { AnalysisClient } from './worker-client.js';
import './inspector.css';

const PROFILE_ROLES: ReadonlyArray<CaptureFile['role']> = ['heap', 'allocs', 'cpu', 'goroutine', 'block', 'mutex'];

const VIEW_LABEL: Record<InspectorView, string> = {
  top: 'Top',
  flame: 'Flame graph',
  diff: 'Diff',
  goroutines: 'Goroutines',
  fds: 'File descriptors',
  memory: 'Memory map',
};


/** The views a capture's files support, in tab (and number key) order; its files are listed below every view. */
export function availableViews(c: CaptureMeta): InspectorView[] {
  const has = (role: CaptureFile['role']) => c.files.some((f) => f.role === role);
  const out: InspectorView[] = [];
  if (c.files.some((f) => PROFILE_ROLES.includes(f.role))) out.push('top', 'flame', 'diff');
  if (has('goroutine-dump')) out.push('goroutines');
  if (has('fds')) out.push('fds');
  if (has('memory-map')) out.push('memory');
  return out;
}

/** The view a capture opens on when the link names none. */
export function defaultView(c: CaptureMeta, views: InspectorView[]): InspectorView {
  if (c.kind === 'goroutine' && views.includes('goroutines')) return 'goroutines';
  if (c.kind === 'system' && views.includes('fds')) return 'fds';
  return views[0] ?? 'top';
}

/** Earlier captures of the same target holding a file of this name, the baseline first, then newest first. */
export function baseCandidates(current: CaptureMeta, all: readonly CaptureMeta[], fileName: string): CaptureMeta[] {
  return all
    .filter((c) => c.id !== current.id && c.targetId === current.targetId && c.startedMs <= current.startedMs && c.files.some((f) => f.name === fileName))
    .sort((a, b) => Number(b.baseline) - Number(a.baseline) || b.startedMs - a.startedMs);
}

/** The inspector of one capture. Needs the API context (ApiProvider) above it. */
export function CaptureInspector({ captureId }: { captureId: string }) {
  const { api, door } = useApiContext();
  const [state, update] = useInspectorState();
  const worker = useAnalysisWorker();
  const searchRef = useRef<HTMLInputElement | null>(null);
  // Counts up when this page changed a capture's marks: the capture and its target's list (the Diff base) are read again.
  const [version, setVersion] = useState(0);
  const meta = useAsync(() => api.getCapture({ captureId }).finally(() => recordStep('capture-meta')), [api, captureId, version]);
  const capture = meta.value?.id === captureId ? meta.value : null;
  // Read again per capture opened, too: a baseline marked on another capture's page counts here.
  const captures = useAsync(() => (capture ? api.listCaptures({ targetId: capture.targetId }) : null), [api, capture?.targetId, captureId, version]);
  const views = capture ? availableViews(capture) : [];
  const view: InspectorView = capture ? (state.view && views.includes(state.view) ? state.view : defaultView(capture, views)) : 'top';
  const profileFiles = capture ? capture.files.filter((f) => PROFILE_ROLES.includes(f.role)) : [];
  const file = profileFiles.find((f) => f.name === state.file) ?? profileFiles[0] ?? null;
  const isProfileView = views.includes(view) && (view === 'top' || view === 'flame' || view === 'diff');

  // Opened profiles, per worker: a key is opened once, whoever asks first.
  const opened = useRef<{ worker: AnalysisClient | null; map: Map<string, Promise<ProfileSummary>> }>({ worker: null, map: new Map() });
  const openProfile = useCallback(
    (capId: string, name: string): Promise<ProfileSummary> => {
      if (!worker) return Promise.reject(new Error('the analysis worker is not running'));
      if (opened.current.worker !== worker) opened.current = { worker, map: new Map() };
      const key = `${capId}/${name}`;
      let p = opened.current.map.get(key);
      if (!p) {
        p = api.readCaptureFile({ captureId: capId, name }).then((bytes) => {
          recordStep('file-fetched');
          const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
          return worker.request({ type: 'open', key, bytes: buf }, [buf]).finally(() => recordStep('decoded'));
        });
        p.catch(() => opened.current.map.delete(key));
        opened.current.map.set(key, p);
      }
      return p;
    },
    [api, worker],
  );

  const summary = useAsync(() => (worker && file && isProfileView ? openProfile(captureId, file.name) : null), [worker, captureId, file?.name, isProfileView, openProfile]);
  const sampleType = summary.value ? (summary.value.sampleTypes.some((t) => t.type === state.sampleType) ? state.sampleType : summary.value.defaultSampleType) : '';
  const analysis = useAsync<ProfileAnalysis>(
    () =>
      worker && file && summary.value && sampleType
        ? worker.request({ type: 'profile', key: `${captureId}/${file.name}`, sampleType, granularity: state.granularity }).then((a) => {
            recordStep('analysed');
            const perf = inspectorPerf();
            perf.analyzeMs = a.analyzeMs;
            perf.decodeMs = summary.value!.decodeMs;
            return a;
          })
        : null,
    [worker, summary.value, sampleType, state.granularity],
  );
  const sandwich = useAsync(
    () => (worker && file && analysis.value && view === 'flame' && state.sandwich ? worker.request({ type: 'sandwich', key: `${captureId}/${file.name}`, sampleType, granularity: state.granularity, name: state.sandwich }) : null),
    [worker, analysis.value, view, state.sandwich],
  );

  // Diff base: the chosen capture, else the baseline, else the latest earlier capture with the same file.
  const choices: BaseChoice[] = useMemo(() => {
    if (!capture || !file || !captures.value) return [];
    const list = baseCandidates(capture, captures.value, file.name);
    return list.map((c) => ({ capture: c, label: captureLabel(c, list) }));
  }, [capture, file, captures.value]);
  const baseId = choices.find((c) => c.capture.id === state.base)?.capture.id ?? choices[0]?.capture.id ?? null;
  const diff = useAsync<DiffAnalysis>(
    () =>
      worker && file && summary.value && sampleType && view === 'diff' && baseId
        ? openProfile(baseId, file.name).then(() => worker.request({ type: 'diff', key: `${captureId}/${file.name}`, baseKey: `${baseId}/${file.name}`, sampleType, granularity: state.granularity }))
        : null,
    [worker, summary.value, sampleType, view, baseId, state.granularity],
  );

  // Goroutine dump, FD snapshot and memory map, with their bases.
  const fileOf = (c: CaptureMeta | null, role: CaptureFile['role']) => c?.files.find((f) => f.role === role) ?? null;
  const baseWith = (role: CaptureFile['role']): CaptureMeta | null => {
    const f = fileOf(capture, role);
    if (!capture || !f || !captures.value) return null;
    return baseCandidates(capture, captures.value, f.name)[0] ?? null;
  };
  const grBase = view === 'goroutines' ? baseWith('goroutine-dump') : null;
  const goroutines = useAsync(() => {
    const f = fileOf(capture, 'goroutine-dump');
    if (!worker || !capture || !f || view !== 'goroutines' || !captures.value) return null;
    const read = (id: string) => api.readCaptureFile({ captureId: id, name: f.name }).then((b) => b.slice().buffer as ArrayBuffer);
    return Promise.all([read(capture.id), grBase ? read(grBase.id) : Promise.resolve(null)]).then(([text, baseText]) => worker.request({ type: 'goroutines', text, baseText }, baseText ? [text, baseText] : [text]));
  }, [worker, capture, view, captures.value, grBase?.id]);
  const fdBase = view === 'fds' ? baseWith('fds') : null;
  const fds = useAsync(() => {
    const f = fileOf(capture, 'fds');
    if (!capture || !f || view !== 'fds' || !captures.value) return null;
    const read = (id: string) => api.readCaptureFile({ captureId: id, name: f.name }).then((b) => parseFdSnapshot(new TextDecoder().decode(b)));
    return Promise.all([read(capture.id), fdBase ? read(fdBase.id).catch(() => null) : Promise.resolve(null)]);
  }, [capture, view, captures.value, fdBase?.id]);
  const memory = useAsync(() => {
    const f = fileOf(capture, 'memory-map');
    if (!capture || !f || view !== 'memory') return null;
    return api.readCaptureFile({ captureId: capture.id, name: f.name }).then((b) => JSON.parse(new TextDecoder().decode(b)) as MemoryMap);
  }, [capture, view]);

  const go = useCallback((patch: Partial<InspectorState>) => update(patch, { push: true }), [update]);

  // Keyboard: / or Ctrl/Cmd+F searches, Esc zooms out, number keys switch views.
  const flame = analysis.value?.flame ?? null;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = !!target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if ((e.key === 'f' && (e.ctrlKey || e.metaKey)) || (e.key === '/' && !typing)) {
        if (searchRef.current) {
          e.preventDefault();
          searchRef.current.focus();
          searchRef.current.select();
        }
        return;
      }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') {
        const layout = view === 'diff' ? (diff.value?.flame ?? null) : flame;
        const z = layout ? nodeOfZoomPath(layout, state.zoom) : 0;
        if (layout && z > 0) {
          const parent = layout.parent[z]!;
          const path = state.zoom.split(';');
          update({ zoom: parent <= 0 ? '' : path.slice(0, layout.depth[parent]!).join(';') }, { push: true });
        } else if (state.sandwich) update({ sandwich: '' });
        else if (state.search) update({ search: '' });
        return;
      }
      const n = Number(e.key);
      if (Number.isInteger(n) && n >= 1 && n <= views.length) {
        e.preventDefault();
        go({ view: views[n - 1]! });
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [views, view, flame, diff.value, state.zoom, state.sandwich, state.search, update, go]);

  if (meta.error) return <p className="error-text pad">{meta.error}</p>;
  if (!capture) return <p className="muted pad">Loading…</p>;

  const exportView = () => {
    const html = buildExport(capture, view, state, sampleType, analysis.value, diff.value, choices.find((c) => c.capture.id === baseId)?.label ?? '');
    saveFile(`leakbar-${capture.id}-${view}.html`, html, 'text/html');
  };

  const top = analysis.value?.top ?? null;
  // A sample type with nothing to show: say why (no samples, an idle CPU, all freed) rather than an empty table and flame graph.
  const empty = (view === 'top' || view === 'flame') && analysis.value && summary.value ? emptyProfileReason(summary.value, sampleType) : null;
  // The download is the file the view shows: the profile, the goroutine dump, the FD snapshot or the memory map.
  const viewFile = isProfileView ? file : view === 'goroutines' ? fileOf(capture, 'goroutine-dump') : view === 'fds' ? fileOf(capture, 'fds') : view === 'memory' ? fileOf(capture, 'memory-map') : null;
  return (
    <div className="cinsp" data-testid="capture-inspector" data-view={view}>
      <header className="cinsp-head">
        <div className="cinsp-title">
          <h2>{CAPTURE_KIND_TITLES[capture.kind]}</h2>
          <span className="muted">{dateTime(capture.startedMs)}</span>
          {capture.pid ? <span className="muted">pid {capture.pid}</span> : null}
          {capture.baseline ? <span className="tag">baseline</span> : null}
          {capture.pinned ? <span className="tag">pinned</span> : null}
          <CaptureMarks capture={capture} onChange={() => setVersion((v) => v + 1)} />
          <span className="toolbar-gap" />
          {viewFile?.missing ? (
            <span className="muted" data-testid="download-profile-deleted" title={`${viewFile.name} is no longer in the capture's folder`}>
              {viewFile.name} deleted
            </span>
          ) : viewFile ? (
            <DownloadLink door={door} captureId={capture.id} name={viewFile.name} />
          ) : null}
          {isProfileView ? (
            <button type="button" className="btn small" onClick={exportView} data-testid="export-html" disabled={!analysis.value}>
              Export HTML
            </button>
          ) : null}
        </div>
        {/* Nothing to switch or total when the profile could not be read: no empty bar under the title. */}
        {isProfileView && file && (profileFiles.length > 1 || summary.value) ? (
          <div className="cinsp-profile">
            {profileFiles.length > 1 ? (
              <select value={file.name} onChange={(e) => update({ file: e.target.value, sampleType: '', zoom: '', sandwich: '' })} aria-label="Profile">
                {profileFiles.map((f) => (
                  <option key={f.name} value={f.name}>
                    {f.role} ({f.name})
                  </option>
                ))}
              </select>
            ) : null}
            {summary.value && summary.value.sampleTypes.length > 1 ? (
              <div className="segmented" role="group" aria-label="Sample type" data-testid="sample-types">
                {summary.value.sampleTypes.map((t) => (
                  <button key={t.type} type="button" className={t.type === sampleType ? 'on' : ''} onClick={() => update({ sampleType: t.type, zoom: '' })} data-type={t.type}>
                    {sampleTypeLabel(t.type)}
                  </button>
                ))}
              </div>
            ) : null}
            {top ? (
              <span className="cinsp-total">
                total <strong data-testid="profile-total">{formatValue(top.total, top.unit)}</strong>
              </span>
            ) : null}
            {summary.value && summary.value.timeNanos > 0 ? <span className="muted">at {dateTime(summary.value.timeNanos / 1e6)}</span> : null}
            {summary.value && summary.value.durationNanos > 0 ? <span className="muted">over {formatDurationMs(summary.value.durationNanos / 1e6)}</span> : null}
            {sampleType ? <span className="explain">{explainSampleType(sampleType, summary.value?.sampleTypes.find((t) => t.type === sampleType)?.unit ?? '')}</span> : null}
          </div>
        ) : null}
        <nav className="cinsp-tabs" role="tablist">
          {views.map((v, i) => (
            <button key={v} type="button" role="tab" aria-selected={v === view} className={`ctab${v === view ? ' on' : ''}`} onClick={() => go({ view: v })} data-testid={`view-${v}`} title={`${VIEW_LABEL[v]} (${i + 1})`}>
              {VIEW_LABEL[v]}
              <kbd>{i + 1}</kbd>
            </button>
          ))}
        </nav>
      </header>
      <div className="cinsp-body">
        {isProfileView && (summary.error || analysis.error) ? <p className="error-text pad">{summary.error ?? analysis.error}</p> : null}
        {isProfileView && !analysis.value && !summary.error && !analysis.error ? <p className="muted pad">Analysing {file?.name}…</p> : null}
        {empty ? (
          <div className="empty-profile pad" data-testid="empty-profile">
            <p data-testid="empty-profile-reason">{empty.text}</p>
            {empty.tryTypes.length > 0 ? (
              <p>
                {empty.tryTypes.map((t, i) => (
                  <span key={t}>
                    {i > 0 ? ' or ' : 'Try '}
                    <button type="button" className="linklike" data-testid="empty-profile-try" data-type={t} onClick={() => update({ sampleType: t, zoom: '' })}>
                      {sampleTypeLabel(t)}
                    </button>
                  </span>
                ))}
                .
              </p>
            ) : null}
          </div>
        ) : null}
        {view === 'top' && analysis.value && !empty ? <TopPane analysis={analysis.value} state={state} update={update} searchRef={searchRef} /> : null}
        {view === 'flame' && analysis.value && !empty ? <FlamePane analysis={analysis.value} sandwich={sandwich} state={state} update={update} searchRef={searchRef} /> : null}
        {view === 'diff' && analysis.value ? <DiffPane diff={diff} choices={choices} baseId={baseId} state={state} update={update} searchRef={searchRef} goroutineProfile={file?.name === 'goroutine.pb.gz' && views.includes('goroutines')} /> : null}
        {view === 'goroutines' || view === 'fds' ? (
          <div className="pane-toolbar sys-search">
            <SearchBar value={state.search} onChange={(v) => update({ search: v })} inputRef={searchRef} summary={null} placeholder={view === 'fds' ? 'Filter files  ( / )' : 'Filter groups by function  ( / )'} />
          </div>
        ) : null}
        {view === 'goroutines' ? (
          goroutines.value ? (
            <GoroutinesView analysis={goroutines.value} baseLabel={grBase ? baseCaptureText(grBase, capture ?? undefined) : null} search={state.search} />
          ) : (
            <p className={goroutines.error ? 'error-text pad' : 'muted pad'}>{goroutines.error ?? 'Grouping goroutines…'}</p>
          )
        ) : null}
        {view === 'fds' ? (
          fds.value ? (
            <FdsView snapshot={fds.value[0]} base={fds.value[1]} baseLabel={fdBase ? baseCaptureText(fdBase, capture ?? undefined) : null} search={state.search} />
          ) : (
            <p className={fds.error ? 'error-text pad' : 'muted pad'}>{fds.error ?? 'Reading descriptors…'}</p>
          )
        ) : null}
        {view === 'memory' ? memory.value ? <MemoryView map={memory.value} pid={capture.pid} /> : <p className={memory.error ? 'error-text pad' : 'muted pad'}>{memory.error ?? 'Reading the memory map…'}</p> : null}
      </div>
      {/* The capture's facts and its files as stored, to download byte for byte (the capture view's own section). */}
      <section className="cinsp-files" aria-label="Capture files">
        <CaptureDetail captureId={capture.id} version={version} unreadable={isProfileView && file && summary.error ? { name: file.name, error: summary.error } : null} />
      </section>
    </div>
  );
}

/** The raw profile: a link to the HTTP route in a browser (its `?token=` carries the token), a Blob through the desktop bridge. */
function DownloadLink({ door, captureId, name }: { door: 'desktop' | 'http'; captureId: string; name: string }) {
  const { api } = useApiContext();
  if (door === 'http') {
    return (
      <a className="btn small" href={captureFileLink(captureId, name)} download={name} data-testid="download-profile">
        Download {name}
      </a>
    );
  }
  return (
    <button type="button" className="btn small" data-testid="download-profile" onClick={() => void api.readCaptureFile({ captureId, name }).then((b) => saveFile(name, b, 'application/octet-stream'))}>
      Download {name}
    </button>
  );
}

/** The current view as a self-contained HTML document. */
function buildExport(capture: CaptureMeta, view: InspectorView, state: InspectorState, sampleType: string, a: ProfileAnalysis | null, d: DiffAnalysis | null, baseLabel: string): string {
  const facts = [`Capture ${capture.id}`, `Taken ${dateTime(capture.startedMs)}`, `Type ${sampleType}`];
  if (state.search) facts.push(`Search "${state.search}"`);
  if (state.zoom) facts.push(`Zoomed into ${state.zoom.split(';').pop()}`);
  const tables: ExportTable[] = [];
  let image: string | null = null;
  const orientation = state.icicle ? 'icicle' : 'flame';
  if (view === 'diff' && d) {
    const scale = state.normalize && d.columns.baseTotal > 0 ? d.columns.total / d.columns.baseTotal : 1;
    const matched = matchFrames(d.columns.names, state.search);
    const rows = diffRows(d.columns, 'flat', state.normalize, state.diffFilter, matched).slice(0, 500);
    const unit = d.columns.unit;
    facts.push(`Against ${baseLabel}`, `Total ${formatValue(d.columns.baseTotal * scale, unit)} → ${formatValue(d.columns.total, unit)}`);
    tables.push({
      caption: `Change per function (flat, ${state.diffFilter}${state.normalize ? ', normalized' : ''})`,
      columns: ['function', 'before', 'now', 'change', 'status'],
      numeric: [1, 2, 3],
      rows: rows.map((r) => [r.name, formatValue(r.base, unit), formatValue(r.current, unit), `${r.delta > 0 ? '+' : ''}${formatValue(r.delta, unit)}`, r.status]),
    });
    image = flamePngDataUrl(d.flame, { zoomNode: nodeOfZoomPath(d.flame, state.zoom), orientation, matchedFrames: matchFrames(d.flame.names, state.search), colorBy: 'diff', baseScale: scale });
  } else if (a) {
    const top = a.top;
    facts.push(`Total ${formatValue(top.total, top.unit)}`);
    const matched = matchFrames(top.names, state.search);
    const tv = topView(top, matched ?? (state.showAll ? null : top.pprofKept), state.sort, state.sortAsc);
    const rows: string[][] = [];
    const unit = { unit: top.unit, outputUnit: tv.outputUnit };
    for (let k = 0; k < Math.min(tv.order.length, 500); k++) {
      const i = tv.order[k]!;
      rows.push([pprofValue(top.flat[i]!, unit), pprofPercent(top.flat[i]!, top.total), pprofPercent(tv.runningFlat[k]!, top.total), pprofValue(top.cum[i]!, unit), pprofPercent(top.cum[i]!, top.total), top.names[i]!]);
    }
    if (matched) facts.push(`Matches account for ${formatShare(tv.matchedFlat, top.total)} (flat)`);
    tables.push({ caption: `Top ${state.granularity}${tv.order.length > 500 ? ` (first 500 of ${tv.order.length})` : ''}`, columns: ['flat', 'flat%', 'sum%', 'cum', 'cum%', 'name'], numeric: [0, 1, 2, 3, 4], rows });
    image = flamePngDataUrl(a.flame, { zoomNode: nodeOfZoomPath(a.flame, state.zoom), orientation, matchedFrames: matchFrames(a.flame.names, state.search), colorBy: 'package', baseScale: 1 });
  }
  return buildExportHtml({ title: `${CAPTURE_KIND_TITLES[capture.kind]} — ${VIEW_LABEL[view]}`, facts, tables, imageDataUrl: image, imageAlt: 'Flame graph' });
}

