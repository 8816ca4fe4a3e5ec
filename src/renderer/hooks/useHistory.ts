/** A target's history over a range, drawn-size (the engine downsamples to `maxPoints`), refreshed while the range reaches now. */
import { useEffect, useState } from 'react';
import type { History } from '../../shared/api.js';
import { resolveRange, type RangeSpec } from '../route.js';
import { useApiContext } from '../api/context.js';

/** What {@link useHistory} returns. */
export interface HistoryState {
  history: History | null;
  /** The absolute stretch the history was asked for. */
  fromMs: number;
  toMs: number;
  loading: boolean;
  error: string | null;
}

/** How often a range that ends now is fetched again: often for short ranges, rarely for long ones. */
export function refreshEveryMs(spanMs: number): number {
  return Math.min(60_000, Math.max(2_000, Math.round(spanMs / 600)));
}

/** Loads the history; relative ranges and today follow the clock and refetch on alerts and captures. */
export function useHistory(targetId: string | null, range: RangeSpec, maxPoints: number): HistoryState {
  const { api, epoch } = useApiContext();
  const [state, setState] = useState<HistoryState>(() => ({ history: null, ...resolveRange(range, Date.now()), loading: true, error: null }));
  const [tick, setTick] = useState(0);
  const live = range.kind !== 'custom';
  const rangeKey = JSON.stringify(range);

  useEffect(() => {
    if (!targetId || !live) return;
    const span = resolveRange(range, Date.now());
    const timer = setInterval(() => setTick((t) => t + 1), refreshEveryMs(span.toMs - span.fromMs));
    const off = api.subscribe((e) => {
      if ((e.type === 'alert' && e.targetId === targetId) || (e.type === 'capture-done' && e.capture.targetId === targetId) || (e.type === 'watch' && e.targetId === targetId)) setTick((t) => t + 1);
    });
    return () => {
      clearInterval(timer);
      off();
    };
    // rangeKey stands for range (an object that is new on every render).
  }, [api, targetId, live, rangeKey]);

  useEffect(() => {
    if (!targetId) return;
    let current = true;
    const { fromMs, toMs } = resolveRange(range, Date.now());
    setState((s) => ({ ...s, fromMs, toMs, loading: true }));
    api.history({ targetId, fromMs, toMs, maxPoints }).then(
      (history) => current && setState({ history, fromMs, toMs, loading: false, error: null }),
      (e: unknown) => current && setState((s) => ({ ...s, loading: false, error: e instanceof Error ? e.message : String(e) })),
    );
    return () => {
      current = false;
    };
  }, [api, epoch, targetId, rangeKey, maxPoints, tick]);

  return state;
}
