/** The inspector window: a header with the target and its state, tabs (timeline, captures), and the chosen view below. */
import { useDetectorSettings } from '../hooks/useDetectorSettings.js';
import { judgeHealth } from '../health.js';
import { useApiContext } from '../api/context.js';
import { useTargetAlerts } from '../hooks/useTargetAlerts.js';
import { useTargets } from '../hooks/useTargets.js';
import { StateBadge } from '../components/StateBadge.js';
import { StreamBadge } from '../components/StreamBadge.js';
import { TargetPicker } from '../components/TargetPicker.js';
import { formatRoute, DEFAULT_RANGE, type Route } from '../route.js';
import { CaptureInspector } from '../inspector/index.js';
import { CaptureList } from './CaptureList.js';
import { Timeline } from './Timeline.js';

type InspectorRoute = Extract<Route, { view: 'timeline' | 'captures' | 'capture' }>;

/** The inspector view. */
export function Inspector({ route, go }: { route: InspectorRoute; go(to: Route, o?: { replace?: boolean }): void }) {
  const { stream } = useApiContext();
  const { targets, current, error } = useTargets('targetId' in route ? route.targetId : null);
  const targetId = current?.target.id ?? null;
  const detectors = useDetectorSettings();
  const { alerts } = useTargetAlerts(targetId);
  // The popover's own judgement (judgeHealth over the same alerts), so both say the same: an acknowledged or snoozed alert is a warning, not an alert.
  const health = current ? judgeHealth(current.status, alerts, detectors) : null;
  const tab = (view: 'timeline' | 'captures', label: string) => (
    <a className={`tab${route.view === view || (view === 'captures' && route.view === 'capture') ? ' on' : ''}`} href={formatRoute(view === 'timeline' ? { view, targetId, range: DEFAULT_RANGE, figure: null } : { view, targetId })}>
      {label}
    </a>
  );
  return (
    <div className="inspector">
      <header className="insp-header">
        <span className="brand">leakbar</span>
        {targets && current ? <TargetPicker targets={targets} currentId={current.target.id} onPick={(id) => go({ ...route, view: route.view === 'capture' ? 'captures' : route.view, targetId: id } as Route)} /> : null}
        {current ? <span className="muted insp-pid">{current.status.pid ? `pid ${current.status.pid}` : 'no process'}</span> : null}
        {health ? <StateBadge level={health.level} reason={health.reason} /> : null}
        <nav className="tabs">
          {tab('timeline', 'Timeline')}
          {tab('captures', 'Captures')}
        </nav>
        <span className="toolbar-gap" />
        <a className="footer-link" href={formatRoute({ view: 'settings' })} data-testid="open-settings">
          Settings
        </a>
        <a className="footer-link" href={formatRoute({ view: 'popover', targetId })}>
          Popover
        </a>
        <StreamBadge stream={stream} />
      </header>
      <main className="insp-body">
        {error ? <p className="error-text">{error}</p> : null}
        {route.view === 'capture' ? <CaptureInspector captureId={route.captureId} /> : null}
        {route.view === 'timeline' && targetId ? <Timeline route={route} targetId={targetId} go={go} /> : null}
        {route.view === 'captures' && targetId ? <CaptureList targetId={targetId} /> : null}
        {targets && !current && route.view !== 'capture' ? <p className="muted">No target is watched.</p> : null}
      </main>
    </div>
  );
}
