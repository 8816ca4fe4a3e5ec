/** What each pprof sample type means, in one line a person hunting a leak can act on, and short labels for the switch. */

/** A short label for the sample type switch ("in-use bytes"). */
export function sampleTypeLabel(type: string): string {
  switch (type) {
    case 'inuse_space':
      return 'in-use bytes';
    case 'inuse_objects':
      return 'in-use objects';
    case 'alloc_space':
      return 'allocated bytes';
    case 'alloc_objects':
      return 'allocated objects';
    case 'samples':
      return 'samples';
    case 'cpu':
      return 'CPU time';
    case 'goroutine':
      return 'goroutines';
    case 'contentions':
      return 'contentions';
    case 'delay':
      return 'delay';
    default:
      return type;
  }
}

/** One sentence on what a sample type measures. */
export function explainSampleType(type: string, unit: string): string {
  switch (type) {
    case 'inuse_space':
      return 'Memory still in use, by the code that allocated it — as of the last garbage collection. What a leak keeps.';
    case 'inuse_objects':
      return 'Objects still in use, by the code that allocated them — as of the last garbage collection.';
    case 'alloc_space':
      return 'Every byte allocated since the process started, freed or not: allocation pressure, not what is kept.';
    case 'alloc_objects':
      return 'Every object allocated since the process started, freed or not.';
    case 'samples':
      return 'Times the profiler found a function on the CPU during the profile.';
    case 'cpu':
      return 'CPU time spent in each function during the profile.';
    case 'goroutine':
      return 'Goroutines alive at the moment of capture, by the stack they are in.';
    case 'contentions':
      return 'How often goroutines waited, by where they waited (block or mutex profile).';
    case 'delay':
      return 'How long goroutines waited in total, by where they waited.';
    default:
      return `${type} (${unit}) per stack, as recorded by the profile.`;
  }
}

/** Why a sample type of a profile shows nothing, and which of its other types would show something. */
export interface EmptyReason {
  text: string;
  /** Sample types of the same profile whose total is not 0, in the profile's order: what to switch to. */
  tryTypes: string[];
}

const HEAP_TYPES = ['inuse_space', 'inuse_objects', 'alloc_space', 'alloc_objects'];

/**
 * Why `sampleType` of a profile has nothing to show (its values add up to 0), or null when it has something: a
 * profile without samples (an idle process's CPU profile, a heap profile of a program that allocated little), or a
 * sample type whose values are all 0 (in-use bytes when everything was freed) while another type has values.
 */
export function emptyProfileReason(
  s: { sampleTypes: ReadonlyArray<{ type: string; unit: string }>; sampleCount: number; totals: readonly number[]; durationNanos: number; periodType: { type: string; unit: string } | null },
  sampleType: string,
): EmptyReason | null {
  const j = s.sampleTypes.findIndex((t) => t.type === sampleType);
  if (j < 0 || s.totals[j] !== 0) return null;
  const tryTypes = s.sampleTypes.filter((_, k) => s.totals[k] !== 0).map((t) => t.type);
  const cpu = s.periodType?.type === 'cpu' || sampleType === 'cpu';
  const seconds = s.durationNanos > 0 ? formatSeconds(s.durationNanos / 1e9) : null;
  if (s.sampleCount === 0) {
    if (cpu) return { text: `No CPU samples${seconds ? ` in ${seconds}` : ''}: the process was idle (the profiler never found it running on a CPU).`, tryTypes };
    if (HEAP_TYPES.includes(sampleType)) {
      return { text: 'No samples: this profile holds no allocation. Go records about one allocation per 512 kB allocated, so a program that allocated little since it started may have none yet.', tryTypes };
    }
    return { text: 'No samples: this profile holds no stacks, so there is nothing to show.', tryTypes };
  }
  if (sampleType === 'inuse_space' || sampleType === 'inuse_objects') {
    const what = sampleType === 'inuse_space' ? 'in-use bytes' : 'in-use objects';
    return { text: `No ${what} as of the last garbage collection: what these stacks allocated had been freed (and what was allocated since is not counted yet).`, tryTypes };
  }
  return { text: `No ${sampleTypeLabel(sampleType)}: every sample of this profile has 0 of it.`, tryTypes };
}

/** "2 s", "0.5 s", "30 s": a profile's duration as a person says it. */
function formatSeconds(sec: number): string {
  return `${sec >= 10 || Number.isInteger(sec) ? Math.round(sec) : Number(sec.toFixed(1))} s`;
}
