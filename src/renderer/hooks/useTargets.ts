/** The watched targets, and which one a view shows (the route's, else the first). */
import { useEffect, useState } from 'react';
import type { TargetSummary } from '../../shared/api.js';
import { useApiContext } from '../api/context.js';

/** What {@link useTargets} returns. */
export interface TargetsState {
  targets: TargetSummary[] | null;
  error: string | null;
  /** The target to show: the wanted one if it exists, else the first. */
  current: TargetSummary | null;
}

/** Lists targets, keeps each one's status live from the stream, and lists again when alerts change (for their counts). */
export function useTargets(wantedId: string | null): TargetsState {
  const { api, epoch } = useApiContext();
  const [targets, setTargets] = useState<TargetSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.listTargets({}).then(
        (t) => live && (setTargets(t), setError(null)),
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
      );
    void load();
    const off = api.subscribe((e) => {
      if (e.type === 'status') setTargets((ts) => ts?.map((t) => (t.target.id === e.targetId ? { ...t, status: e.status } : t)) ?? ts);
      else if (e.type === 'alert') void load();
    });
    return () => {
      live = false;
      off();
    };
  }, [api, epoch]);
  const current = targets?.find((t) => t.target.id === wantedId) ?? targets?.[0] ?? null;
  return { targets, error, current };
}
