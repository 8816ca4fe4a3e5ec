import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlertEngine } from '../analysis/detectors/index.js';
import type { Alert } from '../shared/alerts.js';
import { createService } from './service.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** An FD alert as a run of the real engine leaves it: fired past 1,000 FDs an hour ago, updated for a while. */
function leftOpen(pid: number, startMs: number): Alert {
  const engine = createAlertEngine({ targetId: 'self', platform: 'linux' });
  for (let i = 0; i < 40; i++) engine.step({ timeMs: startMs + i * 5000, pid, fds: 1500 });
  return engine.live().find((a) => a.key === 'threshold:fds')!;
}

describe('alerts open when leakbar last stopped', () => {
  it('go on under their own id when it starts again, and resolve when the condition is gone; an older duplicate is closed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-alerts-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const open = leftOpen(process.pid, Date.now() - 60 * 60_000);
    const older = { ...open, id: `threshold:fds@${open.firstMs - 86_400_000}`, firstMs: open.firstMs - 86_400_000 };
    expect(open.state).toBe('firing');
    mkdirSync(join(dataDir, 'targets', 'self'), { recursive: true });
    writeFileSync(join(dataDir, 'targets', 'self', 'alerts.jsonl'), [older, open].map((a) => JSON.stringify(a) + '\n').join(''));

    const service = await createService({ dataDir, cadences: { sampleMs: 100, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
    cleanup.push(() => service.close());
    // This test process holds far fewer than 1,000 FDs: the condition is gone.
    const { target } = await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
    expect(target.id).toBe('self');
    const stored = async () => new Map((await service.history({ targetId: 'self' })).alerts.map((a) => [a.id, a]));
    // The older duplicate is closed at once; the newer one is the engine's own, still open until samples say otherwise.
    expect((await stored()).get(older.id)).toMatchObject({ state: 'resolved', resolvedMs: older.lastMs });
    await expect.poll(async () => (await stored()).get(open.id)?.state, { timeout: 10_000 }).toBe('resolved');
    expect((await service.alerts({ targetId: 'self' })).filter((a) => a.key === 'threshold:fds')).toEqual([]);
    // Resolved, not fired anew: no other FD alert was written.
    expect([...(await stored()).keys()].filter((id) => id.startsWith('threshold:fds@')).sort()).toEqual([older.id, open.id].sort());
  });
});
