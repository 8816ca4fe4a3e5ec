/**
 * When to raise a native notification and what it says, as pure functions: one notice per alert when
 * it fires (never per sample or update), quiet during our own quiet hours, while snoozed or paused, and
 * at most once per condition in `minGapMs`.
 */
import type { Alert } from '../shared/alerts.js';
import type { ApiEvent } from '../shared/api.js';
import type { Settings } from '../shared/settings.js';
import { formatBytes, formatCount } from '../shared/units.js';

/** An alert change as the event stream carries it. */
export type AlertChange = Pick<Extract<ApiEvent, { type: 'alert' }>, 'change' | 'alert'>;

/** Minutes since local midnight. @param tzOffsetMinutes as `Date#getTimezoneOffset` (UTC − local). @default this machine's offset at `nowMs` */
export function localMinutesOfDay(nowMs: number, tzOffsetMinutes: number = new Date(nowMs).getTimezoneOffset()): number {
  const m = Math.floor(nowMs / 60_000) - tzOffsetMinutes;
  return ((m % 1440) + 1440) % 1440;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** True inside [from, to) local time; a span past midnight ("22:00" to "08:00") wraps; from = to is never quiet. */
export function inQuietHours(quiet: Settings['quietHours'], minutesOfDay: number): boolean {
  if (!quiet.enabled) return false;
  const from = minutes(quiet.from);
  const to = minutes(quiet.to);
  if (from === to) return false;
  return from < to ? minutesOfDay >= from && minutesOfDay < to : minutesOfDay >= from || minutesOfDay < to;
}

/** What {@link shouldNotify} also weighs besides the settings. */
export interface NotifyContext {
  /** Watching is paused from the tray. @default false */
  paused?: boolean;
  /** @default this machine's offset at `nowMs` */
  tzOffsetMinutes?: number;
}

/**
 * True when this alert change deserves a notification now.
 * @param lastNotified when each condition (alert `key`) last notified, epoch ms.
 */
export function shouldNotify(event: AlertChange, settings: Pick<Settings, 'notifications' | 'quietHours'>, nowMs: number, lastNotified: ReadonlyMap<string, number>, context: NotifyContext = {}): boolean {
  const { alert } = event;
  if (event.change !== 'fired' || alert.state !== 'firing') return false;
  if (!settings.notifications.enabled || context.paused) return false;
  if (settings.notifications.snoozedUntilMs !== null && nowMs < settings.notifications.snoozedUntilMs) return false;
  if (alert.snoozedUntilMs !== null && nowMs < alert.snoozedUntilMs) return false;
  if (inQuietHours(settings.quietHours, localMinutesOfDay(nowMs, context.tzOffsetMinutes))) return false;
  const last = lastNotified.get(alert.key);
  return last === undefined || nowMs - last >= settings.notifications.minGapMs;
}

const FIGURE_WORDS: Partial<Record<Alert['figure'], string>> = {
  fds: 'Open FDs',
  goroutines: 'Goroutines',
  threads: 'Threads',
  rssBytes: 'RSS',
  heapInuseBytes: 'Heap in use',
  heapAllocBytes: 'Heap allocated',
  swapBytes: 'Swap',
  physFootprintBytes: 'Physical footprint',
  repeatedFiles: 'Opens of one file',
  goroutineLeakCount: 'Leaked goroutines',
};

/** Notification bodies past this are cut (macOS shows about four lines). @default 240 */
export const NOTIFICATION_BODY_MAX = 240;

/** The notification's title and body: the alert's title, the figure against its line (or its growth), and the next step. */
export function notificationText(alert: Alert): { title: string; body: string } {
  const fmt = (v: number) => (alert.unit === 'bytes' ? formatBytes(v) : formatCount(v));
  let figure: string;
  if (alert.kind === 'restart') figure = `New PID ${alert.value}`;
  else {
    const name = alert.figure === 'fdPattern' ? `FDs matching ${alert.subject ?? 'the pattern'}` : (FIGURE_WORDS[alert.figure] ?? alert.figure);
    figure = `${name}: ${fmt(alert.value)}`;
    // Where it rose from (the level at the window's start), as the alert's message says (not the trend × the window,
    // which a GC sawtooth can put above the value itself); how long it took is the message's to say.
    if (alert.growth) figure += ` (up from ${fmt(alert.growth.fromValue)})`;
    else if (alert.line !== null) figure += ` (line ${fmt(alert.line)})`;
  }
  const body = `${figure}\nNext: ${alert.nextStep}`;
  return {
    title: alert.severity === 'critical' ? `${alert.title} (critical)` : alert.title,
    body: body.length <= NOTIFICATION_BODY_MAX ? body : `${body.slice(0, NOTIFICATION_BODY_MAX - 1)}…`,
  };
}

/** What "Capture now" on a notification captures: the alert's suggestion, else everything. */
export function captureForAlert(alert: Alert): 'heap' | 'goroutine' | 'system' | 'bundle' {
  switch (alert.suggestedCapture) {
    case 'heap':
      return 'heap';
    case 'goroutine':
      return 'goroutine';
    case 'fds':
      return 'system';
    default:
      return 'bundle';
  }
}
