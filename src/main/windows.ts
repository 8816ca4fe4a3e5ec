/**
 * The two windows: the popover (frameless, under the tray icon, hides on blur) and the inspector (a normal
 * window that remembers its size and place). Both load the one renderer with `?view=popover|inspector`,
 * and both are the only webContents the IPC manager trusts.
 */
import { app, BrowserWindow, screen, type Rectangle } from 'electron';
import Store from 'electron-store';
import { IPC_CHANNELS, type NavigateRequest } from '../shared/ipc.js';
import { popoverPosition, restoreBounds } from './geometry.js';
import { INSPECTOR_SIZE, POPOVER_SIZE, windowOptions, type WindowKind } from './security-policy.js';

/** What {@link setupWindows} needs. */
export interface WindowsOptions {
  preloadPath: string;
  /** Base URL of the renderer: app://leakbar or the dev server's URL. */
  rendererBase: string;
  /** @default process.platform */
  platform?: NodeJS.Platform;
}

/** The windows, for the tray, notifications and the IPC manager. */
export interface Windows {
  /** Shows the popover under the tray icon, or hides it when shown. */
  togglePopover(trayBounds: Rectangle): void;
  /** Opens (or brings up) the inspector, optionally at an alert, target, capture or the settings. */
  showInspector(request?: NavigateRequest): void;
  /** The webContents ids of our live windows. */
  webContentsIds(): Set<number>;
  /** Sends one message to every live window. */
  broadcast(channel: string, payload: unknown): void;
}

/** The renderer page of one window kind. */
export function pageUrl(rendererBase: string, kind: WindowKind): string {
  return `${rendererBase.replace(/\/+$/, '')}/index.html?view=${kind}`;
}

/** A blur that hid the popover this recently swallows the tray click that caused it (else the click would reopen it). */
const BLUR_CLICK_MS = 250;

/** Creates the window manager; windows are created on first use. */
export function setupWindows(options: WindowsOptions): Windows {
  const platform = options.platform ?? process.platform;
  const state = new Store<{ inspectorBounds?: unknown }>({ name: 'window-state' });
  let popover: BrowserWindow | null = null;
  let inspector: BrowserWindow | null = null;
  let popoverHiddenAtMs = 0;

  const alive = (w: BrowserWindow | null): w is BrowserWindow => w !== null && !w.isDestroyed();

  function sendWhenLoaded(win: BrowserWindow, channel: string, payload: unknown): void {
    if (win.webContents.isLoading()) win.webContents.once('did-finish-load', () => win.webContents.send(channel, payload));
    else win.webContents.send(channel, payload);
  }

  function createPopover(): BrowserWindow {
    const win = new BrowserWindow(windowOptions('popover', options.preloadPath));
    if (platform === 'darwin') win.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true });
    win.on('blur', () => {
      if (win.webContents.isDevToolsOpened()) return;
      popoverHiddenAtMs = Date.now();
      win.hide();
    });
    win.on('closed', () => (popover = null));
    void win.loadURL(pageUrl(options.rendererBase, 'popover'));
    return win;
  }

  function createInspector(): BrowserWindow {
    const displays = screen.getAllDisplays().map((d) => d.workArea);
    const bounds = restoreBounds(state.get('inspectorBounds'), displays, screen.getPrimaryDisplay().workArea, INSPECTOR_SIZE);
    const win = new BrowserWindow({ ...windowOptions('inspector', options.preloadPath), ...bounds });
    let saveTimer: NodeJS.Timeout | undefined;
    const save = () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        if (!win.isDestroyed() && !win.isMinimized() && !win.isFullScreen()) state.set('inspectorBounds', win.getNormalBounds());
      }, 500);
    };
    win.on('resize', save);
    win.on('move', save);
    win.on('close', () => {
      clearTimeout(saveTimer);
      if (!win.isMinimized() && !win.isFullScreen()) state.set('inspectorBounds', win.getNormalBounds());
    });
    win.on('closed', () => (inspector = null));
    win.once('ready-to-show', () => win.show());
    void win.loadURL(pageUrl(options.rendererBase, 'inspector'));
    return win;
  }

  return {
    togglePopover(trayBounds) {
      if (!alive(popover)) popover = createPopover();
      const win = popover;
      if (win.isVisible()) {
        win.hide();
        return;
      }
      if (Date.now() - popoverHiddenAtMs < BLUR_CLICK_MS) return;
      const noBounds = trayBounds.width === 0 && trayBounds.height === 0;
      const display = noBounds ? screen.getDisplayNearestPoint(screen.getCursorScreenPoint()) : screen.getDisplayMatching(trayBounds);
      const { x, y } = popoverPosition(trayBounds, POPOVER_SIZE, display.workArea, platform);
      win.setPosition(x, y, false);
      win.show();
      win.focus();
    },
    showInspector(request) {
      if (alive(popover) && popover.isVisible()) popover.hide();
      if (!alive(inspector)) inspector = createInspector();
      const win = inspector;
      if (win.isMinimized()) win.restore();
      if (!win.webContents.isLoading()) win.show();
      // With no Dock icon, macOS would leave the window behind the app in front.
      if (platform === 'darwin') app.focus({ steal: true });
      win.focus();
      if (request) sendWhenLoaded(win, IPC_CHANNELS.navigate, request);
    },
    webContentsIds() {
      return new Set([popover, inspector].filter(alive).map((w) => w.webContents.id));
    },
    broadcast(channel, payload) {
      for (const w of [popover, inspector]) if (alive(w) && !w.webContents.isLoading()) w.webContents.send(channel, payload);
    },
  };
}
