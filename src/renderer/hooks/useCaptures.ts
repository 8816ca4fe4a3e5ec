/** Starting, following and cancelling captures of one target: what runs now, and the latest results. */
import { useCallback, useEffect, useState } from 'react';
import type { CaptureKind, CaptureMeta, CaptureProgress } from '../../shared/captures.js';
import { useApiContext } from '../api/context.js';

/** How a capture the user asked for ended. */
export type CaptureOutcome = { ok: true; capture: CaptureMeta } | { ok: false; kind: CaptureKind; message: string };

/** What {@link useCaptureActions} returns. */
export interface CaptureActions {
  /** Captures running now, by kind. */
  running: Partial<Record<CaptureKind, CaptureProgress>>;
  /** The latest outcome (newest first, at most 3). */
  outcomes: CaptureOutcome[];
  start(kind: CaptureKind, seconds?: number): void;
  cancel(kind: CaptureKind): void;
}

/** Starts captures through the API and follows their progress events. */
export function useCaptureActions(targetId: string | null): CaptureActions {
  const { api } = useApiContext();
  const [running, setRunning] = useState<Partial<Record<CaptureKind, CaptureProgress>>>({});
  const [outcomes, setOutcomes] = useState<CaptureOutcome[]>([]);

  const finish = useCallback((kind: CaptureKind, outcome: CaptureOutcome) => {
    setRunning(({ [kind]: _done, ...rest }) => rest);
    setOutcomes((cur) => {
      if (outcome.ok && cur.some((o) => o.ok && o.capture.id === outcome.capture.id)) return cur;
      return [outcome, ...cur].slice(0, 3);
    });
  }, []);

  useEffect(() => {
    if (!targetId) return;
    return api.subscribe((e) => {
      if (e.type === 'capture-started' && e.progress.targetId === targetId) setRunning((r) => ({ ...r, [e.progress.kind]: e.progress }));
      else if (e.type === 'capture-done' && e.capture.targetId === targetId) finish(e.capture.kind, { ok: true, capture: e.capture });
      else if (e.type === 'capture-failed' && e.targetId === targetId) setRunning(({ [e.kind as CaptureKind]: _gone, ...rest }) => rest);
    });
  }, [api, targetId, finish]);

  const start = useCallback(
    (kind: CaptureKind, seconds?: number) => {
      if (!targetId) return;
      const startedMs = Date.now();
      setRunning((r) => ({ ...r, [kind]: r[kind] ?? { targetId, kind, startedMs, expectedMs: seconds ? seconds * 1000 : null } }));
      api.startCapture({ targetId, kind, ...(seconds ? { seconds } : {}) }).then(
        (capture) => finish(kind, { ok: true, capture }),
        (e: unknown) => finish(kind, { ok: false, kind, message: e instanceof Error ? e.message : String(e) }),
      );
    },
    [api, targetId, finish],
  );

  const cancel = useCallback(
    (kind: CaptureKind) => {
      if (!targetId) return;
      api.cancelCapture({ targetId, kind }).catch(() => undefined);
    },
    [api, targetId],
  );

  return { running, outcomes, start, cancel };
}
