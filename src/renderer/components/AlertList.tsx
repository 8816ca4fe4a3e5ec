/** Open alerts with their one-line story and the two things a person does about them: snooze and acknowledge. */
import { useEffect, useState } from 'react';
import type { Alert } from '../../shared/alerts.js';
import { useApi } from '../api/context.js';
import { clock, clockSeconds } from '../format.js';
import { alertRows } from '../health.js';

/** How long "Snooze" keeps an alert quiet. @default 1 hour */
export const SNOOZE_MS = 60 * 60_000;

/** Alert kinds whose title keeps the rate it fired at (the engine's `TITLE_AS_FIRED`), while their message follows each step. */
const RATE_AS_FIRED: ReadonlySet<Alert['kind']> = new Set(['growth', 'fd-pattern-growth']);

/** How old the alert's last step may be and still be called "now" on its card (a few samples; else "as of 14:05:09"). */
const NOW_MS = 60_000;

/**
 * What the card of an alert says in its title and above its message. A growth alert's title keeps the rate it fired at
 * ("Goroutines keep growing (+120/min)") while its message gives the rate of the latest step ("… trend +26.7/min"): once
 * they can differ (it has been updated since it fired), the title says its rate is the one at firing, and the message
 * is said to be as of now (or of its last step, when that is not recent). Alerts of other kinds are shown as they are.
 */
export function alertCardText(a: Pick<Alert, 'kind' | 'title' | 'message' | 'firstMs' | 'lastMs'>, nowMs: number): { title: string; when: string | null } {
  if (!RATE_AS_FIRED.has(a.kind) || a.lastMs <= a.firstMs) return { title: a.title, when: null };
  // The engine ends such a title with its rate in brackets: "(+120/min)" reads "(+120/min at firing)".
  const rate = /^(.*) \(([^()]+)\)$/.exec(a.title);
  const title = rate ? `${rate[1]} (${rate[2]} at firing)` : `${a.title} (at firing)`;
  return { title, when: nowMs - a.lastMs <= NOW_MS ? 'now' : `as of ${clockSeconds(a.lastMs)}` };
}

/** Props of {@link AlertList}. */
export interface AlertListProps {
  alerts: readonly Alert[];
  nowMs: number;
  /** Called with the alert the API answered with after a snooze or acknowledge. */
  onChange(alert: Alert): void;
  /** Opens the timeline at an alert. */
  onOpen?(alert: Alert): void;
}

/** The list; each row `data-testid="alert"` with `data-key` and `data-state`. */
export function AlertList({ alerts, nowMs, onChange, onOpen }: AlertListProps) {
  // The order shown when the pointer came over the list, kept while it is there, so no row moves under a click.
  const [heldKeys, setHeldKeys] = useState<string[] | null>(null);
  const open = alertRows(alerts, heldKeys);
  // An emptied list unmounts without a pointer leave: let go of the held order then.
  useEffect(() => {
    if (open.length === 0) setHeldKeys(null);
  }, [open.length]);
  if (open.length === 0) return <p className="muted empty-line">No open alerts</p>;
  return (
    <ul className="alert-list" onPointerEnter={() => setHeldKeys(open.map((a) => a.key))} onPointerLeave={() => setHeldKeys(null)}>
      {open.map((a) => (
        <AlertRow key={a.id} alert={a} nowMs={nowMs} onChange={onChange} {...(onOpen ? { onOpen } : {})} />
      ))}
    </ul>
  );
}

function AlertRow({ alert, nowMs, onChange, onOpen }: { alert: Alert; nowMs: number; onChange(a: Alert): void; onOpen?(a: Alert): void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = (p: Promise<Alert>) => {
    setBusy(true);
    setError(null);
    p.then(onChange, (e: unknown) => setError(e instanceof Error ? e.message : String(e))).finally(() => setBusy(false));
  };
  const card = alertCardText(alert, nowMs);
  const quiet = alert.state === 'snoozed' ? `snoozed until ${clock(alert.snoozedUntilMs ?? nowMs)}` : alert.state === 'acknowledged' ? 'acknowledged' : null;
  return (
    <li className={`alert-row sev-${alert.severity} st-${alert.state}`} data-testid="alert" data-key={alert.key} data-state={alert.state}>
      <div className="alert-top">
        <button type="button" className="alert-title linklike" onClick={() => onOpen?.(alert)} title={`${card.when ? `${card.when}: ` : ''}${alert.message}. ${alert.nextStep}`} data-testid="alert-title">
          {card.title}
        </button>
        {alert.state === 'firing' ? (
          <span className="alert-actions">
            <button type="button" className="btn small" disabled={busy} onClick={() => act(api.snoozeAlert({ alertId: alert.id, untilMs: Date.now() + SNOOZE_MS }))} title="Quiet for an hour" data-testid="alert-snooze">
              Snooze 1h
            </button>
            <button type="button" className="btn small" disabled={busy} onClick={() => act(api.acknowledgeAlert({ alertId: alert.id }))} title="I know; no more notices for this one" data-testid="alert-ack">
              Ack
            </button>
          </span>
        ) : (
          <span className="alert-quiet">{quiet}</span>
        )}
      </div>
      <span className="alert-meta" data-testid="alert-meta">
        since {clock(alert.firstMs)} · {card.when ? `${card.when}: ` : ''}
        {alert.message}
      </span>
      {alert.finding ? (
        <span className="alert-finding" data-testid="alert-finding" title={alert.finding}>
          {alert.finding}
        </span>
      ) : null}
      {alert.captureError ? (
        <span className="alert-capture-error" data-testid="alert-capture-error" title={alert.captureError}>
          No capture: {alert.captureError}
        </span>
      ) : null}
      {error ? <span className="error-text">{error}</span> : null}
    </li>
  );
}
