/**
 * Reports: an overnight test's (or any two captures') findings — figures over the period, heap growth
 * by function, goroutine groups that grew, FD growth — as Markdown, and as one self-contained HTML file
 * with inline SVG sparklines (no scripts, no external assets).
 */
import type { CaptureMeta } from '../../shared/captures.js';
import type { Sample } from '../../shared/types.js';
import { formatDurationMs } from '../../shared/units.js';
import { downsampleForDrawing } from '../downsample.js';
import { formatFigure, mdTable, REPORT_FIGURES, rowsToShow, sectionCell, sectionColumns, sectionMarkdown, type ComparisonSection } from './compare.js';

/** One figure over the report's period. */
export interface FigureSeries {
  name: string;
  label: string;
  bytes: boolean;
  /** [timeMs, value], downsampled for drawing. */
  points: Array<[number, number]>;
  first: number;
  last: number;
  min: number;
  max: number;
}

/** A report, ready to render. */
export interface CaptureReport {
  title: string;
  targetId: string;
  fromMs: number;
  toMs: number;
  base: CaptureMeta | null;
  /** Which base this is and why ("the target's baseline", "named with --base"), shown beside it. */
  baseNote?: string;
  current: CaptureMeta | null;
  /** Captures taken in the period, oldest first. */
  captures: Array<Pick<CaptureMeta, 'id' | 'kind' | 'startedMs'>>;
  sections: ComparisonSection[];
  figures: FigureSeries[];
  /** Things a person should know: failed captures, a restart, missing sections. */
  notes: string[];
  generatedMs: number;
}

/** What {@link buildReport} takes. */
export interface ReportInput {
  title: string;
  targetId: string;
  fromMs: number;
  toMs: number;
  base?: CaptureMeta | null;
  baseNote?: string;
  current?: CaptureMeta | null;
  captures?: ReadonlyArray<Pick<CaptureMeta, 'id' | 'kind' | 'startedMs'>>;
  sections?: readonly ComparisonSection[];
  /** The watcher's samples of the period (from the series store). @default [] */
  samples?: readonly Sample[];
  notes?: readonly string[];
  /** @default Date.now() */
  generatedMs?: number;
  /** Points per figure for charts. @default 240 */
  maxPoints?: number;
}

/** Builds a report: figure series from the samples in [fromMs, toMs], and the given sections. */
export function buildReport(input: ReportInput): CaptureReport {
  const inRange = (input.samples ?? []).filter((s) => s.timeMs >= input.fromMs && s.timeMs <= input.toMs).sort((a, b) => a.timeMs - b.timeMs);
  const drawn = downsampleForDrawing(inRange, input.maxPoints ?? 240);
  const figures: FigureSeries[] = [];
  for (const f of REPORT_FIGURES) {
    const points: Array<[number, number]> = [];
    for (const s of drawn) {
      const v = s[f.name];
      if (typeof v === 'number' && Number.isFinite(v)) points.push([s.timeMs, v]);
    }
    if (points.length === 0) continue;
    const all = inRange.map((s) => s[f.name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    figures.push({ name: f.name, label: f.label, bytes: f.bytes, points, first: all[0]!, last: all.at(-1)!, min: Math.min(...all), max: Math.max(...all) });
  }
  const pids = new Set(inRange.map((s) => s.pid));
  const notes = [...(input.notes ?? [])];
  if (pids.size > 1) notes.push(`The process restarted during the period (PIDs ${[...pids].join(', ')}).`);
  return {
    title: input.title,
    targetId: input.targetId,
    fromMs: input.fromMs,
    toMs: input.toMs,
    base: input.base ?? null,
    ...(input.baseNote ? { baseNote: input.baseNote } : {}),
    current: input.current ?? null,
    captures: [...(input.captures ?? [])].sort((a, b) => a.startedMs - b.startedMs),
    sections: [...(input.sections ?? [])],
    figures,
    notes,
    generatedMs: input.generatedMs ?? Date.now(),
  };
}

const SPARK = '▁▂▃▄▅▆▇█';

/** A text sparkline of at most `width` characters (for Markdown). @param width - @default 24 */
export function sparklineText(values: readonly number[], width = 24): string {
  if (values.length === 0) return '';
  const step = Math.max(1, values.length / width);
  const picked: number[] = [];
  for (let i = 0; i < values.length && picked.length < width; i += step) picked.push(values[Math.floor(i)]!);
  const lo = Math.min(...picked);
  const hi = Math.max(...picked);
  return picked.map((v) => SPARK[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (SPARK.length - 1))]).join('');
}

/**
 * An inline SVG sparkline of [timeMs, value] points.
 * @param widthPx - @default 220
 * @param heightPx - @default 40
 */
export function sparklineSvg(points: ReadonlyArray<readonly [number, number]>, widthPx = 220, heightPx = 40): string {
  if (points.length === 0) return '';
  const t0 = points[0]![0];
  const t1 = points.at(-1)![0];
  const vs = points.map((p) => p[1]);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const pad = 2;
  const x = (t: number) => (t1 === t0 ? widthPx / 2 : pad + ((t - t0) / (t1 - t0)) * (widthPx - 2 * pad));
  const y = (v: number) => (hi === lo ? heightPx / 2 : heightPx - pad - ((v - lo) / (hi - lo)) * (heightPx - 2 * pad));
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
  const last = points.at(-1)!;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" role="img">` +
    `<path d="${d}" fill="none" stroke="#2563eb" stroke-width="1.5"/>` +
    `<circle cx="${x(last[0]).toFixed(1)}" cy="${y(last[1]).toFixed(1)}" r="2" fill="#2563eb"/></svg>`
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The report as Markdown. */
export function reportMarkdown(r: CaptureReport, maxRows = 15): string {
  const out: string[] = [`# ${r.title}`, ''];
  out.push(`- Target: \`${r.targetId}\``);
  out.push(`- Period: ${iso(r.fromMs)} → ${iso(r.toMs)} (${formatDurationMs(Math.max(0, r.toMs - r.fromMs))})`);
  if (r.base) out.push(`- Base: \`${r.base.id}\` (${r.base.kind}, pid ${r.base.pid ?? '?'})${r.baseNote ? `: ${r.baseNote}` : ''}`);
  if (r.current) out.push(`- Current: \`${r.current.id}\` (${r.current.kind}, pid ${r.current.pid ?? '?'})`);
  if (r.captures.length) out.push(`- Captures: ${r.captures.length}`);
  if (r.figures.length) {
    out.push('', '## Figures over the period', '');
    out.push(
      mdTable(
        ['figure', 'first', 'last', 'change', 'min', 'max', 'trend'],
        r.figures.map((f) => [f.label, formatFigure(f.first, f.bytes), formatFigure(f.last, f.bytes), formatFigure(f.last - f.first, f.bytes, true), formatFigure(f.min, f.bytes), formatFigure(f.max, f.bytes), sparklineText(f.points.map((p) => p[1]))]),
      ),
    );
  }
  for (const s of r.sections) out.push('', sectionMarkdown(s, maxRows, '##'));
  if (r.notes.length) out.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  if (r.captures.length) out.push('', '## Captures', '', mdTable(['id', 'kind', 'time'], r.captures.map((c) => [`\`${c.id}\``, c.kind, iso(c.startedMs)])));
  out.push('', `_Generated by leakbar at ${iso(r.generatedMs)}._`);
  return out.join('\n') + '\n';
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#111;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:middle}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}td.grow{color:#b91c1c}code,.mono{font-family:ui-monospace,Menlo,monospace;font-size:12px}
.meta{color:#555}.stack{color:#666;font-size:12px}`;

/** The report as one self-contained HTML file. */
export function reportHtml(r: CaptureReport, maxRows = 25): string {
  const e = escapeHtml;
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`);
  parts.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  parts.push(`<title>${e(r.title)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>${e(r.title)}</h1><p class="meta">Target <code>${e(r.targetId)}</code> · ${e(iso(r.fromMs))} → ${e(iso(r.toMs))} (${e(formatDurationMs(Math.max(0, r.toMs - r.fromMs)))})`);
  if (r.base) parts.push(` · base <code>${e(r.base.id)}</code>${r.baseNote ? ` (${e(r.baseNote.replace(/`/g, ''))})` : ''}`);
  if (r.current) parts.push(` · current <code>${e(r.current.id)}</code>`);
  parts.push('</p>');
  if (r.figures.length) {
    parts.push('<h2>Figures over the period</h2><table><thead><tr><th>figure</th><th>chart</th><th>first</th><th>last</th><th>change</th><th>min</th><th>max</th></tr></thead><tbody>');
    for (const f of r.figures) {
      const change = f.last - f.first;
      parts.push(
        `<tr><td>${e(f.label)}</td><td>${sparklineSvg(f.points)}</td><td class="n">${e(formatFigure(f.first, f.bytes))}</td><td class="n">${e(formatFigure(f.last, f.bytes))}</td>` +
          `<td class="n${change > 0 ? ' grow' : ''}">${e(formatFigure(change, f.bytes, true))}</td><td class="n">${e(formatFigure(f.min, f.bytes))}</td><td class="n">${e(formatFigure(f.max, f.bytes))}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  for (const s of r.sections) {
    parts.push(`<h2>${e(s.title)}</h2>`);
    const rows = rowsToShow(s).slice(0, maxRows);
    if (rows.length === 0) {
      parts.push('<p>Nothing grew.</p>');
      continue;
    }
    const cols = sectionColumns(s.kind);
    parts.push(`<table><thead><tr>${cols.map((c) => `<th>${e(c.label)}</th>`).join('')}</tr></thead><tbody>`);
    for (const row of rows) {
      parts.push(
        '<tr>' +
          cols
            .map((c) => {
              const v = sectionCell(row, c.key);
              const numeric = c.key === 'base' || c.key === 'current' || c.key === 'delta';
              const cls = [numeric ? 'n' : '', c.key === 'delta' && v.startsWith('+') ? 'grow' : '', c.key === 'stack' ? 'stack' : '', c.key === 'function' || c.key === 'group' || c.key === 'name' ? 'mono' : ''].filter(Boolean).join(' ');
              return `<td${cls ? ` class="${cls}"` : ''}>${e(v)}</td>`;
            })
            .join('') +
          '</tr>',
      );
    }
    parts.push('</tbody></table>');
  }
  if (r.notes.length) parts.push(`<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`);
  if (r.captures.length) {
    parts.push(`<h2>Captures</h2><table><thead><tr><th>id</th><th>kind</th><th>time</th></tr></thead><tbody>`);
    for (const c of r.captures) parts.push(`<tr><td class="mono">${e(c.id)}</td><td>${e(c.kind)}</td><td>${e(iso(c.startedMs))}</td></tr>`);
    parts.push('</tbody></table>');
  }
  parts.push(`<p class="meta">Generated by leakbar at ${e(iso(r.generatedMs))}.</p></body></html>\n`);
  return parts.join('');
}
