import { describe, expect, it } from 'vitest';
import type { CallTree } from '../../analysis/pprof/index.js';
import { ancestry, hitTest, layoutCallTree, matchFrames, nodeName, nodeOfZoomPath, searchShare, zoomPathOf } from './flame-layout.js';
import { depthAtCss, graphHeightCss, valueAtCss, visibleMaxDepth, ROW_HEIGHT_CSS } from './flame-render.js';

/** A call tree from folded stacks ("a;b;c 5"), built the way the analysis layer's TreeBuilder does. */
function treeOf(folded: string[]): CallTree {
  const names: string[] = [];
  const frameOf = (n: string) => (names.includes(n) ? names.indexOf(n) : names.push(n) - 1);
  const frame = [-1];
  const parent = [-1];
  const self = [0];
  const total = [0];
  const kids: number[][] = [[]];
  for (const line of folded) {
    const [stack, w] = line.split(' ') as [string, string];
    let node = 0;
    total[0]! += Number(w);
    for (const name of stack.split(';')) {
      const f = frameOf(name);
      let c = kids[node]!.find((k) => frame[k] === f);
      if (c === undefined) {
        c = frame.length;
        frame.push(f);
        parent.push(node);
        self.push(0);
        total.push(0);
        kids.push([]);
        kids[node]!.push(c);
      }
      total[c]! += Number(w);
      node = c;
    }
    self[node]! += Number(w);
  }
  const n = frame.length;
  const firstChild = new Int32Array(n).fill(-1);
  const nextSibling = new Int32Array(n).fill(-1);
  kids.forEach((ks, p) => ks.forEach((k, i) => (i === 0 ? (firstChild[p] = k) : (nextSibling[ks[i - 1]!] = k))));
  return { names, count: n, frame: Int32Array.from(frame), parent: Int32Array.from(parent), firstChild, nextSibling, self: Float64Array.from(self), total: Float64Array.from(total), baseSelf: null, baseTotal: null, sampleType: 'inuse_space', unit: 'bytes' };
}

const tree = treeOf(['main;a;leak 60', 'main;b 10', 'main;a;x 20', 'main;b;leak 10']);
const l = layoutCallTree(tree);

describe('the flame layout', () => {
  it('lays nodes out in preorder, heaviest child first, each subtree contiguous', () => {
    const order = Array.from({ length: l.count }, (_, i) => `${'  '.repeat(l.depth[i]!)}${nodeName(l, i)} ${l.startValue[i]}+${l.totalValue[i]}`);
    expect(order).toEqual(['root 0+100', '  main 0+100', '    a 0+80', '      leak 0+60', '      x 60+20', '    b 80+20', '      leak 80+10']);
    for (let i = 0; i < l.count; i++) for (let j = i + 1; j < l.subtreeEnd[i]!; j++) expect(ancestry(l, j)).toContain(i);
    expect(l.maxDepth).toBe(3);
  });

  it('finds the node under a point, zoomed or not', () => {
    expect(nodeName(l, hitTest(l, 0, 85, 3))).toBe('leak');
    expect(hitTest(l, 0, 95, 3)).toBe(-1);
    const b = nodeOfZoomPath(l, 'main;b');
    expect(nodeName(l, b)).toBe('b');
    // Zoomed into b: its ancestors span the width, anything outside b's range is nothing.
    expect(nodeName(l, hitTest(l, b, 1, 1))).toBe('main');
    expect(hitTest(l, b, 10, 3)).toBe(-1);
  });

  it('round-trips a zoom path, and stops where a path no longer resolves', () => {
    const leak = nodeOfZoomPath(l, 'main;a;leak');
    expect(zoomPathOf(l, leak)).toBe('main;a;leak');
    expect(nodeName(l, nodeOfZoomPath(l, 'main;a;gone'))).toBe('a');
    expect(nodeOfZoomPath(l, '')).toBe(0);
  });

  it('counts each stack once in a search share, nested matches adding nothing', () => {
    const nested = layoutCallTree(treeOf(['leak;leak 30', 'main;leak 20', 'main 50']));
    const s = searchShare(nested, matchFrames(nested.names, 'leak')!, 0);
    expect(s.value).toBe(50);
    expect(s.share).toBe(0.5);
    expect(s.matchedNodes).toBe(3);
    expect(searchShare(l, matchFrames(l.names, '/^(x|b)$/')!, 0).value).toBe(40);
  });

  it('counts, when zoomed, the matches the view draws: the zoomed subtree and the path above it', () => {
    // The user's case: zoomed below net/http frames, a search for "http" matches only frames on the path.
    const t = layoutCallTree(treeOf(['net/http.serve;net/http.handler;main.handle;main.leakHeap 80', 'net/http.serve;net/http.read 15', 'main.other 5']));
    const http = matchFrames(t.names, 'http')!;
    const handle = nodeOfZoomPath(t, 'net/http.serve;net/http.handler;main.handle');
    const zoomed = searchShare(t, http, handle);
    expect(zoomed).toEqual({ matchedNodes: 2, pathNodes: 2, value: 80, share: 1 });
    expect(searchShare(t, http, 0)).toEqual({ matchedNodes: 3, pathNodes: 0, value: 95, share: 0.95 });
    // A match inside the zoom and none above it: the subtree alone.
    const leak = searchShare(t, matchFrames(t.names, 'leakHeap')!, handle);
    expect(leak).toEqual({ matchedNodes: 1, pathNodes: 0, value: 80, share: 1 });
    expect(searchShare(t, matchFrames(t.names, 'main.other')!, handle)).toEqual({ matchedNodes: 0, pathNodes: 0, value: 0, share: 0 });
  });

  it('maps CSS space to value space and rows for both orientations', () => {
    expect(valueAtCss(l, { widthCss: 1000, zoomNode: 0 }, 500)).toBe(50);
    expect(depthAtCss(ROW_HEIGHT_CSS * 2 + 1, { heightCss: 200, orientation: 'icicle' })).toBe(2);
    expect(depthAtCss(200 - 1, { heightCss: 200, orientation: 'flame' })).toBe(0);
  });

  it('is only as tall as the rows it can draw, and can hide the synthetic root row', () => {
    const thin = layoutCallTree(treeOf(['main;a 999999', 'main;x;y;z;w 1']));
    expect(thin.maxDepth).toBe(5);
    // At 1000 CSS px, the 1-in-a-million tower is 0.001 px wide: not drawn, so not counted.
    expect(visibleMaxDepth(thin, 0, 1000)).toBe(2);
    expect(visibleMaxDepth(thin, nodeOfZoomPath(thin, 'main;x'), 1000)).toBe(5);
    expect(graphHeightCss(thin, 1, 2)).toBe(2 * ROW_HEIGHT_CSS);
    expect(depthAtCss(1, { heightCss: 36, orientation: 'icicle', hiddenDepth: 1 })).toBe(1);
  });
});
