/**
 * Call trees for flame graphs: stacks merged root→leaf into a prefix tree held in typed arrays, with
 * separate base values for a diff, and the sandwich view of one function (its callers and its callees).
 */
import { prepareStacks, type PreparedStacks, type ProfileInput, type StackQuery } from './stacks.js';

/**
 * A call tree in columns. Node 0 is the synthetic root (frame -1); children of n are
 * `firstChild[n]`, then `nextSibling[…]` until -1. `self`/`total` are the profile's values; for a diff,
 * `baseSelf`/`baseTotal` hold the base's values (as positive numbers), so the change is `total - baseTotal`.
 */
export interface CallTree {
  /** Frame names (pprof's printable names at the chosen granularity), indexed by frame id. */
  names: string[];
  count: number;
  frame: Int32Array;
  parent: Int32Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  self: Float64Array;
  total: Float64Array;
  baseSelf: Float64Array | null;
  baseTotal: Float64Array | null;
  sampleType: string;
  unit: string;
}

/** A call tree node as a plain object, for small trees and tests. */
export interface CallTreeNode {
  name: string;
  self: number;
  total: number;
  /** Present in a diff tree: the base's values. */
  base?: { self: number; total: number };
  children: CallTreeNode[];
}

/** Grows the columns of a CallTree as nodes are added. */
class TreeBuilder {
  count = 1;
  frame: Int32Array = new Int32Array(1024);
  parent: Int32Array = new Int32Array(1024);
  firstChild: Int32Array = new Int32Array(1024);
  nextSibling: Int32Array = new Int32Array(1024);
  self: Float64Array = new Float64Array(1024);
  total: Float64Array = new Float64Array(1024);
  baseSelf: Float64Array = new Float64Array(1024);
  baseTotal: Float64Array = new Float64Array(1024);
  // Open-addressing hash of (parent, frame) → child, in typed arrays (a Map of numbers costs ~5× more).
  private hashParent = new Int32Array(1 << 12).fill(-1);
  private hashFrame = new Int32Array(1 << 12);
  private hashNode = new Int32Array(1 << 12);
  private hashMask = (1 << 12) - 1;
  private hashUsed = 0;
  // The previous path, to skip map lookups for the prefix consecutive stacks share.
  private lastFrames = new Int32Array(256);
  private lastNodes = new Int32Array(256);
  private lastLen = 0;

  constructor(private readonly frameCount: number) {
    this.frame[0] = -1;
    this.parent[0] = -1;
    this.firstChild[0] = -1;
    this.nextSibling[0] = -1;
  }

  private grow(): void {
    const n = this.frame.length * 2;
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.frame = i32(this.frame);
    this.parent = i32(this.parent);
    this.firstChild = i32(this.firstChild);
    this.nextSibling = i32(this.nextSibling);
    this.self = f64(this.self);
    this.total = f64(this.total);
    this.baseSelf = f64(this.baseSelf);
    this.baseTotal = f64(this.baseTotal);
  }

  private rehash(): void {
    const oldP = this.hashParent;
    const oldF = this.hashFrame;
    const oldN = this.hashNode;
    const size = oldP.length * 2;
    this.hashParent = new Int32Array(size).fill(-1);
    this.hashFrame = new Int32Array(size);
    this.hashNode = new Int32Array(size);
    this.hashMask = size - 1;
    for (let i = 0; i < oldP.length; i++) {
      if (oldP[i] === -1) continue;
      let h = (Math.imul(oldP[i]!, 0x9e3779b1) ^ Math.imul(oldF[i]!, 0x85ebca6b)) & this.hashMask;
      while (this.hashParent[h] !== -1) h = (h + 1) & this.hashMask;
      this.hashParent[h] = oldP[i]!;
      this.hashFrame[h] = oldF[i]!;
      this.hashNode[h] = oldN[i]!;
    }
  }

  private child(parent: number, frame: number): number {
    let h = (Math.imul(parent, 0x9e3779b1) ^ Math.imul(frame, 0x85ebca6b)) & this.hashMask;
    for (;;) {
      const p = this.hashParent[h]!;
      if (p === -1) break;
      if (p === parent && this.hashFrame[h] === frame) return this.hashNode[h]!;
      h = (h + 1) & this.hashMask;
    }
    {
      if (this.count === this.frame.length) this.grow();
      const n = this.count++;
      this.hashParent[h] = parent;
      this.hashFrame[h] = frame;
      this.hashNode[h] = n;
      if (++this.hashUsed * 2 > this.hashMask) this.rehash();
      this.frame[n] = frame;
      this.parent[n] = parent;
      this.firstChild[n] = -1;
      this.nextSibling[n] = this.firstChild[parent]!;
      this.firstChild[parent] = n;
      return n;
    }
  }

  /** Adds `w` along `frames[0..len)` (root first); base values go to the base columns as positive numbers. */
  add(frames: Int32Array, len: number, w: number, isBase: boolean): void {
    const total = isBase ? this.baseTotal : this.total;
    const v = isBase ? -w : w;
    total[0]! += v;
    let node = 0;
    let shared = true;
    if (len > this.lastFrames.length) {
      this.lastFrames = new Int32Array(len * 2);
      this.lastNodes = new Int32Array(len * 2);
      this.lastLen = 0;
    }
    for (let d = 0; d < len; d++) {
      const f = frames[d]!;
      if (shared && d < this.lastLen && this.lastFrames[d] === f) node = this.lastNodes[d]!;
      else {
        shared = false;
        node = this.child(node, f);
        this.lastFrames[d] = f;
        this.lastNodes[d] = node;
      }
      total[node]! += v;
    }
    this.lastLen = len;
    (isBase ? this.baseSelf : this.self)[node]! += v;
  }

  done(names: string[], st: PreparedStacks, diff: boolean): CallTree {
    const n = this.count;
    return {
      names,
      count: n,
      frame: this.frame.slice(0, n),
      parent: this.parent.slice(0, n),
      firstChild: this.firstChild.slice(0, n),
      nextSibling: this.nextSibling.slice(0, n),
      self: this.self.slice(0, n),
      total: this.total.slice(0, n),
      baseSelf: diff ? this.baseSelf.slice(0, n) : null,
      baseTotal: diff ? this.baseTotal.slice(0, n) : null,
      sampleType: st.sampleType.type,
      unit: st.sampleType.unit,
    };
  }
}

/**
 * Calls `visit(frames, len, w, isBase)` for every kept sample with its frames root first. `frames` is
 * reused between calls: copy what you keep.
 */
export function forEachStack(st: PreparedStacks, visit: (frames: Int32Array, len: number, w: number, isBase: boolean) => void): void {
  let frames = new Int32Array(256);
  const vi = st.valueIndex;
  for (const src of st.sources) {
    const S = src.profile.samples;
    const { locNodeStart, locNodes, sampleKept } = src;
    for (let s = 0; s < S.count; s++) {
      if (!sampleKept[s]) continue;
      const w = S.values[s * S.valueCount + vi]! * src.sign;
      if (w === 0) continue;
      let len = 0;
      for (let k = S.locStart[s + 1]! - 1; k >= S.locStart[s]!; k--) {
        const loc = S.locs[k]!;
        for (let j = locNodeStart[loc + 1]! - 1; j >= locNodeStart[loc]!; j--) {
          if (len === frames.length) {
            const bigger = new Int32Array(len * 2);
            bigger.set(frames);
            frames = bigger;
          }
          frames[len++] = locNodes[j]!;
        }
      }
      visit(frames, len, w, src.sign < 0);
    }
  }
}

/** The call tree of a profile, or of a diff (`input.base`), for a flame graph. */
export function callTree(input: ProfileInput, query: StackQuery = {}): CallTree {
  return callTreeOfStacks(prepareStacks(input, query));
}

/** The call tree of prepared stacks. */
export function callTreeOfStacks(st: PreparedStacks): CallTree {
  const b = new TreeBuilder(st.nodeCount);
  forEachStack(st, (frames, len, w, isBase) => b.add(frames, len, w, isBase));
  return b.done(st.nodeName, st, st.sources.length > 1);
}

/** The sandwich view of one function: who calls it (an inverted tree, F at the root) and what it calls. */
export interface Sandwich {
  /** Stacks from F's innermost occurrence up to the program's root, F first. */
  callers: CallTree;
  /** Stacks from F's outermost occurrence down to the leaf, F first. */
  callees: CallTree;
}

/** Builds the sandwich of the frame named `name` (exact printable name). Both trees are empty when no stack holds it. */
export function sandwich(st: PreparedStacks, name: string): Sandwich {
  const target = st.nodeName.indexOf(name);
  const callers = new TreeBuilder(st.nodeCount);
  const callees = new TreeBuilder(st.nodeCount);
  const diff = st.sources.length > 1;
  if (target < 0) return { callers: callers.done(st.nodeName, st, diff), callees: callees.done(st.nodeName, st, diff) };
  let up = new Int32Array(256);
  forEachStack(st, (frames, len, w, isBase) => {
    let outer = -1;
    let inner = -1;
    for (let d = 0; d < len; d++) {
      if (frames[d] === target) {
        if (outer < 0) outer = d;
        inner = d;
      }
    }
    if (outer < 0) return;
    callees.add(frames.subarray(outer), len - outer, w, isBase);
    if (up.length < inner + 1) up = new Int32Array((inner + 1) * 2);
    for (let d = inner, k = 0; d >= 0; d--, k++) up[k] = frames[d]!;
    callers.add(up, inner + 1, w, isBase);
  });
  return { callers: callers.done(st.nodeName, st, diff), callees: callees.done(st.nodeName, st, diff) };
}

/** Converts (part of) a call tree to nested objects, children by total descending. */
export function toNested(tree: CallTree, options: { node?: number; maxDepth?: number } = {}): CallTreeNode {
  const maxDepth = options.maxDepth ?? Infinity;
  const build = (n: number, depth: number): CallTreeNode => {
    const node: CallTreeNode = { name: n === 0 ? 'root' : tree.names[tree.frame[n]!]!, self: tree.self[n]!, total: tree.total[n]!, children: [] };
    if (tree.baseSelf && tree.baseTotal) node.base = { self: tree.baseSelf[n]!, total: tree.baseTotal[n]! };
    if (depth < maxDepth) {
      for (let c = tree.firstChild[n]!; c >= 0; c = tree.nextSibling[c]!) node.children.push(build(c, depth + 1));
      node.children.sort((a, b) => Math.abs(b.total) - Math.abs(a.total) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return node;
  };
  return build(options.node ?? 0, 0);
}
