/**
 * Starts leakbar at login when the user asks: Electron's login item on macOS (and Windows); on Linux,
 * where Electron has none, an XDG autostart entry (~/.config/autostart/leakbar.desktop).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'electron';

/** Quotes a path for a desktop entry's Exec key (Desktop Entry Specification, "The Exec key"). */
export function quoteExec(path: string): string {
  return `"${path.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The autostart entry that starts `execPath` (the AppImage's own path, when run from one). */
export function autostartDesktopEntry(execPath: string): string {
  return ['[Desktop Entry]', 'Type=Application', 'Name=leakbar', 'Comment=Watch a long-running process for leaks', `Exec=${quoteExec(execPath)}`, 'X-GNOME-Autostart-enabled=true', 'NoDisplay=true', ''].join('\n');
}

/** Where the autostart entry goes. */
export function autostartPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart', 'leakbar.desktop');
}

/** Applies the launch-at-login choice now. */
export function applyLoginItem(app: Pick<App, 'setLoginItemSettings'>, enabled: boolean, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): void {
  if (platform !== 'linux') {
    app.setLoginItemSettings({ openAtLogin: enabled });
    return;
  }
  const file = autostartPath(env);
  if (enabled) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, autostartDesktopEntry(env.APPIMAGE || process.execPath));
  } else {
    rmSync(file, { force: true });
  }
}
