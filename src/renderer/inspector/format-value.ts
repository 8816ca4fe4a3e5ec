/** Values and shares as the inspector shows them to people (flame tooltips, summaries). */
import { scaledLabel } from '../../analysis/pprof/index.js';

/** Formats a value of the layout's unit for people ("1.50MB", "12ms", "300"). */
export function formatValue(v: number, unit: string): string {
  return scaledLabel(v, unit, 'auto');
}

/** Share as a percentage with sensible digits ("42.1%", "0.03%"). */
export function formatShare(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const p = (part / whole) * 100;
  const a = Math.abs(p);
  return `${a >= 10 ? p.toFixed(1) : a >= 1 ? p.toFixed(2) : a === 0 ? '0' : p.toPrecision(2)}%`;
}
