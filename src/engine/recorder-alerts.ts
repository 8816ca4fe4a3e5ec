/**
 * The alerts of a target whose history another leakbar records (see series-store.ts: one process records a folder,
 * another one beside it is a reader). The recorder stores its alerts in alerts.jsonl and takes their captures; a
 * reader computes alerts from its own samples, and goes by the recorder's where both see one condition open, so both
 * show one alert: the recorder's id, first time, capture, finding, snooze and acknowledgement. When the reader takes
 * over recording, the alerts the recorder left open are reconciled with the reader's as at a start
 * ({@link carryOverAlerts}), so alerts.jsonl keeps one open alert per condition.
 */
import { appendFile, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { carryOverAlerts, liveAlerts, type AlertEngineState } from '../analysis/detectors/index.js';
import type { Alert } from '../shared/alerts.js';
import { isPlainObject } from '../shared/merge.js';
import { readJsonLines } from './series-store.js';

const ALERTS_FILE = 'alerts.jsonl';
/** Snoozes and acknowledgements made in a reader, for the recorder to carry out (it alone writes alerts.jsonl). */
export const ALERT_ACTIONS_FILE = 'alert-actions.jsonl';

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

/** A snooze or an acknowledgement made in a reader, asked of the recorder. */
export interface AlertActionRequest {
  action: 'snoozed' | 'acknowledged';
  /** The condition (the alert's key): the reader's alert may not go by the recorder's id yet. */
  key: string;
  /** For a snooze: until when (sample time). */
  untilMs?: number;
  timeMs: number;
  /** The reader's PID. */
  pid: number;
}

function looksLikeRequest(x: unknown): x is AlertActionRequest {
  return (
    isPlainObject(x) &&
    (x.action === 'snoozed' || x.action === 'acknowledged') &&
    typeof x.key === 'string' &&
    typeof x.timeMs === 'number' &&
    typeof x.pid === 'number' &&
    (x.action !== 'snoozed' || (typeof x.untilMs === 'number' && Number.isFinite(x.untilMs)))
  );
}

/**
 * Asks the recorder of the history in `dir` to carry out a reader's snooze or acknowledgement: one line appended to
 * {@link ALERT_ACTIONS_FILE} (a single write, so lines from several readers do not mix). Without it, the reader's own
 * change would be undone at the recorder's next write of that alert, and lost at a restart.
 */
export async function requestAlertAction(dir: string, request: AlertActionRequest): Promise<void> {
  await appendFile(join(dir, ALERT_ACTIONS_FILE), JSON.stringify(request) + '\n');
}

/** The most of the actions file read at once: hundreds of requests; more waits for the next read. */
const MAX_ACTIONS_READ = 256 * 1024;

/**
 * The recorder's side of {@link requestAlertAction}: `readNew(recording)` gives the requests appended since the last
 * call, and only while `recording`. The first call, and every call while not recording, moves past what is there:
 * requests made before were for an earlier recorder (another process, or yesterday's run), so a leakbar that starts or
 * takes over never carries out old ones. A line still being written waits for the next read; one that is not a
 * request is skipped. One stat when nothing changed.
 */
export function alertActionsReader(dir: string): { readNew(recording: boolean): Promise<AlertActionRequest[]> } {
  const path = join(dir, ALERT_ACTIONS_FILE);
  let offset: number | null = null;
  let ino: number | null = null;
  return {
    async readNew(recording) {
      const s = await stat(path).catch(() => null);
      if (!s) {
        // Whatever is appended from now on is new.
        offset = 0;
        ino = null;
        return [];
      }
      // At the first look, and while another records: what is there is not this one's to carry out.
      if (offset === null || !recording) {
        offset = s.size;
        ino = s.ino;
        return [];
      }
      // A file replaced or cut back (deleted by hand, then asked again) is read from its start.
      if (s.ino !== ino || s.size < offset) offset = 0;
      ino = s.ino;
      if (s.size === offset) return [];
      const fh = await open(path, 'r');
      let text: string;
      try {
        const length = Math.min(s.size - offset, MAX_ACTIONS_READ);
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        text = buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await fh.close();
      }
      const end = text.lastIndexOf('\n');
      if (end < 0) return [];
      offset += Buffer.byteLength(text.slice(0, end + 1));
      const requests: AlertActionRequest[] = [];
      for (const line of text.slice(0, end).split('\n')) {
        try {
          const x: unknown = JSON.parse(line);
          if (looksLikeRequest(x)) requests.push(x);
        } catch {
          /* not a request: skipped */
        }
      }
      return requests;
    },
  };
}
