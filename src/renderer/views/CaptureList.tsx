/** A target's captures, newest first, each linking to its detail. */
import { useEffect, useState } from 'react';
import { captureCause, type CaptureMeta } from '../../shared/captures.js';
import { useApiContext } from '../api/context.js';
import { captureSize, dateTimeSeconds } from '../format.js';
import { formatRoute } from '../route.js';

/**
 * When a capture was taken, to the second ("2026-11-24 18:44:05"): two captures a minute apart, or in one
 * minute, read apart. Two in the same second (a bundle and a system capture from one click) get milliseconds.
 */
export function takenText(c: Pick<CaptureMeta, 'id' | 'startedMs'>, all: ReadonlyArray<Pick<CaptureMeta, 'id' | 'startedMs'>>): string {
  const second = Math.floor(c.startedMs / 1000);
  const sameSecond = all.some((o) => o.id !== c.id && Math.floor(o.startedMs / 1000) === second);
  return sameSecond ? `${dateTimeSeconds(c.startedMs)}.${String(c.startedMs % 1000).padStart(3, '0')}` : dateTimeSeconds(c.startedMs);
}

/** The captures view. */
export function CaptureList({ targetId }: { targetId: string }) {
  const { api, epoch } = useApiContext();
  const [captures, setCaptures] = useState<CaptureMeta[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.listCaptures({ targetId }).then(
        (c) => live && setCaptures([...c].sort((a, b) => b.startedMs - a.startedMs)),
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
      );
    void load();
    const off = api.subscribe((e) => {
      if (e.type === 'capture-done' && e.capture.targetId === targetId) void load();
    });
    return () => {
      live = false;
      off();
    };
  }, [api, epoch, targetId]);

  if (error) return <p className="error-text">{error}</p>;
  if (!captures) return <p className="muted">Loading…</p>;
  if (captures.length === 0) return <p className="muted">No captures yet. Take one from the popover.</p>;
  return (
    <table className="files capture-table">
      <thead>
        <tr>
          <th>Taken</th>
          <th>Kind</th>
          <th>Files</th>
          <th className="num">Size</th>
          <th>Caused by</th>
        </tr>
      </thead>
      <tbody>
        {captures.map((c) => (
          <tr key={c.id} data-testid="capture-row" data-id={c.id} data-baseline={String(c.baseline)} data-pinned={String(c.pinned)}>
            <td className="nowrap" data-testid="capture-taken">
              <a href={formatRoute({ view: 'capture', captureId: c.id })}>{takenText(c, captures)}</a>
            </td>
            <td>
              {c.kind}
              {c.baseline ? (
                <span className="tag" title="The target's baseline: later captures are compared with it">
                  baseline
                </span>
              ) : null}
              {c.pinned ? (
                <span className="tag" title="Pinned: retention never deletes it">
                  pinned
                </span>
              ) : null}
            </td>
            <td className="mono capture-files">{c.files.map((f) => f.name).join(', ')}</td>
            <SizeCell capture={c} />
            <td title={c.alertKey ?? undefined}>{captureCause(c)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A capture's size: what its folder holds now, a file deleted by hand counting nothing and said (captureSize), named on hover. */
function SizeCell({ capture }: { capture: CaptureMeta }) {
  const size = captureSize(capture.files);
  const gone = capture.files.filter((f) => f.missing).map((f) => f.name);
  return (
    <td className="num nowrap" data-testid="capture-size" data-bytes={size.bytes} data-deleted={size.deleted} title={gone.length > 0 ? `Deleted from its folder by hand: ${gone.join(', ')} (not counted)` : undefined}>
      {size.text}
    </td>
  );
}
