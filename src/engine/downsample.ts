/** Downsampling for drawing (never for storage): time buckets keep each figure's highest value, so spikes stay visible. */
import type { Sample } from '../shared/types.js';

/** At most `maxPoints` samples: one per equal time bucket, each figure the maximum in its bucket, the time its first sample's. */
export function downsampleForDrawing(samples: readonly Sample[], maxPoints: number): Sample[] {
  if (samples.length <= maxPoints) return samples.slice();
  const t0 = samples[0]!.timeMs;
  const span = samples.at(-1)!.timeMs - t0 || 1;
  const out: Sample[] = [];
  let bucket = -1;
  let cur: Sample | null = null;
  for (const s of samples) {
    const b = Math.min(maxPoints - 1, Math.floor(((s.timeMs - t0) / span) * maxPoints));
    if (b !== bucket || !cur) {
      if (cur) out.push(cur);
      bucket = b;
      cur = { ...s };
      continue;
    }
    for (const k in s) {
      if (k === 'timeMs') continue;
      const v = s[k as keyof Sample];
      const c = cur[k as keyof Sample];
      if (typeof v === 'number' && (c === undefined || v > c)) (cur[k as keyof Sample] as number) = v;
    }
  }
  if (cur) out.push(cur);
  return out;
}
