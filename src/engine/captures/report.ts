/**
 * Reports: an overnight test's (or any two captures') findings — figures over the period, heap growth
 * by function, goroutine groups that grew, FD growth — as Markdown, and as one self-contained HTML file
 * with inline SVG sparklines (no scripts, no external assets).
 */
import { baseRelation, type CaptureMeta } from '../../shared/captures.js';
import type { Sample } from '../../shared/types.js';
import { formatDurationMs } from '../../shared/units.js';
import { downsampleForDrawing } from '../downsample.js';
import {
  figuresAtCaptures,
  figuresAtCapturesMarkdown,
  formatFigure,
  DROPS_SHOWN,
  mdTable,
  nothingGrew,
  readingsFrom,
  REPORT_FIGURES,
  reversedWarning,
  rowsToShow,
  sectionCell,
  sectionColumns,
  sectionMarkdown,
  type ComparisonSection,
  type FigureAtCaptures,
} from './compare.js';

/** One figure over the report's period. */
export interface FigureSeries {
  name: string;
  label: string;
  bytes: boolean;
  /** [timeMs, value], downsampled for drawing. */
  points: Array<[number, number]>;
  first: number;
  last: number;
  /** Times of the first and the last sample that had the figure. */
  firstMs: number;
  lastMs: number;
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
  /** The base was taken after the current capture: every change reads backwards, and sections show drops too. */
  reversed: boolean;
  /** Said first: the base is newer than the current capture. */
  warnings: string[];
  /** The figures at the base and at the current capture, each with what it was read from. */
  atCaptures: FigureAtCaptures[];
  figures: FigureSeries[];
  /** Where the figures over the period come from, and where they and the figures at the captures differ, why. */
  figureNotes: string[];
  /** Things a person should know: failed captures, a restart, missing sections. */
  notes: string[];
  /** What grew, in a few lines, said first: each figure that ended higher, and each section's largest growth. */
  summary: string[];
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
  /** The watcher's samples of the period (from the series store); also read for the figures at the captures. @default [] */
  samples?: readonly Sample[];
  notes?: readonly string[];
  /** @default Date.now() */
  generatedMs?: number;
  /** Points per figure for charts. @default 240 */
  maxPoints?: number;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19) + 'Z';

/** "1.0s before the current capture `id`": where a sample stands against a capture. */
function against(sampleMs: number, capture: CaptureMeta, role: string): string {
  const d = sampleMs - capture.startedMs;
  return `${d === 0 ? 'at' : `${formatDurationMs(Math.abs(d))} ${d > 0 ? 'after' : 'before'}`} the ${role} \`${capture.id}\``;
}

/** Why the figures over the period and the figures at the captures differ, one line per figure and end that differs. */
function disagreements(figures: readonly FigureSeries[], at: readonly FigureAtCaptures[], base: CaptureMeta, current: CaptureMeta): string[] {
  const out: string[] = [];
  for (const row of at) {
    const f = figures.find((x) => x.name === row.name);
    if (!f) continue;
    const b = [row.base, base, 'base'] as const;
    const c = [row.current, current, 'current capture'] as const;
    // The period starts at the earlier capture and ends at the later one, whichever is the base.
    const [earlier, later] = base.startedMs <= current.startedMs ? [b, c] : [c, b];
    const ends = [[f.first, f.firstMs, ...earlier, 'start'], [f.last, f.lastMs, ...later, 'end']] as const;
    for (const [value, ms, reading, capture, role, end] of ends) {
      if (value === reading.value) continue;
      out.push(
        `${f.label}: the figures over the period ${end} at ${formatFigure(value, f.bytes)}, the watcher's sample at ${clock(ms)} (${against(ms, capture, role)}); ` +
          `at the ${role} itself it is ${formatFigure(reading.value, f.bytes)}, read from ${reading.from}${reading.sampleMs === null ? ', as the sections below count' : ''}.`,
      );
    }
  }
  return out;
}

/**
 * What the base is when it is not of the current capture's process: of another target (two programs, or two
 * watches of one: no restart is implied, so both are named), else of another process of the same target, before
 * a restart (a change across a restart is not a leak; the inspector says so too). Null when of the same process.
 */
export function otherProcessNote(base: Pick<CaptureMeta, 'targetId' | 'pid'>, current: Pick<CaptureMeta, 'targetId' | 'pid'>): string | null {
  const relation = baseRelation(base, current);
  if (relation?.kind === 'other-target') return `of another target, ${base.targetId} (the current capture is of ${current.targetId})`;
  if (relation?.kind === 'restart') return `of another process, before a restart (the current capture is of pid ${current.pid})`;
  return null;
}

/** Builds a report: figure series from the samples in [fromMs, toMs], the figures at the base and current captures, and the given sections. */
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
    const had = inRange.filter((s) => typeof s[f.name] === 'number' && Number.isFinite(s[f.name]));
    const all = had.map((s) => s[f.name]!);
    figures.push({ name: f.name, label: f.label, bytes: f.bytes, points, first: all[0]!, last: all.at(-1)!, firstMs: had[0]!.timeMs, lastMs: had.at(-1)!.timeMs, min: Math.min(...all), max: Math.max(...all) });
  }
  const base = input.base ?? null;
  const current = input.current ?? null;
  const sections = [...(input.sections ?? [])];
  const warnings: string[] = [];
  const reversed = base && current ? reversedWarning(base, current) : null;
  if (reversed) warnings.push(reversed);
  const atCaptures = base && current ? figuresAtCaptures(base, current, sections, input.samples ?? []) : [];
  const figureNotes: string[] = [];
  if (figures.length) {
    figureNotes.push(
      `From the watcher's history: ${inRange.length} sample${inRange.length === 1 ? '' : 's'} from ${clock(inRange[0]!.timeMs)} to ${clock(inRange.at(-1)!.timeMs)}, in time order; ` +
        'first and last are the first and last samples, not readings at the captures.',
    );
    if (reversed) figureNotes.push('In time order, these read the other way from the comparison: here a change is the later sample minus the earlier one.');
    if (base && current) figureNotes.push(...disagreements(figures, atCaptures, base, current));
  }
  const pids = new Set(inRange.map((s) => s.pid));
  const baseNote = [input.baseNote, base && current ? otherProcessNote(base, current) : null].filter(Boolean).join('; ');
  const notes = [...(input.notes ?? [])];
  if (pids.size > 1) notes.push(`The process restarted during the period (PIDs ${[...pids].join(', ')}).`);
  return {
    summary: summaryOf(figures, sections, reversed !== null, pids.size > 1),
    title: input.title,
    targetId: input.targetId,
    fromMs: input.fromMs,
    toMs: input.toMs,
    base,
    ...(baseNote ? { baseNote } : {}),
    current,
    captures: [...(input.captures ?? [])].sort((a, b) => a.startedMs - b.startedMs),
    sections,
    reversed: reversed !== null,
    warnings,
    atCaptures,
    figures,
    figureNotes,
    notes,
    generatedMs: input.generatedMs ?? Date.now(),
  };
}

/** What each kind of section compares, in a summary line (its title also names the two captures). */
const SECTION_LABEL: Record<ComparisonSection['kind'], string> = { heap: 'Heap in use, by function', goroutine: 'Goroutines, by stack', fds: 'Open FDs' };

/** The growth a section found, as a line: its largest riser (a function, a goroutine group, a file or FD type). */
function sectionGrowth(section: ComparisonSection): string | null {
  const label = SECTION_LABEL[section.kind];
  const rows = rowsToShow(section);
  if (section.kind === 'fds') {
    const row = rows.find((r) => r.what === 'file' && Number(r.delta) > 0) ?? rows.find((r) => r.what === 'type' && Number(r.delta) > 0);
    return row ? `${label}: most in ${row.what === 'file' ? `\`${row.name}\`` : `${row.name} FDs`}, ${sectionCell(row, 'base')} → ${sectionCell(row, 'current')} (${sectionCell(row, 'delta')})` : null;
  }
  const row = rows[0];
  if (!row) return null;
  const name = String(row.function ?? row.group ?? row.name ?? '?');
  return `${label}: most in \`${name}\`, ${sectionCell(row, 'base')} → ${sectionCell(row, 'current')} (${sectionCell(row, 'delta')})`;
}

/**
 * What grew, said first so a morning's reader knows before the tables: each figure that ended higher than it began,
 * and each section's largest growth; "nothing grew" when neither did. With the base newer than the current capture,
 * the sections read backwards (see the warning) and only the figures, in time order, are summed up.
 */
function summaryOf(figures: readonly FigureSeries[], sections: readonly ComparisonSection[], reversed: boolean, restarted: boolean): string[] {
  if (figures.length === 0 && sections.length === 0) return ['Nothing to compare: no watcher history in the period, and no section both captures have.'];
  const lines: string[] = [];
  // Across a restart, last minus first compares two processes: said, so it is not read as growth of one.
  const across = restarted ? ', across a restart' : '';
  for (const f of figures) {
    if (f.last > f.first) lines.push(`${f.label}: ${formatFigure(f.first, f.bytes)} → ${formatFigure(f.last, f.bytes)} (${formatFigure(f.last - f.first, f.bytes, true)}) over ${formatDurationMs(f.lastMs - f.firstMs)}${across}`);
  }
  if (!reversed) for (const s of sections) lines.push(...[sectionGrowth(s)].filter((l): l is string => l !== null));
  return lines.length > 0 ? lines : ['Nothing grew: every figure ended at or below where it began, and no section found growth.'];
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
  // Stretched to its table cell's width (preserveAspectRatio none), the line keeps its thickness.
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" preserveAspectRatio="none" role="img">` +
    `<path d="${d}" fill="none" stroke="#2563eb" stroke-width="1.5" vector-effect="non-scaling-stroke"/></svg>`
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
  for (const w of r.warnings) out.push('', `**Warning:** ${w}`);
  out.push('', '## What grew', '', ...r.summary.map((l) => `- ${l}`));
  if (r.atCaptures.length) out.push('', '## Figures at the captures', '', figuresAtCapturesMarkdown(r.atCaptures));
  if (r.figures.length) {
    out.push('', '## Figures over the period', '');
    out.push(
      mdTable(
        ['figure', 'first', 'last', 'change', 'min', 'max', 'trend'],
        r.figures.map((f) => [f.label, formatFigure(f.first, f.bytes), formatFigure(f.last, f.bytes), formatFigure(f.last - f.first, f.bytes, true), formatFigure(f.min, f.bytes), formatFigure(f.max, f.bytes), sparklineText(f.points.map((p) => p[1]))]),
      ),
    );
    if (r.figureNotes.length) out.push('', ...r.figureNotes.map((n) => `- ${n}`));
  }
  for (const s of r.sections) out.push('', sectionMarkdown(s, maxRows, '##', { drops: r.reversed }));
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
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.chart{width:40%}td.chart svg{display:block;width:100%;height:40px}td.grow{color:#b91c1c}code,.mono{font-family:ui-monospace,Menlo,monospace;font-size:12px}
.meta{color:#555}.stack{color:#666;font-size:12px}.warn{border-left:4px solid #b45309;background:#fffbeb;padding:.5rem .75rem}`;

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
  const code = (text: string) => e(text).replace(/`([^`]*)`/g, '<code>$1</code>');
  for (const w of r.warnings) parts.push(`<p class="warn"><strong>Warning:</strong> ${code(w)}</p>`);
  parts.push(`<h2>What grew</h2><ul class="summary">${r.summary.map((l) => `<li>${code(l)}</li>`).join('')}</ul>`);
  if (r.atCaptures.length) {
    parts.push('<h2>Figures at the captures</h2><table><thead><tr><th>figure</th><th>base</th><th>current</th><th>change</th><th>from</th></tr></thead><tbody>');
    for (const f of r.atCaptures) {
      const change = f.current.value - f.base.value;
      parts.push(
        `<tr><td>${e(f.label)}</td><td class="n">${e(formatFigure(f.base.value, f.bytes))}</td><td class="n">${e(formatFigure(f.current.value, f.bytes))}</td>` +
          `<td class="n${change > 0 ? ' grow' : ''}">${e(formatFigure(change, f.bytes, true))}</td><td>${e(readingsFrom(f))}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  if (r.figures.length) {
    parts.push('<h2>Figures over the period</h2><table><thead><tr><th>figure</th><th>chart</th><th>first</th><th>last</th><th>change</th><th>min</th><th>max</th></tr></thead><tbody>');
    for (const f of r.figures) {
      const change = f.last - f.first;
      parts.push(
        `<tr><td>${e(f.label)}</td><td class="chart">${sparklineSvg(f.points)}</td><td class="n">${e(formatFigure(f.first, f.bytes))}</td><td class="n">${e(formatFigure(f.last, f.bytes))}</td>` +
          `<td class="n${change > 0 ? ' grow' : ''}">${e(formatFigure(change, f.bytes, true))}</td><td class="n">${e(formatFigure(f.min, f.bytes))}</td><td class="n">${e(formatFigure(f.max, f.bytes))}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
    if (r.figureNotes.length) parts.push(`<ul class="meta">${r.figureNotes.map((n) => `<li>${code(n)}</li>`).join('')}</ul>`);
  }
  for (const s of r.sections) {
    parts.push(`<h2>${e(s.title)}</h2>`);
    if (r.reversed && s.kind !== 'fds') parts.push(`<p class="meta">${e(DROPS_SHOWN.slice(1, -1))}</p>`);
    const rows = rowsToShow(s, { drops: r.reversed }).slice(0, maxRows);
    if (rows.length === 0) {
      parts.push(`<p>${code(nothingGrew(s))}</p>`);
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
