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
  /**
   * A threshold latch, while tripped: the line it tripped past. Its alert keeps saying that line, and is judged against it,
   * however the rule's line changes meanwhile; a changed line applies from the next trip. Absent in state saved before it was kept.
   */
  line?: number;
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

/**
 * A value against a line: past `line` trips, under `line × rearmRatio` re-arms. A tripped latch keeps the line it tripped
 * past and re-arms against that one; when the rule's line has moved since, to the value or above it, it re-arms at once
 * (the condition the alert was raised for is no longer one a person asks to hear about).
 */
export function stepThreshold(latch: Latch, value: number, line: number, rearmRatio: number, consecutive: number, timeMs: number): Latch {
  if (!latch.tripped) {
    const next = stepLatch(latch, value > line, value < line * rearmRatio, consecutive, timeMs);
    return next.tripped ? { ...next, line } : next;
  }
  const tripLine = latch.line ?? line;
  if (tripLine !== line && !(value > line)) return ARMED;
  const next = stepLatch(latch, value > tripLine, value < tripLine * rearmRatio, consecutive, timeMs);
  return next.tripped && next.line === undefined ? { ...next, line: tripLine } : next;
}
