/** The messages between the inspector and its analysis worker: requests, answers, and the columnar results they carry (typed arrays, transferred, never object trees). */
import type { GoroutineDiff, GoroutineDump } from '../../analysis/goroutines/index.js';
import type { Granularity } from '../../analysis/pprof/index.js';
import type { FlameLayout } from './flame-layout.js';

/** What the worker is asked. `key` names a profile the worker has opened (capture id + file name). */
export type AnalysisRequest =
  /** Decode a profile's bytes (gzipped as fetched) and keep it under `key`. */
  | { type: 'open'; key: string; bytes: ArrayBuffer }
  /** The top table and flame layout of an opened profile. */
  | { type: 'profile'; key: string; sampleType: string; granularity: Granularity }
  /** Callers and callees of one function. */
  | { type: 'sandwich'; key: string; sampleType: string; granularity: Granularity; name: string }
  /** Per-function change against a base profile, and the diff flame layout. */
  | { type: 'diff'; key: string; baseKey: string; sampleType: string; granularity: Granularity }
  /** Parse a goroutine dump (debug=2 text) and, with a base, the groups that grew. */
  | { type: 'goroutines'; text: ArrayBuffer; baseText: ArrayBuffer | null };

/** A request as posted: with an id to match its answer. */
export type AnalysisEnvelope = AnalysisRequest & { reqId: number };

/** A profile's header: what the sample type switch and the header line show. */
export interface ProfileSummary {
  sampleTypes: Array<{ type: string; unit: string }>;
  /** The sample type pprof picks by default (default_sample_type, else the last). */
  defaultSampleType: string;
  /** Epoch ns of the profile, 0 when unset. */
  timeNanos: number;
  durationNanos: number;
  periodType: { type: string; unit: string } | null;
  period: number;
  /** Samples in the profile. */
  sampleCount: number;
  /** Per sample type (in `sampleTypes` order), the sum of its values over every sample: 0 says the type has nothing to show. */
  totals: number[];
  /** Milliseconds to inflate and decode. */
  decodeMs: number;
}

/** The top table in columns (one entry per function, file or line), sorted by flat as pprof -top. */
export interface TopColumns {
  names: string[];
  flat: Float64Array;
  cum: Float64Array;
  /**
   * pprof's inline mark per row: 0 none, 1 "(inline)", 2 "(partial-inline)", as `go tool pprof -top` prints
   * them (from its trimmed graph; 0 for the rows it drops).
   */
  inline: Uint8Array;
  /** The marks `go tool pprof -top -nodefraction=0` prints (every row), for a table showing more than pprof's rows. */
  inlineAll: Uint8Array;
  /** 1 for the rows `go tool pprof -top` prints (|cum| at least 0.5 % of the total), 0 for those it drops. */
  pprofKept: Uint8Array;
  /** pprof's total: percentages are of this. */
  total: number;
  /** The sample type's unit ("bytes", "count", "nanoseconds"). */
  unit: string;
  /** The unit `go tool pprof -top` prints this report in (its -unit=minimum choice); a table of other rows picks its own (topView). */
  outputUnit: string;
  /** pprof's header lines. */
  labels: string[];
}

/** A profile analysed for one sample type and granularity. */
export interface ProfileAnalysis {
  top: TopColumns;
  flame: FlameLayout;
  /** Milliseconds the worker spent. */
  analyzeMs: number;
}

/** Callers (F at the root, its callers beneath) and callees (F at the root, what it calls beneath) of one function. */
export interface SandwichAnalysis {
  name: string;
  callers: FlameLayout;
  callees: FlameLayout;
}

/** Per-function values in a base and a current profile (at the same granularity). */
export interface DiffColumns {
  names: string[];
  baseFlat: Float64Array;
  baseCum: Float64Array;
  flat: Float64Array;
  cum: Float64Array;
  /** Totals of each side (sum of |value|), for normalising. */
  baseTotal: number;
  total: number;
  unit: string;
}

/** A diff: the table's columns and the flame layout of the current profile with the base's values beside. */
export interface DiffAnalysis {
  columns: DiffColumns;
  flame: FlameLayout;
  analyzeMs: number;
}

/** A goroutine dump, grouped, with the diff against a base dump when one was given. */
export interface GoroutineAnalysis {
  dump: GoroutineDump;
  diff: GoroutineDiff | null;
  analyzeMs: number;
}

/** The result type of each request. */
export interface AnalysisResults {
  open: ProfileSummary;
  profile: ProfileAnalysis;
  sandwich: SandwichAnalysis;
  diff: DiffAnalysis;
  goroutines: GoroutineAnalysis;
}

/** An error as it crosses the worker boundary. */
export interface AnalysisError {
  code: string;
  message: string;
  hint?: string;
}

/** The worker's answer to one request. */
export type AnalysisAnswer = { reqId: number; ok: true; result: AnalysisResults[AnalysisRequest['type']] } | { reqId: number; ok: false; error: AnalysisError };
