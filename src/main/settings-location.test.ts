import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../shared/settings.js';
import { openSettingsFile } from '../engine/settings-file.js';
import { adoptUserDataSettings, MOVED_SUFFIX } from './settings-location.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'leakbar-settings-location-'));
  dirs.push(d);
  return d;
};

describe('adoptUserDataSettings', () => {
  it('copies the settings an earlier app kept in userData to the data folder once, where the CLI reads them', () => {
    const root = tmp();
    const userData = join(root, 'config');
    const dataDir = join(root, 'share', 'leakbar');
    mkdirSync(userData);
    const doc = { ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, captureDays: 9 } };
    writeFileSync(join(userData, 'settings.json'), JSON.stringify(doc, null, '\t'));
    expect(adoptUserDataSettings(dataDir, userData)).toBe(join(userData, 'settings.json'));
    // What `leakbar watch` and `serve` open is now the app's document.
    expect(openSettingsFile(dataDir).get().retention.captureDays).toBe(9);
    // Once: the old file is renamed, so a data-folder file deleted later is not brought back stale.
    expect(existsSync(join(userData, 'settings.json'))).toBe(false);
    expect(existsSync(join(userData, `settings.json${MOVED_SUFFIX}`))).toBe(true);
    rmSync(join(dataDir, 'settings.json'));
    expect(adoptUserDataSettings(dataDir, userData)).toBeNull();
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false);
  });

  it('leaves the data folder’s file as it is when both exist, and says where the app’s was kept', () => {
    const root = tmp();
    const [userData, dataDir] = [join(root, 'config'), join(root, 'data')];
    mkdirSync(userData);
    mkdirSync(dataDir);
    writeFileSync(join(userData, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, captureDays: 3 } }));
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, captureDays: 9 } }));
    const said: string[] = [];
    expect(adoptUserDataSettings(dataDir, userData, (m) => said.push(m))).toBeNull();
    expect(openSettingsFile(dataDir).get().retention.captureDays).toBe(9);
    expect(said).toEqual([expect.stringContaining(`kept as ${join(userData, 'settings.json')}${MOVED_SUFFIX}`)]);
    expect(existsSync(join(userData, `settings.json${MOVED_SUFFIX}`))).toBe(true);
  });

  it('does nothing where userData is the data folder (macOS) or holds no settings', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'settings.json'), '{}');
    expect(adoptUserDataSettings(dir, dir)).toBeNull();
    expect(adoptUserDataSettings(join(tmp(), 'data'), join(tmp(), 'empty'))).toBeNull();
  });
});
