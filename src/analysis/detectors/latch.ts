/** A debounced latch with hysteresis: trips after N samples in a row over a line, re-arms only after N in a row under a lower one, so a value hovering at the line never flaps. */

/** Where a latch is. Plain JSON. */
export interface Latch {
  tripped: boolean;
  /** Samples in a row over the line (while armed). */
  over: number;
  /** Samples in a row under the re-arm line (while tripped). */
  under: number;
  /** While tripped: sample time of the first of the samples in a row that tripped it. While armed: start of the current run over the line. */
  sinceMs: number | null;
}

/** A latch that has seen nothing. */
export const ARMED: Latch = { tripped: false, over: 0, under: 0, sinceMs: null };

/**
 * One sample through the latch. `isOver`: past the line; `isUnder`: below the re-arm line.
 * A value between the two lines resets both counts without changing the state.
 */
export function stepLatch(latch: Latch, isOver: boolean, isUnder: boolean, consecutive: number, timeMs: number): Latch {
  if (!latch.tripped) {
    const over = isOver ? latch.over + 1 : 0;
    const sinceMs = over === 0 ? null : over === 1 ? timeMs : latch.sinceMs;
    if (over >= consecutive) return { tripped: true, over: 0, under: 0, sinceMs };
    return over === latch.over && latch.under === 0 && sinceMs === latch.sinceMs ? latch : { ...latch, over, under: 0, sinceMs };
  }
  const under = isUnder ? latch.under + 1 : 0;
  if (under >= consecutive) return ARMED;
  return under === latch.under && latch.over === 0 ? latch : { ...latch, over: 0, under };
}

/** A value against a line: past `line` trips, under `line × rearmRatio` re-arms. */
export function stepThreshold(latch: Latch, value: number, line: number, rearmRatio: number, consecutive: number, timeMs: number): Latch {
  return stepLatch(latch, value > line, value < line * rearmRatio, consecutive, timeMs);
}
