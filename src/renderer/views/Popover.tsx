/** The tray popover (360 × 480): the target's state at a glance, six live figures, open alerts, captures, and the way into the inspector. */
import { formatRoute, type FigureKey, type Route } from '../route.js';
import { FIGURES, figureProblem } from '../figures.js';
import { useDetectorSettings } from '../hooks/useDetectorSettings.js';
import { judgeHealth, storeNote } from '../health.js';
import { useApiContext } from '../api/context.js';
import { useCaptureActions } from '../hooks/useCaptures.js';
import { useLiveTarget } from '../hooks/useLiveTarget.js';
import { useNow } from '../hooks/useNow.js';
import { useTargets } from '../hooks/useTargets.js';
import { useChartPalette } from '../hooks/useTheme.js';
import { AlertList } from '../components/AlertList.js';
import { CaptureBar } from '../components/CaptureBar.js';
import { FigureTile } from '../components/FigureTile.js';
import { StateBadge } from '../components/StateBadge.js';
import { StreamBadge } from '../components/StreamBadge.js';
import { TargetPicker } from '../components/TargetPicker.js';
import { ago, clockSeconds } from '../format.js';

/** The sparklines' window. */
export const POPOVER_WINDOW_MS = 30 * 60_000;

/** The popover view. */
export function Popover({ route, go }: { route: Extract<Route, { view: 'popover' }>; go(to: Route): void }) {
  const { stream } = useApiContext();
  const { targets, current, error: listError } = useTargets(route.targetId);
  const targetId = current?.target.id ?? null;
  const live = useLiveTarget(targetId, POPOVER_WINDOW_MS);
  const captures = useCaptureActions(targetId);
  const palette = useChartPalette();
  const now = useNow(5_000);
  const detectors = useDetectorSettings();

  if (listError) return <div className="popover"><p className="error-text pad">{listError}</p></div>;
  if (!targets) return <div className="popover"><p className="muted pad">Connecting…</p></div>;
  if (!current) {
    return (
      <div className="popover">
        <p className="muted pad" data-testid="no-target">
          No target is watched. <a href={formatRoute({ view: 'settings' })} data-testid="add-target-link">Add one in Settings</a>, or start leakbar with --pid, --match or --config.
        </p>
      </div>
    );
  }

  const status = live.status ?? current.status;
  const health = judgeHealth(status, live.alerts, detectors);
  const store = storeNote(status, health);
  const last = live.samples.at(-1) ?? status.lastSample;
  const openAlerts = live.alerts.filter((a) => a.state !== 'resolved');
  // The process is gone (or no longer watched): its last figures stay, dimmed, with when it went.
  const gone = status.state !== 'watching' && last ? { pid: last.pid, atMs: last.timeMs, word: status.state === 'stopped' ? 'not watched since' : 'exited at' } : null;
  const staleNote = gone ? `last figures of pid ${gone.pid}, ${gone.word} ${clockSeconds(gone.atMs)}` : null;
  const inspector = (figure: FigureKey | null) => go({ view: 'timeline', targetId, range: { kind: 'last', name: '1h' }, figure });

  return (
    <div className="popover" data-health={health.level}>
      <header className="pop-header">
        <div className="pop-title">
          <TargetPicker targets={targets} currentId={current.target.id} onPick={(id) => go({ view: 'popover', targetId: id })} />
          {gone ? (
            <span className="pop-sub pop-gone" data-testid="pop-gone" title={`Its last sample was taken at ${clockSeconds(gone.atMs)} (${ago(gone.atMs, now)}); the figures below are from then.`}>
              pid {gone.pid} {gone.word} {clockSeconds(gone.atMs)}
            </span>
          ) : (
            <span className="pop-sub" title={status.command ?? ''} data-testid="pop-sub">
              {/* A target named by its pid ("pid 4242", from --pid) is not followed by the same words again. */}
              {[status.pid ? (current.target.name === `pid ${status.pid}` ? null : `pid ${status.pid}`) : 'no process', last ? ago(last.timeMs, now) : null].filter((x) => x !== null).join(' · ')}
            </span>
          )}
        </div>
        <StateBadge level={health.level} />
      </header>
      <p className={`pop-reason reason-${health.level}`} data-testid="reason" title={health.reason}>
        {health.reason}
      </p>
      {store ? (
        <p className="pop-reason pop-store" data-testid="pop-store" title={store.hint ? `${store.message} (${store.hint})` : store.message}>
          {store.message}
        </p>
      ) : null}

      <section className="tiles" aria-label="Figures, last 30 minutes">
        {FIGURES.map((f) => (
          <FigureTile key={f.key} spec={f} samples={live.samples} current={last?.[f.key]} line={f.line(detectors)} palette={palette} onOpen={() => inspector(f.key)} staleNote={staleNote} problem={figureProblem(status, f.key, current.target.pprofUrl !== null)} />
        ))}
      </section>

      <section className="pop-section alerts-section" aria-label="Alerts">
        <h2>
          Alerts {openAlerts.length > 0 ? <span className="count">{openAlerts.length}</span> : null}
        </h2>
        <AlertList alerts={live.alerts} nowMs={now} onChange={live.putAlert} onOpen={() => inspector(null)} />
      </section>

      <section className="pop-section" aria-label="Capture">
        <CaptureBar
          actions={captures}
          unavailable={gone ? `pid ${gone.pid} ${gone.word} ${clockSeconds(gone.atMs)}: nothing to capture until a process is watched again` : null}
          noPprof={current.target.pprofUrl === null}
        />
      </section>

      <footer className="pop-footer">
        <a className="btn primary" href={formatRoute({ view: 'timeline', targetId, range: { kind: 'last', name: '1h' }, figure: null })} data-testid="open-inspector">
          Open inspector
        </a>
        <a className="footer-link" href={formatRoute({ view: 'captures', targetId })}>
          Captures
        </a>
        <a className="footer-link" href={formatRoute({ view: 'settings' })} data-testid="open-settings">
          Settings
        </a>
        <StreamBadge stream={stream} />
      </footer>
    </div>
  );
}
