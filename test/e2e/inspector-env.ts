/**
 * The inspector's end-to-end setting, shared by its tests, the screenshot script and the bench: the Go
 * fixture, `leakbar serve` watching it, Debian's Chromium, and captures taken through the API. Every
 * wait is bounded; `stop()` ends every process it started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TargetSummary } from '../../src/shared/api.js';
import type { CaptureKind, CaptureMeta } from '../../src/shared/captures.js';
import { startFixture, type Fixture, type FixtureFlags } from '../helpers/fixture.js';
import { apiCall, launchChromium, startServe, until, type Serve } from './serve-helper.js';

/** A running fixture + serve + browser. */
export interface InspectorEnv {
  dir: string;
  fx: Fixture;
  serve: Serve;
  browser: Browser;
  targetId: string;
  /** Calls the API over HTTP with the token. */
  call<T>(name: string, input: unknown): Promise<T>;
  /** Takes a capture of `kind` and resolves with its metadata once stored. */
  capture(kind: CaptureKind): Promise<CaptureMeta>;
  /** A page at the inspector of a capture (`query` is the hash query, e.g. `view=flame`), loaded with the token. */
  openInspector(page: Page, captureId: string, query?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the fixture, `leakbar serve` watching it (data in a fresh folder) and Chromium. The fixture
 * records every allocation (memprofilerate 1), so a heap profile holds each leak exactly, not by chance.
 */
export async function startInspectorEnv(fixtureFlags: FixtureFlags = {}, serveArgs: string[] = []): Promise<InspectorEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'leakbar-insp-'));
  let fx: Fixture | undefined;
  let serve: Serve | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    fx = await startFixture({ dir, memprofilerate: 1, ...fixtureFlags });
    serve = await startServe(['--match', `leaky.*${dir}`, '--pprof', fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', join(dir, 'data'), ...serveArgs]);
    browser = await launchChromium();
  } catch (e) {
    await stop();
    throw e;
  }
  const s = serve;
  const call = <T,>(name: string, input: unknown): Promise<T> => apiCall<T>(s, name, input, 30_000);
  const targetId = await until('the watcher to find the fixture', async () => {
    const ts = await call<TargetSummary[]>('listTargets', {});
    const t = ts[0];
    return t && t.status.pid ? t.target.id : undefined;
  });
  return {
    dir,
    fx,
    serve,
    browser,
    targetId,
    call,
    capture: (kind) => call<CaptureMeta>('startCapture', { targetId, kind }),
    async openInspector(page, captureId, query = '') {
      await page.goto(`${s.origin}/?token=${encodeURIComponent(s.token)}#/inspector/capture/${captureId}${query ? `?${query}` : ''}`);
      await page.getByTestId('capture-inspector').waitFor({ timeout: 30_000 });
    },
    stop,
  };
}
