/** One target, live: its status, the last stretch of samples, and its alerts, kept current from the event stream. */
import { useCallback, useEffect, useState } from 'react';
import type { Alert } from '../../shared/alerts.js';
import type { ApiEvent } from '../../shared/api.js';
import type { WatcherStatus } from '../../shared/status.js';
import type { Sample } from '../../shared/types.js';
import { useApiContext } from '../api/context.js';

/** What {@link useLiveTarget} returns. */
export interface LiveTarget {
  status: WatcherStatus | null;
  /** Samples of the last `windowMs`, oldest first. */
  samples: Sample[];
  /** Every alert of the target the engine still reports (open and resolved). */
  alerts: Alert[];
  error: string | null;
  /** Replaces one alert after a snooze or acknowledge answered. */
  putAlert(alert: Alert): void;
}

/**
 * Upserts by id, newest first. An open alert takes the place of another open one of its condition: the engine keeps one
 * per condition, and a leakbar that reads a history another one records goes on under that one's id for it.
 */
export function mergeAlert(alerts: readonly Alert[], alert: Alert): Alert[] {
  const open = alert.state !== 'resolved';
  const rest = alerts.filter((a) => a.id !== alert.id && !(open && a.key === alert.key && a.state !== 'resolved'));
  return [alert, ...rest].sort((a, b) => b.firstMs - a.firstMs);
}

/** Appends a live sample, dropping what fell out of the window (and a repeat of the last time). */
export function appendSample(samples: readonly Sample[], sample: Sample, windowMs: number): Sample[] {
  const last = samples.at(-1);
  if (last && sample.timeMs <= last.timeMs) return samples as Sample[];
  const from = sample.timeMs - windowMs;
  const kept = samples[0] && samples[0].timeMs < from ? samples.filter((s) => s.timeMs >= from) : samples;
  return [...kept, sample];
}

/** Loads a target's status, recent history and alerts, then follows the live stream. */
export function useLiveTarget(targetId: string | null, windowMs: number, maxPoints = 360): LiveTarget {
  const { api, epoch } = useApiContext();
  const [status, setStatus] = useState<WatcherStatus | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!targetId) return;
    let live = true;
    const fail = (e: unknown) => live && setError(e instanceof Error ? e.message : String(e));
    // Subscribe first so nothing between the loads and the stream is lost; loads then merge with what arrived.
    const off = api.subscribe((e: ApiEvent) => {
      if (!live) return;
      if (e.type === 'sample' && e.targetId === targetId) setSamples((s) => appendSample(s, e.sample, windowMs));
      else if (e.type === 'status' && e.targetId === targetId) setStatus(e.status);
      else if (e.type === 'alert' && e.targetId === targetId) setAlerts((a) => mergeAlert(a, e.alert));
      // A status comes with each sample; a change between samples (the process exited, a source failed) comes
      // as a watch event alone, and no sample follows while the process is gone: read the status then.
      else if (e.type === 'watch' && e.targetId === targetId) api.status({ targetId }).then((s) => live && setStatus(s), fail);
    });
    const now = Date.now();
    api.status({ targetId }).then((s) => live && setStatus((cur) => cur ?? s), fail);
    api.history({ targetId, fromMs: now - windowMs, maxPoints }).then((h) => {
      if (!live) return;
      setSamples((cur) => {
        const lastLoaded = h.samples.at(-1)?.timeMs ?? -Infinity;
        return [...h.samples, ...cur.filter((s) => s.timeMs > lastLoaded)];
      });
    }, fail);
    api.alerts({ targetId }).then((list) => {
      if (!live) return;
      setAlerts((cur) => list.reduce((acc, a) => (acc.some((x) => x.id === a.id) ? acc : mergeAlert(acc, a)), cur));
    }, fail);
    return () => {
      live = false;
      off();
      setStatus(null);
      setSamples([]);
      setAlerts([]);
      setError(null);
    };
  }, [api, epoch, targetId, windowMs, maxPoints]);

  const putAlert = useCallback((a: Alert) => setAlerts((cur) => mergeAlert(cur, a)), []);
  return { status, samples, alerts, error, putAlert };
}
