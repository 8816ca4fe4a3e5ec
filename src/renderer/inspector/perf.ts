/**
 * Timing the inspector exposes for the bench and tests: performance marks (`leakbar:flame-drawn`, …) and
 * a small record on `window.__leakbarInspector` (first flame draw since navigation, every redraw's cost).
 */

/** One redraw of a flame canvas. */
export interface FlameDrawRecord {
  reason: 'layout' | 'zoom' | 'hover' | 'search' | 'resize' | 'style';
  ms: number;
  frames: number;
}

/** What the inspector records on `window.__leakbarInspector`. */
export interface InspectorPerf {
  /** ms since navigation start when a flame graph with frames was first drawn (null until then). */
  firstFlameDrawMs: number | null;
  /** Worker time to inflate and decode the last profile opened, ms. */
  decodeMs: number | null;
  /** Worker time of the last analysis (top table + layout), ms. */
  analyzeMs: number | null;
  /** ms since navigation start at each step of opening a profile (capture-meta, file-fetched, decoded, analysed). */
  steps: Record<string, number>;
  /** The last 200 redraws. */
  draws: FlameDrawRecord[];
  /** CSS-space rect of the first frame named `name` in the main flame graph, relative to the viewport; null when not drawn. */
  frameRect(name: string): { x: number; y: number; width: number; height: number } | null;
}

declare global {
  interface Window {
    __leakbarInspector?: InspectorPerf;
  }
}

/** The page's record, created on first use. */
export function inspectorPerf(): InspectorPerf {
  if (!window.__leakbarInspector) {
    window.__leakbarInspector = { firstFlameDrawMs: null, decodeMs: null, analyzeMs: null, steps: {}, draws: [], frameRect: () => null };
  }
  return window.__leakbarInspector;
}

/** Records the first time a step of opening a profile is reached (and a performance mark for it). */
export function recordStep(name: string): void {
  const perf = inspectorPerf();
  if (perf.steps[name] !== undefined) return;
  perf.steps[name] = performance.now();
  performance.mark(`leakbar:${name}`);
}

/** Records one flame redraw (and the first drawn graph), with a performance mark and measure. */
export function recordFlameDraw(rec: FlameDrawRecord, startMs: number): void {
  const perf = inspectorPerf();
  perf.draws.push(rec);
  if (perf.draws.length > 200) perf.draws.splice(0, perf.draws.length - 200);
  try {
    performance.measure(`leakbar:flame-draw:${rec.reason}`, { start: startMs, end: startMs + rec.ms });
  } catch {
    /* measure is best effort */
  }
  if (perf.firstFlameDrawMs === null && rec.frames > 0) {
    perf.firstFlameDrawMs = performance.now();
    performance.mark('leakbar:flame-drawn');
  }
}
