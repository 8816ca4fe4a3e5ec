/** A target's state at a glance — healthy, warning or alert — and the one reason a person should read first. */
import type { Alert } from '../shared/alerts.js';
import type { DetectorSettings } from '../shared/alerts.js';
import type { SourceStatus, WatcherStatus } from '../shared/status.js';
import { FIGURES } from './figures.js';

/** The three states the popover shows. */
export type HealthLevel = 'healthy' | 'warning' | 'alert';

/** The state and its reason. */
export interface Health {
  level: HealthLevel;
  reason: string;
}

/** A figure this close to its alert line (as a share of it) already earns a warning. @default 0.8 */
export const NEAR_LINE_RATIO = 0.8;

/** Which alert the state's reason names first: firing before quiet, critical before warning, newest first. */
export function alertOrder(a: Alert, b: Alert): number {
  const quiet = (x: Alert) => (x.state === 'firing' ? 0 : 1);
  const severity = (x: Alert) => (x.severity === 'critical' ? 0 : 1);
  return quiet(a) - quiet(b) || severity(a) - severity(b) || b.firstMs - a.firstMs;
}

/**
 * The alert list's rows: the open alerts, newest first by when each first fired (so acknowledging or snoozing one moves
 * no row; the state shows on the row itself). `heldKeys`, the conditions in the order shown when the pointer came over
 * the list, holds that order while it stays there: an alert that arrives meanwhile goes below them, not on top.
 */
export function alertRows(alerts: readonly Alert[], heldKeys: readonly string[] | null = null): Alert[] {
  const open = alerts.filter((a) => a.state !== 'resolved').sort((a, b) => b.firstMs - a.firstMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (!heldKeys) return open;
  const rank = new Map(heldKeys.map((key, i) => [key, i]));
  const held = open.filter((a) => rank.has(a.key)).sort((a, b) => rank.get(a.key)! - rank.get(b.key)!);
  return [...held, ...open.filter((a) => !rank.has(a.key))];
}

const more = (n: number) => (n > 0 ? ` (+${n} more)` : '');

/**
 * Judges a target: a firing alert makes it `alert`; a snoozed or acknowledged alert, a process not
 * found, a failing source or a figure near its line make it `warning`; otherwise `healthy`.
 */
export function judgeHealth(status: WatcherStatus, alerts: readonly Alert[], settings: DetectorSettings): Health {
  const open = alerts.filter((a) => a.targetId === status.targetId && a.state !== 'resolved');
  const firing = open.filter((a) => a.state === 'firing').sort(alertOrder);
  if (firing.length > 0) return { level: 'alert', reason: `${firing[0]!.title}${more(firing.length - 1)}` };

  if (status.state !== 'watching') {
    const why = status.sources.target && !status.sources.target.ok ? status.sources.target.message : 'no matching process yet';
    return { level: 'warning', reason: status.state === 'stopped' ? 'Not watching (stopped)' : `Waiting for the process: ${why}` };
  }
  const quiet = open.filter((a) => a.state === 'snoozed' || a.state === 'acknowledged').sort(alertOrder);
  if (quiet.length > 0) return { level: 'warning', reason: `${quiet[0]!.title} (${quiet[0]!.state})${more(quiet.length - 1)}` };

  const failing = Object.entries(status.sources).filter(([, s]) => s && !s.ok);
  if (failing.length > 0) {
    const [name, s] = failing[0]!;
    return { level: 'warning', reason: `${name}: ${s!.message}${more(failing.length - 1)}` };
  }
  for (const f of FIGURES) {
    const line = f.line(settings);
    const v = status.lastSample?.[f.key];
    if (line !== null && v !== undefined && v >= line * NEAR_LINE_RATIO) {
      return { level: 'warning', reason: `${f.label} at ${Math.round((v / line) * 100)} % of the alert line (${f.format(v)} of ${f.format(line)})` };
    }
  }
  return { level: 'healthy', reason: 'All figures within bounds' };
}

/**
 * The history's state, when the reason does not say it already: the `store` source's problem (another leakbar records
 * this history and this one keeps its samples in memory, a full disk), which a firing alert or another source's problem
 * would otherwise hide. Null while the history is recorded.
 */
export function storeNote(status: Pick<WatcherStatus, 'sources'>, health: Health): SourceStatus | null {
  const store = status.sources.store;
  if (!store || store.ok) return null;
  return health.reason.startsWith(`store: ${store.message}`) ? null : store;
}
