/**
 * Turns one profile, or a profile and its base, into weighted stacks of interned node ids, the way pprof
 * prepares a report: merge the headers, negate the base, apply focus/ignore/hide/show, and name each frame
 * at the chosen granularity. top and the call tree both walk the result without allocating per sample.
 */
import { translateGoRegex } from './go-regex.js';
import { LeakbarError } from '../../shared/errors.js';
import { sampleTypeIndex, type ProfileModel, type ValueTypeInfo } from './model.js';

/** How frames are merged into nodes, as pprof's -granularity. @default 'functions' */
export type Granularity = 'functions' | 'filefunctions' | 'files' | 'lines';

/** How a base profile combines with the profile. */
export type BaseMode =
  /** pprof -diff_base: the base is negated and kept apart; percentages are of the base's total. */
  | 'diff-base'
  /** pprof -base: the base (an earlier cumulative profile) is subtracted; percentages are of what is left. */
  | 'base';

/** The profile (and optional base) a report is made of. */
export interface ProfileInput {
  profile: ProfileModel;
  base?: ProfileModel;
  /** @default 'diff-base' when a base is given */
  baseMode?: BaseMode;
}

/** Which values and frames a report looks at. Regexes are unanchored, as in pprof. */
export interface StackQuery {
  /** Sample type by name ("inuse_space") or index; "" is pprof's choice (default_sample_type, else the last). @default '' */
  sampleType?: string;
  /** @default 'functions' */
  granularity?: Granularity;
  /** Keep only samples with a frame matching this. */
  focus?: string;
  /** Drop samples with a frame matching this. */
  ignore?: string;
  /** Remove matching frames from stacks. */
  hide?: string;
  /** Keep only matching frames in stacks. */
  show?: string;
}

/** One profile's samples, ready to walk: per location, the node ids of its lines (innermost first). */
export interface PreparedSource {
  profile: ProfileModel;
  /** +1 for the profile, -1 for a base. */
  sign: 1 | -1;
  isBase: boolean;
  /** Node ids of location i: `locNodes[locNodeStart[i]..locNodeStart[i+1]]`, innermost first; empty = hidden. */
  locNodeStart: Uint32Array;
  locNodes: Uint32Array;
  /** 1 when the sample survives focus/ignore (and still has a visible frame). */
  sampleKept: Uint8Array;
  /** Which filters matched a location of this profile, as pprof's FilterSamplesByName says (fm, im, hm, hnm). */
  matched: Record<FilterName, boolean>;
}

/** The name filters, in pprof's order. */
export type FilterName = 'focus' | 'ignore' | 'hide' | 'show';

/** Stacks of interned nodes, with what a report header needs. */
export interface PreparedStacks {
  sources: PreparedSource[];
  /** The value column read from every sample. */
  valueIndex: number;
  sampleType: ValueTypeInfo;
  nodeCount: number;
  /** pprof's printable name of each node. */
  nodeName: string[];
  /** pprof's last-resort sort key of each node (`fmt.Sprint(NodeInfo)`). */
  nodeSortKey: string[];
  /** 1 when a node is ever an inlined (not outermost) line of a location. */
  nodeInlined: Uint8Array;
  /** pprof's report total: the sum of |value| over merged samples (of the base's, for diff-base), before filters. */
  total: number;
  header: MergedHeader;
  /** The filters as pprof lists them ("focus=…"). */
  activeFilters: string[];
  /**
   * pprof's warnings for filters that matched no location of the (merged) profile, to print on stderr:
   * "Focus expression matched no samples", then Ignore, Hide, Show.
   */
  warnings: string[];
}

/** The merged profile header pprof prints. */
export interface MergedHeader {
  mainFile: string;
  buildId: string;
  comments: string[];
  timeNanos: number;
  durationNanos: number;
}

/**
 * Compiles a Go (RE2) regex for JavaScript, translated so that it matches what Go's matches
 * (translateGoRegex); what cannot be translated is refused, as Go refuses what it cannot parse.
 */
export function compileGoRegex(what: string, source: string): RegExp {
  try {
    const t = translateGoRegex(source);
    return new RegExp(t.source, t.flags);
  } catch (e) {
    throw new LeakbarError('bad-input', `parsing ${what} regexp: ${e instanceof Error ? e.message : String(e)}`, { hint: 'use Go (RE2) regular expression syntax, as go tool pprof does' });
  }
}

/** Go's filepath.Clean for slash paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? (rooted ? '/' : '.') : s;
}

/** pprof's trimPath with no -trim_path and no -source_path: strips /proc/self/cwd/ prefixes. */
function trimPath(p: string): string {
  for (const prefix of ['/proc/self/cwd/./', '/proc/self/cwd/']) if (p.startsWith(prefix)) return p.slice(prefix.length);
  return p;
}

function baseName(p: string): string {
  const s = p.replace(/\/+$/, '');
  if (s === '') return p === '' ? '.' : '/';
  return s.slice(s.lastIndexOf('/') + 1);
}

function checkCompatible(a: ProfileModel, b: ProfileModel): void {
  const same = (x: ValueTypeInfo | null, y: ValueTypeInfo | null): boolean => (x === null || y === null ? x === y : x.type === y.type && x.unit === y.unit);
  const fmt = (ts: ValueTypeInfo[]): string => ts.map((t) => `${t.type}/${t.unit}`).join(' ');
  if (!same(a.periodType, b.periodType)) throw new LeakbarError('bad-input', 'the profile and its base have different period types', { hint: 'compare two profiles of the same kind' });
  if (a.sampleTypes.length !== b.sampleTypes.length || a.sampleTypes.some((t, i) => !same(t, b.sampleTypes[i]!))) {
    throw new LeakbarError('bad-input', `the profile and its base have different sample types (${fmt(a.sampleTypes)} vs ${fmt(b.sampleTypes)})`, { hint: 'compare two profiles of the same kind' });
  }
}

/** pprof's combineHeaders: earliest time (a zero time wins, as in pprof), summed durations, first mapping. */
function mergeHeaders(profiles: ProfileModel[]): MergedHeader {
  let timeNanos = 0;
  let durationNanos = 0;
  const comments: string[] = [];
  for (const p of profiles) {
    if (timeNanos === 0 || p.timeNanos < timeNanos) timeNanos = p.timeNanos;
    durationNanos += p.durationNanos;
    for (const c of p.comments) if (!comments.includes(c)) comments.push(c);
  }
  const m0 = profiles.find((p) => p.mappings.length > 0)?.mappings[0];
  return { mainFile: m0 && m0.file !== '' ? baseName(m0.file) : '', buildId: m0?.buildId ?? '', comments, timeNanos, durationNanos };
}

interface Filters {
  focus: RegExp | null;
  ignore: RegExp | null;
  hide: RegExp | null;
  show: RegExp | null;
}

/** Weighs, filters and names the stacks of `input` for `query`. Throws LeakbarError('bad-input') on an unknown sample type or bad regex. */
export function prepareStacks(input: ProfileInput, query: StackQuery = {}): PreparedStacks {
  const { profile, base } = input;
  const baseMode: BaseMode = input.baseMode ?? 'diff-base';
  if (base) checkCompatible(profile, base);
  const defaultSampleType = profile.defaultSampleType || base?.defaultSampleType || '';
  const valueIndex = sampleTypeIndex({ sampleTypes: profile.sampleTypes, defaultSampleType }, query.sampleType ?? '');
  if (valueIndex < 0) {
    throw new LeakbarError('bad-input', `sample type "${query.sampleType}" must be one of: ${profile.sampleTypes.map((t) => t.type).join(', ')}`, {
      hint: 'pass one of the listed sample types',
    });
  }
  const filters: Filters = {
    focus: query.focus ? compileGoRegex('focus', query.focus) : null,
    ignore: query.ignore ? compileGoRegex('ignore', query.ignore) : null,
    hide: query.hide ? compileGoRegex('hide', query.hide) : null,
    show: query.show ? compileGoRegex('show', query.show) : null,
  };
  const activeFilters: string[] = [];
  for (const k of ['focus', 'ignore', 'hide', 'show'] as const) if (query[k]) activeFilters.push(`${k}=${query[k]}`);

  const granularity = query.granularity ?? 'functions';
  const nodeIds = new Map<string, number>();
  const nodeName: string[] = [];
  const nodeSortKey: string[] = [];
  const inlined: number[] = [];

  const parts: Array<{ profile: ProfileModel; sign: 1 | -1; isBase: boolean }> = [{ profile, sign: 1, isBase: false }];
  if (base) parts.push({ profile: base, sign: -1, isBase: baseMode === 'diff-base' });

  const sources = parts.map((part) => prepareSource(part, granularity, filters, nodeIds, nodeName, nodeSortKey, inlined, parts.length > 1));
  const total = computeTotal(sources, valueIndex, baseMode);
  const warnings: string[] = [];
  for (const k of ['focus', 'ignore', 'hide', 'show'] as const) {
    if (filters[k] && !sources.some((s) => s.matched[k])) warnings.push(`${k[0]!.toUpperCase()}${k.slice(1)} expression matched no samples`);
  }
  return {
    sources,
    valueIndex,
    sampleType: profile.sampleTypes[valueIndex]!,
    nodeCount: nodeName.length,
    nodeName,
    nodeSortKey,
    nodeInlined: Uint8Array.from(inlined),
    total,
    header: mergeHeaders(parts.map((p) => p.profile)),
    activeFilters,
    warnings,
  };
}

function prepareSource(
  part: { profile: ProfileModel; sign: 1 | -1; isBase: boolean },
  granularity: Granularity,
  filters: Filters,
  nodeIds: Map<string, number>,
  nodeName: string[],
  nodeSortKey: string[],
  inlined: number[],
  merged: boolean,
): PreparedSource {
  const p = part.profile;
  const { locations: L, functions: F, samples: S } = p;
  const withFunction = granularity !== 'files';
  const withFile = granularity !== 'functions';
  const withLine = granularity === 'lines';

  // Which functions match a regex: name or file name, computed once per function.
  const fnMatches = (re: RegExp | null): Uint8Array | null => {
    if (!re) return null;
    const m = new Uint8Array(F.count);
    for (let f = 0; f < F.count; f++) m[f] = re.test(F.name[f]!) || re.test(F.filename[f]!) ? 1 : 0;
    return m;
  };
  const mapMatches = (re: RegExp | null): Uint8Array | null => (re ? Uint8Array.from(p.mappings, (m) => (re.test(m.file) ? 1 : 0)) : null);
  const fFocus = fnMatches(filters.focus);
  const fIgnore = fnMatches(filters.ignore);
  const fHide = fnMatches(filters.hide);
  const fShow = fnMatches(filters.show);
  const mFocus = mapMatches(filters.focus);
  const mIgnore = mapMatches(filters.ignore);
  const mHide = mapMatches(filters.hide);
  const mShow = mapMatches(filters.show);
  const locMatches = (loc: number, fm: Uint8Array, mm: Uint8Array): boolean => {
    for (let j = L.lineStart[loc]!; j < L.lineStart[loc + 1]!; j++) {
      const f = L.lineFunction[j]!;
      if (f >= 0 && fm[f]) return true;
    }
    const mi = L.mapping[loc]!;
    return mi >= 0 && mm[mi] === 1;
  };

  // Node of one line, interned by pprof's NodeInfo at this granularity.
  const intern = (loc: number, line: number): number => {
    const f = L.lineFunction[line]!;
    const mi = L.mapping[loc]!;
    const objfile = mi >= 0 ? p.mappings[mi]!.file : '';
    let name = '';
    let file = '';
    let startLine = 0;
    let lineno = 0;
    let obj = '';
    if (f < 0) obj = objfile;
    else {
      name = withFunction ? F.name[f]! : '';
      const fname = withFile ? trimPath(F.filename[f]!) : '';
      if (fname !== '') file = cleanPath(fname);
      lineno = withLine ? L.lineNumber[line]! : 0;
      if (name === '') {
        obj = objfile;
        startLine = F.startLine[f]!;
      }
    }
    const key = `${name}\0${file}\0${startLine}\0${lineno}\0${obj}`;
    let id = nodeIds.get(key);
    if (id === undefined) {
      id = nodeName.length;
      nodeIds.set(key, id);
      nodeName.push(printableName(name, file, lineno, obj));
      nodeSortKey.push(`{${name}  0 ${file} ${startLine} ${lineno} ${obj}}`);
      inlined.push(0);
    }
    return id;
  };

  // Per location: focus/ignore state, visible lines after hide/show, their nodes.
  const focusState = new Uint8Array(L.count); // 0 neither, 1 focused, 2 ignored
  const locNodeStart = new Uint32Array(L.count + 1);
  const locNodes: number[] = [];
  // pprof's FilterSamplesByName: whether each filter matched some location (all of them, not only sampled ones).
  // A profile merged with its base keeps only the locations of samples with a non-zero value (pprof's Merge).
  const matched: Record<FilterName, boolean> = { focus: false, ignore: false, hide: false, show: false };
  let counts: Uint8Array | null = null;
  if (merged) {
    counts = new Uint8Array(L.count);
    for (let smp = 0; smp < S.count; smp++) {
      let zero = true;
      for (let v = 0; v < S.valueCount; v++) if (S.values[smp * S.valueCount + v] !== 0) zero = false;
      if (!zero) for (let k = S.locStart[smp]!; k < S.locStart[smp + 1]!; k++) counts[S.locs[k]!] = 1;
    }
  }
  for (let loc = 0; loc < L.count; loc++) {
    const counted = !counts || counts[loc] === 1;
    if (fIgnore && locMatches(loc, fIgnore, mIgnore!)) {
      focusState[loc] = 2;
      if (counted) matched.ignore = true;
    } else if (!fFocus || locMatches(loc, fFocus, mFocus!)) {
      focusState[loc] = 1;
      if (fFocus && counted) matched.focus = true;
    }
    locNodeStart[loc] = locNodes.length;
    const l0 = L.lineStart[loc]!;
    const l1 = L.lineStart[loc + 1]!;
    const mi = L.mapping[loc]!;
    // keep[j - l0] for each line: pprof's unmatchedLines (hide) then matchedLines (show).
    const keep: boolean[] = [];
    for (let j = l0; j < l1; j++) keep.push(true);
    let hidden = false;
    if (fHide && locMatches(loc, fHide, mHide!)) {
      if (counted) matched.hide = true;
      const whole = mi >= 0 && mHide![mi] === 1;
      for (let j = l0; j < l1; j++) if (whole || (L.lineFunction[j]! >= 0 && fHide[L.lineFunction[j]!])) keep[j - l0] = false;
      if (!keep.some(Boolean)) hidden = true;
    }
    if (fShow) {
      if (!(mi >= 0 && mShow![mi] === 1)) {
        for (let j = l0; j < l1; j++) if (L.lineFunction[j]! >= 0 && !fShow[L.lineFunction[j]!]) keep[j - l0] = false;
      }
      if (!keep.some(Boolean)) hidden = true;
      else if (counted) matched.show = true;
    }
    if (hidden) continue; // no nodes: dropped from every stack
    if (l1 === l0) {
      // A location without lines is one node named by its object file.
      const objfile = mi >= 0 ? p.mappings[mi]!.file : '';
      const key = `\0\0\0\0${objfile}`;
      let id = nodeIds.get(key);
      if (id === undefined) {
        id = nodeName.length;
        nodeIds.set(key, id);
        nodeName.push(printableName('', '', 0, objfile));
        nodeSortKey.push(`{  0  0 0 ${objfile}}`);
        inlined.push(0);
      }
      locNodes.push(id);
      continue;
    }
    let last = -1;
    for (let j = l0; j < l1; j++) if (keep[j - l0]) last = j;
    for (let j = l0; j < l1; j++) {
      if (!keep[j - l0]) continue;
      const id = intern(loc, j);
      if (j !== last) inlined[id] = 1;
      locNodes.push(id);
    }
  }
  locNodeStart[L.count] = locNodes.length;

  // Samples: focused and not ignored, with at least one visible frame.
  const sampleKept = new Uint8Array(S.count);
  for (let s = 0; s < S.count; s++) {
    let focused = false;
    let ignored = false;
    let visible = false;
    for (let k = S.locStart[s]!; k < S.locStart[s + 1]!; k++) {
      const loc = S.locs[k]!;
      const st = focusState[loc]!;
      if (st === 2) {
        ignored = true;
        break;
      }
      if (st === 1) focused = true;
      if (locNodeStart[loc + 1]! > locNodeStart[loc]!) visible = true;
    }
    sampleKept[s] = focused && !ignored && visible ? 1 : 0;
  }
  return { profile: p, sign: part.sign, isBase: part.isBase, locNodeStart, locNodes: Uint32Array.from(locNodes), sampleKept, matched };
}

/** pprof's NodeInfo.PrintableName (addresses are never kept at these granularities). */
function printableName(name: string, file: string, lineno: number, objfile: string): string {
  const parts: string[] = [];
  if (name !== '') parts.push(name);
  if (lineno !== 0) parts.push(`${file}:${lineno}`);
  else if (file !== '') parts.push(file);
  else if (name !== '') {
    /* the function name says it all */
  } else if (objfile !== '') parts.push(`[${baseName(objfile)}]`);
  else parts.push('<unknown>');
  return parts.join(' ');
}

/**
 * pprof's computeTotal over the merged profile: the sum of |value|; with a diff base, of the base's samples.
 * Samples with the same stack and labels merge first (pprof's Merge), which only matters when signs mix.
 */
function computeTotal(sources: PreparedSource[], vi: number, baseMode: BaseMode): number {
  const groups: PreparedSource[][] = baseMode === 'diff-base' && sources.length > 1 ? [[sources[0]!], [sources[1]!]] : [sources];
  const totals = groups.map((g) => groupAbsTotal(g, vi));
  if (groups.length === 2 && totals[1]! > 0) return totals[1]!;
  return totals.reduce((a, b) => a + b, 0);
}

function groupAbsTotal(group: PreparedSource[], vi: number): number {
  let pos = false;
  let neg = false;
  let sum = 0;
  for (const src of group) {
    const S = src.profile.samples;
    for (let s = 0; s < S.count; s++) {
      // A sample without locations still counts in pprof's total (Go's goroutine profile can hold one).
      const v = S.values[s * S.valueCount + vi]! * src.sign;
      if (v > 0) pos = true;
      else if (v < 0) neg = true;
      sum += Math.abs(v);
    }
  }
  if (!(pos && neg)) return sum;
  // Mixed signs: merge samples by (stack, labels) as pprof's Merge does, then sum |value|.
  const merged = new Map<string, number>();
  const locKeyIds = new Map<string, number>();
  for (const src of group) {
    const p = src.profile;
    const { locations: L, functions: F, samples: S } = p;
    const canon = new Int32Array(L.count);
    for (let loc = 0; loc < L.count; loc++) {
      const mi = L.mapping[loc]!;
      const m = mi >= 0 ? p.mappings[mi]! : null;
      let key = m ? `${L.address[loc]! - m.memoryStart}|${Math.ceil((m.memoryLimit - m.memoryStart) / 4096)}|${m.fileOffset}|${m.buildId || m.file}` : `${L.address[loc]}|`;
      key += `|${L.isFolded[loc]}`;
      for (let j = L.lineStart[loc]!; j < L.lineStart[loc + 1]!; j++) {
        const f = L.lineFunction[j]!;
        key += f >= 0 ? `|${F.name[f]}\0${F.systemName[f]}\0${F.filename[f]}\0${F.startLine[f]}:${L.lineNumber[j]}` : `|:${L.lineNumber[j]}`;
      }
      let id = locKeyIds.get(key);
      if (id === undefined) locKeyIds.set(key, (id = locKeyIds.size));
      canon[loc] = id;
    }
    for (let s = 0; s < S.count; s++) {
      // A sample with no stack (Go's goroutine profile can hold one) still counts in pprof's total.
      let key = '';
      for (let k = S.locStart[s]!; k < S.locStart[s + 1]!; k++) key += `${canon[S.locs[k]!]},`;
      const labels: string[] = [];
      for (let j = S.labelStart[s]!; j < S.labelStart[s + 1]!; j++) {
        labels.push(`${p.strings[S.labelKey[j]!]}\0${p.strings[S.labelStr[j]!]}\0${S.labelNum[j]}\0${p.strings[S.labelNumUnit[j]!]}`);
      }
      key += `|${labels.sort().join('\u0001')}`;
      merged.set(key, (merged.get(key) ?? 0) + S.values[s * S.valueCount + vi]! * src.sign);
    }
  }
  let total = 0;
  for (const v of merged.values()) total += Math.abs(v);
  return total;
}
