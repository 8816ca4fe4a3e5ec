/**
 * The flame graph's layout step (speedscope's model → layout → renderer): a call tree laid out in
 * preorder, each node with its depth and its start and width in value space (the profile's sample
 * unit), so that a node's subtree is the contiguous index range `[i, subtreeEnd[i])`. The renderer skips
 * a whole subtree with one jump when it is too narrow to see. Everything here is typed arrays, so the
 * worker can transfer it without copying; nothing here knows pixels.
 */
import type { CallTree } from '../../analysis/pprof/index.js';

/** A call tree laid out for drawing. Node 0 is the root (frame -1); nodes are in preorder, children heaviest first. */
export interface FlameLayout {
  /** Frame names, indexed by frame id. */
  names: string[];
  /** Nodes, the root included. */
  count: number;
  /** Frame id of each node (-1 for the root). */
  frame: Int32Array;
  parent: Int32Array;
  /** Depth below the root (root 0). */
  depth: Uint16Array;
  /** Start of each node on the value axis (value space: the sample type's unit), root at 0. */
  startValue: Float64Array;
  /** Each node's width on the value axis: its total (cum) value. */
  totalValue: Float64Array;
  /** Each node's self (flat) value. */
  selfValue: Float64Array;
  /** A diff's base totals (as positive numbers), else null. */
  baseTotalValue: Float64Array | null;
  baseSelfValue: Float64Array | null;
  /** One past the last node of each node's subtree. */
  subtreeEnd: Int32Array;
  /** The deepest node's depth. */
  maxDepth: number;
  sampleType: string;
  unit: string;
}

/** The typed arrays of a layout, for `postMessage`'s transfer list. */
export function layoutTransferables(l: FlameLayout): ArrayBuffer[] {
  const arrays = [l.frame, l.parent, l.depth, l.startValue, l.totalValue, l.selfValue, l.subtreeEnd, l.baseTotalValue, l.baseSelfValue];
  return arrays.filter((a): a is NonNullable<typeof a> => a !== null).map((a) => a.buffer as ArrayBuffer);
}

/**
 * Lays out a call tree: preorder, children sorted heaviest first (then by name), widths = |total|.
 * Children of a node start where their previous sibling ends, from the parent's start.
 */
export function layoutCallTree(tree: CallTree): FlameLayout {
  const n = tree.count;
  const names = tree.names;
  const weight = (t: number): number => Math.abs(tree.total[t]!);
  // Heavier first; exact ties by name, so the layout does not depend on the order stacks arrived in.
  const before = (a: number, b: number): boolean => {
    const d = weight(a) - weight(b);
    if (d !== 0) return d > 0;
    return names[tree.frame[a]!]! < names[tree.frame[b]!]!;
  };
  // Children of every node in one flat list (CSR), each node's run sorted in place: no allocation per node.
  const childStart = new Int32Array(n + 1);
  for (let t = 1; t < n; t++) childStart[tree.parent[t]! + 1]!++;
  for (let t = 0; t < n; t++) childStart[t + 1]! += childStart[t]!;
  const childList = new Int32Array(Math.max(0, n - 1));
  const fill = childStart.slice(0, n);
  for (let t = 0; t < n; t++) for (let c = tree.firstChild[t]!; c >= 0; c = tree.nextSibling[c]!) childList[fill[t]!++] = c;
  for (let t = 0; t < n; t++) {
    const a = childStart[t]!;
    const b = childStart[t + 1]!;
    if (b - a < 2) continue;
    if (b - a <= 24) {
      for (let i = a + 1; i < b; i++) {
        const v = childList[i]!;
        let j = i - 1;
        while (j >= a && before(v, childList[j]!)) {
          childList[j + 1] = childList[j]!;
          j--;
        }
        childList[j + 1] = v;
      }
    } else {
      const run = Array.from(childList.subarray(a, b)).sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
      childList.set(run, a);
    }
  }

  const frame = new Int32Array(n);
  const parent = new Int32Array(n);
  const depth = new Uint16Array(n);
  const startValue = new Float64Array(n);
  const totalValue = new Float64Array(n);
  const selfValue = new Float64Array(n);
  const baseTotalValue = tree.baseTotal ? new Float64Array(n) : null;
  const baseSelfValue = tree.baseSelf ? new Float64Array(n) : null;
  const subtreeEnd = new Int32Array(n);
  // Iterative preorder DFS: the stack holds tree nodes with their laid-out parent and start value.
  const stackNode = new Int32Array(n);
  const stackOutParent = new Int32Array(n);
  const stackStart = new Float64Array(n);
  // Laid-out nodes whose subtree is still open (the current path), to fill subtreeEnd when they close.
  const open = new Int32Array(n + 1);
  let openCount = 0;
  stackNode[0] = 0;
  stackOutParent[0] = -1;
  stackStart[0] = 0;
  let sp = 1;
  let out = 0;
  let maxDepth = 0;
  while (sp > 0) {
    sp--;
    const t = stackNode[sp]!;
    const p = stackOutParent[sp]!;
    const i = out++;
    while (openCount > 0 && open[openCount - 1] !== p) subtreeEnd[open[--openCount]!] = i;
    open[openCount++] = i;
    frame[i] = tree.frame[t]!;
    parent[i] = p;
    const d = p < 0 ? 0 : depth[p]! + 1;
    depth[i] = d;
    if (d > maxDepth) maxDepth = d;
    const x0 = stackStart[sp]!;
    startValue[i] = x0;
    totalValue[i] = weight(t);
    selfValue[i] = tree.self[t]!;
    if (baseTotalValue) baseTotalValue[i] = tree.baseTotal![t]!;
    if (baseSelfValue) baseSelfValue[i] = tree.baseSelf![t]!;
    // Children start where their left sibling ends; pushed right to left so the heaviest comes out first.
    const a = childStart[t]!;
    const b = childStart[t + 1]!;
    let x = x0;
    for (let k = a; k < b; k++) x += weight(childList[k]!);
    for (let k = b - 1; k >= a; k--) {
      const c = childList[k]!;
      x -= weight(c);
      stackNode[sp] = c;
      stackOutParent[sp] = i;
      stackStart[sp] = x;
      sp++;
    }
  }
  while (openCount > 0) subtreeEnd[open[--openCount]!] = out;
  return { names, count: out, frame, parent, depth, startValue, totalValue, selfValue, baseTotalValue, baseSelfValue, subtreeEnd, maxDepth, sampleType: tree.sampleType, unit: tree.unit };
}

/** The display name of a node ("root" for node 0). */
export function nodeName(l: FlameLayout, node: number): string {
  const f = l.frame[node]!;
  return f < 0 ? 'root' : (l.names[f] ?? '?');
}

/** The chain from the root to `node`, root first. */
export function ancestry(l: FlameLayout, node: number): number[] {
  const out: number[] = [];
  for (let n = node; n >= 0; n = l.parent[n]!) out.push(n);
  return out.reverse();
}

/** A zoomed node as a linkable path: frame names from below the root, joined by ';' (folded-stack style). */
export function zoomPathOf(l: FlameLayout, node: number): string {
  return ancestry(l, node)
    .slice(1)
    .map((n) => nodeName(l, n))
    .join(';');
}

/** The node a zoom path names, or 0 (the root) when the path does not resolve, as far as it resolves. */
export function nodeOfZoomPath(l: FlameLayout, path: string): number {
  if (path === '') return 0;
  let node = 0;
  for (const name of path.split(';')) {
    let found = -1;
    for (let c = node + 1; c < l.subtreeEnd[node]!; c = l.subtreeEnd[c]!) {
      if (nodeName(l, c) === name) {
        found = c;
        break;
      }
    }
    if (found < 0) return node;
    node = found;
  }
  return node;
}

/**
 * The node under a point, in value space (`value` on the value axis, `depth` in rows below the root),
 * when the view is zoomed into `zoomNode` (its ancestors span the full width). -1 when there is none.
 */
export function hitTest(l: FlameLayout, zoomNode: number, value: number, depthRow: number): number {
  if (depthRow < 0 || l.count === 0) return -1;
  const zd = l.depth[zoomNode]!;
  if (depthRow <= zd) {
    let n = zoomNode;
    while (l.depth[n]! > depthRow) n = l.parent[n]!;
    return n;
  }
  const x0 = l.startValue[zoomNode]!;
  if (value < x0 || value >= x0 + l.totalValue[zoomNode]!) return -1;
  let node = zoomNode;
  for (let d = zd + 1; d <= depthRow; d++) {
    let found = -1;
    for (let c = node + 1; c < l.subtreeEnd[node]!; c = l.subtreeEnd[c]!) {
      const s = l.startValue[c]!;
      if (value >= s && value < s + l.totalValue[c]!) {
        found = c;
        break;
      }
    }
    if (found < 0) return -1;
    node = found;
  }
  return node;
}

/** Frames whose name a search matches: a case-insensitive substring, or a regex when written `/…/`. Null for an empty search. */
export function matchFrames(names: readonly string[], search: string): Uint8Array | null {
  const q = search.trim();
  if (q === '') return null;
  let test: (s: string) => boolean;
  const re = /^\/(.+)\/([a-z]*)$/.exec(q);
  if (re) {
    try {
      const rx = new RegExp(re[1]!, re[2]!.includes('i') ? 'i' : '');
      test = (s) => rx.test(s);
    } catch {
      const lower = q.toLowerCase();
      test = (s) => s.toLowerCase().includes(lower);
    }
  } else {
    const lower = q.toLowerCase();
    test = (s) => s.toLowerCase().includes(lower);
  }
  const out = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = test(names[i]!) ? 1 : 0;
  return out;
}

/**
 * What a search covers in the view of a subtree (the zoomed frame, drawn with the frames on its path from
 * the root across the full width above it): the matching frames drawn, and the value of the stacks
 * through them, each stack counted once.
 */
export interface SearchShare {
  /** Drawn nodes whose frame matches: the subtree's, and those on the path above its root (the root's frame excluded). */
  matchedNodes: number;
  /** Of `matchedNodes`, those on the path from the root down to the subtree root's parent. */
  pathNodes: number;
  /**
   * Value of the subtree's stacks that pass through a match (value space): the sum of the totals of matching
   * nodes not nested under another match, or the subtree root's whole total when a frame on its path matches.
   */
  value: number;
  /** `value` over the subtree root's total (0..1). */
  share: number;
}

/**
 * Sums a search over the view of `rootNode`: its subtree, where a match's total counts once and matches
 * beneath it add nothing, and the path above it, where a match covers every stack of the subtree.
 */
export function searchShare(l: FlameLayout, matchedFrames: Uint8Array, rootNode = 0): SearchShare {
  let pathNodes = 0;
  for (let a = l.parent[rootNode]!; a >= 0; a = l.parent[a]!) {
    const f = l.frame[a]!;
    if (f >= 0 && matchedFrames[f]) pathNodes++;
  }
  let matchedNodes = 0;
  let value = 0;
  const end = l.subtreeEnd[rootNode]!;
  let coverEnd = -1; // end of the outermost match's subtree we are inside
  for (let i = rootNode; i < end; i++) {
    const f = l.frame[i]!;
    if (f >= 0 && matchedFrames[f]) {
      matchedNodes++;
      if (i >= coverEnd) {
        value += l.totalValue[i]!;
        coverEnd = l.subtreeEnd[i]!;
      }
    }
  }
  const total = l.totalValue[rootNode]!;
  if (pathNodes > 0) value = total;
  return { matchedNodes: matchedNodes + pathNodes, pathNodes, value, share: total > 0 ? value / total : 0 };
}
