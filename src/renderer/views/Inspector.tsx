/** The inspector window: a header with the target and its state, tabs (timeline, captures), and the chosen view below. */
import { useEffect, useState } from 'react';
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
  const { api, stream } = useApiContext();
  // A capture's page is about the capture's target, which need not be the first watched one, nor watched at all
  // (a `leakbar capture --pprof` of another program): its header names that target, never another's pid and state.
  const captureId = route.view === 'capture' ? route.captureId : null;
  const [captureTarget, setCaptureTarget] = useState<{ captureId: string; targetId: string | null } | null>(null);
  useEffect(() => {
    if (!captureId) return;
    let live = true;
    api.getCapture({ captureId }).then(
      (c) => live && setCaptureTarget({ captureId, targetId: c.targetId }),
      () => live && setCaptureTarget({ captureId, targetId: null }),
    );
    return () => {
      live = false;
    };
  }, [api, captureId]);
  const capTarget = captureId && captureTarget?.captureId === captureId ? captureTarget : null;
  const { targets, current: watched, error } = useTargets('targetId' in route ? route.targetId : (capTarget?.targetId ?? null));
  // On a capture's page: its target if watched; null (the header names it as not watched) if not, or until its meta is in.
  const current = captureId ? (capTarget?.targetId ? (targets?.find((t) => t.target.id === capTarget.targetId) ?? null) : capTarget ? watched : null) : watched;
  const unwatched = captureId && capTarget?.targetId && targets && !current ? capTarget.targetId : null;
  const targetId = current?.target.id ?? unwatched ?? watched?.target.id ?? null;
  const detectors = useDetectorSettings();
  const { alerts } = useTargetAlerts(current?.target.id ?? null);
  // The popover's own judgement (judgeHealth over the same alerts), so both say the same: an acknowledged or snoozed alert is a warning, not an alert.
  const health = current ? judgeHealth(current.status, alerts, detectors) : null;
  // A target named by its pid ("pid 4242", from --pid) is not followed by the same words again.
  const pidText = current ? (current.status.pid ? `pid ${current.status.pid}` : 'no process') : null;
  const tab = (view: 'timeline' | 'captures', label: string) => {
    // The timeline is a watched target's; an unwatched capture's target still lists its captures.
    const id = view === 'timeline' && unwatched ? (watched?.target.id ?? null) : targetId;
    return (
      <a className={`tab${route.view === view || (view === 'captures' && route.view === 'capture') ? ' on' : ''}`} href={formatRoute(view === 'timeline' ? { view, targetId: id, range: DEFAULT_RANGE, figure: null } : { view, targetId: id })}>
        {label}
      </a>
    );
  };
  return (
    <div className="inspector">
      <header className="insp-header">
        <span className="brand">leakbar</span>
        {targets && current ? <TargetPicker targets={targets} currentId={current.target.id} onPick={(id) => go({ ...route, view: route.view === 'capture' ? 'captures' : route.view, targetId: id } as Route)} /> : null}
        {unwatched ? (
          <h1 className="target-name" data-testid="target-name" title={`${unwatched}: a target leakbar does not watch now`}>
            {unwatched}
          </h1>
        ) : null}
        {unwatched ? <span className="muted insp-pid" data-testid="target-pid">not watched now</span> : null}
        {current && pidText !== current.target.name ? <span className="muted insp-pid" data-testid="target-pid">{pidText}</span> : null}
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
