/** The inspector's side of the analysis worker: one worker per inspector, requests as promises, errors as {@link AnalysisFailure}. */
import type { AnalysisAnswer, AnalysisError, AnalysisRequest, AnalysisResults } from './protocol.js';

/** An analysis request that failed, with the worker's code and hint. */
export class AnalysisFailure extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(e: AnalysisError) {
    super(e.message);
    this.code = e.code;
    this.hint = e.hint;
  }
}

/** Something that answers analysis requests: the worker, or an in-thread stand-in in tests. */
export interface AnalysisClient {
  request<R extends AnalysisRequest>(req: R, transfer?: Transferable[]): Promise<AnalysisResults[R['type']]>;
  dispose(): void;
}

/** Starts the analysis worker (vite bundles `analysis.worker.ts` as a module worker). */
export function startAnalysisWorker(): AnalysisClient {
  const worker = new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'leakbar-analysis' });
  let next = 1;
  const pending = new Map<number, { ok(v: unknown): void; fail(e: Error): void }>();
  worker.onmessage = (e: MessageEvent<AnalysisAnswer>) => {
    const p = pending.get(e.data.reqId);
    if (!p) return;
    pending.delete(e.data.reqId);
    if (e.data.ok) p.ok(e.data.result);
    else p.fail(new AnalysisFailure(e.data.error));
  };
  worker.onerror = (e) => {
    const err = new AnalysisFailure({ code: 'worker-failed', message: `the analysis worker failed: ${e.message || 'it could not start'}`, hint: 'reload the page' });
    for (const p of pending.values()) p.fail(err);
    pending.clear();
  };
  return {
    request(req, transfer = []) {
      const reqId = next++;
      return new Promise((ok, fail) => {
        pending.set(reqId, { ok: ok as (v: unknown) => void, fail });
        worker.postMessage({ ...req, reqId }, transfer);
      });
    },
    dispose() {
      worker.terminate();
      for (const p of pending.values()) p.fail(new AnalysisFailure({ code: 'cancelled', message: 'the inspector closed' }));
      pending.clear();
    },
  };
}
