/** The inspector's analysis worker: decodes and analyses profiles and goroutine dumps off the UI thread, answering with transferred typed arrays. */
import { AnalysisSession, toAnalysisError } from './analysis-core.js';
import type { AnalysisAnswer, AnalysisEnvelope } from './protocol.js';

const session = new AnalysisSession();
const scope = self as unknown as { onmessage: ((e: MessageEvent<AnalysisEnvelope>) => void) | null; postMessage(m: AnalysisAnswer, transfer: Transferable[]): void };

// Requests are answered in order: a later zoom or search never races an earlier open.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e) => {
  const { reqId, ...req } = e.data;
  queue = queue.then(async () => {
    try {
      const { result, transfer } = await session.handle(req);
      scope.postMessage({ reqId, ok: true, result }, transfer);
    } catch (err) {
      scope.postMessage({ reqId, ok: false, error: toAnalysisError(err) }, []);
    }
  });
};
