/**
 * What the tray shows, as pure functions of the engine's state: the icon's level, the tooltip and the
 * title beside the icon ({@link trayState}), and the right-click menu ({@link trayMenuModel}) as plain
 * data with actions, which tray.ts turns into an Electron menu.
 */
import type { Alert } from '../shared/alerts.js';
import type { TargetSummary } from '../shared/api.js';
import type { WatcherStatus } from '../shared/status.js';
import type { TrayTitle } from '../shared/settings.js';
import { formatBytes, formatCount } from '../shared/units.js';

/** ok: nothing to see; warning: a warning alert fires or a source fails; alert: a critical alert fires. */
export type TrayLevel = 'ok' | 'warning' | 'alert';

/** The tray icon's state. */
export interface TrayState {
  level: TrayLevel;
  /** Several lines: one per target, then the alerts. */
  tooltip: string;
  /** Text beside the icon (macOS), empty for none. */
  title: string;
}

/** Alerts that still ask for attention: firing (snoozed and acknowledged ones are quiet by the user's choice). */
export function openAlerts(alerts: readonly Alert[]): Alert[] {
  return alerts.filter((a) => a.state === 'firing');
}

/** Tooltip lines are cut to this many characters (Windows cuts tooltips at 127). */
const TOOLTIP_LINE_MAX = 60;

/**
 * The tray's level, tooltip and title from the targets' statuses and the alerts.
 * @param titleFigure which figure to show beside the icon. @default 'none'
 * @param paused watching is paused: the level is ok and the tooltip says so. @default false
 */
export function trayState(statuses: readonly WatcherStatus[], alerts: readonly Alert[], titleFigure: TrayTitle = 'none', paused = false): TrayState {
  const open = openAlerts(alerts);
  const failing = statuses.filter((s) => Object.values(s.sources).some((src) => src && !src.ok));
  let level: TrayLevel = 'ok';
  if (open.some((a) => a.severity === 'critical')) level = 'alert';
  else if (open.length > 0 || failing.length > 0) level = 'warning';

  const lines = ['leakbar'];
  if (paused) lines.push('Watching is paused');
  if (statuses.length === 0) lines.push('No targets yet');
  for (const s of statuses) lines.push(cut(`${s.targetId}: ${describeStatus(s)}`));
  if (open.length > 0) {
    lines.push(`${open.length} alert${open.length === 1 ? '' : 's'}:`);
    for (const a of open.slice(0, 3)) lines.push(cut(`• ${a.title}`));
    if (open.length > 3) lines.push(`• and ${open.length - 3} more`);
  }
  for (const s of failing.slice(0, 2)) {
    const bad = Object.entries(s.sources).find(([, src]) => src && !src.ok);
    if (bad) lines.push(cut(`${s.targetId}: ${bad[0]} failing`));
  }

  return { level: paused ? 'ok' : level, tooltip: lines.join('\n'), title: paused ? '' : trayTitle(statuses, titleFigure) };
}

/** The figure beside the icon, from the first target that has it: "FD 1,234" or "GR 5,120"; empty for 'none' or no figure. */
export function trayTitle(statuses: readonly WatcherStatus[], figure: TrayTitle): string {
  if (figure === 'none') return '';
  for (const s of statuses) {
    const v = s.state === 'watching' ? s.lastSample?.[figure] : undefined;
    if (v !== undefined) return `${figure === 'fds' ? 'FD' : 'GR'} ${formatCount(v)}`;
  }
  return '';
}

function describeStatus(s: WatcherStatus): string {
  if (s.state === 'stopped') return 'stopped';
  if (s.state === 'waiting' || s.lastSample === null) return 'waiting for the process';
  const x = s.lastSample;
  const parts: string[] = [];
  if (x.fds !== undefined) parts.push(`${formatCount(x.fds)} FDs`);
  if (x.goroutines !== undefined) parts.push(`${formatCount(x.goroutines)} goroutines`);
  if (x.rssBytes !== undefined) parts.push(`RSS ${formatBytes(x.rssBytes)}`);
  return parts.length ? parts.join(', ') : `pid ${x.pid}`;
}

function cut(line: string): string {
  return line.length <= TOOLTIP_LINE_MAX ? line : `${line.slice(0, TOOLTIP_LINE_MAX - 1)}…`;
}

// ---- menu -------------------------------------------------------------------------------------------

/** Captures the tray offers. `bundle` is "everything": heap, goroutines and the system snapshot. */
export type TrayCaptureKind = 'heap' | 'goroutine' | 'cpu' | 'bundle';

/** What a menu item does; tray.ts carries it out. */
export type TrayAction =
  | { type: 'capture'; targetId: string; kind: TrayCaptureKind }
  | { type: 'overnight'; targetId: string; start: boolean }
  | { type: 'toggle-pause' }
  | { type: 'snooze-notifications'; forMs: number }
  | { type: 'resume-notifications' }
  | { type: 'open-inspector'; targetId?: string }
  | { type: 'open-settings' }
  | { type: 'quit' };

/** One menu entry as data. */
export type MenuSpec =
  | { type: 'separator' }
  | { type: 'item'; label: string; enabled: boolean; action?: TrayAction; checked?: boolean; submenu?: MenuSpec[] };

/** What the menu is built from. */
export interface TrayMenuInput {
  targets: readonly TargetSummary[];
  paused: boolean;
  /** Epoch ms until which notifications are snoozed, or null. */
  notificationsSnoozedUntilMs: number | null;
  nowMs: number;
  /** Captures under way, as `${targetId}:${kind}`: their items are disabled. */
  capturing?: ReadonlySet<string>;
  /** The CPU profile's length, for its label. @default 30 */
  cpuSeconds?: number;
  /** Targets with an overnight test running: their item stops it and opens the report. */
  overnight?: ReadonlySet<string>;
}

/** How long "Snooze notifications" lasts. @default 1 hour */
export const SNOOZE_NOTIFICATIONS_MS = 60 * 60_000;

const CAPTURE_LABELS: Record<TrayCaptureKind, (cpuSeconds: number) => string> = {
  heap: () => 'Capture heap profile',
  goroutine: () => 'Capture goroutines',
  cpu: (s) => `Capture CPU profile (${s} s)`,
  bundle: () => 'Capture everything',
};

function captureItems(t: TargetSummary, input: TrayMenuInput): MenuSpec[] {
  const watching = t.status.state === 'watching' && !input.paused;
  const hasPprof = t.target.pprofUrl !== null;
  const captures: MenuSpec[] = (['heap', 'goroutine', 'cpu', 'bundle'] as const).map((kind) => ({
    type: 'item' as const,
    label: CAPTURE_LABELS[kind](input.cpuSeconds ?? 30),
    enabled: watching && (kind === 'bundle' || hasPprof) && !input.capturing?.has(`${t.target.id}:${kind}`),
    action: { type: 'capture' as const, targetId: t.target.id, kind },
  }));
  const running = input.overnight?.has(t.target.id) ?? false;
  const overnight: MenuSpec = running
    ? { type: 'item', label: 'Stop overnight test and open the report', enabled: true, action: { type: 'overnight', targetId: t.target.id, start: false } }
    : { type: 'item', label: 'Start overnight test (captures every hour)', enabled: watching && hasPprof, action: { type: 'overnight', targetId: t.target.id, start: true } };
  return [...captures, { type: 'separator' }, overnight];
}

/** The right-click menu: the targets, captures (heap, goroutines, CPU, everything), pause, snooze, inspector, settings, quit. */
export function trayMenuModel(input: TrayMenuInput): MenuSpec[] {
  const menu: MenuSpec[] = [];
  if (input.targets.length === 0) {
    menu.push({ type: 'item', label: 'No targets yet: add one in the inspector', enabled: false });
  }
  for (const t of input.targets) {
    const s = t.status;
    const what = s.state === 'watching' ? `watching pid ${s.pid ?? '?'}` : s.state === 'waiting' ? 'waiting for the process' : 'stopped';
    const alerts = t.openAlerts > 0 ? `, ${t.openAlerts} alert${t.openAlerts === 1 ? '' : 's'}` : '';
    menu.push({ type: 'item', label: `${t.target.name}: ${what}${alerts}`, enabled: true, action: { type: 'open-inspector', targetId: t.target.id } });
  }
  if (input.targets.length === 1) {
    menu.push({ type: 'separator' }, ...captureItems(input.targets[0]!, input));
  } else if (input.targets.length > 1) {
    menu.push({ type: 'separator' });
    for (const t of input.targets) menu.push({ type: 'item', label: `Capture: ${t.target.name}`, enabled: true, submenu: captureItems(t, input) });
  }
  const snoozed = input.notificationsSnoozedUntilMs !== null && input.notificationsSnoozedUntilMs > input.nowMs;
  menu.push(
    { type: 'separator' },
    { type: 'item', label: 'Pause watching', enabled: input.targets.length > 0, checked: input.paused, action: { type: 'toggle-pause' } },
    snoozed
      ? { type: 'item', label: 'Resume notifications', enabled: true, action: { type: 'resume-notifications' } }
      : { type: 'item', label: 'Snooze notifications for 1 hour', enabled: true, action: { type: 'snooze-notifications', forMs: SNOOZE_NOTIFICATIONS_MS } },
    { type: 'separator' },
    { type: 'item', label: 'Open inspector…', enabled: true, action: { type: 'open-inspector' } },
    { type: 'item', label: 'Settings…', enabled: true, action: { type: 'open-settings' } },
    { type: 'separator' },
    { type: 'item', label: 'Quit leakbar', enabled: true, action: { type: 'quit' } },
  );
  return menu;
}
