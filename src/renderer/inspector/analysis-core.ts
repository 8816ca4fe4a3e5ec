/**
 * What the inspector's worker computes, as plain functions over the pprof and goroutine analysis layers:
 * open (inflate + decode), the top table and flame layout of a sample type, the sandwich of a function,
 * the diff against a base profile, and goroutine groups. {@link AnalysisSession} keeps decoded profiles
 * and prepared stacks between requests; it runs the same in a Web Worker and in a unit test.
 */
import { diffGoroutineDumps, judgeAgainstBase, parseGoroutineDump } from '../../analysis/goroutines/index.js';
import {
  callTreeOfStacks,
  decodeProfile,
  gunzipStream,
  isGzip,
  prepareStacks,
  sandwich,
  selectOutputUnit,
  topOfStacks,
  type Granularity,
  type PreparedStacks,
  type ProfileModel,
  type TopReport,
  type TopRow,
} from '../../analysis/pprof/index.js';
import { isLeakbarError } from '../../shared/errors.js';
import { layoutCallTree, layoutTransferables } from './flame-layout.js';
import type { AnalysisError, AnalysisRequest, AnalysisResults, DiffColumns, ProfileSummary, TopColumns } from './protocol.js';

/** The node fraction `go tool pprof -top` trims at by default: its output unit is chosen from the rows it keeps. */
const PPROF_NODE_FRACTION = 0.005;

/**
 * The unit `go tool pprof -top` prints a report in: chosen from the smallest value among the rows its
 * default trimming keeps (|cum| ≥ 0.5 % of the flat sum) and the total, as pprof's selectOutputUnit.
 */
export function pprofOutputUnit(report: Pick<TopReport, 'rows' | 'total' | 'unit'>): string {
  let flatSum = 0;
  for (const r of report.rows) flatSum += r.flat;
  const cutoff = Math.abs(Math.trunc(flatSum * PPROF_NODE_FRACTION));
  let minValue = 0;
  let kept = 0;
  for (const r of report.rows) {
    if (cutoff > 0 && Math.abs(r.cum) < cutoff) continue;
    kept++;
    let v = Math.abs(r.flat);
    if (v === 0) v = Math.abs(r.cum);
    if (v > 0 && (minValue === 0 || v < minValue)) minValue = v;
  }
  return kept === 0 ? 'minimum' : selectOutputUnit(minValue, report.total, report.unit);
}

/** A top report as columns, every row kept (no node fraction), in pprof's order and unit. */
export function topColumns(st: PreparedStacks): TopColumns {
  // Every row (pprof -nodefraction=0), and the rows pprof -top prints: its inline marks come from its trimmed graph.
  const report = topOfStacks(st, { nodeFraction: 0 });
  const trimmed = topOfStacks(st);
  const n = report.rows.length;
  const flat = new Float64Array(n);
  const cum = new Float64Array(n);
  const inline = new Uint8Array(n);
  const inlineAll = new Uint8Array(n);
  const pprofKept = new Uint8Array(n);
  const names: string[] = new Array<string>(n);
  const mark = (m: TopRow['inline']): number => (m === '(inline)' ? 1 : m === '(partial-inline)' ? 2 : 0);
  const rowOfNode = new Map<number, number>();
  report.rows.forEach((r, i) => {
    names[i] = r.name;
    flat[i] = r.flat;
    cum[i] = r.cum;
    inlineAll[i] = mark(r.inline);
    rowOfNode.set(r.node, i);
  });
  for (const r of trimmed.rows) {
    const i = rowOfNode.get(r.node);
    if (i === undefined) continue;
    pprofKept[i] = 1;
    inline[i] = mark(r.inline);
  }
  return { names, flat, cum, inline, inlineAll, pprofKept, total: report.total, unit: report.unit, outputUnit: trimmed.outputUnit, labels: report.labels.slice(0, -1) };
}

/** Flat and cum by name for one profile at a granularity (every node with a value). */
function valuesByName(st: PreparedStacks): Map<string, { flat: number; cum: number }> {
  const report = topOfStacks(st, { nodeFraction: 0 });
  const m = new Map<string, { flat: number; cum: number }>();
  for (const r of report.rows) m.set(r.name, { flat: r.flat, cum: r.cum });
  return m;
}

/** Per-function values of a base and a current profile, rows in no particular order (the view sorts). */
export function diffColumns(base: PreparedStacks, current: PreparedStacks): DiffColumns {
  const b = valuesByName(base);
  const c = valuesByName(current);
  const names = [...new Set([...c.keys(), ...b.keys()])];
  const n = names.length;
  const cols: DiffColumns = {
    names,
    baseFlat: new Float64Array(n),
    baseCum: new Float64Array(n),
    flat: new Float64Array(n),
    cum: new Float64Array(n),
    baseTotal: base.total,
    total: current.total,
    unit: current.sampleType.unit,
  };
  names.forEach((name, i) => {
    const bv = b.get(name);
    const cv = c.get(name);
    cols.baseFlat[i] = bv?.flat ?? 0;
    cols.baseCum[i] = bv?.cum ?? 0;
    cols.flat[i] = cv?.flat ?? 0;
    cols.cum[i] = cv?.cum ?? 0;
  });
  return cols;
}

/** Turns anything thrown into an error that crosses the worker boundary. */
export function toAnalysisError(e: unknown): AnalysisError {
  if (isLeakbarError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/** A request's result and the buffers to transfer with it. */
export interface Handled<K extends AnalysisRequest['type']> {
  result: AnalysisResults[K];
  transfer: ArrayBuffer[];
}

/** Holds opened profiles and a few prepared stacks; answers requests one at a time. */
export class AnalysisSession {
  private readonly profiles = new Map<string, ProfileModel>();
  private readonly prepared = new Map<string, PreparedStacks>();

  /** Answers one request. Throws a LeakbarError (or another Error) on failure. */
  async handle<R extends AnalysisRequest>(req: R): Promise<Handled<R['type']>> {
    return (await this.handleAny(req)) as unknown as Handled<R['type']>;
  }

  private async handleAny(req: AnalysisRequest): Promise<{ result: AnalysisResults[AnalysisRequest['type']]; transfer: ArrayBuffer[] }> {
    const t0 = performance.now();
    switch (req.type) {
      case 'open': {
        let bytes: Uint8Array = new Uint8Array(req.bytes);
        if (isGzip(bytes)) bytes = await gunzipStream(bytes);
        const p = decodeProfile(bytes, { allowNoSamples: true });
        this.profiles.set(req.key, p);
        // A re-opened key invalidates what was prepared from it.
        for (const k of [...this.prepared.keys()]) if (k.split('|').includes(req.key)) this.prepared.delete(k);
        const summary: ProfileSummary = {
          sampleTypes: p.sampleTypes.map((t) => ({ type: t.type, unit: t.unit })),
          defaultSampleType: (p.sampleTypes.find((t) => t.type === p.defaultSampleType) ?? p.sampleTypes[p.sampleTypes.length - 1])?.type ?? '',
          timeNanos: p.timeNanos,
          durationNanos: p.durationNanos,
          periodType: p.periodType ? { ...p.periodType } : null,
          period: p.period,
          sampleCount: p.samples.count,
          totals: p.sampleTypes.map((_, j) => {
            let sum = 0;
            for (let i = 0; i < p.samples.count; i++) sum += p.samples.values[i * p.samples.valueCount + j]!;
            return sum;
          }),
          decodeMs: performance.now() - t0,
        };
        return { result: summary, transfer: [] };
      }
      case 'profile': {
        const st = this.stacks(req.key, null, req.sampleType, req.granularity);
        const top = topColumns(st);
        const flame = layoutCallTree(callTreeOfStacks(st));
        const result = { top, flame, analyzeMs: performance.now() - t0 };
        return { result, transfer: [top.flat.buffer as ArrayBuffer, top.cum.buffer as ArrayBuffer, top.inline.buffer as ArrayBuffer, top.inlineAll.buffer as ArrayBuffer, top.pprofKept.buffer as ArrayBuffer, ...layoutTransferables(flame)] };
      }
      case 'sandwich': {
        const st = this.stacks(req.key, null, req.sampleType, req.granularity);
        const s = sandwich(st, req.name);
        const callers = layoutCallTree(s.callers);
        const callees = layoutCallTree(s.callees);
        return { result: { name: req.name, callers, callees }, transfer: [...layoutTransferables(callers), ...layoutTransferables(callees)] };
      }
      case 'diff': {
        const cur = this.stacks(req.key, null, req.sampleType, req.granularity);
        const base = this.stacks(req.baseKey, null, req.sampleType, req.granularity);
        const columns = diffColumns(base, cur);
        const both = this.stacks(req.key, req.baseKey, req.sampleType, req.granularity);
        const flame = layoutCallTree(callTreeOfStacks(both));
        const transfer = [columns.baseFlat, columns.baseCum, columns.flat, columns.cum].map((a) => a.buffer as ArrayBuffer);
        return { result: { columns, flame, analyzeMs: performance.now() - t0 }, transfer: [...transfer, ...layoutTransferables(flame)] };
      }
      case 'goroutines': {
        const dec = new TextDecoder();
        const current = parseGoroutineDump(dec.decode(req.text));
        const base = req.baseText ? parseGoroutineDump(dec.decode(req.baseText)) : null;
        // Against a base, idle-by-design groups that grew too much are suspicious in the list too, as in the diff.
        const dump = base ? judgeAgainstBase(base, current) : current;
        const diff = base ? diffGoroutineDumps(base, dump) : null;
        return { result: { dump, diff, analyzeMs: performance.now() - t0 }, transfer: [] };
      }
    }
    throw new Error(`unknown request ${(req as { type: string }).type}`);
  }

  private profile(key: string): ProfileModel {
    const p = this.profiles.get(key);
    if (!p) throw new Error(`no profile opened as ${key}`);
    return p;
  }

  /** Prepared stacks for a profile (and base), cached: the top table, flame and sandwich share them. */
  private stacks(key: string, baseKey: string | null, sampleType: string, granularity: Granularity): PreparedStacks {
    const k = `${key}|${baseKey ?? ''}|${sampleType}|${granularity}`;
    let st = this.prepared.get(k);
    if (!st) {
      const profile = this.profile(key);
      st = baseKey ? prepareStacks({ profile, base: this.profile(baseKey), baseMode: 'diff-base' }, { sampleType, granularity }) : prepareStacks({ profile }, { sampleType, granularity });
      if (this.prepared.size >= 6) this.prepared.delete(this.prepared.keys().next().value!);
      this.prepared.set(k, st);
    }
    return st;
  }
}
