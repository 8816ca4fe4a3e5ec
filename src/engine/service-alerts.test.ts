import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlertEngine } from '../analysis/detectors/index.js';
import type { Alert } from '../shared/alerts.js';
import type { Sample } from '../shared/types.js';
import { createService } from './service.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const MINUTE = 60_000;
const jsonl = (items: readonly object[]) => items.map((x) => JSON.stringify(x) + '\n').join('');

/** An FD alert as a run of the real engine leaves it: fired past 1,000 FDs at `startMs`, updated for a while. */
function leftOpen(pid: number, startMs: number): Alert {
  const engine = createAlertEngine({ targetId: 'self', platform: 'linux' });
  for (let i = 0; i < 40; i++) engine.step({ timeMs: startMs + i * 5000, pid, fds: 1500 });
  return engine.live().find((a) => a.key === 'threshold:fds')!;
}

/** A data folder whose target `self` has these samples and alerts on disk, and a service started on it. */
async function serviceOver(samples: Sample[], alerts: Alert[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-alerts-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(join(dataDir, 'targets', 'self'), { recursive: true });
  writeFileSync(join(dataDir, 'targets', 'self', 'samples.jsonl'), jsonl(samples));
  writeFileSync(join(dataDir, 'targets', 'self', 'alerts.jsonl'), jsonl(alerts));
  const service = await createService({ dataDir, cadences: { sampleMs: 100, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
  cleanup.push(() => service.close());
  // This test process holds far fewer than 1,000 FDs: whatever the history says, the condition is gone now.
  const { target } = await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
  expect(target.id).toBe('self');
  const stored = async () => new Map((await service.history({ targetId: 'self' })).alerts.map((a) => [a.id, a]));
  return { service, stored };
}

describe('alerts open when leakbar last stopped', () => {
  it('go on under their own id where the recent history shows them holding, and resolve under it when the condition is gone', async () => {
    const now = Date.now();
    const open = leftOpen(process.pid, now - 60 * MINUTE);
    // The last 20 minutes on disk: the FDs were still past the line when leakbar stopped.
    const history: Sample[] = Array.from({ length: 240 }, (_, i) => ({ timeMs: now - 20 * MINUTE + i * 5000, pid: process.pid, fds: 1500 }));
    const { service, stored } = await serviceOver(history, [{ ...open, captureId: 'capture-1' }]);
    expect((await service.alerts({ targetId: 'self' })).map((a) => [a.id, a.state, a.captureId])).toEqual([[open.id, 'firing', 'capture-1']]);
    await expect.poll(async () => (await stored()).get(open.id)?.state, { timeout: 10_000 }).toBe('resolved');
    // Resolved, not fired anew: no other FD alert was written.
    expect([...(await stored()).keys()].filter((id) => id.startsWith('threshold:fds@'))).toEqual([open.id]);
  });

  it('are closed at start where the recent history does not show them holding, and an older duplicate with them', async () => {
    const open = leftOpen(process.pid, Date.now() - 60 * MINUTE);
    const older = { ...open, id: `threshold:fds@${open.firstMs - 86_400_000}`, firstMs: open.firstMs - 86_400_000 };
    const { service, stored } = await serviceOver([], [older, open]);
    expect(await service.alerts({ targetId: 'self' })).toEqual([]);
    const after = await stored();
    expect(after.get(open.id)).toMatchObject({ state: 'resolved', resolvedMs: open.lastMs });
    expect(after.get(open.id)!.message).toMatch(/Closed when leakbar started again/);
    expect(after.get(older.id)).toMatchObject({ state: 'resolved', resolvedMs: older.lastMs });
  });
});
