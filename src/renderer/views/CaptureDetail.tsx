/** One capture: what it is, when and of which process, the figures of the watcher's last sample, and its files to download (as stored, byte for byte). */
import { useEffect, useState } from 'react';
import type { CaptureFile, CaptureMeta } from '../../shared/captures.js';
import { formatBytes, formatDurationMs } from '../../shared/units.js';
import { useApi } from '../api/context.js';
import { saveFile } from '../download.js';
import { FIGURES } from '../figures.js';
import { captureSize, clockSeconds, dateTime } from '../format.js';
import { formatRoute } from '../route.js';
import { CAPTURE_KIND_TITLES, captureCause } from '../../shared/captures.js';


const ROLE: Record<CaptureFile['role'], string> = {
  heap: 'heap profile',
  allocs: 'allocations profile',
  goroutine: 'goroutine profile',
  'goroutine-dump': 'goroutine dump (debug=2)',
  cpu: 'CPU profile',
  block: 'block profile',
  mutex: 'mutex profile',
  fds: 'open file descriptors',
  'memory-map': 'memory map',
  process: 'process figures',
};

/**
 * "Mark as baseline" and "Pin" for one capture, showing its state. `onChange` hears the capture as stored
 * after a change, so the page can refetch what depends on it (the Diff tab's base).
 */
export function CaptureMarks({ capture, onChange }: { capture: CaptureMeta; onChange: (c: CaptureMeta) => void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = (call: () => Promise<CaptureMeta>) => {
    setBusy(true);
    setError(null);
    call().then(
      (c) => {
        setBusy(false);
        onChange(c);
      },
      (e: unknown) => {
        setBusy(false);
        setError(e instanceof Error ? e.message : String(e));
      },
    );
  };
  return (
    <span className="capture-marks" data-testid="capture-marks" data-baseline={String(capture.baseline)} data-pinned={String(capture.pinned)}>
      <button
        type="button"
        className="btn small"
        data-testid="mark-baseline"
        disabled={busy || capture.baseline}
        aria-pressed={capture.baseline}
        title={capture.baseline ? "This capture is its target's baseline: the Diff tab of later captures compares with it" : "Compare later captures of this target with this one (replaces the current baseline)"}
        onClick={() => act(() => api.markBaseline({ captureId: capture.id }))}
      >
        {capture.baseline ? 'Baseline ✓' : 'Mark as baseline'}
      </button>
      <button
        type="button"
        className="btn small"
        data-testid="pin-capture"
        disabled={busy}
        aria-pressed={capture.pinned}
        title={capture.pinned ? 'Pinned: retention never deletes it. Click to unpin' : 'Keep this capture: retention never deletes a pinned one'}
        onClick={() => act(() => api.setPinned({ captureId: capture.id, pinned: !capture.pinned }))}
      >
        {capture.pinned ? 'Pinned ✓' : 'Pin'}
      </button>
      {error ? <span className="error-text"> {error}</span> : null}
    </span>
  );
}

/**
 * The capture detail view. `version` counts up when the capture changed (refetches it). `unreadable` is a profile
 * of it the page could not read (the inspector's error): the hint does not say `go tool pprof` opens that one.
 */
export function CaptureDetail({ captureId, version = 0, unreadable = null }: { captureId: string; version?: number; unreadable?: { name: string; error: string } | null }) {
  const api = useApi();
  const [capture, setCapture] = useState<CaptureMeta | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.getCapture({ captureId }).then(
      (c) => live && setCapture(c),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [api, captureId, version]);

  if (error) return <p className="error-text">{error}</p>;
  if (!capture) return <p className="muted">Loading…</p>;
  return (
    <div className="capture-detail" data-testid="capture-detail">
      <p className="back">
        <a href={formatRoute({ view: 'captures', targetId: capture.targetId })}>‹ All captures</a>
      </p>
      <h2>
        {CAPTURE_KIND_TITLES[capture.kind]} <span className="muted mono">{capture.id}</span>
      </h2>
      <dl className="facts">
        <dt>Taken</dt>
        <dd>
          {dateTime(capture.startedMs)} ({formatDurationMs(Math.max(0, capture.endedMs - capture.startedMs))})
        </dd>
        <dt>Process</dt>
        <dd>{capture.pid ?? '—'}</dd>
        <dt>Caused by</dt>
        <dd title={capture.alertKey ?? undefined}>{captureCause(capture)}</dd>
        <dt>Baseline</dt>
        <dd data-testid="fact-baseline">{capture.baseline ? "yes: later captures of this target are compared with it" : 'no'}</dd>
        <dt>Pinned</dt>
        <dd data-testid="fact-pinned">{capture.pinned ? 'yes: retention never deletes it' : 'no'}</dd>
        {capture.note ? (
          <>
            <dt>Note</dt>
            {/* A note is lines: what the user or the overnight test wrote, then what the service added ("Skipped: …").
                The line break is what separates them (the first line names the cause), so each is shown as a line. */}
            <dd data-testid="fact-note">
              {capture.note.split('\n').map((line, i) => (
                <div key={i}>{line}</div>
              ))}
            </dd>
          </>
        ) : null}
      </dl>
      <h3>Files</h3>
      <table className="files">
        <thead>
          <tr>
            <th>File</th>
            <th>What</th>
            <th className="num">Size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {capture.files.map((f) => (
            <FileRow key={f.name} captureId={capture.id} file={f} />
          ))}
        </tbody>
        {/* With a file deleted by hand, what the folder still holds, as the capture list says it. */}
        {captureSize(capture.files).deleted > 0 ? (
          <tfoot>
            <tr>
              <td colSpan={2}>In its folder now</td>
              <td className="num nowrap" data-testid="capture-detail-size">
                {captureSize(capture.files).text}
              </td>
              <td />
            </tr>
          </tfoot>
        ) : null}
      </table>
      <DeletedHint capture={capture} />
      <ProfilesHint files={capture.files.filter((f) => !f.missing)} unreadable={unreadable} />
      {capture.figures ? (
        <>
          {/* The watcher's last sample, taken up to one interval before the capture began: say when. */}
          <h3 data-testid="figures-heading">
            Figures of the last sample, at {clockSeconds(capture.figures.timeMs)}
            {capture.startedMs > capture.figures.timeMs ? ` (${formatDurationMs(capture.startedMs - capture.figures.timeMs)} before the capture)` : ''}
          </h3>
          <dl className="facts">
            {FIGURES.map((f) =>
              capture.figures?.[f.key] !== undefined ? (
                <div key={f.key} className="fact">
                  <dt>{f.label}</dt>
                  <dd>{f.format(capture.figures[f.key]!)}</dd>
                </div>
              ) : null,
            )}
          </dl>
        </>
      ) : null}
    </div>
  );
}

/**
 * Files of the capture deleted from its folder by hand (the engine marks them `missing`): what that means and what
 * can be done. leakbar cannot bring them back; the rest of the capture is kept and downloads as before.
 */
function DeletedHint({ capture }: { capture: CaptureMeta }) {
  const gone = capture.files.filter((f) => f.missing);
  if (gone.length === 0) return null;
  const names = gone.map((f, i) => (
    <span key={f.name}>
      {i > 0 ? ', ' : ''}
      <code className="mono">{f.name}</code>
    </span>
  ));
  const one = gone.length === 1;
  const rest = capture.files.length > gone.length;
  return (
    <p className="muted hint" data-testid="deleted-files-hint">
      {names} {one ? 'was' : 'were'} deleted from the capture&apos;s folder{capture.dir ? <> (<bdi className="mono">{capture.dir}</bdi>)</> : null}, so {one ? 'it' : 'they'} cannot be downloaded or opened here.
      {rest ? ' The rest of the capture is kept.' : ''} Take a new {capture.kind} capture (the popover&apos;s capture buttons, or <code className="mono">leakbar capture {capture.kind}</code>) to have {one ? 'it' : 'them'} again; a copy you kept elsewhere can be put back in the folder under the same name.
    </p>
  );
}

/**
 * Profiles are kept as fetched, so `go tool pprof` reads what leakbar reads: said with a profile of the capture that
 * opens; of one that did not, that it is kept as fetched and unreadable to pprof too (no promise it "opens").
 */
function ProfilesHint({ files, unreadable }: { files: readonly CaptureFile[]; unreadable: { name: string; error: string } | null }) {
  const profiles = files.filter((f) => f.name.endsWith('.pb.gz'));
  if (profiles.length === 0) return null;
  const bad = unreadable && profiles.some((f) => f.name === unreadable.name) ? unreadable : null;
  const others = profiles.filter((f) => f.name !== bad?.name);
  return (
    <>
      {bad ? (
        <p className="muted hint" data-testid="profile-unreadable-hint">
          <code className="mono">{bad.name}</code> is kept exactly as fetched, and it could not be read ({bad.error}): <code className="mono">go tool pprof</code> cannot open it either. Take the capture again.
        </p>
      ) : null}
      {others.length > 0 ? (
        <p className="muted hint" data-testid="profiles-hint">
          {bad ? 'Its other profiles are' : others.length > 1 ? 'Profiles are' : 'The profile is'} kept exactly as fetched: <code className="mono">go tool pprof -top {others[0]!.name}</code> opens {others.length > 1 ? 'them' : 'it'}.
        </p>
      ) : null}
    </>
  );
}

function FileRow({ captureId, file }: { captureId: string; file: CaptureFile }) {
  const api = useApi();
  const [state, setState] = useState<string | null>(null);
  const download = () => {
    setState('…');
    api.readCaptureFile({ captureId, name: file.name }).then(
      (bytes) => {
        saveFile(file.name, bytes, 'application/octet-stream');
        setState(null);
      },
      (e: unknown) => setState(e instanceof Error ? e.message : String(e)),
    );
  };
  if (file.missing) {
    // Deleted from the capture's folder by hand: no size it no longer has, and nothing to download (DeletedHint says what to do).
    return (
      <tr data-testid="capture-file" data-name={file.name} data-missing="true">
        <td className="mono">{file.name}</td>
        <td>{ROLE[file.role]}</td>
        <td className="num nowrap" data-testid="capture-file-size" title={`It held ${formatBytes(file.bytes)} when taken`}>
          deleted
        </td>
        <td className="muted">not in the capture&apos;s folder</td>
      </tr>
    );
  }
  return (
    <tr data-testid="capture-file" data-name={file.name}>
      <td className="mono">{file.name}</td>
      <td>{ROLE[file.role]}</td>
      <td className="num nowrap" data-testid="capture-file-size">
        {formatBytes(file.bytes)}
      </td>
      <td>
        <button type="button" className="btn small" onClick={download}>
          Download
        </button>
        {state ? <span className="muted"> {state}</span> : null}
      </td>
    </tr>
  );
}
