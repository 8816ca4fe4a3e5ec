/**
 * Export of the current view as one self-contained HTML file: the header facts, the table as HTML, and
 * the flame graph as a PNG data URL drawn off screen. No scripts and no outside references, so it opens
 * anywhere and can be attached to an issue.
 */
import { DARK_FLAME, LIGHT_FLAME, frameHues } from './colors.js';
import type { FlameLayout } from './flame-layout.js';
import { drawFlame, graphHeightCss, measureCharWidth, visibleMaxDepth } from './flame-render.js';

/** One table of an export. */
export interface ExportTable {
  caption: string;
  columns: string[];
  /** Columns (by index) to right-align (numbers). */
  numeric: number[];
  rows: string[][];
}

/** What an export holds. */
export interface ExportDocument {
  title: string;
  /** Fact lines under the title ("Type: inuse_space", "Total: 24MB"). */
  facts: string[];
  tables: ExportTable[];
  /** The flame graph as a data: URL, or null. */
  imageDataUrl: string | null;
  imageAlt: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Builds the HTML text of an export. */
export function buildExportHtml(doc: ExportDocument): string {
  const css = [
    'body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#16191f;background:#fff;margin:24px;}',
    'h1{font-size:18px;margin:0 0 6px}',
    '.facts{color:#667085;margin:0 0 16px;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px}',
    'table{border-collapse:collapse;margin:8px 0 24px;font-size:12px}',
    'caption{text-align:left;font-weight:600;padding:4px 0}',
    'th,td{padding:3px 10px;border-bottom:1px solid #e3e6eb;text-align:left;white-space:nowrap}',
    'th{color:#667085;font-weight:600}',
    'td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}',
    'td.m{font-family:ui-monospace,Menlo,Consolas,monospace}',
    'img{max-width:100%;border:1px solid #e3e6eb}',
    'footer{color:#667085;font-size:11px;margin-top:24px}',
  ].join('\n');
  const tables = doc.tables
    .map((t) => {
      const head = t.columns.map((c, i) => `<th${t.numeric.includes(i) ? ' class="n"' : ''}>${escapeHtml(c)}</th>`).join('');
      const body = t.rows
        .map((r) => `<tr>${r.map((v, i) => `<td class="${t.numeric.includes(i) ? 'n' : 'm'}">${escapeHtml(v)}</td>`).join('')}</tr>`)
        .join('\n');
      return `<table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
    })
    .join('\n');
  const img = doc.imageDataUrl ? `<img src="${escapeHtml(doc.imageDataUrl)}" alt="${escapeHtml(doc.imageAlt)}">` : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${css}</style></head><body>`,
    `<h1>${escapeHtml(doc.title)}</h1>`,
    `<ul class="facts">${doc.facts.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`,
    img,
    tables,
    `<footer>Exported from leakbar on ${escapeHtml(new Date().toISOString())}</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Draws a layout off screen (light palette) and returns it as a PNG data URL; null where no canvas is available. */
export function flamePngDataUrl(
  layout: FlameLayout,
  options: { zoomNode: number; orientation: 'flame' | 'icicle'; matchedFrames: Uint8Array | null; colorBy: 'package' | 'diff'; baseScale: number; widthCss?: number; dark?: boolean },
): string | null {
  if (typeof document === 'undefined') return null;
  const widthCss = options.widthCss ?? 1200;
  const heightCss = graphHeightCss(layout, 0, visibleMaxDepth(layout, options.zoomNode, widthCss));
  const canvas = document.createElement('canvas');
  canvas.width = widthCss;
  canvas.height = heightCss;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  let diffMaxAbs = 0;
  if (layout.baseTotalValue) for (let i = 1; i < layout.count; i++) diffMaxAbs = Math.max(diffMaxAbs, Math.abs(layout.totalValue[i]! - layout.baseTotalValue[i]! * options.baseScale));
  drawFlame(
    ctx,
    layout,
    { widthCss, heightCss, dpr: 1, zoomNode: options.zoomNode, orientation: options.orientation },
    {
      palette: options.dark ? DARK_FLAME : LIGHT_FLAME,
      hues: frameHues(layout.names),
      matchedFrames: options.matchedFrames,
      hoverNode: -1,
      colorBy: options.colorBy,
      baseScale: options.baseScale,
      diffMaxAbs,
      charWidthCss: measureCharWidth(ctx),
    },
  );
  return canvas.toDataURL('image/png');
}
