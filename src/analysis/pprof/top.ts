/**
 * pprof's top report: flat and cum per node, trimmed, sorted and labelled the way `go tool pprof -top`
 * does it (node fraction 0.005, edge fraction 0.001, unlimited node count), and printed in its columns.
 */
import { percentage, scaleValue, scaledLabel, selectOutputUnit } from './measurement.js';
import { prepareStacks, type PreparedStacks, type ProfileInput, type StackQuery } from './stacks.js';

/** Options of a top report, pprof's defaults. */
export interface TopOptions extends StackQuery {
  /** Sort by cum instead of flat. @default false */
  cum?: boolean;
  /** Show at most this many rows; 0 = all (pprof's -top default). @default 0 */
  nodeCount?: number;
  /** Drop nodes whose |cum| is below this fraction of the total. @default 0.005 */
  nodeFraction?: number;
  /** Edges below this fraction do not count toward the (inline) marks. @default 0.001 */
  edgeFraction?: number;
  /** Time zone for the Time: line (an IANA name). @default the local zone */
  timeZone?: string;
}

/** One row of a top table. Values are raw, in the sample type's unit. */
export interface TopRow {
  /** The node's id in the prepared stacks (the same node in two reports of them has the same id). */
  node: number;
  name: string;
  flat: number;
  cum: number;
  /** pprof's mark: "(inline)" when every call into it was inlined, "(partial-inline)" when some were. */
  inline: '' | '(inline)' | '(partial-inline)';
}

/** A top report: rows plus everything pprof prints above them. */
export interface TopReport {
  sampleType: string;
  /** The sample type's unit ("bytes", "nanoseconds", "count"). */
  unit: string;
  /** The unit values print in ("kB", "ms", or the sample unit). */
  outputUnit: string;
  /** pprof's total: percentages are of this. */
  total: number;
  rows: TopRow[];
  /** pprof's header lines (File:, Type:, Time:, …, Showing nodes accounting for …). */
  labels: string[];
  /** Nodes under the cum cutoff, left out. */
  droppedNodes: number;
  /** Nodes above the cutoff, before nodeCount. */
  nodesAboveCutoff: number;
  /** pprof's stderr warnings: a filter that matched nothing ("Focus expression matched no samples"). */
  warnings: string[];
}

/** Builds pprof's top report for a profile (or a diff). Throws LeakbarError('bad-input') on an unknown sample type or regex. */
export function top(input: ProfileInput, options: TopOptions = {}): TopReport {
  return topOfStacks(prepareStacks(input, options), options);
}

/** The top report of already prepared stacks (to reuse them for the call tree). */
export function topOfStacks(st: PreparedStacks, options: TopOptions = {}): TopReport {
  const nodeFraction = options.nodeFraction ?? 0.005;
  const edgeFraction = options.edgeFraction ?? 0.001;
  const N = st.nodeCount;
  const flat = new Float64Array(N);
  const cum = new Float64Array(N);
  walk(st, flat, cum, null);

  // The graph holds the nodes with any value; its flat sum sets the cutoffs (pprof's totalValue).
  let totalValue = 0;
  let graphNodes = 0;
  for (let n = 0; n < N; n++) {
    totalValue += flat[n]!;
    if (flat[n] !== 0 || cum[n] !== 0) graphNodes++;
  }
  const nodeCutoff = Math.abs(Math.trunc(totalValue * nodeFraction));
  const edgeCutoff = Math.abs(Math.trunc(totalValue * edgeFraction));
  let kept: number[] = [];
  for (let n = 0; n < N; n++) {
    if (flat[n] === 0 && cum[n] === 0) continue;
    if (nodeCutoff > 0 && Math.abs(cum[n]!) < nodeCutoff) continue;
    kept.push(n);
  }
  const droppedNodes = graphNodes - kept.length;
  const nodesAboveCutoff = kept.length;

  const byFlat = (a: number, b: number): number =>
    Math.abs(flat[b]!) - Math.abs(flat[a]!) || cmp(st.nodeName[a]!, st.nodeName[b]!) || Math.abs(cum[b]!) - Math.abs(cum[a]!) || cmp(st.nodeSortKey[a]!, st.nodeSortKey[b]!);
  const byCum = (a: number, b: number): number =>
    Math.abs(cum[b]!) - Math.abs(cum[a]!) || cmp(st.nodeName[a]!, st.nodeName[b]!) || Math.abs(flat[b]!) - Math.abs(flat[a]!) || cmp(st.nodeSortKey[a]!, st.nodeSortKey[b]!);
  kept.sort(options.cum ? byCum : byFlat);
  // pprof rebuilds its graph from the samples, keeping only these nodes, whenever trimming removed some;
  // edges (and so the inline marks) come from the last graph built, which may still hold zero-value nodes.
  let graphNodeSet: number[] | null = droppedNodes > 0 && nodeCutoff > 0 ? kept : null;
  const nodeCount = options.nodeCount ?? 0;
  if (nodeCount > 0 && kept.length > nodeCount) graphNodeSet = kept = kept.slice(0, nodeCount);

  const inline = inlineMarks(st, kept, graphNodeSet, edgeCutoff);

  // Output unit from the smallest non-zero value shown and the total (pprof's selectOutputUnit).
  let minValue = 0;
  for (const n of kept) {
    let v = Math.abs(flat[n]!);
    if (v === 0) v = Math.abs(cum[n]!);
    if (v > 0 && (minValue === 0 || v < minValue)) minValue = v;
  }
  const sampleUnit = st.sampleType.unit;
  const outputUnit = kept.length === 0 ? 'minimum' : selectOutputUnit(minValue, st.total, sampleUnit);
  const fmt = (v: number): string => scaledLabel(v, sampleUnit, outputUnit);

  const labels = profileLabels(st, fmt, options.timeZone);
  labels.push(...(st.activeFilters.length ? ['Active filters:', ...st.activeFilters.map((f) => `   ${f.length > 80 ? `${f.slice(0, 80)}…` : f}`)] : []));
  let flatSum = 0;
  for (const n of kept) flatSum += flat[n]!;
  labels.push(`Showing nodes accounting for ${fmt(flatSum)}, ${percentage(flatSum, st.total).trim()} of ${fmt(st.total)} total`);
  if (st.total !== 0) {
    if (droppedNodes > 0) labels.push(`Dropped ${droppedNodes} node${droppedNodes > 1 ? 's' : ''} (cum <= ${fmt(Math.abs(Math.trunc(st.total * nodeFraction)))})`);
    if (kept.length > 0 && kept.length < nodesAboveCutoff) labels.push(`Showing top ${kept.length} nodes out of ${nodesAboveCutoff}`);
  }
  return {
    sampleType: st.sampleType.type,
    unit: sampleUnit,
    outputUnit,
    total: st.total,
    rows: kept.map((n, i) => ({ node: n, name: st.nodeName[n]!, flat: flat[n]!, cum: cum[n]!, inline: inline[i]! })),
    labels,
    droppedNodes,
    nodesAboveCutoff,
    warnings: st.warnings,
  };
}

/** Prints a top report exactly as `go tool pprof -top` does. */
export function formatTopText(report: TopReport): string {
  const fmt = (v: number): string => scaledLabel(v, report.unit, report.outputUnit);
  const out: string[] = [report.labels.join('\n')];
  out.push(`${'flat'.padStart(10)} ${'flat'.padStart(5)}% ${'sum'.padStart(5)}% ${'cum'.padStart(10)} ${'cum'.padStart(5)}%`);
  let flatSum = 0;
  for (const r of report.rows) {
    flatSum += r.flat;
    const inl = r.inline ? ` ${r.inline}` : '';
    out.push(`${fmt(r.flat).padStart(10)} ${percentage(r.flat, report.total)} ${percentage(flatSum, report.total)} ${fmt(r.cum).padStart(10)} ${percentage(r.cum, report.total)}  ${r.name}${inl}`);
  }
  return `${out.join('\n')}\n`;
}

/** Go's string comparison (byte order for the ASCII names profiles hold). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Walks every kept sample once: cum once per node per sample (a recursive frame counts once), flat to
 * the innermost frame. With `keptNode`, frames of other nodes are skipped as pprof's trimmed graph does.
 */
function walk(st: PreparedStacks, flat: Float64Array, cum: Float64Array, keptNode: Uint8Array | null): void {
  const stamp = new Int32Array(st.nodeCount);
  let mark = 0;
  const vi = st.valueIndex;
  for (const src of st.sources) {
    const S = src.profile.samples;
    const { locNodeStart, locNodes, sampleKept } = src;
    const vc = S.valueCount;
    for (let s = 0; s < S.count; s++) {
      if (!sampleKept[s]) continue;
      const w = S.values[s * vc + vi]! * src.sign;
      if (w === 0) continue;
      mark++;
      let leaf = -1;
      let residual = false;
      for (let k = S.locStart[s + 1]! - 1; k >= S.locStart[s]!; k--) {
        const loc = S.locs[k]!;
        for (let j = locNodeStart[loc + 1]! - 1; j >= locNodeStart[loc]!; j--) {
          const n = locNodes[j]!;
          if (keptNode && !keptNode[n]) {
            residual = true;
            continue;
          }
          if (stamp[n] !== mark) {
            stamp[n] = mark;
            cum[n]! += w;
          }
          leaf = n;
          residual = false;
        }
      }
      if (leaf >= 0 && !residual) flat[leaf]! += w;
    }
  }
}

/**
 * pprof's (inline) marks: a node is "(inline)" when all its incoming edges (at or above the edge cutoff)
 * were inlined calls, "(partial-inline)" when some were. Edges run between the nodes of `graphNodeSet`
 * (all nodes when null), skipping others. Only nodes ever seen inlined need the edge walk.
 */
function inlineMarks(st: PreparedStacks, kept: number[], graphNodeSet: number[] | null, edgeCutoff: number): TopRow['inline'][] {
  const marks: TopRow['inline'][] = kept.map(() => '');
  if (!kept.some((n) => st.nodeInlined[n])) return marks;
  const N = st.nodeCount;
  const keptNode = new Uint8Array(N);
  if (graphNodeSet) for (const n of graphNodeSet) keptNode[n] = 1;
  else keptNode.fill(1);
  const edgeIndex = new Map<number, number>();
  const edgeDest: number[] = [];
  const edgeWeight: number[] = [];
  const edgeInline: boolean[] = [];
  const edgeStamp: number[] = [];
  let mark = 0;
  const vi = st.valueIndex;
  for (const src of st.sources) {
    const S = src.profile.samples;
    const { locNodeStart, locNodes, sampleKept } = src;
    for (let s = 0; s < S.count; s++) {
      if (!sampleKept[s]) continue;
      const w = S.values[s * S.valueCount + vi]! * src.sign;
      if (w === 0) continue;
      mark++;
      let parent = -1;
      for (let k = S.locStart[s + 1]! - 1; k >= S.locStart[s]!; k--) {
        const loc = S.locs[k]!;
        const outer = locNodeStart[loc + 1]! - 1;
        for (let j = outer; j >= locNodeStart[loc]!; j--) {
          const n = locNodes[j]!;
          if (!keptNode[n]) continue;
          if (parent >= 0 && n !== parent && st.nodeInlined[n]) {
            const key = parent * N + n;
            let e = edgeIndex.get(key);
            if (e === undefined) {
              e = edgeDest.length;
              edgeIndex.set(key, e);
              edgeDest.push(n);
              edgeWeight.push(0);
              edgeInline.push(j !== outer);
              edgeStamp.push(0);
            }
            if (edgeStamp[e] !== mark) {
              edgeStamp[e] = mark;
              edgeWeight[e]! += w;
              if (j === outer) edgeInline[e] = false;
            }
          }
          parent = n;
        }
      }
    }
  }
  const inl = new Uint8Array(N);
  const notInl = new Uint8Array(N);
  for (let e = 0; e < edgeDest.length; e++) {
    if (Math.abs(edgeWeight[e]!) < edgeCutoff) continue;
    if (edgeInline[e]) inl[edgeDest[e]!] = 1;
    else notInl[edgeDest[e]!] = 1;
  }
  return kept.map((n) => (inl[n] ? (notInl[n] ? '(partial-inline)' : '(inline)') : ''));
}

/** pprof's ProfileLabels: File, Build ID, comments, Type, Time, Duration. */
function profileLabels(st: PreparedStacks, fmt: (v: number) => string, timeZone?: string): string[] {
  const h = st.header;
  const labels: string[] = [];
  if (h.mainFile !== '') labels.push(`File: ${h.mainFile}`);
  if (h.buildId !== '') labels.push(`Build ID: ${h.buildId}`);
  for (const c of h.comments) if (!c.startsWith('#')) labels.push(c);
  labels.push(`Type: ${st.sampleType.type}`);
  if (h.timeNanos !== 0) labels.push(`Time: ${formatGoTime(h.timeNanos / 1e6, timeZone)}`);
  if (h.durationNanos !== 0) {
    const duration = scaledLabel(h.durationNanos, 'nanoseconds', 'auto');
    const [totalNanos, totalUnit] = scaleValue(st.total, st.sampleType.unit, 'nanoseconds');
    const ratio = totalUnit === 'ns' && totalNanos !== 0 ? `(${percentage(Math.trunc(totalNanos), h.durationNanos)})` : '';
    labels.push(`Duration: ${duration}, Total samples = ${fmt(st.total)} ${ratio}`);
  }
  return labels;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time layout "Jan 2, 2006 at 3:04pm (MST)" in a time zone (zone names as Intl spells them). */
export function formatGoTime(epochMs: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(new Date(Math.floor(epochMs)));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  const hour24 = Number(get('hour'));
  const hour12 = hour24 % 12 === 0 ? 12 : hour24 % 12;
  return `${MONTHS[Number(get('month')) - 1]} ${Number(get('day'))}, ${get('year')} at ${hour12}:${get('minute')}${hour24 < 12 ? 'am' : 'pm'} (${get('timeZoneName')})`;
}
