import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLoginItem, autostartDesktopEntry, autostartPath, quoteExec } from './login-item.js';

describe('login item', () => {
  it('quotes the Exec path as the desktop entry spec asks', () => {
    expect(quoteExec('/opt/leakbar/leakbar')).toBe('"/opt/leakbar/leakbar"');
    expect(quoteExec('/home/a "b"/$x`y`\\z')).toBe('"/home/a \\"b\\"/\\$x\\`y\\`\\\\z"');
  });

  it('writes an autostart entry on Linux and removes it when turned off', () => {
    const home = mkdtempSync(join(tmpdir(), 'leakbar-login-'));
    const env = { XDG_CONFIG_HOME: home, APPIMAGE: '/home/me/Apps/leakbar.AppImage' };
    const app = { setLoginItemSettings: () => expect.unreachable() };
    applyLoginItem(app, true, 'linux', env);
    expect(readFileSync(autostartPath(env), 'utf8')).toBe(autostartDesktopEntry('/home/me/Apps/leakbar.AppImage'));
    expect(readFileSync(autostartPath(env), 'utf8')).toContain('Exec="/home/me/Apps/leakbar.AppImage"');
    applyLoginItem(app, false, 'linux', env);
    expect(existsSync(autostartPath(env))).toBe(false);
  });

  it('uses Electron’s login item on macOS', () => {
    const seen: unknown[] = [];
    applyLoginItem({ setLoginItemSettings: (s) => seen.push(s) }, true, 'darwin', {});
    expect(seen).toEqual([{ openAtLogin: true }]);
  });
});
