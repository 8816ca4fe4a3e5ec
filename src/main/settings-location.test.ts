import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../shared/settings.js';
import { openSettingsFile } from '../engine/settings-file.js';
import { adoptUserDataSettings } from './settings-location.js';

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
    // Once: a data folder with its own file is never overwritten.
    writeFileSync(join(userData, 'settings.json'), JSON.stringify({ ...doc, retention: { ...doc.retention, captureDays: 3 } }));
    expect(adoptUserDataSettings(dataDir, userData)).toBeNull();
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')).retention.captureDays).toBe(9);
  });

  it('does nothing where userData is the data folder (macOS) or holds no settings', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'settings.json'), '{}');
    expect(adoptUserDataSettings(dir, dir)).toBeNull();
    expect(adoptUserDataSettings(join(tmp(), 'data'), join(tmp(), 'empty'))).toBeNull();
  });
});
