/**
 * The tray icon: its image follows the level (template drop on macOS, a warning or alert dot), its
 * tooltip and title follow the figures, left click toggles the popover, right click opens the menu
 * built by trayMenuModel. On Linux (AppIndicator, no click events) the menu is the icon's menu and
 * starts with "Open leakbar".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage, type Rectangle } from 'electron';
import type { ApiEvent, LeakbarApi, TargetSummary } from '../shared/api.js';
import type { Alert } from '../shared/alerts.js';
import type { TrayTitle } from '../shared/settings.js';
import { trayIconSpec } from './icon-art.js';
import { encodePng } from './png.js';
import { trayMenuModel, trayState, type MenuSpec, type TrayAction, type TrayLevel } from './tray-model.js';

/** The tray image for a level: assets/<name>.png when the build wrote it, else drawn now from the same code. */
export function trayImage(level: TrayLevel, assetsDir: string, platform: NodeJS.Platform = process.platform): NativeImage {
  const spec = trayIconSpec(level, platform);
  const file = join(assetsDir, `${spec.name}.png`);
  if (existsSync(file)) return nativeImage.createFromPath(file); // picks up @2x; "Template" in the name makes a template image
  const image = nativeImage.createEmpty();
  image.addRepresentation({ scaleFactor: 1, buffer: encodePng(spec.draw(1)) });
  image.addRepresentation({ scaleFactor: 2, buffer: encodePng(spec.draw(2)) });
  if (spec.template) image.setTemplateImage(true);
  return image;
}

/** Turns menu data into Electron's template, wiring each action to `run`. */
export function toElectronMenu(specs: readonly MenuSpec[], run: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return specs.map((s): MenuItemConstructorOptions => {
    if (s.type === 'separator') return { type: 'separator' };
    const item: MenuItemConstructorOptions = { label: s.label, enabled: s.enabled };
    if (s.checked !== undefined) Object.assign(item, { type: 'checkbox', checked: s.checked });
    if (s.submenu) item.submenu = toElectronMenu(s.submenu, run);
    const action = s.action;
    if (action) item.click = () => run(action);
    return item;
  });
}

/** What {@link setupTray} needs. */
export interface TrayOptions {
  api: LeakbarApi;
  assetsDir: string;
  trayTitle: () => TrayTitle;
  paused: () => boolean;
  notificationsSnoozedUntilMs: () => number | null;
  /** Targets with an overnight test running. */
  overnight: () => ReadonlySet<string>;
  onClick: (bounds: Rectangle) => void;
  run: (action: TrayAction) => void;
  /** @default process.platform */
  platform?: NodeJS.Platform;
}

/** The tray, for callers that change what it shows. */
export interface TrayController {
  /** Re-reads targets and alerts and updates image, tooltip, title and (Linux) menu. Calls within 1 s coalesce. */
  refresh(): void;
  bounds(): Rectangle;
  destroy(): void;
}

/** Creates the tray icon and keeps it in step with the API's events. */
export function setupTray(options: TrayOptions): TrayController {
  const platform = options.platform ?? process.platform;
  const tray = new Tray(trayImage('ok', options.assetsDir, platform));
  let level: TrayLevel = 'ok';
  let targets: TargetSummary[] = [];
  let alerts: Alert[] = [];
  let timer: NodeJS.Timeout | undefined;

  const buildMenu = () =>
    Menu.buildFromTemplate(
      toElectronMenu(
        [
          ...(platform === 'linux' ? ([{ type: 'item', label: 'Open leakbar', enabled: true, action: { type: 'open-inspector' } }, { type: 'separator' }] satisfies MenuSpec[]) : []),
          ...trayMenuModel({ targets, paused: options.paused(), notificationsSnoozedUntilMs: options.notificationsSnoozedUntilMs(), nowMs: Date.now(), overnight: options.overnight() }),
        ],
        options.run,
      ),
    );

  async function update(): Promise<void> {
    try {
      [targets, alerts] = await Promise.all([options.api.listTargets({}), options.api.alerts({})]);
    } catch {
      return; // the engine is closing; keep what the tray shows
    }
    const s = trayState(targets.map((t) => t.status), alerts, options.trayTitle(), options.paused());
    if (s.level !== level) {
      level = s.level;
      tray.setImage(trayImage(level, options.assetsDir, platform));
    }
    tray.setToolTip(s.tooltip);
    if (platform === 'darwin') tray.setTitle(s.title, { fontType: 'monospacedDigit' });
    if (platform === 'linux') tray.setContextMenu(buildMenu());
  }

  const refresh = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void update();
    }, 1000);
  };

  if (platform === 'darwin') tray.setIgnoreDoubleClickEvents(true);
  tray.on('click', (_event, bounds) => options.onClick(bounds));
  tray.on('right-click', () => {
    void update().then(() => tray.popUpContextMenu(buildMenu()));
  });
  const unsubscribe = options.api.subscribe((e: ApiEvent) => {
    if (e.type === 'status' || e.type === 'alert' || e.type === 'sample') refresh();
  });
  void update();

  return {
    refresh,
    bounds: () => tray.getBounds(),
    destroy() {
      clearTimeout(timer);
      unsubscribe();
      tray.destroy();
    },
  };
}
