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
