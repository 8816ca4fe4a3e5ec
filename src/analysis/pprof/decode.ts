/**
 * Decodes a pprof profile (profile.proto, gzipped or not) into the columnar ProfileModel: pprof-format
 * reads the small tables (strings, functions, locations, mappings), a hand-written reader decodes the
 * samples, the bulk of a large profile, straight into typed arrays. Bad input becomes a LeakbarError.
 */
import { Profile as PprofProfile } from 'pprof-format';
import { LeakbarError } from '../../shared/errors.js';
import type { FunctionTable, LocationTable, MappingInfo, ProfileModel, SampleTable, ValueTypeInfo } from './model.js';

/** Options for decodeProfile. */
export interface DecodeOptions {
  /**
   * Inflates gzip bytes. The analysis layer has no zlib: the engine inflates with node:zlib (capped by
   * `maxOutputLength`, src/engine/captures/fetch.ts) and passes the raw bytes, or passes a capped
   * gunzipSync; a browser worker inflates first with `gunzipStream` and passes the raw bytes. Without it, gzipped input fails
   * with code 'unsupported'.
   */
  gunzip?: (gz: Uint8Array) => Uint8Array;
  /**
   * Inflates at most this many bytes; a gzip that inflates to more fails with 'corrupt-profile' ("inflates to
   * more than N MB"). Only checked here when `gunzip` reports it: pass node:zlib's `maxOutputLength` (see
   * {@link isInflateTooLarge}) or use {@link gunzipStream}, which stops at the cap. @default MAX_INFLATED_BYTES
   */
  maxInflatedBytes?: number;
  /** Accept a profile without samples (an idle CPU profile) instead of failing with 'empty-profile'. @default false */
  allowNoSamples?: boolean;
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The most a gzipped profile may inflate to: 256 MiB. Go's profiles are far smaller (a heap profile of
 * 200,000 distinct stacks, test/fixtures/manystacks, is 0.6 MB gzipped and 7.6 MB inflated), while a
 * gzip of zeros inflates 1000-fold (1 MB to 1 GiB): past this, the answer is not a profile leakbar reads,
 * and inflating it would hold the process's memory (and its thread) for nothing.
 */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

/** The error for a gzip that inflates past `limit` bytes. */
export function inflatesTooLarge(limit: number = MAX_INFLATED_BYTES): LeakbarError {
  return new LeakbarError('corrupt-profile', `the profile inflates to more than ${Math.round(limit / (1024 * 1024))} MB: this is not a profile leakbar reads (a Go profile inflates to a few MB)`, {
    hint: 'check that the URL or file is a Go pprof profile; a gzip that inflates this much (a "gzip bomb") is not one',
  });
}

/** True for node:zlib's error when an inflate passes its `maxOutputLength` (RangeError ERR_BUFFER_TOO_LARGE). */
export function isInflateTooLarge(e: unknown): boolean {
  return e instanceof RangeError && (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * Inflates gzip bytes with the web-standard DecompressionStream (browsers, workers, Node 18+), stopping
 * at `maxBytes` (then failing with {@link inflatesTooLarge}).
 */
export async function gunzipStream(gz: Uint8Array, maxBytes: number = MAX_INFLATED_BYTES): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = new Blob([gz as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw inflatesTooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof LeakbarError) throw e;
    throw new LeakbarError('corrupt-profile', 'the profile is a truncated or corrupt gzip file', { cause: e, hint: 'capture it again' });
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const CORRUPT_HINT = 'capture it again; a profile cut short in transfer or on disk cannot be read';

function corrupt(what: string): LeakbarError {
  return new LeakbarError('corrupt-profile', `the profile is corrupt: ${what}`, { hint: CORRUPT_HINT });
}

/** Recognises bytes that are text rather than protobuf: an HTML error page, a debug=1 dump, a plain error message. */
function sniffText(bytes: Uint8Array): LeakbarError | null {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 512));
  const trimmed = head.trimStart().toLowerCase();
  if (trimmed.startsWith('<!doctype html') || trimmed.startsWith('<html') || (trimmed.startsWith('<') && /<(head|body|title|h1|pre)[\s>]/.test(trimmed))) {
    return new LeakbarError('not-a-profile', 'this is an HTML page, not a profile (an error or login page served in place of one)', {
      hint: 'a profile is the gzipped protobuf a pprof endpoint serves (…/debug/pprof/heap); open the page in a browser to see what it says',
    });
  }
  let printable = 0;
  const n = Math.min(bytes.length, 512);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)) printable++;
  }
  if (n > 0 && printable === n) {
    const firstLine = head.split('\n', 1)[0]!.slice(0, 80);
    return new LeakbarError('not-a-profile', `this is text, not a protobuf profile: "${firstLine}"`, {
      // Whether it came from a file or a URL: a text file is as likely as a debug=1 answer.
      hint: 'a profile is the gzipped protobuf a pprof endpoint serves without ?debug= (…/debug/pprof/heap, or a file saved from it); a debug=1 or debug=2 answer is text, and leakbar profile goroutines reads a goroutine dump',
    });
  }
  return null;
}

/**
 * Decodes a pprof profile. Throws LeakbarError: 'empty-profile' (no bytes, or no samples unless
 * `allowNoSamples`), 'corrupt-profile' (bad gzip or protobuf), 'not-a-profile' (HTML or other text,
 * or protobuf without sample types), 'unsupported' (gzip without a `gunzip`). Never anything else.
 */
export function decodeProfile(input: Uint8Array, options: DecodeOptions = {}): ProfileModel {
  if (input.length === 0) throw new LeakbarError('empty-profile', 'the profile file is empty (0 bytes)', { hint: 'capture it again' });
  let bytes = input;
  if (isGzip(input)) {
    if (!options.gunzip) throw new LeakbarError('unsupported', 'the profile is gzipped and no gunzip was given', { hint: 'inflate it first (gunzipStream)' });
    try {
      bytes = options.gunzip(input);
    } catch (e) {
      if (e instanceof LeakbarError) throw e;
      if (isInflateTooLarge(e)) throw inflatesTooLarge(options.maxInflatedBytes);
      throw new LeakbarError('corrupt-profile', 'the profile is a truncated or corrupt gzip file', { cause: e, hint: CORRUPT_HINT });
    }
    if (bytes.length === 0) throw new LeakbarError('empty-profile', 'the profile is empty (it inflates to 0 bytes)', { hint: 'capture it again' });
    if (bytes.length > (options.maxInflatedBytes ?? MAX_INFLATED_BYTES)) throw inflatesTooLarge(options.maxInflatedBytes);
  }
  const text = sniffText(bytes);
  if (text) throw text;
  let model: ProfileModel;
  try {
    model = decodeProto(bytes);
  } catch (e) {
    if (e instanceof LeakbarError) throw e;
    throw new LeakbarError('corrupt-profile', `the profile is corrupt: ${e instanceof Error ? e.message : String(e)}`, { cause: e, hint: CORRUPT_HINT });
  }
  if (model.sampleTypes.length === 0) {
    throw new LeakbarError('not-a-profile', 'this is not a pprof profile: it names no sample types', { hint: 'check that the file or URL is a pprof profile' });
  }
  if (model.samples.count === 0 && !options.allowNoSamples) {
    throw new LeakbarError('empty-profile', `the profile holds no samples (type ${model.sampleTypes.map((t) => t.type).join('/')}): nothing was recorded`, {
      hint: 'capture again while the program is busy, or for longer',
    });
  }
  return model;
}

// ---- protobuf reading -------------------------------------------------------------------------

/** A cursor over protobuf bytes that checks every bound. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  /** Reads a varint as a signed int64 held in a number (exact below 2^53). */
  varint(): number {
    const buf = this.buf;
    if (this.pos >= this.end) throw corrupt('a number runs past the end');
    let b = buf[this.pos++]!;
    if (b < 0x80) return b;
    let lo = b & 0x7f;
    let shift = 7;
    // Low 28 bits.
    while (shift < 28) {
      if (this.pos >= this.end) throw corrupt('a number runs past the end');
      b = buf[this.pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo >>> 0;
      shift += 7;
    }
    // The byte holding bits 28..34: 4 bits to lo, 3 bits to hi.
    if (this.pos >= this.end) throw corrupt('a number runs past the end');
    b = buf[this.pos++]!;
    lo = (lo | ((b & 0x0f) << 28)) >>> 0;
    let hi = (b & 0x70) >> 4;
    let hshift = 3;
    while (b >= 0x80) {
      if (this.pos >= this.end) throw corrupt('a number runs past the end');
      if (hshift > 31) throw corrupt('a number is longer than 10 bytes');
      b = buf[this.pos++]!;
      if (hshift < 32) hi |= (b & 0x7f) << hshift;
      hshift += 7;
    }
    hi >>>= 0;
    if (hi >= 0x80000000) return (hi - 0x100000000) * 0x100000000 + lo;
    return hi * 0x100000000 + lo;
  }

  /** Reads a length prefix and returns the end of the field, checked against the message end. */
  lengthEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (len < 0 || end > this.end) throw corrupt('a field runs past the end');
    return end;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw corrupt(`unknown wire type ${wireType}`);
    }
    if (this.pos > this.end) throw corrupt('a field runs past the end');
  }
}

/** A growable typed array of numbers. */
class Grow<T extends Float64Array | Uint32Array | Int32Array> {
  len = 0;
  constructor(
    public arr: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.len === this.arr.length) {
      const next = this.make(this.arr.length * 2 + 16);
      next.set(this.arr);
      this.arr = next;
    }
    this.arr[this.len++] = v;
  }
  done(): T {
    return this.arr.subarray(0, this.len) as T;
  }
}

function num(v: number | bigint | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  // pprof-format hands back large or negative varints as unsigned 64-bit bigints.
  return Number(BigInt.asIntN(64, v));
}

function decodeProto(buf: Uint8Array): ProfileModel {
  // Pass 1: frame the top-level fields. Samples (field 2) are kept as ranges for the fast reader; all
  // other fields are copied into one buffer for pprof-format.
  const r = new Reader(buf, 0, buf.length);
  const sampleRanges = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
  const rest: Array<[number, number]> = [];
  let restLen = 0;
  while (r.pos < buf.length) {
    const fieldStart = r.pos;
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw corrupt('field number 0');
    if (field === 2 && wire === 2) {
      const end = r.lengthEnd();
      sampleRanges.push(r.pos);
      sampleRanges.push(end);
      r.pos = end;
      continue;
    }
    r.skip(wire);
    if (wire !== 0 && wire !== 2) continue; // pprof-format reads only varints and length-delimited fields
    if (tag >= 128) continue; // nor multi-byte tags (fields past 15): none of profile.proto's
    rest.push([fieldStart, r.pos]);
    restLen += r.pos - fieldStart;
  }
  const restBuf = new Uint8Array(restLen);
  let off = 0;
  for (const [s, e] of rest) {
    restBuf.set(buf.subarray(s, e), off);
    off += e - s;
  }
  const meta = PprofProfile.decode(restBuf);
  const strings = meta.stringTable.strings;
  const str = (i: number | bigint | undefined): string => {
    const n = num(i);
    const s = strings[n];
    if (s === undefined) throw corrupt(`string index ${n} is outside the string table (${strings.length})`);
    return s;
  };
  if (strings.length === 0 || strings[0] !== '') {
    if (sampleRanges.len === 0 && meta.sampleType.length === 0) {
      // Nothing profile-like at all: let the caller call it "not a profile".
    } else throw corrupt('the string table does not start with ""');
  }
  const vt = (v: { type: number | bigint; unit: number | bigint }): ValueTypeInfo => ({ type: str(v.type), unit: str(v.unit) });
  const sampleTypes = meta.sampleType.map(vt);

  // Functions.
  const fnCount = meta.function.length;
  const functions: FunctionTable = { count: fnCount, name: new Array<string>(fnCount), systemName: new Array<string>(fnCount), filename: new Array<string>(fnCount), startLine: new Float64Array(fnCount) };
  const fnIndex = new Map<number, number>();
  meta.function.forEach((f, i) => {
    functions.name[i] = str(f.name);
    functions.systemName[i] = str(f.systemName);
    functions.filename[i] = str(f.filename);
    functions.startLine[i] = num(f.startLine);
    fnIndex.set(num(f.id), i);
  });

  // Mappings.
  const mapIndex = new Map<number, number>();
  const mappings: MappingInfo[] = meta.mapping.map((m, i) => {
    mapIndex.set(num(m.id), i);
    return {
      id: num(m.id),
      memoryStart: num(m.memoryStart),
      memoryLimit: num(m.memoryLimit),
      fileOffset: num(m.fileOffset),
      file: str(m.filename),
      buildId: str(m.buildId),
      hasFunctions: m.hasFunctions,
      hasFilenames: m.hasFilenames,
      hasLineNumbers: m.hasLineNumbers,
      hasInlineFrames: m.hasInlineFrames,
    };
  });

  // Locations.
  const locCount = meta.location.length;
  let lineCount = 0;
  for (const l of meta.location) lineCount += l.line.length;
  const locations: LocationTable = {
    count: locCount,
    id: new Float64Array(locCount),
    address: new Float64Array(locCount),
    mapping: new Int32Array(locCount),
    isFolded: new Uint8Array(locCount),
    lineStart: new Uint32Array(locCount + 1),
    lineFunction: new Int32Array(lineCount),
    lineNumber: new Float64Array(lineCount),
  };
  let maxLocId = 0;
  let li = 0;
  meta.location.forEach((l, i) => {
    const id = num(l.id);
    locations.id[i] = id;
    if (id > maxLocId) maxLocId = id;
    locations.address[i] = num(l.address) < 0 ? num(l.address) + 2 ** 64 : num(l.address);
    const mid = num(l.mappingId);
    const mi = mid === 0 ? -1 : (mapIndex.get(mid) ?? -2);
    if (mi === -2) throw corrupt(`location ${id} names mapping ${mid}, which does not exist`);
    locations.mapping[i] = mi;
    locations.isFolded[i] = l.isFolded ? 1 : 0;
    locations.lineStart[i] = li;
    for (const line of l.line) {
      const fid = num(line.functionId);
      const fi = fid === 0 ? -1 : (fnIndex.get(fid) ?? -2);
      if (fi === -2) throw corrupt(`location ${id} names function ${fid}, which does not exist`);
      locations.lineFunction[li] = fi;
      locations.lineNumber[li] = num(line.line);
      li++;
    }
  });
  locations.lineStart[locCount] = li;
  // Location id → index: a dense table when ids are small (Go numbers them 1..n), else a Map.
  let locIndex: (id: number) => number;
  if (maxLocId <= 4 * locCount + 1024) {
    const dense = new Int32Array(maxLocId + 1).fill(-1);
    for (let i = 0; i < locCount; i++) dense[locations.id[i]!] = i;
    locIndex = (id) => (id >= 0 && id <= maxLocId ? dense[id]! : -1);
  } else {
    const m = new Map<number, number>();
    for (let i = 0; i < locCount; i++) m.set(locations.id[i]!, i);
    locIndex = (id) => m.get(id) ?? -1;
  }

  const samples = decodeSamples(buf, sampleRanges.done(), sampleTypes.length, locIndex, strings.length);
  return {
    sampleTypes,
    defaultSampleType: str(meta.defaultSampleType),
    periodType: meta.periodType ? vt(meta.periodType) : null,
    period: num(meta.period),
    timeNanos: num(meta.timeNanos),
    durationNanos: num(meta.durationNanos),
    comments: meta.comment.map(str),
    dropFrames: str(meta.dropFrames),
    keepFrames: str(meta.keepFrames),
    docUrl: str(meta.docUrl),
    strings,
    mappings,
    functions,
    locations,
    samples,
  };
}

/** Decodes every Sample message into the columns of a SampleTable, checking ids and counts. */
function decodeSamples(buf: Uint8Array, ranges: Uint32Array, valueCount: number, locIndex: (id: number) => number, stringCount: number): SampleTable {
  const count = ranges.length / 2;
  const locStart = new Uint32Array(count + 1);
  const labelStart = new Uint32Array(count + 1);
  const values = new Float64Array(count * valueCount);
  const locs = new Grow(new Uint32Array(Math.max(16, count * 8)), (n) => new Uint32Array(n));
  const labelKey = new Grow(new Int32Array(16), (n) => new Int32Array(n));
  const labelStr = new Grow(new Int32Array(16), (n) => new Int32Array(n));
  const labelNum = new Grow(new Float64Array(16), (n) => new Float64Array(n));
  const labelNumUnit = new Grow(new Int32Array(16), (n) => new Int32Array(n));
  const checkString = (i: number): number => {
    if (i < 0 || i >= stringCount) throw corrupt(`a label names string ${i}, outside the string table`);
    return i;
  };
  const sr = new Reader(buf, 0, buf.length);
  for (let s = 0; s < count; s++) {
    locStart[s] = locs.len;
    labelStart[s] = labelKey.len;
    const end = ranges[2 * s + 1]!;
    sr.pos = ranges[2 * s]!;
    sr.end = end;
    let nValues = 0;
    const vbase = s * valueCount;
    while (sr.pos < end) {
      const tag = sr.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 1 || field === 2) {
        let fend: number;
        if (wire === 2) fend = sr.lengthEnd();
        else if (wire === 0) fend = -1;
        else throw corrupt(`sample field ${field} has wire type ${wire}`);
        const outer = sr.end;
        if (fend >= 0) sr.end = fend;
        do {
          const v = sr.varint();
          if (field === 1) {
            const li = locIndex(v);
            if (li < 0) throw corrupt(`a sample names location ${v}, which does not exist`);
            locs.push(li);
          } else {
            if (nValues >= valueCount) throw corrupt(`a sample has more values than the ${valueCount} sample types`);
            values[vbase + nValues++] = v;
          }
        } while (fend >= 0 && sr.pos < fend);
        sr.end = outer;
      } else if (field === 3 && wire === 2) {
        const lend = sr.lengthEnd();
        let key = 0;
        let strv = 0;
        let numv = 0;
        let unit = 0;
        sr.end = lend;
        while (sr.pos < lend) {
          const ltag = sr.varint();
          const lf = Math.floor(ltag / 8);
          if ((ltag & 7) !== 0) {
            sr.skip(ltag & 7);
            continue;
          }
          const v = sr.varint();
          if (lf === 1) key = v;
          else if (lf === 2) strv = v;
          else if (lf === 3) numv = v;
          else if (lf === 4) unit = v;
        }
        sr.end = end;
        labelKey.push(checkString(key));
        labelStr.push(checkString(strv));
        labelNum.push(numv);
        labelNumUnit.push(checkString(unit));
      } else sr.skip(wire);
    }
    if (nValues !== valueCount) throw corrupt(`a sample has ${nValues} values for ${valueCount} sample types`);
  }
  locStart[count] = locs.len;
  labelStart[count] = labelKey.len;
  return {
    count,
    valueCount,
    locStart,
    locs: locs.done(),
    values,
    labelStart,
    labelKey: labelKey.done(),
    labelStr: labelStr.done(),
    labelNum: labelNum.done(),
    labelNumUnit: labelNumUnit.done(),
  };
}
