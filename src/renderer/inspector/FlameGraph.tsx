/**
 * The flame graph canvas: sizes the canvas to its box × devicePixelRatio, draws a layout through
 * flame-render, zooms on click, and shows a tooltip on hover with no delay. Hover and zoom redraw the
 * canvas directly (no React render); each redraw's cost is recorded for the bench.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { DARK_FLAME, LIGHT_FLAME, frameHues } from './colors.js';
import { ancestry, hitTest, nodeName, type FlameLayout } from './flame-layout.js';
import { flameTipLines, type FlameTipKind } from './flame-tip.js';
import { useChartPalette } from '../hooks/useTheme.js';
import { depthAtCss, drawFlame, graphHeightCss, measureCharWidth, rowTopCss, valueAtCss, visibleMaxDepth, type FlameStyle, type FlameViewport } from './flame-render.js';
import { inspectorPerf, recordFlameDraw, type FlameDrawRecord } from './perf.js';

/** Props of {@link FlameGraph}. */
export interface FlameGraphProps {
  layout: FlameLayout;
  zoomNode: number;
  onZoom(node: number): void;
  orientation: 'flame' | 'icicle';
  /** Frames a search matches, by frame id. */
  matchedFrames: Uint8Array | null;
  colorBy?: 'package' | 'diff';
  /** Diff: factor applied to the base's values (normalising). @default 1 */
  baseScale?: number;
  /** Register this graph's frame lookup on window.__leakbarInspector (the main graph only). @default false */
  exposeForTests?: boolean;
  testId?: string;
  /** Accessible name of the canvas. */
  label: string;
  /** Hide the synthetic root row (the sandwich's trees). @default false */
  hideRoot?: boolean;
  /** What the tooltip's numbers mean: the main flame graph's, or a sandwich tree's. @default { kind: 'profile' } */
  tip?: FlameTipKind;
}

export { formatShare, formatValue } from './format-value.js';

/** The flame graph. */
export function FlameGraph(props: FlameGraphProps) {
  const { layout, zoomNode, onZoom, orientation, matchedFrames } = props;
  const colorBy = props.colorBy ?? 'package';
  const baseScale = props.baseScale ?? 1;
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const hoverRef = useRef(-1);
  const [widthCss, setWidthCss] = useState(0);
  const dark = useChartPalette().dark;
  const hiddenDepth = props.hideRoot ? 1 : 0;
  const maxDepth = useMemo(() => (widthCss > 0 ? visibleMaxDepth(layout, zoomNode, widthCss) : layout.maxDepth), [layout, zoomNode, widthCss]);
  const heightCss = graphHeightCss(layout, hiddenDepth, maxDepth);
  const hues = useMemo(() => frameHues(layout.names), [layout]);
  const diffMaxAbs = useMemo(() => {
    if (!layout.baseTotalValue) return 0;
    let m = 0;
    for (let i = 1; i < layout.count; i++) m = Math.max(m, Math.abs(layout.totalValue[i]! - layout.baseTotalValue[i]! * baseScale));
    return m;
  }, [layout, baseScale]);
  const charWidthRef = useRef(0);

  const viewport = useCallback((): FlameViewport => ({ widthCss, heightCss, dpr: window.devicePixelRatio || 1, zoomNode, orientation, hiddenDepth }), [widthCss, heightCss, zoomNode, orientation, hiddenDepth]);

  const draw = useCallback(
    (reason: FlameDrawRecord['reason']) => {
      const canvas = canvasRef.current;
      if (!canvas || widthCss === 0) return;
      const ctx = canvas.getContext('2d', { alpha: false });
      if (!ctx) return;
      if (charWidthRef.current === 0) charWidthRef.current = measureCharWidth(ctx);
      const style: FlameStyle = {
        palette: dark ? DARK_FLAME : LIGHT_FLAME,
        hues,
        matchedFrames,
        hoverNode: hoverRef.current,
        colorBy,
        baseScale,
        diffMaxAbs,
        charWidthCss: charWidthRef.current,
      };
      const start = performance.now();
      const stats = drawFlame(ctx, layout, viewport(), style);
      canvas.dataset.frames = String(stats.frames);
      canvas.dataset.matched = String(stats.matched);
      recordFlameDraw({ reason, ms: stats.ms, frames: stats.frames }, start);
    },
    [widthCss, dark, hues, matchedFrames, colorBy, baseScale, diffMaxAbs, layout, viewport],
  );

  // Width follows the box.
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    setWidthCss(Math.floor(box.clientWidth));
    const ro = new ResizeObserver(() => setWidthCss(Math.floor(box.clientWidth)));
    ro.observe(box);
    return () => ro.disconnect();
  }, []);

  // Backing store = CSS size × devicePixelRatio; any change of what is drawn redraws.
  const lastRef = useRef<{ layout: FlameLayout | null; zoomNode: number; widthCss: number; matched: Uint8Array | null }>({ layout: null, zoomNode: -1, widthCss: 0, matched: null });
  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || widthCss === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(widthCss * dpr);
    const h = Math.round(heightCss * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const last = lastRef.current;
    const reason: FlameDrawRecord['reason'] = last.layout !== layout ? 'layout' : last.zoomNode !== zoomNode ? 'zoom' : last.widthCss !== widthCss ? 'resize' : last.matched !== matchedFrames ? 'search' : 'style';
    lastRef.current = { layout, zoomNode, widthCss, matched: matchedFrames };
    if (reason === 'layout' || reason === 'zoom') hoverRef.current = -1;
    draw(reason);
  }, [draw, widthCss, heightCss, layout, zoomNode, matchedFrames]);

  // Tests and the bench find frames by name.
  useEffect(() => {
    if (!props.exposeForTests) return;
    const perf = inspectorPerf();
    perf.frameRect = (name: string) => {
      const canvas = canvasRef.current;
      if (!canvas) return null;
      const vp = viewport();
      const z = vp.zoomNode;
      const cssPerValue = vp.widthCss / (layout.totalValue[z]! || 1);
      const r = canvas.getBoundingClientRect();
      const inView = (i: number) => i >= z && i < layout.subtreeEnd[z]!;
      for (let i = 0; i < layout.count; i++) {
        if (nodeName(layout, i) !== name) continue;
        if (!inView(i)) continue;
        const wCss = layout.totalValue[i]! * cssPerValue;
        if (wCss < 2) continue;
        return { x: r.left + (layout.startValue[i]! - layout.startValue[z]!) * cssPerValue, y: r.top + rowTopCss(layout.depth[i]!, vp), width: wCss, height: 17 };
      }
      return null;
    };
  }, [props.exposeForTests, layout, viewport]);

  const nodeAt = (e: React.MouseEvent): number => {
    const canvas = canvasRef.current!;
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const vp = viewport();
    const d = depthAtCss(y, vp);
    return d < hiddenDepth ? -1 : hitTest(layout, zoomNode, valueAtCss(layout, vp, x), d);
  };

  const showTip = (node: number, e: React.MouseEvent) => {
    const tip = tipRef.current;
    const box = boxRef.current;
    if (!tip || !box) return;
    if (node < 0) {
      tip.hidden = true;
      return;
    }
    const lines = flameTipLines(layout, node, zoomNode, props.tip, baseScale);
    tip.replaceChildren();
    const title = document.createElement('div');
    title.className = 'flame-tip-name';
    title.textContent = nodeName(layout, node);
    tip.append(title);
    for (const [k, v] of lines) {
      const row = document.createElement('div');
      row.className = 'flame-tip-row';
      const a = document.createElement('span');
      a.textContent = k;
      const b = document.createElement('span');
      b.textContent = v;
      row.append(a, b);
      tip.append(row);
    }
    tip.hidden = false;
    const br = box.getBoundingClientRect();
    const x = e.clientX - br.left;
    const y = e.clientY - br.top + box.scrollTop;
    const tw = tip.offsetWidth;
    tip.style.left = `${Math.min(x + 14, Math.max(0, br.width - tw - 4))}px`;
    tip.style.top = `${y + 16}px`;
  };

  const onMove = (e: React.MouseEvent) => {
    const n = nodeAt(e);
    showTip(n, e);
    if (n !== hoverRef.current) {
      hoverRef.current = n;
      draw('hover');
    }
  };
  const onLeave = () => {
    if (tipRef.current) tipRef.current.hidden = true;
    if (hoverRef.current !== -1) {
      hoverRef.current = -1;
      draw('hover');
    }
  };
  const onClick = (e: React.MouseEvent) => {
    const n = nodeAt(e);
    if (n >= 0) onZoom(n);
  };

  return (
    <div className="flame-box" ref={boxRef}>
      <canvas
        ref={canvasRef}
        className="flame-canvas"
        data-testid={props.testId ?? 'flame-canvas'}
        role="img"
        aria-label={props.label}
        style={{ width: `${widthCss}px`, height: `${heightCss}px` }}
        onMouseMove={onMove}
        onMouseLeave={onLeave}
        onClick={onClick}
      />
      <div className="flame-tip" ref={tipRef} hidden data-testid="flame-tip" />
    </div>
  );
}

/** The breadcrumb of a zoomed node: each ancestor a button that zooms back out to it. */
export function Breadcrumb({ layout, zoomNode, onZoom, fromNode = 0 }: { layout: FlameLayout; zoomNode: number; onZoom(node: number): void; fromNode?: number }) {
  const chain = ancestry(layout, zoomNode).slice(fromNode > 0 ? 1 : 0);
  return (
    <nav className="crumbs" aria-label="Zoom path" data-testid="flame-breadcrumb">
      {chain.map((n, i) => (
        <span key={n} className="crumb-item">
          {i > 0 ? <span className="crumb-sep">›</span> : null}
          {n === zoomNode ? (
            <span className="crumb on mono" aria-current="true">
              {n === 0 ? 'all' : nodeName(layout, n)}
            </span>
          ) : (
            <button type="button" className="crumb mono" onClick={() => onZoom(n)}>
              {n === 0 ? 'all' : nodeName(layout, n)}
            </button>
          )}
        </span>
      ))}
    </nav>
  );
}
