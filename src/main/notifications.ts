/**
 * Native notifications: one per alert when it fires (shouldNotify decides), saying the figure and the
 * next step; a click opens the inspector at that alert, and on macOS a "Capture now" button captures
 * what the alert suggests.
 */
import { Notification } from 'electron';
import type { Alert } from '../shared/alerts.js';
import type { LeakbarApi } from '../shared/api.js';
import type { Settings } from '../shared/settings.js';
import { captureForAlert, notificationText, shouldNotify } from './notify-policy.js';

/** What {@link setupNotifications} needs. */
export interface NotificationsOptions {
  api: LeakbarApi;
  settings: () => Settings;
  paused: () => boolean;
  openAlert: (alert: Alert) => void;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** @default Date.now */
  now?: () => number;
  /** @default console.warn */
  warn?: (message: string) => void;
}

/** Listens for alerts and notifies; returns the unsubscribe function. */
export function setupNotifications(options: NotificationsOptions): () => void {
  if (!Notification.isSupported()) return () => {};
  const platform = options.platform ?? process.platform;
  const now = options.now ?? Date.now;
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const lastNotified = new Map<string, number>();
  // Electron drops a notification's handlers when the object is collected: hold each until it closes.
  const shown = new Set<Notification>();

  return options.api.subscribe((event) => {
    if (event.type !== 'alert') return;
    const t = now();
    if (!shouldNotify(event, options.settings(), t, lastNotified, { paused: options.paused() })) return;
    lastNotified.set(event.alert.key, t);
    const alert = event.alert;
    const { title, body } = notificationText(alert);
    const n = new Notification({ title, body, ...(platform === 'darwin' ? { actions: [{ type: 'button' as const, text: 'Capture now' }] } : {}) });
    shown.add(n);
    n.on('click', () => options.openAlert(alert));
    n.on('action', (_e, index) => {
      if (index !== 0) return;
      options.api.startCapture({ targetId: alert.targetId, kind: captureForAlert(alert) }).catch((e: unknown) => warn(`leakbar: capture from notification failed: ${String(e)}`));
    });
    n.on('close', () => shown.delete(n));
    n.show();
  });
}
