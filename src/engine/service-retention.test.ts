import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_SETTINGS, type Alert } from '../shared/alerts.js';
import { createAlertEngine } from '../analysis/detectors/index.js';
import { createService } from './service.js';
import { createCaptureStore } from './captures/index.js';
import { newCaptureId } from './captures/ids.js';

const DAY = 24 * 60 * 60_000;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('capture retention and open alerts', () => {
  it('keeps the capture an open alert points to past captureDays, through the hourly pass and the pass after a capture', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-service-retention-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const now = Date.now();
    const captures = await createCaptureStore(dataDir);
    const put = async (ageDays: number, kind: 'heap' | 'goroutine') => {
      const startedMs = now - ageDays * DAY;
      const p = await captures.begin('self', newCaptureId(startedMs, kind));
      await p.writeFile(`${kind}.pb.gz`, new Uint8Array(8), kind);
      return (await p.commit({ kind, pid: 1, startedMs, endedMs: startedMs, figures: null, alertKey: null, baseline: false, pinned: false, note: '' })).id;
    };
    // Three captures past the 30 days kept: one an alert still open points to, one a resolved alert points to, one of nothing.
    const ofOpenAlert = await put(40, 'goroutine');
    const ofResolvedAlert = await put(39, 'heap');
    await put(38, 'heap');
    const alert = (key: string, firstMs: number, state: Alert['state'], captureId: string) =>
      ({ id: `${key}@${firstMs}`, key, firstMs, lastMs: firstMs, resolvedMs: state === 'resolved' ? firstMs : null, state, captureId }) as unknown as Alert;
    // A thread alert (line 1: this test process always holds more) that fired forty days ago and was snoozed for 60,
    // as the real engine writes it; the last 20 minutes of history show it still holding, so it stays open at start.
    const settings = structuredClone(DEFAULT_DETECTOR_SETTINGS);
    settings.thresholds.threads.line = 1;
    const engine = createAlertEngine({ targetId: 'self', settings, platform: 'linux' });
    for (let i = 0; i < 3; i++) engine.step({ timeMs: now - 40 * DAY + i * 5000, pid: process.pid, threads: 20 });
    const fired = engine.live()[0]!;
    const snoozed: Alert = { ...fired, state: 'snoozed', snoozedUntilMs: now + 20 * DAY, captureId: ofOpenAlert };
    const resolved = alert('growth:heapInuseBytes', now - 39 * DAY, 'resolved', ofResolvedAlert);
    mkdirSync(join(dataDir, 'targets', 'self'), { recursive: true });
    writeFileSync(join(dataDir, 'targets', 'self', 'alerts.jsonl'), [snoozed, resolved].map((a) => JSON.stringify(a) + '\n').join(''));
    const history = Array.from({ length: 240 }, (_, i) => ({ timeMs: now - 20 * 60_000 + i * 5000, pid: process.pid, threads: 20 }));
    writeFileSync(join(dataDir, 'targets', 'self', 'samples.jsonl'), history.map((x) => JSON.stringify(x) + '\n').join(''));

    const service = await createService({ dataDir, detectorSettings: settings, cadences: { sampleMs: 200, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
    cleanup.push(() => service.close());
    const { target } = await service.addTarget({ name: 'self', pid: process.pid, pprofUrl: null });
    expect(target.id).toBe('self');
    const ids = async () => (await captures.list('self')).map((c) => c.id);
    await expect.poll(ids, { timeout: 10_000 }).toEqual([ofOpenAlert]);
    expect((await service.history({ targetId: 'self' })).alerts.map((a) => [a.id, a.state, a.captureId])).toEqual([[snoozed.id, 'snoozed', ofOpenAlert]]);

    // A capture applies retention to its target right after: the open alert's capture stays then too.
    const taken = await service.startCapture({ targetId: 'self', kind: 'system' });
    expect(await ids()).toEqual([taken.id, ofOpenAlert]);
    expect((await service.getCapture({ captureId: ofOpenAlert })).kind).toBe('goroutine');
  });
});
