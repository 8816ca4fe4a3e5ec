/** The pprof profile model: profile.proto decoded into interned, columnar tables (typed arrays) that analysis walks without allocating per sample. */

/** A sample or period type: what is measured and in which unit ("inuse_space", "bytes"). */
export interface ValueTypeInfo {
  type: string;
  unit: string;
}

/** One mapped binary or library (profile.proto `Mapping`). Addresses are numbers: exact below 2^53. */
export interface MappingInfo {
  /** The id the profile gave this mapping. */
  id: number;
  memoryStart: number;
  memoryLimit: number;
  fileOffset: number;
  /** The object file, "" when unknown. */
  file: string;
  buildId: string;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

/** Functions, one row per index (ids are replaced by indices 0..count-1). */
export interface FunctionTable {
  count: number;
  name: string[];
  systemName: string[];
  filename: string[];
  startLine: Float64Array;
}

/**
 * Locations and their lines, one row per index. A location's lines are `lineStart[i]..lineStart[i+1]`;
 * profile.proto says "multiple line indicates this location has inlined functions, where the last entry
 * represents the caller into which the preceding entries were inlined", so the first line is the innermost.
 */
export interface LocationTable {
  count: number;
  /** The profile's own location ids, by index. */
  id: Float64Array;
  address: Float64Array;
  /** Index into `ProfileModel.mappings`, or -1. */
  mapping: Int32Array;
  isFolded: Uint8Array;
  lineStart: Uint32Array;
  /** Function index of each line, or -1 when the line names none. */
  lineFunction: Int32Array;
  lineNumber: Float64Array;
}

/**
 * Samples in compressed-row form. Sample i's locations are `locs[locStart[i]..locStart[i+1]]`, leaf
 * first (as in the proto); its values are `values[i*valueCount .. i*valueCount+valueCount]`; its labels
 * are rows `labelStart[i]..labelStart[i+1]` of the label columns.
 */
export interface SampleTable {
  count: number;
  valueCount: number;
  locStart: Uint32Array;
  /** Location indices (not ids). */
  locs: Uint32Array;
  values: Float64Array;
  labelStart: Uint32Array;
  /** Label key, string-table index. */
  labelKey: Int32Array;
  /** Label string value, string-table index (0 = "" = a numeric label). */
  labelStr: Int32Array;
  labelNum: Float64Array;
  /** Unit of a numeric label, string-table index (0 = none). */
  labelNumUnit: Int32Array;
}

/** One decoded pprof profile. int64 values are held as numbers: exact up to 2^53. */
export interface ProfileModel {
  sampleTypes: ValueTypeInfo[];
  /** The profile's default_sample_type, "" when unset. */
  defaultSampleType: string;
  periodType: ValueTypeInfo | null;
  period: number;
  /** Epoch ns of the capture (rounded to a double: within ~256 ns), 0 when unset. */
  timeNanos: number;
  durationNanos: number;
  comments: string[];
  dropFrames: string;
  keepFrames: string;
  docUrl: string;
  strings: string[];
  mappings: MappingInfo[];
  functions: FunctionTable;
  locations: LocationTable;
  samples: SampleTable;
}

/** One label of a sample, as objects (for display; analysis reads the columns). */
export interface SampleLabel {
  key: string;
  /** The string value, or "" for a numeric label. */
  str: string;
  num: number;
  numUnit: string;
}

/** The labels of sample `i`. */
export function sampleLabels(p: ProfileModel, i: number): SampleLabel[] {
  const s = p.samples;
  const out: SampleLabel[] = [];
  for (let j = s.labelStart[i]!; j < s.labelStart[i + 1]!; j++) {
    out.push({
      key: p.strings[s.labelKey[j]!] ?? '',
      str: p.strings[s.labelStr[j]!] ?? '',
      num: s.labelNum[j]!,
      numUnit: p.strings[s.labelNumUnit[j]!] ?? '',
    });
  }
  return out;
}

/**
 * The sample type index pprof picks for `name`: "" means the profile's default_sample_type if set, else
 * the last type; a number is an index; "inuse_space" also finds "space" (legacy names). -1 when unknown.
 */
export function sampleTypeIndex(p: Pick<ProfileModel, 'sampleTypes' | 'defaultSampleType'>, name = ''): number {
  if (name === '') {
    if (p.defaultSampleType !== '') {
      const i = p.sampleTypes.findIndex((t) => t.type === p.defaultSampleType);
      if (i >= 0) return i;
    }
    return p.sampleTypes.length - 1;
  }
  if (/^[+-]?\d+$/.test(name)) {
    const i = Number(name);
    return i >= 0 && i < p.sampleTypes.length ? i : -1;
  }
  const noInuse = name.startsWith('inuse_') ? name.slice(6) : name;
  return p.sampleTypes.findIndex((t) => t.type === name || t.type === noInuse);
}
