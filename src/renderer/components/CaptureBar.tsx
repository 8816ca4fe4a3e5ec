/** The capture buttons (heap, goroutines, 30 s of CPU, everything), a progress bar with cancel while one runs, and where each result went. */
import type { CaptureKind, CaptureMeta } from '../../shared/captures.js';
import { CAPTURE_KIND_TITLES } from '../../shared/captures.js';
import { captureSize } from '../format.js';
import { formatRoute } from '../route.js';
import type { CaptureActions } from '../hooks/useCaptures.js';
import { useNow } from '../hooks/useNow.js';

/** Seconds of the CPU profile the popover takes. */
export const CPU_SECONDS = 30;

const BUTTONS: Array<{ kind: CaptureKind; label: string; seconds?: number; title: string }> = [
  { kind: 'heap', label: 'Heap', title: 'Capture a heap profile (heap.pb.gz)' },
  { kind: 'goroutine', label: 'Goroutines', title: 'Capture goroutines (profile and full dump)' },
  { kind: 'cpu', label: `CPU ${CPU_SECONDS}s`, seconds: CPU_SECONDS, title: `Profile the CPU for ${CPU_SECONDS} seconds` },
  { kind: 'bundle', label: 'Bundle', title: 'A bundle: heap, goroutines, FDs and memory map at once (leakbar capture bundle)' },
];

const KIND_NAME: Record<CaptureKind, string> = { heap: 'Heap profile', allocs: 'Allocations', goroutine: 'Goroutines', cpu: 'CPU profile', block: 'Block profile', mutex: 'Mutex profile', system: 'System snapshot', bundle: CAPTURE_KIND_TITLES.bundle };

/**
 * The capture section of the popover. `unavailable` says why no capture can be taken now (no process); without a pprof
 * endpoint (`noPprof`) there is no profile to take, and a bundle takes what the system shows (FDs, memory map).
 */
export function CaptureBar({ actions, unavailable, noPprof = false }: { actions: CaptureActions; unavailable: string | null; noPprof?: boolean }) {
  const runningKinds = Object.keys(actions.running) as CaptureKind[];
  const now = useNow(250, runningKinds.length > 0);
  return (
    <div className="capture-bar">
      <div className="capture-buttons" role="group" aria-label="Capture">
        {BUTTONS.map((b) => (
          <button
            key={b.kind}
            type="button"
            className="btn"
            data-testid={`capture-${b.kind}`}
            disabled={unavailable !== null || (noPprof && b.kind !== 'bundle') || actions.running[b.kind] !== undefined}
            title={unavailable ?? (noPprof ? (b.kind === 'bundle' ? 'FDs and memory map (this target has no pprof endpoint for profiles)' : 'This target has no pprof endpoint') : b.title)}
            onClick={() => actions.start(b.kind, b.seconds)}
          >
            {b.label}
          </button>
        ))}
      </div>
      {runningKinds.map((kind) => {
        const p = actions.running[kind]!;
        const share = p.expectedMs ? Math.min(1, Math.max(0, (now - p.startedMs) / p.expectedMs)) : null;
        return (
          <div key={kind} className="capture-progress" data-testid={`progress-${kind}`}>
            <span className="capture-progress-label">
              {KIND_NAME[kind]}… {p.expectedMs ? `${Math.max(0, Math.ceil((p.startedMs + p.expectedMs - now) / 1000))}s left` : ''}
            </span>
            <progress max={1} {...(share === null ? {} : { value: share })} />
            <button type="button" className="btn small" onClick={() => actions.cancel(kind)}>
              Cancel
            </button>
          </div>
        );
      })}
      {actions.outcomes.slice(0, 1).map((o) =>
        o.ok ? (
          <CaptureResult key={o.capture.id} capture={o.capture} />
        ) : (
          <p key={`fail-${o.kind}`} className="capture-result failed" data-testid="capture-failed">
            {KIND_NAME[o.kind]} failed: {o.message}
          </p>
        ),
      )}
    </div>
  );
}

function CaptureResult({ capture }: { capture: CaptureMeta }) {
  // As the capture pages say it: a file deleted by hand counts nothing, and is said (captureSize).
  const size = captureSize(capture.files);
  const names = capture.files.map((f) => f.name);
  return (
    <>
    <p className="capture-result" data-testid="capture-result">
      <span className="capture-where">
        {KIND_NAME[capture.kind]} saved: {names.slice(0, 2).join(', ')}
        {names.length > 2 ? ` +${names.length - 2}` : ''} ({size.text})
      </span>
      <a className="open-link" href={formatRoute({ view: 'capture', captureId: capture.id })} data-testid="capture-open" data-capture-id={capture.id}>
        Open ›
      </a>
    </p>
    {capture.dir ? (
      <p className="capture-dir" data-testid="capture-dir" title={capture.dir}>
        <bdi>{capture.dir}</bdi>
      </p>
    ) : null}
    </>
  );
}
