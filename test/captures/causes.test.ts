/** `leakbar captures` says what caused each capture in the app's words: an alert by name, the overnight test, or you. From the bundle (`npm run build:cli`), on captures of the real Go fixture. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
import { createCaptureService, createCaptureStore, type CaptureService } from '../../src/engine/captures/index.js';
import type { CaptureMeta } from '../../src/shared/captures.js';
import type { TargetConfig } from '../../src/shared/types.js';
import { leakbar } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { tempDir } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');

let fx: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };
let service: CaptureService;
let byAlert: CaptureMeta;
let byYou: CaptureMeta;
let overnightIds: string[];

beforeAll(async () => {
  if ((await leakbar(['captures', '--help'])).code !== 0) await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: root });
  fx = await startFixture();
  tmp = await tempDir();
  service = createCaptureService({ store: await createCaptureStore(tmp.dir), collectors: createCollectors() });
  const target: TargetConfig = { id: 'causes', name: 'leaky', selector: { pid: fx.pid }, pprofUrl: fx.pprofUrl, fdPatterns: [] };
  await fx.leak({ fds: 30 });
  // As the engine takes one when the repeated-file alert fires.
  byAlert = await service.capture({ target, pid: fx.pid, kind: 'system', alertKey: 'repeated-file:repeatedFiles' });
  byYou = await service.capture({ target, pid: fx.pid, kind: 'heap', note: 'before the deploy' });
  const status = await service.startOvernight({ target, pid: fx.pid, intervalMs: 1000 });
  const end = Date.now() + 20_000;
  while ((service.overnightStatus('causes')?.captureIds.length ?? 0) < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  const report = await service.stopOvernight('causes');
  overnightIds = report.captures.map((c) => c.id);
  expect(overnightIds[0]).toBe(status.baselineId);
  expect(overnightIds.length).toBeGreaterThanOrEqual(4);
}, 60_000);

afterAll(async () => {
  await service?.close();
  await fx?.stop();
  await tmp?.cleanup();
});

describe('leakbar captures, CAUSED BY', () => {
  it('names the alert as the app does, the overnight test for its captures, and you for the rest', async () => {
    const r = await leakbar(['captures', '--target', 'causes', '--data-dir', tmp.dir]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/ CAUSED BY$/);
    const cause = (id: string) => {
      const line = lines.find((l) => l.startsWith(`${id} `));
      expect(line, `${id} in\n${r.stdout}`).toBeDefined();
      return line!.slice(lines[0]!.indexOf('CAUSED BY'));
    };
    expect(cause(byAlert.id)).toBe('alert: a file open many times');
    expect(cause(byYou.id)).toBe('you');
    expect(overnightIds.map(cause)).toEqual(overnightIds.map(() => 'overnight test'));
    expect(r.stdout).not.toContain('repeated-file:repeatedFiles');
  });
});
