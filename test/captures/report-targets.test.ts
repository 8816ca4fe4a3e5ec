/** `leakbar report` of two captures of two different targets says so, rather than calling it a restart. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { tempDir } from './helpers.js';
import { leakbar } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
let a: Fixture;
let b: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: root });
  tmp = await tempDir();
  [a, b] = await Promise.all([startFixture(), startFixture()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await tmp?.cleanup();
});

async function capture(fx: Fixture): Promise<CaptureMeta> {
  const r = await leakbar(['capture', 'goroutine', '--pid', String(fx.pid), '--pprof', fx.pprofUrl, '--out', tmp.dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CaptureMeta;
}

describe('leakbar report --current A --base B of two targets', () => {
  it('names both targets and says nothing of a restart', async () => {
    const base = await capture(a);
    const current = await capture(b);
    // Two programs running side by side: each is its own target (pid-N), both alive all along.
    expect(base.targetId).toBe(`pid-${a.pid}`);
    expect(current.targetId).toBe(`pid-${b.pid}`);
    const md = await leakbar(['report', '--current', current.id, '--base', base.id, '--data-dir', tmp.dir]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(`named with --base; of another target, ${base.targetId} (the current capture is of ${current.targetId})`);
    expect(md.stdout).not.toMatch(/restart/);
    const html = await leakbar(['report', '--current', current.id, '--base', base.id, '--data-dir', tmp.dir, '--format', 'html']);
    expect(html.stdout).toContain(`of another target, ${base.targetId}`);
    expect(html.stdout).not.toMatch(/restart/);
    const json = await leakbar(['report', '--current', current.id, '--base', base.id, '--data-dir', tmp.dir, '--format', 'json']);
    const markdown = (JSON.parse(json.stdout) as { markdown: string }).markdown;
    expect(markdown).toContain(`**the base is of another target**, \`${base.targetId}\``);
    expect(markdown).not.toMatch(/restart/);
  }, 60_000);
});
