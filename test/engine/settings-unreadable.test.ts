/**
 * A settings.json leakbar may not read (EACCES) is not a file that cannot be used: it is said as "permission denied"
 * with what to check, never set aside as .bad nor written over, and the engine goes on (on the defaults at start, on the
 * settings in force when running), refusing to save meanwhile.
 *
 * The EACCES is real, not injected: root reads any file whatever its mode, so when the tests run as root the engine is
 * run as the user nobody (setpriv, as test/cli/other-user.test.ts does) in a child process
 * (settings-unreadable.child.ts), which chmods its own settings.json to 000; as any other user, the child runs as that
 * user. Skipped, saying so, as root without setpriv or a checkout nobody can read.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings, type SettingsResult } from '../../src/shared/settings.js';

const root = resolve(import.meta.dirname, '../..');
const child = join(import.meta.dirname, 'settings-unreadable.child.ts');
const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const isRoot = process.getuid?.() === 0;
const nodeArgs = ['--import', 'tsx', child];
const canRun = !isRoot || spawnSync('setpriv', [...AS_NOBODY, process.execPath, '--import', 'tsx', '-e', '0'], { cwd: root, timeout: 30_000 }).status === 0;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the child's scenario in a fresh folder it may write, as a user file modes apply to; returns its report and the folder. */
function run(scenario: 'start' | 'running'): { report: Record<string, unknown>; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'leakbar-settings-eacces-'));
  dirs.push(dir);
  if (isRoot) chownSync(dir, 65534, 65534);
  const [cmd, args] = isRoot ? ['setpriv', [...AS_NOBODY, process.execPath, ...nodeArgs, scenario, dir]] : [process.execPath, [...nodeArgs, scenario, dir]];
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dir } });
  expect(r.status, r.stderr).toBe(0);
  return { report: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>, dir };
}

describe.skipIf(!canRun)(`a settings.json leakbar may not read${canRun ? '' : ' (skipped: as root, needs setpriv and a checkout the user nobody can read)'}`, () => {
  it('at start: says permission denied with what to check, runs on the defaults, refuses to save, and leaves the file as it is', () => {
    const { report, dir } = run('start');
    expect(report.uid).not.toBe(0);
    const file = join(dir, 'settings.json');
    const problem = `cannot read settings.json: permission denied (${file})`;
    expect(report.settings as Settings).toEqual(DEFAULT_SETTINGS);
    // Said at start, on the terminal and on the Settings page: not "not JSON", not "kept as .bad".
    const warnings = report.warnings as string[];
    expect(warnings.some((w) => w.includes(problem) && /running on the defaults/.test(w) && /check its owner and mode with `ls -l \//.test(w))).toBe(true);
    expect(warnings.join('\n')).not.toMatch(/\.bad|not JSON|not used \(/);
    expect((report.notes as string[]).some((n) => n.startsWith(`${problem}: the defaults are in force`) && n.includes('check its owner and mode'))).toBe(true);
    // Saving is refused, clearly, rather than writing over a file whose settings are not known.
    const set = report.set as SettingsResult;
    expect(set.ok).toBe(false);
    expect(!set.ok && set.problems).toEqual([expect.stringMatching(new RegExp(`^settings: not saved: ${problem.replace(/[()/.]/g, '\\$&')}, .*check its owner and mode`))]);
    // Once readable again, it is read and the change is saved over it.
    expect(report.setAfterFix).toMatchObject({ ok: true, settings: { trayTitle: 'fds', cadences: { sampleMs: 2000 }, retention: { historyDays: 90 } } });
    expect((report.notesAfterFix as string[]).join('\n')).not.toContain('permission denied');
    // No .bad beside it, and the file holds the user's settings and the change.
    expect(readdirSync(dir).filter((f) => f.startsWith('settings.json'))).toEqual(['settings.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ trayTitle: 'fds', cadences: { sampleMs: 2000 }, retention: { historyDays: 90 } });
  });

  it('while running: keeps the settings in force, refuses to save, and neither sets the file aside nor writes over it', () => {
    const { report, dir } = run('running');
    const file = join(dir, 'settings.json');
    const problem = `cannot read settings.json: permission denied (${file})`;
    expect(report.sampleMs).toBe(3000);
    const set = report.set as SettingsResult;
    expect(set.ok).toBe(false);
    expect(!set.ok && set.problems[0]).toContain(`settings: not saved: ${problem}`);
    expect((report.warnings as string[]).filter((w) => w.includes(problem))).toEqual([expect.stringContaining('the settings in force stay')]);
    expect((report.notes as string[]).some((n) => n.startsWith(`${problem}: the settings in force stay`))).toBe(true);
    // As the user left it: mode 000, its text, nothing beside it.
    expect(statSync(file).mode & 0o777).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 2, cadences: { sampleMs: 3000 } });
    expect(readdirSync(dir).filter((f) => f.startsWith('settings.json'))).toEqual(['settings.json']);
  });
});
