/**
 * The desktop app's main process: fixes PATH, takes the single-instance lock, then sets up each feature
 * in order (settings, security, engine, windows, IPC, tray, notifications, login item, keep-awake).
 * Each feature lives in its own file with a setup function; the logic they use is pure and tested.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdir, writeFile } from 'node:fs/promises';
import { app, ipcMain, Menu, powerSaveBlocker, shell } from 'electron';
import type { TrayAction } from './tray-model.js';
import { defaultDataDir } from '../engine/data-dir.js';
import { createService, unwrittenMessage, type LeakbarService } from '../engine/service.js';
import { IPC_CHANNELS } from '../shared/ipc.js';
import { setupIpc } from './ipc.js';
import { hasOvernight, keepAwakeDuring } from './keep-awake.js';
import { applyLoginItem } from './login-item.js';
import { setupNotifications } from './notifications.js';
import { setupPath } from './path.js';
import { APP_ORIGIN } from './security-policy.js';
import { registerAppScheme, setupSecurity } from './security.js';
import { adoptUserDataSettings } from './settings-location.js';
import { openSettingsStore } from './settings-store.js';
import { setupSingleInstance } from './single-instance.js';
import { createPauseControl, targetInputFromConfig } from './targets.js';
import { setupTray } from './tray.js';
import { setupWindows, type Windows } from './windows.js';

const here = dirname(fileURLToPath(import.meta.url));
/** electron-vite's layout: out/main/index.js, out/preload/index.cjs, out/renderer/index.html. */
const PRELOAD_PATH = join(here, '../preload/index.cjs');
const RENDERER_DIR = join(here, '../renderer');
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const devServerOrigin = devServerUrl ? new URL(devServerUrl).origin : undefined;

setupPath();
let windows: Windows | null = null;
if (setupSingleInstance(app, () => windows?.showInspector())) {
  registerAppScheme();
  void app.whenReady().then(main).catch((e: unknown) => {
    console.error('leakbar: start-up failed', e);
    app.exit(1);
  });
}

async function main(): Promise<void> {
  if (process.platform === 'darwin') app.dock?.hide();
  Menu.setApplicationMenu(process.platform === 'darwin' ? Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }]) : null);

  // One settings document for the app, `leakbar watch`, `serve` and `capture`: <dataDir>/settings.json.
  const dataDir = defaultDataDir();
  adoptUserDataSettings(dataDir, app.getPath('userData'), (m) => console.warn(m));
  const settings = openSettingsStore({ cwd: dataDir });
  const ownOrigins = [APP_ORIGIN, ...(devServerOrigin ? [devServerOrigin] : [])];
  setupSecurity({ rendererDir: RENDERER_DIR, devServerOrigin, ownOrigins });

  const initial = settings.get();
  // The engine reads and changes settings through the store (getSettings/setSettings of the contract), so the
  // renderer, the tray and the notifications all see one document; detector lines and cadences come from it.
  const service: LeakbarService = await createService({ dataDir, targets: initial.targets, settings });
  const w = setupWindows({ preloadPath: PRELOAD_PATH, rendererBase: devServerUrl ?? APP_ORIGIN });
  windows = w;

  const tray = { current: null as ReturnType<typeof setupTray> | null };
  // A save can be refused (settings.json written by a newer leakbar, a full disk): say so rather than drop it.
  const save = (patch: unknown, what: string) => {
    const r = settings.set(patch);
    if (!r.ok) console.warn(`leakbar: ${what} was not saved: ${r.problems.join('; ')}`);
  };
  const pause = createPauseControl(service, () => tray.current?.refresh());

  setupIpc({
    ipcMain,
    api: service,
    trust: () => ({ webContentsIds: w.webContentsIds(), ownOrigins }),
    onCallDone: (name) => {
      if (name !== 'addTarget' && name !== 'removeTarget' && name !== 'updateTarget') return;
      void service.listTargets({}).then((list) => save({ targets: list.map((t) => targetInputFromConfig(t.target)) }, 'the target list'));
    },
  });
  const unforward = service.subscribe((event) => w.broadcast(IPC_CHANNELS.event, event));
  const overnight = new Set<string>();
  const unovernight = service.subscribe((event) => {
    if (event.type !== 'overnight') return;
    if (event.active) overnight.add(event.targetId);
    else overnight.delete(event.targetId);
    tray.current?.refresh();
  });

  /** Stops a target's overnight test, writes its report next to the captures, and opens it. */
  async function finishOvernight(targetId: string): Promise<void> {
    const report = await service.stopOvernight({ targetId });
    const dir = join(defaultDataDir(), 'reports');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${targetId}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.html`);
    await writeFile(file, report.html);
    await writeFile(file.replace(/\.html$/, '.md'), report.markdown);
    await shell.openPath(file);
  }

  const run = (action: TrayAction) => {
    switch (action.type) {
      case 'capture':
        service.startCapture({ targetId: action.targetId, kind: action.kind }).catch((e: unknown) => console.warn('leakbar: capture failed', e));
        return;
      case 'overnight':
        if (action.start) service.startOvernight({ targetId: action.targetId }).catch((e: unknown) => console.warn('leakbar: overnight test did not start', e));
        else finishOvernight(action.targetId).catch((e: unknown) => console.warn('leakbar: overnight report failed', e));
        return;
      case 'toggle-pause':
        void pause.setPaused(!pause.paused);
        return;
      case 'snooze-notifications':
        save({ notifications: { snoozedUntilMs: Date.now() + action.forMs } }, 'the notification snooze');
        tray.current?.refresh();
        return;
      case 'resume-notifications':
        save({ notifications: { snoozedUntilMs: null } }, 'the end of the notification snooze');
        tray.current?.refresh();
        return;
      case 'open-inspector':
        w.showInspector(action.targetId ? { view: 'inspector', targetId: action.targetId } : undefined);
        return;
      case 'open-settings':
        w.showInspector({ view: 'settings' });
        return;
      case 'quit':
        app.quit();
        return;
    }
  };
  tray.current = setupTray({
    api: service,
    assetsDir: app.isPackaged ? join(process.resourcesPath, 'assets') : join(app.getAppPath(), 'assets'),
    trayTitle: () => settings.get().trayTitle,
    paused: () => pause.paused,
    notificationsSnoozedUntilMs: () => settings.get().notifications.snoozedUntilMs,
    overnight: () => overnight,
    onClick: (bounds) => w.togglePopover(bounds),
    run,
  });

  const unnotify = setupNotifications({
    api: service,
    settings: () => settings.get(),
    paused: () => pause.paused,
    openAlert: (alert) => w.showInspector({ view: 'inspector', alertId: alert.id, targetId: alert.targetId }),
  });

  applyLoginItem(app, initial.launchAtLogin);
  settings.onChange((next, previous) => {
    if (next.launchAtLogin !== previous.launchAtLogin) applyLoginItem(app, next.launchAtLogin);
    if (next.trayTitle !== previous.trayTitle) tray.current?.refresh();
  });

  const releaseAwake = hasOvernight(service) ? keepAwakeDuring((l) => service.onOvernight(l), powerSaveBlocker, () => settings.get().keepAwakeOvernight) : () => {};

  // A tray app keeps running with no windows open.
  app.on('window-all-closed', () => {});
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    releaseAwake();
    unnotify();
    unforward();
    unovernight();
    tray.current?.destroy();
    void service
      .close()
      .then((unwritten) => {
        for (const u of unwritten) console.warn(unwrittenMessage(u));
      })
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}
