/**
 * The flame graph's renderer: draws a {@link FlameLayout} on a 2D canvas for one viewport. Value space
 * (the layout's sample units) maps to CSS space (the canvas's CSS pixels) by the zoomed node's extent;
 * the canvas's backing store is CSS space × devicePixelRatio. Subtrees narrower than half a CSS pixel
 * are skipped in one jump (preorder), so a redraw costs what is visible, not what the profile holds.
 */
import { middleEllipsis } from '../format.js';
import type { FlamePalette } from './colors.js';
import type { FlameLayout } from './flame-layout.js';

/** Row height of one frame, CSS px. */
export const ROW_HEIGHT_CSS = 18;
/** Frames narrower than this (CSS px) are not drawn, nor are their subtrees. */
export const MIN_FRAME_WIDTH_CSS = 0.5;
/** The label font; monospace so label widths are a multiplication, not a measureText per frame. */
export const LABEL_FONT = '11px ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace';

/** Where the flame graph is looked at from. */
export interface FlameViewport {
  widthCss: number;
  heightCss: number;
  /** devicePixelRatio: physical px per CSS px. */
  dpr: number;
  /** The node that spans the full width; its ancestors are drawn above (or below) it at full width. */
  zoomNode: number;
  /** `flame`: root at the bottom, growing up; `icicle`: root at the top, growing down. */
  orientation: 'flame' | 'icicle';
  /** Rows above the root not drawn: 1 hides the synthetic root (the sandwich's trees start at the function). @default 0 */
  hiddenDepth?: number;
}

/** How frames are coloured and marked. */
export interface FlameStyle {
  palette: FlamePalette;
  /** Hue per frame id (see frameHues). */
  hues: Uint16Array;
  /** Frames a search matches (by frame id), or null with no search. */
  matchedFrames: Uint8Array | null;
  hoverNode: number;
  /** `package`: hue by package; `diff`: red for growth, green for shrink. */
  colorBy: 'package' | 'diff';
  /** Diff: the base's values are multiplied by this before subtracting (1, or current total / base total when normalized). */
  baseScale: number;
  /** Diff: the |change| that gets the strongest colour. */
  diffMaxAbs: number;
  /** Width of one label character, CSS px (measured once per font). */
  charWidthCss: number;
}

/** What one draw did. */
export interface DrawStats {
  /** Frames drawn. */
  frames: number;
  /** Of `frames`, those a search matched (drawn highlighted). */
  matched: number;
  /** Milliseconds the draw took. */
  ms: number;
}

/** Top of a row in CSS space. */
export function rowTopCss(depth: number, vp: Pick<FlameViewport, 'heightCss' | 'orientation' | 'hiddenDepth'>): number {
  const row = depth - (vp.hiddenDepth ?? 0);
  return vp.orientation === 'icicle' ? row * ROW_HEIGHT_CSS : vp.heightCss - (row + 1) * ROW_HEIGHT_CSS;
}

/** The row (depth) under a CSS-space y, or -1 above or below the rows. */
export function depthAtCss(yCss: number, vp: Pick<FlameViewport, 'heightCss' | 'orientation' | 'hiddenDepth'>): number {
  const row = vp.orientation === 'icicle' ? Math.floor(yCss / ROW_HEIGHT_CSS) : Math.floor((vp.heightCss - yCss) / ROW_HEIGHT_CSS);
  return row < 0 ? -1 : row + (vp.hiddenDepth ?? 0);
}

/** Converts a CSS-space x to value space for a zoomed view. */
export function valueAtCss(l: FlameLayout, vp: Pick<FlameViewport, 'widthCss' | 'zoomNode'>, xCss: number): number {
  const total = l.totalValue[vp.zoomNode]!;
  return l.startValue[vp.zoomNode]! + (xCss / Math.max(1, vp.widthCss)) * total;
}

/** The CSS height the graph needs for a layout: every row but the hidden ones. */
export function graphHeightCss(l: FlameLayout, hiddenDepth = 0, maxDepth = l.maxDepth): number {
  return Math.max(1, maxDepth + 1 - hiddenDepth) * ROW_HEIGHT_CSS;
}

/**
 * The deepest row with a frame wide enough to draw when `zoomNode` spans `widthCss`: the graph is only as
 * tall as what can be seen (a thin tower of sub-pixel frames would otherwise leave rows of blank space).
 */
export function visibleMaxDepth(l: FlameLayout, zoomNode: number, widthCss: number): number {
  if (l.count === 0) return 0;
  const cssPerValue = widthCss / (l.totalValue[zoomNode]! || 1);
  let max = l.depth[zoomNode]!;
  const end = l.subtreeEnd[zoomNode]!;
  let i = zoomNode;
  while (i < end) {
    if (l.totalValue[i]! * cssPerValue < MIN_FRAME_WIDTH_CSS) {
      i = l.subtreeEnd[i]!;
      continue;
    }
    if (l.depth[i]! > max) max = l.depth[i]!;
    i++;
  }
  return max;
}

/** Measures the label font's character width on a context. */
export function measureCharWidth(ctx: CanvasRenderingContext2D): number {
  ctx.font = LABEL_FONT;
  return ctx.measureText('MMMMMMMMMM').width / 10 || 6.6;
}

/** Draws the whole view. The canvas's backing store must already be widthCss×dpr by heightCss×dpr. */
export function drawFlame(ctx: CanvasRenderingContext2D, l: FlameLayout, vp: FlameViewport, style: FlameStyle): DrawStats {
  const t0 = performance.now();
  const { palette, hues, matchedFrames, colorBy } = style;
  ctx.setTransform(vp.dpr, 0, 0, vp.dpr, 0, 0);
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, vp.widthCss, vp.heightCss);
  if (l.count === 0 || l.totalValue[0]! <= 0) return { frames: 0, matched: 0, ms: performance.now() - t0 };
  ctx.font = LABEL_FONT;
  ctx.textBaseline = 'middle';
  const z = vp.zoomNode;
  const zStart = l.startValue[z]!;
  const zTotal = l.totalValue[z]! || 1;
  const cssPerValue = vp.widthCss / zTotal;
  const rowH = ROW_HEIGHT_CSS;
  const charW = style.charWidthCss;
  const diffBase = l.baseTotalValue;
  let frames = 0;
  let matched = 0;
  const hover: { rect: [number, number, number] | null } = { rect: null };

  const fillOf = (i: number): { fill: string; dim: boolean } => {
    const f = l.frame[i]!;
    const dim = matchedFrames !== null && (f < 0 || !matchedFrames[f]);
    if (colorBy === 'diff' && diffBase) {
      const delta = l.totalValue[i]! - diffBase[i]! * style.baseScale;
      const fill = palette.diffFill(style.diffMaxAbs > 0 ? delta / style.diffMaxAbs : 0);
      return { fill: dim ? palette.dimFill : fill, dim };
    }
    if (dim) return { fill: palette.dimFill, dim };
    return { fill: f < 0 ? palette.frameFill(220) : palette.frameFill(hues[f]!), dim };
  };

  const drawFrame = (i: number, xCss: number, wCss: number): void => {
    const y = rowTopCss(l.depth[i]!, vp);
    if (y + rowH < 0 || y > vp.heightCss) return;
    const { fill, dim } = fillOf(i);
    ctx.fillStyle = fill;
    // 1 CSS px gaps between rows and (when wide enough) frames keep neighbours apart.
    const gap = wCss > 3 ? 1 : 0;
    ctx.fillRect(xCss, y, Math.max(wCss - gap, 0.5), rowH - 1);
    frames++;
    if (matchedFrames !== null && !dim) matched++;
    if (i === style.hoverNode) hover.rect = [xCss, y, wCss];
    if (wCss > charW * 3 + 6) {
      const f = l.frame[i]!;
      const name = f < 0 ? 'root' : (l.names[f] ?? '?');
      const maxChars = Math.floor((wCss - 6) / charW);
      // Cut in the middle: a long name's end (its function, receiver, closures) tells frames apart, not its module path.
      const label = middleEllipsis(name, maxChars);
      ctx.fillStyle = dim ? palette.dimText : palette.text;
      ctx.fillText(label, xCss + 3, y + (rowH - 1) / 2 + 0.5);
    }
  };

  // Ancestors of the zoomed node span the full width.
  const hidden = vp.hiddenDepth ?? 0;
  for (let a = l.parent[z]!; a >= 0 && l.depth[a]! >= hidden; a = l.parent[a]!) drawFrame(a, 0, vp.widthCss);
  // The zoomed subtree, skipping whole subtrees too narrow to see.
  const end = l.subtreeEnd[z]!;
  let i = z;
  while (i < end) {
    const wCss = l.totalValue[i]! * cssPerValue;
    if (wCss < MIN_FRAME_WIDTH_CSS) {
      i = l.subtreeEnd[i]!;
      continue;
    }
    drawFrame(i, (l.startValue[i]! - zStart) * cssPerValue, wCss);
    i++;
  }
  if (hover.rect) {
    const [x, y, w] = hover.rect;
    ctx.strokeStyle = palette.hoverStroke;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x + 0.75, y + 0.75, Math.max(w - 1.5, 1), rowH - 2.5);
  }
  return { frames, matched, ms: performance.now() - t0 };
}
