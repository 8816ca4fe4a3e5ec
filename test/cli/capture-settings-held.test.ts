/**
 * `leakbar capture` deletes no capture as old while the settings are defaults standing in for a settings.json that
 * could not be used: one it may not read (a real EACCES), or one not JSON (set aside as settings.json.bad). The default
 * retention (30 days) would delete captures the user's own settings keep; the engine holds retention then, and so does
 * `capture`, saying so once on stderr.
 *
 * The EACCES is real: root reads any file whatever its mode, so when the tests run as root the command is run as the
 * user nobody (setpriv, as test/cli/other-user.test.ts does), in a data folder given to nobody, beside a settings.json
 * of root's with mode 000. Skipped, saying so, as root without setpriv or a checkout nobody can read.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaptureStore, newCaptureId } from '../../src/engine/captures/index.js';
import { DEFAULT_SETTINGS } from '../../src/shared/settings.js';
import { LEAKBAR_BIN } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const isRoot = process.getuid?.() === 0;
/** Not root, or root with setpriv and a checkout the user nobody can read. */
const canRun = !isRoot || spawnSync('setpriv', [...AS_NOBODY, process.execPath, LEAKBAR_BIN, '--version'], { timeout: 20_000 }).status === 0;
const DAY_MS = 24 * 60 * 60_000;

let fx: Fixture;
const dirs: string[] = [];

beforeAll(async () => {
  fx = await startFixture();
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A data folder holding two heap captures of the fixture's target taken 40 days ago (past the default 30 days). */
async function folderWithOldCaptures(): Promise<{ dataDir: string; targetId: string; old: string[] }> {
  const home = await mkdtemp(join(tmpdir(), 'leakbar-capture-held-'));
  dirs.push(home);
  const dataDir = join(home, 'data');
  const targetId = `pprof-127-0-0-1-${new URL(fx.pprofUrl).port}`;
  const old: string[] = [];
  for (const suffix of ['aaaa', 'bbbb']) {
    const startedMs = Date.now() - 40 * DAY_MS;
    const store = await createCaptureStore(dataDir, { now: () => startedMs });
    const pending = await store.begin(targetId, newCaptureId(startedMs, 'heap', () => suffix));
    await pending.writeFile('heap.pb.gz', new Uint8Array(8), 'heap', `${fx.pprofUrl}heap`);
    old.push((await pending.commit({ kind: 'heap', pid: null, startedMs, endedMs: startedMs + 5, figures: null, alertKey: null, baseline: false, pinned: false, note: '' })).id);
  }
  return { dataDir, targetId, old };
}

/** The ids of the target's captures in the folder now. */
function idsIn(dataDir: string, targetId: string): string[] {
  return readdirSync(join(dataDir, 'captures', targetId)).sort();
}

/** Runs `leakbar capture heap` into the folder: as nobody when root (the folder given to nobody first), else as is. */
function capture(dataDir: string): { status: number | null; stdout: string; stderr: string } {
  const args = [LEAKBAR_BIN, 'capture', 'heap', '--pprof', fx.pprofUrl, '--data-dir', dataDir];
  const [cmd, argv] = isRoot ? ['setpriv', [...AS_NOBODY, process.execPath, ...args]] : [process.execPath, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: join(dataDir, '..'), LEAKBAR_DATA_DIR: dataDir } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Gives the folder (the home above it too) to nobody, when root. */
function giveToNobody(dataDir: string): void {
  if (!isRoot) return;
  const home = join(dataDir, '..');
  chownSync(home, 65534, 65534);
  for (const name of readdirSync(home, { recursive: true, encoding: 'utf8' })) chownSync(join(home, name), 65534, 65534);
}

/** A settings.json whose retention keeps captures a year: what the user meant, if leakbar could read it. */
const yearLong = JSON.stringify({ ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, captureDays: 365 } });

describe.skipIf(!canRun)(`leakbar capture with a settings.json it cannot use${canRun ? '' : ' (skipped: as root, needs setpriv and a checkout the user nobody can read)'}`, () => {
  it('one it may not read (EACCES): deletes no old capture, says so once, and leaves the file as it is', async () => {
    const { dataDir, targetId, old } = await folderWithOldCaptures();
    giveToNobody(dataDir);
    const file = join(dataDir, 'settings.json');
    // Root's (or the user's own) file, mode 000: nobody, or the user, gets EACCES opening it.
    writeFileSync(file, yearLong);
    chmodSync(file, 0o000);
    const r = capture(dataDir);
    expect(r.status, r.stderr).toBe(0);
    const ids = idsIn(dataDir, targetId);
    expect(ids).toEqual(expect.arrayContaining(old));
    expect(ids).toHaveLength(3);
    expect(r.stderr).toContain(`cannot read settings.json: permission denied (${file})`);
    // Really as another user than root (root would read the file whatever its mode).
    if (isRoot) expect(r.stderr).toContain('(uid 65534)');
    expect(r.stderr.split('\n').filter((l) => /nothing is deleted as old/.test(l))).toEqual([expect.stringContaining('captures')]);
    // Left as it was: its mode and text, nothing beside it.
    chmodSync(file, 0o600);
    expect(readFileSync(file, 'utf8')).toBe(yearLong);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('settings.json'))).toEqual(['settings.json']);
  });

  it('one not JSON (set aside as settings.json.bad): deletes no old capture, and says so once', async () => {
    const { dataDir, targetId, old } = await folderWithOldCaptures();
    writeFileSync(join(dataDir, 'settings.json'), yearLong.slice(0, -5));
    giveToNobody(dataDir);
    const r = capture(dataDir);
    expect(r.status, r.stderr).toBe(0);
    const ids = idsIn(dataDir, targetId);
    expect(ids).toEqual(expect.arrayContaining(old));
    expect(ids).toHaveLength(3);
    expect(r.stderr.split('\n').filter((l) => /nothing is deleted as old/.test(l))).toEqual([expect.stringContaining('captures')]);
    expect(readdirSync(dataDir)).toContain('settings.json.bad');
  });

  it('a settings.json it reads: the retention it holds applies (the default 30 days here), so the held cases are not simply no retention', async () => {
    const { dataDir, targetId, old } = await folderWithOldCaptures();
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(DEFAULT_SETTINGS));
    giveToNobody(dataDir);
    const r = capture(dataDir);
    expect(r.status, r.stderr).toBe(0);
    const ids = idsIn(dataDir, targetId);
    for (const id of old) expect(ids).not.toContain(id);
    expect(ids).toHaveLength(1);
    expect(r.stderr).not.toMatch(/nothing is deleted as old/);
  });
});
