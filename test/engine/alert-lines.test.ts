// A past alert keeps the title and line it fired with when a person moves the line in Settings, on the real Go fixture.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../src/shared/alerts.js';
import type { ApiEvent } from '../../src/shared/api.js';
import type { Sample } from '../../src/shared/types.js';
import { createService, type LeakbarService } from '../../src/engine/service.js';
import { until } from '../helpers/until.js';
import { startFixture } from '../helpers/fixture.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('an FD alert after its line moves in Settings', () => {
  it('resolves as "FDs past 50" when the line moves to 1,500, in the live events and in the timeline', async () => {
    const fx = await startFixture();
    cleanup.push(() => fx.stop());
    await fx.leak({ fds: 100 });
    const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-alert-lines-'));
    const service: LeakbarService = await createService({ dataDir, cadences: { sampleMs: 200, fdBreakdownMs: 60_000, memStatsMs: 60_000, memoryMapMs: 600_000 } });
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => service.close());
    const samples: Sample[] = [];
    const alerts: Array<Extract<ApiEvent, { type: 'alert' }>> = [];
    service.subscribe((e) => {
      if (e.type === 'sample') samples.push(e.sample);
      if (e.type === 'alert' && e.alert.key === 'threshold:fds') alerts.push(e);
    });
    const { target } = await service.addTarget({ name: 'fixture', pid: fx.pid, pprofUrl: null });
    await until(() => samples.length >= 2, 10_000, 'two samples');
    expect(samples.at(-1)!.fds).toBeGreaterThan(100);
    expect(samples.at(-1)!.fds).toBeLessThan(1500);

    expect(await service.setSettings({ patch: { detectors: { thresholds: { fds: { line: 50 } } } } })).toMatchObject({ ok: true });
    await until(() => alerts.some((e) => e.change === 'fired'), 10_000, 'the FD alert');
    const fired = alerts.find((e) => e.change === 'fired')!.alert;
    expect(fired).toMatchObject({ title: 'FDs past 50', line: 50 } satisfies Partial<Alert>);

    expect(await service.setSettings({ patch: { detectors: { thresholds: { fds: { line: 1500 } } } } })).toMatchObject({ ok: true });
    await until(() => alerts.some((e) => e.change === 'resolved'), 10_000, 'the FD alert to resolve');
    const told = alerts.slice(alerts.findIndex((e) => e.change === 'fired'));
    // Every version of it said the line it fired past, its end included.
    expect(told.map((e) => [e.change, e.alert.id, e.alert.title, e.alert.line])).toEqual(told.map((e) => [e.change, fired.id, 'FDs past 50', 50]));
    expect(told.at(-1)!.change).toBe('resolved');
    expect(told.at(-1)!.alert.message).toMatch(/over the line of 50\b/);
    expect(told.at(-1)!.alert.message).not.toMatch(/1,500/);

    // The timeline reads the kept alert: the same title.
    const history = await service.history({ targetId: target.id });
    expect(history.alerts.filter((a) => a.key === 'threshold:fds').map((a) => [a.id, a.state, a.title, a.line])).toEqual([[fired.id, 'resolved', 'FDs past 50', 50]]);
  }, 60_000);
});
