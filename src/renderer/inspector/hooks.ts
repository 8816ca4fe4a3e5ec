/** The inspector's React hooks: its URL state, async values that drop stale answers, and the analysis worker's lifetime. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatInspectorState, parseInspectorState, type InspectorState } from './state.js';
import { startAnalysisWorker, type AnalysisClient } from './worker-client.js';

/** Options of a state change. */
export interface StateChangeOptions {
  /** Add a history entry (view switches, zooms), instead of replacing the current one (typing a search). @default false */
  push?: boolean;
}

/** The inspector state in the URL hash; changes write the hash without a `hashchange` (the app's route stays put). */
export function useInspectorState(): [InspectorState, (patch: Partial<InspectorState>, options?: StateChangeOptions) => void] {
  const [state, setState] = useState(() => parseInspectorState(location.hash));
  useEffect(() => {
    const on = () => setState(parseInspectorState(location.hash));
    addEventListener('hashchange', on);
    addEventListener('popstate', on);
    return () => {
      removeEventListener('hashchange', on);
      removeEventListener('popstate', on);
    };
  }, []);
  const update = useCallback((patch: Partial<InspectorState>, options?: StateChangeOptions) => {
    setState((prev) => {
      const next = { ...prev, ...patch };
      const hash = formatInspectorState(location.hash, next);
      if (hash !== location.hash) {
        if (options?.push) history.pushState(history.state, '', hash);
        else history.replaceState(history.state, '', hash);
      }
      return next;
    });
  }, []);
  return [state, update];
}

/** An async value: the latest answer for the current inputs, its error, and whether it is still coming. */
export interface AsyncValue<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
}

/** Runs `load` whenever `deps` change and keeps only the latest answer; `load` returning null means "nothing to load". */
export function useAsync<T>(load: () => Promise<T> | null, deps: readonly unknown[]): AsyncValue<T> {
  const [v, setV] = useState<AsyncValue<T>>({ value: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    const p = load();
    if (!p) {
      setV({ value: null, error: null, loading: false });
      return;
    }
    setV((prev) => ({ value: prev.value, error: null, loading: true }));
    p.then(
      (value) => live && setV({ value, error: null, loading: false }),
      (e: unknown) => live && setV({ value: null, error: e instanceof Error ? e.message : String(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return v;
}

/** One analysis worker for the component's lifetime (null until started). */
export function useAnalysisWorker(): AnalysisClient | null {
  const [client, setClient] = useState<AnalysisClient | null>(null);
  const ref = useRef<AnalysisClient | null>(null);
  useEffect(() => {
    const c = startAnalysisWorker();
    ref.current = c;
    setClient(c);
    return () => {
      c.dispose();
      ref.current = null;
    };
  }, []);
  return client;
}
