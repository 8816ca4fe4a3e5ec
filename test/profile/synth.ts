/** Builds small pprof profiles in memory with pprof-format, for tests: stacks of function names, leaf first. */
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

/** One synthetic sample: frames leaf first (a frame "a<b" is a location where a was inlined into b), and values. */
export interface SynthSample {
  stack: string[];
  values: number[];
  labels?: Record<string, string>;
}

/** Encodes a profile with the given sample types ("type/unit") and samples. */
export function synthProfile(types: string[], samples: SynthSample[], extra: { defaultType?: string; durationNanos?: number } = {}): Uint8Array {
  const st = new StringTable();
  const fnIds = new Map<string, number>();
  const locIds = new Map<string, number>();
  const functions: PFunction[] = [];
  const locations: Location[] = [];
  const fn = (name: string): number => {
    let id = fnIds.get(name);
    if (id === undefined) {
      id = functions.length + 1;
      fnIds.set(name, id);
      functions.push(new PFunction({ id, name: st.dedup(name), systemName: st.dedup(name), filename: st.dedup(`/src/${name.split('.')[0]}.go`) }));
    }
    return id;
  };
  const loc = (frame: string): number => {
    let id = locIds.get(frame);
    if (id === undefined) {
      id = locations.length + 1;
      locIds.set(frame, id);
      const lines = frame.split('<').map((n, i) => new Line({ functionId: fn(n), line: 10 + i }));
      locations.push(new Location({ id, address: 0x1000 + id * 16, line: lines }));
    }
    return id;
  };
  const sampleType = types.map((t) => {
    const [type, unit] = t.split('/') as [string, string];
    return new ValueType({ type: st.dedup(type), unit: st.dedup(unit) });
  });
  const sample = samples.map(
    (s) =>
      new Sample({
        locationId: s.stack.map(loc),
        value: s.values,
        label: Object.entries(s.labels ?? {}).map(([k, v]) => ({ key: st.dedup(k), str: st.dedup(v) })),
      }),
  );
  const p = new Profile({
    sampleType,
    sample,
    location: locations,
    function: functions,
    stringTable: st,
    periodType: new ValueType({ type: st.dedup('space'), unit: st.dedup('bytes') }),
    period: 1,
    durationNanos: extra.durationNanos ?? 0,
    defaultSampleType: extra.defaultType ? st.dedup(extra.defaultType) : 0,
  });
  return p.encode();
}
