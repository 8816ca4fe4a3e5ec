/**
 * A data folder leakbar cannot make, for real, through the built CLI: under a regular file, and on a read-only mount (a 64 kB tmpfs mounted
 * `ro`), where Node's recursive mkdir says ENOENT, each command says the file system is read-only, names the folder
 * and the option that picks another. Mounting needs root (CAP_SYS_ADMIN); where it is refused, those tests say so
 * and are skipped.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leakbar } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

const dir = mkdtempSync(join(tmpdir(), 'leakbar-data-dir-errors-'));
const ro = join(dir, 'ro');
mkdirSync(ro);
const tmpfs = mountTmpfs(ro, '64k', true);
const { mounted, why } = tmpfs;

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
}, 120_000);
afterAll(async () => {
  await fx?.stop();
  tmpfs.unmount();
  rmSync(dir, { recursive: true, force: true });
});

/** Every command that keeps data, as a person types it, with its data folder `data`. */
function commands(data: string): Array<[string, string[]]> {
  const pid = String(fx.pid);
  return [
    ['watch', ['watch', '--pid', pid, '--pprof', fx.pprofUrl, '--duration', '2', '--data-dir', data]],
    ['serve', ['serve', '--pid', pid, '--pprof', fx.pprofUrl, '--port', '0', '--data-dir', data]],
    ['overnight', ['overnight', '--pid', pid, '--pprof', fx.pprofUrl, '--duration', '2', '--out', join(dir, 'night.md'), '--data-dir', data]],
    ['capture', ['capture', 'heap', '--pid', pid, '--pprof', fx.pprofUrl, '--data-dir', data]],
    ['captures', ['captures', '--data-dir', data]],
  ];
}

describe.skipIf(!mounted)(`a data folder on a read-only file system${mounted ? '' : ` (skipped: ${why})`}`, () => {
  it('is said to be read-only, naming the folder and --data-dir, by every command', async () => {
    const data = join(ro, 'data');
    for (const [name, args] of commands(data)) {
      const r = await leakbar(args, 30_000);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toBe(`leakbar: cannot create the capture store in the data folder ${data}: ${ro} is on a read-only file system (EROFS) (give a writable folder with --data-dir or LEAKBAR_DATA_DIR)\n`);
    }
  }, 120_000);

  it('is said to be read-only when the mount itself is the data folder (its captures folder cannot be made)', async () => {
    const r = await leakbar(['capture', 'goroutine', '--pprof', fx.pprofUrl, '--data-dir', ro]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`leakbar: cannot create the capture store in the data folder ${ro}: ${ro} is on a read-only file system (EROFS) (give a writable folder with --data-dir or LEAKBAR_DATA_DIR)\n`);
    expect(existsSync(join(ro, 'captures'))).toBe(false);
  });
});

describe('a data folder under a regular file', () => {
  const file = join(dir, 'afile');
  writeFileSync(file, 'not a folder');
  const data = join(file, 'sub');
  const line = `leakbar: cannot create the capture store in the data folder ${data}: ${file} is a file, not a folder (give a writable folder with --data-dir or LEAKBAR_DATA_DIR)\n`;

  it.each(['heap', 'system', 'bundle'])('capture %s says so in one line (nothing of settings.json.bad) and exits non-zero', async (kind) => {
    const r = await leakbar(['capture', kind, '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--data-dir', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(line);
  });

  it('captures, baseline, pin and report say so in one line', async () => {
    for (const args of [['captures'], ['baseline', '20261125-070000-heap-ab12'], ['pin', '20261125-070000-heap-ab12'], ['report', '--current', '20261125-070000-heap-ab12']]) {
      const r = await leakbar([...args, '--data-dir', data]);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr, args[0]).toBe(line);
    }
  });

  it('watch, serve and overnight end non-zero on that line alone', async () => {
    // They read settings.json before the folder is made: a folder under a file holds none, so nothing is said of it.
    for (const [name, args] of commands(data).slice(0, 3)) {
      const r = await leakbar(args, 30_000);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toBe(line);
    }
  });
});
