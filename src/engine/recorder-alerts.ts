/**
 * The alerts of a target whose history another leakbar records (see series-store.ts: one process records a folder,
 * another one beside it is a reader). The recorder stores its alerts in alerts.jsonl and takes their captures; a
 * reader computes alerts from its own samples, and goes by the recorder's where both see one condition open, so both
 * show one alert: the recorder's id, first time, capture, finding, snooze and acknowledgement. When the reader takes
 * over recording, the alerts the recorder left open are reconciled with the reader's as at a start
 * ({@link carryOverAlerts}), so alerts.jsonl keeps one open alert per condition.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { carryOverAlerts, liveAlerts, type AlertEngineState } from '../analysis/detectors/index.js';
import type { Alert } from '../shared/alerts.js';
import { isPlainObject } from '../shared/merge.js';
import { readJsonLines } from './series-store.js';

const ALERTS_FILE = 'alerts.jsonl';

const isOpen = (a: Alert) => a.state !== 'resolved';

function looksLikeAlert(x: unknown): x is Alert {
  return isPlainObject(x) && typeof x.id === 'string' && typeof x.key === 'string' && typeof x.state === 'string' && typeof x.firstMs === 'number' && typeof x.lastMs === 'number';
}

/** The alerts open in a target folder's alerts.jsonl, as a store reads it back (the newest version of each alert wins). */
export async function readOpenStoredAlerts(dir: string): Promise<Alert[]> {
  const newest = new Map<string, Alert>();
  await readJsonLines<unknown>(join(dir, ALERTS_FILE), (x) => {
    if (looksLikeAlert(x)) {
      newest.delete(x.id);
      newest.set(x.id, x);
    }
    return false;
  });
  return [...newest.values()].filter(isOpen);
}

/** Reads a folder's open alerts again only when alerts.jsonl changed (its size, time or inode) since the last read. */
export function storedAlertsReader(dir: string): { readIfChanged(): Promise<Alert[] | null> } {
  let seen = '';
  return {
    async readIfChanged() {
      const s = await stat(join(dir, ALERTS_FILE)).catch(() => null);
      const mark = s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'none';
      if (mark === seen) return null;
      const alerts = await readOpenStoredAlerts(dir);
      seen = mark;
      return alerts;
    },
  };
}

/** What reconciling an engine's alerts with the recorder's changed. */
export interface Reconciled {
  /** The engine's state to go on from. */
  state: AlertEngineState;
  /** The engine's alerts that changed (each now under the recorder's id where the recorder had the condition open). */
  changed: Alert[];
  /** Ids of the engine's own alerts that gave way to the recorder's of the same condition: never to be recorded. */
  superseded: string[];
  /** The recorder's open alerts closed (only at a takeover): an older duplicate, or one this engine does not find holding. */
  closed: Alert[];
}

/** Whether the engine's version of an alert differs from `before` in what the recorder's decides. */
function differs(after: Alert, before: Alert | undefined): boolean {
  return (
    !before ||
    after.id !== before.id ||
    after.firstMs !== before.firstMs ||
    after.state !== before.state ||
    after.snoozedUntilMs !== before.snoozedUntilMs ||
    after.captureId !== before.captureId ||
    after.finding !== before.finding
  );
}

function reconciled(state: AlertEngineState, open: readonly Alert[]): Omit<Reconciled, 'closed'> & { carried: ReturnType<typeof carryOverAlerts> } {
  const live = new Map(liveAlerts(state).map((a) => [a.key, a]));
  const carried = carryOverAlerts(state, open, { historyIsRecent: true });
  const changed = carried.kept.filter((a) => differs(a, live.get(a.key)));
  const superseded = carried.kept.flatMap((a) => {
    const own = live.get(a.key);
    return own && own.id !== a.id ? [own.id] : [];
  });
  return { state: carried.state, changed, superseded, carried };
}

/**
 * A reader's alerts, going by the recorder's (`stored`: its open alerts) for the conditions both have open: the
 * engine's alert of that condition goes on under the recorder's id, first time, capture, finding, snooze or
 * acknowledgement, with the engine's own figures. The recorder's other alerts are its own to judge: left alone.
 */
export function adoptRecorderAlerts(state: AlertEngineState, stored: readonly Alert[]): Reconciled {
  const live = new Set(liveAlerts(state).map((a) => a.key));
  const both = stored.filter((a) => isOpen(a) && live.has(a.key));
  if (both.length === 0) return { state, changed: [], superseded: [], closed: [] };
  const r = reconciled(state, both);
  // An older duplicate of the recorder's own is the recorder's to close.
  return { state: r.state, changed: r.changed, superseded: r.superseded, closed: [] };
}

/**
 * At a takeover: every alert the recorder left open (`stored`) is reconciled with the engine's, as at a start. One of a
 * condition the engine has open goes on as the engine's alert under the stored id, first time, capture, finding,
 * snooze or acknowledgement (no second alert, no second notice); one the engine does not find holding is closed where
 * it was last seen, with `note`; an older open duplicate is closed as such. The engine's alerts of conditions the
 * recorder did not have open go on as they are.
 */
export function takeOverAlerts(state: AlertEngineState, stored: readonly Alert[], note: string): Reconciled {
  const open = stored.filter(isOpen);
  const r = reconciled(state, open);
  const kept = new Set(r.carried.kept.map((a) => a.key));
  // Of a condition no longer held, the newest stored alert is the one the engine did not find holding; older ones
  // of it are duplicates, closed as such by carryOverAlerts.
  const newest = new Map<string, Alert>();
  for (const a of open) if ((newest.get(a.key)?.firstMs ?? -Infinity) < a.firstMs) newest.set(a.key, a);
  const closed = r.carried.closed.map((c) => {
    const disk = newest.get(c.key);
    return !kept.has(c.key) && disk?.id === c.id ? { ...c, message: `${disk.message} ${note}` } : c;
  });
  return { state: r.state, changed: r.changed, superseded: r.superseded, closed };
}
