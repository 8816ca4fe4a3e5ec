import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openSeriesStore } from './series-store.js';
import type { Sample } from '../shared/types.js';

/** What the store did to the file system, in order, and how a folder's fsync should fail (null: it works). */
const fsLog = vi.hoisted(() => ({ calls: [] as string[], dirSyncCode: null as string | null }));

// The real node:fs/promises, with renames and folder fsyncs recorded (and a folder fsync failing on demand).
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const open: typeof fs.open = async (...args) => {
    const fh = await fs.open(...args);
    if (!(await fh.stat()).isDirectory()) return fh;
    const name = basename(String(args[0]));
    const sync = fh.sync.bind(fh);
    const close = fh.close.bind(fh);
    fh.sync = async () => {
      if (fsLog.dirSyncCode) throw Object.assign(new Error(`${fsLog.dirSyncCode}: fsync`), { code: fsLog.dirSyncCode });
      await sync();
      fsLog.calls.push(`fsync ${name}/`);
    };
    fh.close = async () => {
      await close();
      fsLog.calls.push(`close ${name}/`);
    };
    return fh;
  };
  const rename: typeof fs.rename = async (from, to) => {
    await fs.rename(from, to);
    fsLog.calls.push(`rename ${basename(String(from)).replace(/\d+/, 'PID')} ${basename(String(to))}`);
  };
  return { ...fs, open, rename };
});

const DAY = 24 * 60 * 60_000;
const NOW = Date.UTC(2026, 0, 31);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  fsLog.calls.length = 0;
  fsLog.dirSyncCode = null;
});

/** A history folder whose samples.jsonl holds one sample a day over the last 40 days. */
function oldHistory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leakbar-store-sync-'));
  dirs.push(dir);
  let text = '';
  for (let t = NOW - 40 * DAY; t < NOW; t += DAY) text += JSON.stringify({ timeMs: t, pid: 7 }) + '\n';
  writeFileSync(join(dir, 'samples.jsonl'), text);
  return dir;
}
const timesOnDisk = (dir: string) =>
  readFileSync(join(dir, 'samples.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as Sample).timeMs);

describe('compaction durability', () => {
  it('fsyncs the folder after renaming the compacted file over the old one, so a crash cannot undo the rename', async () => {
    const dir = oldHistory();
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    await store.flush();
    expect(store.writeError()).toBeNull();
    expect(fsLog.calls).toEqual(['rename samples.jsonl.compact.PID.tmp samples.jsonl', `fsync ${basename(dir)}/`, `close ${basename(dir)}/`]);
    expect(timesOnDisk(dir)).toHaveLength(30);
    await store.close();
  });

  it.each(['EINVAL', 'EISDIR'])('takes a folder that refuses fsync (%s) as done', async (code) => {
    const dir = oldHistory();
    fsLog.dirSyncCode = code;
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    await store.flush();
    expect(store.writeError()).toBeNull();
    expect(fsLog.calls).toEqual(['rename samples.jsonl.compact.PID.tmp samples.jsonl', `close ${basename(dir)}/`]);
    expect(timesOnDisk(dir)).toHaveLength(30);
    await store.close();
  });

  it('reports a folder fsync that fails otherwise (EIO), and the appends after it still land on lines of their own', async () => {
    const dir = oldHistory();
    fsLog.dirSyncCode = 'EIO';
    const store = await openSeriesStore(dir, { historyMs: 30 * DAY, now: () => NOW });
    await store.flush();
    expect(store.writeError()).toMatchObject({ code: 'io-error', message: expect.stringMatching(/cannot drop old history from .*samples\.jsonl: EIO/) });
    fsLog.dirSyncCode = null;
    store.append({ timeMs: NOW, pid: 7 });
    await store.close();
    expect(timesOnDisk(dir)).toEqual([...Array.from({ length: 30 }, (_, i) => NOW - (30 - i) * DAY), NOW]);
  });
});
