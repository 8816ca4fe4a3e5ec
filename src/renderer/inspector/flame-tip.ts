/**
 * The lines of a flame graph's tooltip. In the main flame graph a frame's "total" and "self" are its cum and
 * flat, as shares of the profile; in the sandwich's trees the same numbers mean something else, and the
 * tooltip says what: in the callers tree (inverted, rooted at the function F) a frame's width is the part of
 * F's total that reached F through it, and its "self" the part whose stacks start there (it is the outermost
 * frame); in the callees tree (rooted at F) a frame's width and self are its cum and flat within F's calls.
 * Shares are given of F's total and of the profile's, never of one called by another's name.
 */
import { formatShare, formatValue } from './format-value.js';
import type { FlameLayout } from './flame-layout.js';

/** Which tree a tooltip is of: the main flame graph, or one of the sandwich's trees (rooted at `fn`). */
export type FlameTipKind = { kind: 'profile' } | { kind: 'callers' | 'callees'; fn: string; profileTotal: number };

/** The [label, value] lines of the tooltip of `node`. */
export function flameTipLines(layout: FlameLayout, node: number, zoomNode: number, kind: FlameTipKind = { kind: 'profile' }, baseScale = 1): Array<[string, string]> {
  const unit = layout.unit;
  const rootTotal = layout.totalValue[0]!;
  const total = layout.totalValue[node]!;
  const self = layout.selfValue[node]!;
  const lines: Array<[string, string]> = [];
  if (kind.kind === 'profile') {
    lines.push(['total', `${formatValue(total, unit)} · ${formatShare(total, rootTotal)}`]);
    lines.push(['self', `${formatValue(self, unit)} · ${formatShare(self, rootTotal)}`]);
  } else {
    // The sandwich's root is F: its total is F's total (cum).
    const shares = (v: number): string => `${formatValue(v, unit)} · ${formatShare(v, rootTotal)} of ${kind.fn} · ${formatShare(v, kind.profileTotal)} of the profile`;
    if (kind.kind === 'callers') {
      lines.push([node <= 1 ? `${kind.fn}, in all` : `${kind.fn} called through here`, shares(total)]);
      lines.push(['of which stacks start here', shares(self)]);
    } else {
      lines.push([node <= 1 ? `${kind.fn}, in all` : `total here, in calls from ${kind.fn}`, shares(total)]);
      lines.push([node <= 1 ? `self of ${kind.fn}` : 'self here, in calls from it', shares(self)]);
    }
  }
  // A sandwich tree starts zoomed on F (node 1), whose share is given already.
  const unzoomed = kind.kind === 'profile' ? 0 : 1;
  if (zoomNode > unzoomed && node !== zoomNode) lines.push(['of zoomed', formatShare(total, layout.totalValue[zoomNode]!)]);
  if (layout.baseTotalValue) {
    const base = layout.baseTotalValue[node]! * baseScale;
    const d = total - base;
    lines.push(['base', formatValue(base, unit)]);
    lines.push(['change', `${d > 0 ? '+' : ''}${formatValue(d, unit)}${base > 0 ? ` (${d > 0 ? '+' : ''}${formatShare(d, base)})` : ' (new)'}`]);
  }
  return lines;
}
