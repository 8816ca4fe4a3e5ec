import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Alert } from '../shared/alerts.js';
import { openSeriesStore } from './series-store.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STORE_MODULE = fileURLToPath(new URL('./series-store.ts', import.meta.url));

const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Another process recording `dir` until its stdin ends: it stores `alert` and then lets go of the folder. */
async function recorderIn(dir: string, alert: Alert) {
  const script = `
    const { openSeriesStore } = await import(${JSON.stringify(STORE_MODULE)});
    const store = await openSeriesStore(${JSON.stringify(dir)});
    process.stdout.write(JSON.stringify({ error: store.writeError()?.code ?? null }) + '\\n');
    for await (const _ of process.stdin);
    store.putAlert(${JSON.stringify(alert)});
    await store.close();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  procs.push(child);
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line', { signal: AbortSignal.timeout(20_000) })) as [string];
  expect(JSON.parse(line)).toEqual({ error: null });
  return {
    pid: child.pid!,
    /** Stores the alert, closes its store (letting go of the lock) and exits. */
    async stop() {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit', { signal: AbortSignal.timeout(10_000) });
    },
  };
}

const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({ id, key: 'threshold:fds', kind: 'threshold', figure: 'fds', state: 'firing', targetId: 'api', firstMs: 1000, lastMs: 2000, resolvedMs: null, snoozedUntilMs: null, message: 'm', evidence: [], ...over }) as Alert;

const idsOnDisk = (dir: string) =>
  readFileSync(join(dir, 'alerts.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as Alert).id);

describe('a store that takes a history over from another process', () => {
  it('lets its owner reconcile the alerts before those it put meanwhile are written, and writes none it dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-takeover-'));
    dirs.push(dir);
    const theirs = alert('threshold:fds@1000', { captureId: 'cap-1' });
    const other = await recorderIn(dir, theirs);

    const seen: Array<{ recording: boolean; onDisk: string[] }> = [];
    const store = await openSeriesStore(dir, {
      lockRetryMs: 0,
      onTakeOver: async () => {
        // The lock is this store's, the other process's alerts are on disk, its own put meanwhile not yet.
        seen.push({ recording: store.recording(), onDisk: idsOnDisk(dir) });
        store.dropUnrecordedAlert('threshold:fds@1500');
        store.putAlert({ ...theirs, lastMs: 3000 });
      },
    });
    expect([store.recording(), store.recordedBy()]).toEqual([false, other.pid]);
    // Its own alert of that condition, and one of another, put while the other process records.
    store.putAlert(alert('threshold:fds@1500', { firstMs: 1500 }));
    store.putAlert(alert('threshold:threads@1600', { key: 'threshold:threads', figure: 'threads', firstMs: 1600 }));

    await other.stop();
    // The looks at the lock those puts started end first; the next append looks again, and takes it over.
    await store.flush();
    store.append({ timeMs: 4000, pid: 1 });
    await store.flush();
    expect(seen).toEqual([{ recording: true, onDisk: [theirs.id] }]);
    expect([store.recording(), store.recordedBy()]).toEqual([true, null]);
    // Theirs as the other process stored it, then what this one put: theirs as reconciled, its alert of another condition.
    expect(idsOnDisk(dir).sort()).toEqual([theirs.id, theirs.id, 'threshold:threads@1600']);
    expect(store.alerts().map((a) => a.id).sort()).toEqual([theirs.id, 'threshold:threads@1600']);
    await store.close();
  });

  it('drops only alerts not yet written: one on disk stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-takeover-'));
    dirs.push(dir);
    const store = await openSeriesStore(dir);
    expect([store.recording(), store.recordedBy()]).toEqual([true, null]);
    store.putAlert(alert('threshold:fds@1000'));
    store.dropUnrecordedAlert('threshold:fds@1000');
    await store.flush();
    expect(store.alerts().map((a) => a.id)).toEqual(['threshold:fds@1000']);
    expect(idsOnDisk(dir)).toEqual(['threshold:fds@1000']);
    await store.close();
    const inMemory = await openSeriesStore(null);
    expect([inMemory.recording(), inMemory.recordedBy()]).toEqual([true, null]);
  });
});
