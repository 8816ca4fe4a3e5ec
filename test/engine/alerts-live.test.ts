import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_SETTINGS, parseDetectorSettings, type Alert, type DetectorSettings } from '../../src/shared/alerts.js';
import type { ApiEvent } from '../../src/shared/api.js';
import type { Sample } from '../../src/shared/types.js';
import { createService, type LeakbarService } from '../../src/engine/service.js';
import { until } from '../helpers/until.js';
import { startProxyFailingGoroutineCaptures } from '../helpers/odd-servers.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** Detector settings with the growth window shortened to fit a test; the 10-minute window is covered by the replay tests. */
function shortWindow(windowMs: number): DetectorSettings {
  const r = parseDetectorSettings({ growth: { windowMs, minSamples: 12 } }, DEFAULT_DETECTOR_SETTINGS);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.settings;
}

async function watchFixture(fx: Fixture, settings: DetectorSettings, cadences: { sampleMs: number; fdBreakdownMs?: number; memStatsMs?: number }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-alerts-'));
  const service: LeakbarService = await createService({ dataDir, detectorSettings: settings, cadences });
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => service.close());
  const samples: Sample[] = [];
  const fired: Alert[] = [];
  const events: ApiEvent[] = [];
  service.subscribe((e) => {
    events.push(e);
    if (e.type === 'sample') samples.push(e.sample);
    if (e.type === 'alert' && e.change === 'fired') fired.push(e.alert);
  });
  const summary = await service.addTarget({ name: 'fixture', pid: fx.pid, pprofUrl: fx.pprofUrl });
  return { service, samples, fired, events, targetId: summary.target.id };
}

describe('alerts on the real Go fixture', () => {
  it('an FD leak of 20/s raises the FD alert within 3 samples of crossing 1000, names the repeated file, and captures the FDs', async () => {
    const fx = await startFixture({ 'fd-rate': 20, files: 2 });
    cleanup.push(() => fx.stop());
    await fx.leak({ fds: 940 });
    const w = await watchFixture(fx, DEFAULT_DETECTOR_SETTINGS, { sampleMs: 1000, fdBreakdownMs: 2000 });
    await until(() => w.fired.some((a) => a.key === 'threshold:fds'), 30_000, 'the FD alert');
    const alert = w.fired.find((a) => a.key === 'threshold:fds')!;
    const crossing = w.samples.findIndex((s) => (s.fds ?? 0) > 1000);
    const firedAt = w.samples.findIndex((s) => s.timeMs === alert.lastMs);
    expect(crossing).toBeGreaterThanOrEqual(0);
    expect(firedAt - crossing).toBeLessThanOrEqual(2);
    expect(alert.value).toBeGreaterThan(1000);
    expect(alert.nextStep).toMatch(/repeated|files/i);
    await until(() => w.fired.some((a) => a.kind === 'repeated-file'), 15_000, 'the repeated-file alert');
    const repeated = w.fired.find((a) => a.kind === 'repeated-file')!;
    expect(repeated.subject ?? repeated.message).toMatch(/leaky-\d+-[01]\.dat/);
    // FD alerts suggest a system capture: the first FD alert takes one, kept with it; the others within the gap take none.
    await until(() => w.events.some((e) => e.type === 'capture-done'), 20_000, 'the automatic capture');
    const caps = await w.service.listCaptures({ targetId: w.targetId });
    expect(caps).toHaveLength(1);
    expect(caps[0]!.kind).toBe('system');
    expect(['threshold:fds', repeated.key]).toContain(caps[0]!.alertKey);
    // The alert that took it names the leaking file from it.
    const named = (await w.service.alerts({ targetId: w.targetId })).find((a) => a.key === caps[0]!.alertKey)!;
    expect(named.captureId).toBe(caps[0]!.id);
    expect(named.finding).toMatch(/leaky-\d+-[01]\.dat/);
    // Snooze and acknowledge go through the API.
    const snoozed = await w.service.snoozeAlert({ alertId: alert.id, untilMs: Date.now() + 60_000 });
    expect(snoozed.state).toBe('snoozed');
    const acked = await w.service.acknowledgeAlert({ alertId: alert.key });
    expect(acked.state).toBe('acknowledged');
  });

  it('a goroutine leak of 10/s raises the growth alert within the window, with its rate', async () => {
    const fx = await startFixture({ 'goroutine-rate': 10 });
    cleanup.push(() => fx.stop());
    const windowMs = 30_000;
    const w = await watchFixture(fx, shortWindow(windowMs), { sampleMs: 1000 });
    // A capture while healthy: the alert's own capture is compared with it.
    const healthy = await w.service.startCapture({ targetId: w.targetId, kind: 'goroutine' });
    expect(healthy.alertKey).toBeNull();
    const started = Date.now();
    await until(() => w.fired.some((a) => a.key === 'growth:goroutines'), windowMs + 20_000, 'the goroutine growth alert');
    const alert = w.fired.find((a) => a.key === 'growth:goroutines')!;
    expect(Date.now() - started).toBeLessThan(windowMs + 15_000);
    expect(alert.ratePerMinute).toBeGreaterThan(400);
    expect(alert.ratePerMinute).toBeLessThan(800);
    expect(alert.message).toMatch(/\/min/);
    expect(alert.suggestedCapture).toBe('goroutine');
    // The growth alert names the leaking group: its capture diffed against the healthy one.
    await until(() => w.events.some((e) => e.type === 'alert' && e.alert.key === alert.key && e.alert.finding !== undefined), 20_000, 'the goroutine finding');
    const named = (await w.service.alerts({ targetId: w.targetId })).find((a) => a.key === alert.key)!;
    expect(named.finding).toMatch(/^main\.waitForever: \+[\d,]+ goroutines from \d\d:\d\d to \d\d:\d\d \(chan receive\)$/);
  });

  it('retained heap growth raises the heap growth alert', async () => {
    const fx = await startFixture({ 'heap-rate-kb': 4096 });
    cleanup.push(() => fx.stop());
    const windowMs = 30_000;
    const w = await watchFixture(fx, shortWindow(windowMs), { sampleMs: 1000, memStatsMs: 1000 });
    await until(() => w.fired.some((a) => a.key === 'growth:heapInuseBytes'), windowMs + 20_000, 'the heap growth alert');
    const alert = w.fired.find((a) => a.key === 'growth:heapInuseBytes')!;
    expect(alert.unit).toBe('bytes');
    expect(alert.suggestedCapture).toBe('heap');
    await until(() => w.events.some((e) => e.type === 'alert' && e.alert.key === alert.key && e.alert.finding !== undefined), 20_000, 'the heap finding');
    const named = (await w.service.alerts({ targetId: w.targetId })).find((a) => a.key === alert.key)!;
    expect(named.finding).toMatch(/main\.leakHeap/);
  });
});

/**
 * An engine on a data folder of its own watching `fx` (or `pprofUrl` in front of it) with these thresholds, automatic
 * captures with no gap, every event it tells kept.
 */
async function watchWithLines(fx: Fixture, thresholds: Record<string, { line: number }>, cadences: { sampleMs: number; fdBreakdownMs?: number }, pprofUrl = fx.pprofUrl) {
  const parsed = parseDetectorSettings({ thresholds }, DEFAULT_DETECTOR_SETTINGS);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const dataDir = mkdtempSync(join(tmpdir(), 'leakbar-lines-'));
  const service = await createService({ dataDir, detectorSettings: parsed.settings, cadences, autoCaptureGapMs: 0 });
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => service.close());
  const events: ApiEvent[] = [];
  service.subscribe((e) => events.push(e));
  const { target } = await service.addTarget({ name: 'fixture', pid: fx.pid, pprofUrl });
  return { service, events, target, dataDir };
}

describe('a finding the leak has outgrown', () => {
  it('is taken again once the figure has doubled since its capture, and not before', async () => {
    const fx = await startFixture({ files: 1 });
    cleanup.push(() => fx.stop());
    // An FD line of 20: the fixture holds fewer at its start.
    const { service, events, target, dataDir } = await watchWithLines(fx, { fds: { line: 20 } }, { sampleMs: 300, fdBreakdownMs: 5000 });
    const fdAlert = async () => (await service.alerts({ targetId: target.id })).find((a) => a.key === 'threshold:fds');
    // The FD alert's captures (the repeated-file alert may take one of its own).
    const captured = () => events.filter((e) => e.type === 'capture-done' && e.capture.alertKey === 'threshold:fds').length;

    await fx.leak({ fds: 30 });
    await until(() => captured() === 1, 20_000, 'the first capture');
    await until(() => events.some((e) => e.type === 'alert' && e.alert.key === 'threshold:fds' && e.alert.captureValue !== undefined), 10_000, 'the first finding');
    const first = (await fdAlert())!;
    expect(first.captureValue).toBeGreaterThan(20);
    expect(first.finding).toMatch(/leaky-\d+-0\.dat/);

    // Doubled since: a second capture, and the finding speaks of it.
    await fx.leak({ fds: 2 * first.captureValue! });
    await until(() => captured() === 2, 20_000, 'the capture taken again');
    await until(() => events.some((e) => e.type === 'alert' && e.alert.key === 'threshold:fds' && (e.alert.captureValue ?? 0) > first.captureValue!), 10_000, 'the new finding');
    const second = (await fdAlert())!;
    expect(second.id).toBe(first.id);
    expect(second.captureId).not.toBe(first.captureId);
    expect(second.captureValue).toBeGreaterThanOrEqual(2 * first.captureValue!);
    expect(second.finding).toMatch(/leaky-\d+-0\.dat/);
    // Kept on disk with the alert, so a restart goes on from it.
    const stored = () =>
      readFileSync(join(dataDir, 'targets', target.id, 'alerts.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Alert)
        .filter((a) => a.id === first.id)
        .at(-1);
    await until(() => stored()?.captureId === second.captureId, 5_000, 'the alert on disk with its new capture');
    expect(stored()?.captureValue).toBe(second.captureValue);

    // Grown, but not doubled again: no third capture.
    await fx.leak({ fds: 10 });
    const sampled = events.filter((e) => e.type === 'sample').length;
    await until(() => events.filter((e) => e.type === 'sample').length >= sampled + 6, 10_000, 'samples after a small rise');
    expect(captured()).toBe(2);
  });
});

describe('a finding with no earlier capture to compare with', () => {
  it('names the largest goroutine group by the function that waits, not by the runtime frame on top', async () => {
    // 200 goroutines blocked from the start: the alert's goroutine capture is the first of the target.
    const fx = await startFixture({ goroutines: 200 });
    cleanup.push(() => fx.stop());
    const { events } = await watchWithLines(fx, { goroutines: { line: 100 } }, { sampleMs: 300 });
    await until(() => events.some((e) => e.type === 'alert' && e.alert.key === 'threshold:goroutines' && e.alert.finding !== undefined), 20_000, 'the finding');
    const finding = events.flatMap((e) => (e.type === 'alert' && e.alert.finding !== undefined ? [e.alert.finding] : []))[0]!;
    expect(finding).toMatch(/^largest group at \d\d:\d\d: main\.waitForever ×200 \(chan receive\)$/);
  });
});

describe('an automatic capture that fails', () => {
  it('is said with its alert, why, rather than leaving the alert without a capture and nobody knowing', async () => {
    const fx = await startFixture();
    cleanup.push(() => fx.stop());
    // In front of the fixture: the goroutine count (debug=1) goes through, a goroutine capture's reads answer 500.
    const proxy = await startProxyFailingGoroutineCaptures(fx.baseUrl);
    cleanup.push(() => proxy.close());
    const { events } = await watchWithLines(fx, { goroutines: { line: 3 } }, { sampleMs: 300 }, proxy.pprofUrl);
    await until(() => events.some((e) => e.type === 'alert' && e.alert.key === 'threshold:goroutines' && e.alert.captureError !== undefined), 20_000, 'the failed capture said with the alert');
    const told = events.flatMap((e) => (e.type === 'alert' && e.alert.captureError !== undefined ? [e.alert] : []))[0]!;
    expect(told.captureError).toMatch(/500/);
    expect(told.captureId).toBeUndefined();
    expect(events.some((e) => e.type === 'capture-failed')).toBe(true);
  });
});

describe('a snoozed condition that comes back', () => {
  it('is recorded snoozed, with no notice, when it starts again during the snooze (a restart in between)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbar-snoozed-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    let fx = await startFixture({ dir });
    cleanup.push(() => fx.stop());
    // An FD line of 3: the fixture holds more from its start.
    const low = parseDetectorSettings({ thresholds: { fds: { line: 3 } } }, DEFAULT_DETECTOR_SETTINGS);
    if (!low.ok) throw new Error(low.problems.join('; '));
    const dataDir = join(dir, 'data');
    const service = await createService({ dataDir, detectorSettings: low.settings, cadences: { sampleMs: 300 } });
    cleanup.push(() => service.close());
    const events: ApiEvent[] = [];
    service.subscribe((e) => events.push(e));
    const { target } = await service.addTarget({ name: 'fixture', match: `leaky.*${dir}`, pprofUrl: null });
    const fdAlert = (e: ApiEvent): e is Extract<ApiEvent, { type: 'alert' }> => e.type === 'alert' && e.alert.key === 'threshold:fds';
    await until(() => events.some((e) => fdAlert(e) && e.change === 'fired'), 15_000, 'the FD alert');
    const first = events.find((e) => fdAlert(e) && e.change === 'fired') as Extract<ApiEvent, { type: 'alert' }>;
    const untilMs = Date.now() + 10 * 60_000;
    await service.snoozeAlert({ alertId: first.alert.id, untilMs });

    // The program restarts: its alert ends with it, and the condition is back at once under the snooze.
    await fx.stop();
    fx = await startFixture({ dir });
    const again = (e: ApiEvent) => fdAlert(e) && e.alert.id !== first.alert.id;
    await until(() => events.some(again), 20_000, 'the FD alert of the new process');
    expect(events.filter((e) => again(e) && (e as Extract<ApiEvent, { type: 'alert' }>).change === 'fired')).toEqual([]);
    const second = (events.find(again) as Extract<ApiEvent, { type: 'alert' }>).alert;
    expect(second).toMatchObject({ state: 'snoozed', snoozedUntilMs: untilMs });
    // On disk, so another leakbar reading this history, or this one after a restart, goes by it.
    await service.close();
    const stored = readFileSync(join(dataDir, 'targets', target.id, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
    expect(stored.filter((a) => a.id === second.id).at(-1)).toMatchObject({ state: 'snoozed', snoozedUntilMs: untilMs });
  });
});
