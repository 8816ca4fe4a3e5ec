/** One target's alerts (open and resolved), loaded once and kept current from the event stream: what a view needs to judge its health. */
import { useCallback, useEffect, useState } from 'react';
import type { Alert } from '../../shared/alerts.js';
import { useApiContext } from '../api/context.js';
import { mergeAlert } from './useLiveTarget.js';

/** What {@link useTargetAlerts} returns. */
export interface TargetAlerts {
  alerts: Alert[];
  /** Replaces one alert after a snooze or acknowledge answered. */
  putAlert(alert: Alert): void;
}

/** Loads `targetId`'s alerts and follows its alert events (none while `targetId` is null). */
export function useTargetAlerts(targetId: string | null): TargetAlerts {
  const { api, epoch } = useApiContext();
  // Kept with the target they are of: on a change of target, the render before the effect runs shows none, not the last one's.
  const [held, setHeld] = useState<{ targetId: string | null; alerts: Alert[] }>({ targetId: null, alerts: [] });
  const setAlerts = useCallback(
    (next: (cur: Alert[]) => Alert[]) => setHeld((h) => ({ targetId, alerts: next(h.targetId === targetId ? h.alerts : []) })),
    [targetId],
  );
  useEffect(() => {
    if (!targetId) return;
    // Loaded afresh (a new target, or the stream reconnected): what was held may be out of date.
    setHeld({ targetId, alerts: [] });
    let live = true;
    // Subscribe first so an alert between the load and the stream is not lost; the load then merges with what arrived.
    const off = api.subscribe((e) => {
      if (live && e.type === 'alert' && e.targetId === targetId) setAlerts((a) => mergeAlert(a, e.alert));
    });
    api.alerts({ targetId }).then(
      (list) => live && setAlerts((cur) => list.reduce((acc, a) => (acc.some((x) => x.id === a.id) ? acc : mergeAlert(acc, a)), cur)),
      () => undefined, // the header then judges by the status alone; the views below say what failed
    );
    return () => {
      live = false;
      off();
    };
  }, [api, epoch, targetId, setAlerts]);
  const putAlert = useCallback((a: Alert) => setAlerts((cur) => mergeAlert(cur, a)), [setAlerts]);
  return { alerts: held.targetId === targetId ? held.alerts : [], putAlert };
}
