import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SETTINGS_VERSION, type Settings } from '../shared/settings.js';
import { openSettingsFile } from '../engine/settings-file.js';
import { openSettingsStore } from './settings-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'leakbar-settings-store-'));
  dirs.push(d);
  return d;
};
const quiet = { warn: () => {} };

describe('openSettingsStore (the desktop app beside leakbar serve)', () => {
  it('keeps both the app’s change and the one serve saved meanwhile, and hears serve’s', async () => {
    const dir = tmp();
    const app = openSettingsStore({ cwd: dir, ...quiet, pollMs: 20 });
    const serve = openSettingsFile(dir, quiet);
    const heard: Array<Partial<Settings>> = [];
    app.onChange((next) => heard.push({ trayTitle: next.trayTitle, launchAtLogin: next.launchAtLogin }));
    expect(serve.set({ retention: { captureDays: 9 } })).toMatchObject({ ok: true });
    expect(app.set({ trayTitle: 'fds' })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', retention: { captureDays: 9 } } });
    expect(serve.set({ launchAtLogin: true })).toMatchObject({ ok: true, settings: { trayTitle: 'fds', retention: { captureDays: 9 } } });
    await expect.poll(() => app.get().launchAtLogin, { timeout: 5000 }).toBe(true);
    expect(heard.at(-1)).toEqual({ trayTitle: 'fds', launchAtLogin: true });
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual(app.get());
    app.close();
  });

  it('reads a newer leakbar’s file without copying it to .bad or writing over it', () => {
    const dir = tmp();
    const text = JSON.stringify({ ...DEFAULT_SETTINGS, version: SETTINGS_VERSION + 1, trayTitle: 'goroutines' });
    writeFileSync(join(dir, 'settings.json'), text);
    const warnings: string[] = [];
    const app = openSettingsStore({ cwd: dir, warn: (m) => warnings.push(m) });
    expect(app.loadProblems).toEqual([]);
    expect(app.get().trayTitle).toBe('goroutines');
    expect(app.set({ trayTitle: 'fds' })).toMatchObject({ ok: false, problems: [expect.stringMatching(/newer leakbar/)] });
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(warnings).toEqual([expect.stringMatching(/was written by a newer leakbar \(version \d+\); this one reads what it knows and does not change the file$/)]);
  });
});
