/**
 * Run by settings-unreadable.test.ts as a user who is not root (root reads any file whatever its mode): makes a
 * settings.json in the folder given, takes away its own read permission (chmod 000: a real EACCES), and prints as JSON
 * what the engine does with it. `start`: the engine starts on such a file, then it is made readable again. `running`:
 * the file goes unreadable under a running settings file.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createService } from '../../src/engine/service.js';
import { openSettingsFile } from '../../src/engine/settings-file.js';

const [scenario, dir] = process.argv.slice(2) as ['start' | 'running', string];
const file = join(dir, 'settings.json');
const out: Record<string, unknown> = { uid: process.getuid?.() };

if (scenario === 'start') {
  writeFileSync(file, JSON.stringify({ version: 2, cadences: { sampleMs: 2000 }, retention: { historyDays: 90 } }));
  chmodSync(file, 0o000);
  const warnings: string[] = [];
  const origWarn = console.warn;
  console.warn = (m: string) => warnings.push(m);
  const service = await createService({ dataDir: dir, persist: false });
  out.settings = await service.getSettings({});
  out.notes = (await service.settingsNotes({})).notes;
  out.set = await service.setSettings({ patch: { trayTitle: 'fds' } });
  out.warnings = [...warnings];
  // Made readable again (as a person would, with chmod): read at the next change, which is saved.
  chmodSync(file, 0o600);
  out.setAfterFix = await service.setSettings({ patch: { trayTitle: 'fds' } });
  out.notesAfterFix = (await service.settingsNotes({})).notes;
  await service.close();
  console.warn = origWarn;
} else {
  writeFileSync(file, JSON.stringify({ version: 2, cadences: { sampleMs: 3000 } }));
  const warnings: string[] = [];
  const settings = openSettingsFile(dir, { warn: (m) => warnings.push(m) });
  chmodSync(file, 0o000);
  out.set = settings.set({ trayTitle: 'fds' });
  out.sampleMs = settings.get().cadences.sampleMs;
  out.notes = settings.notes();
  out.warnings = warnings;
  settings.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
