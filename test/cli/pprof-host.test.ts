/**
 * A --pprof host that does not resolve, through the built CLI: capture, profile and watch say there is no such host
 * (ENOTFOUND), not that a connection was refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leakbar } from '../helpers/cli.js';

/**
 * A host name that never resolves, and is never asked of a name server: the C library refuses an empty label
 * (`..`) itself (ENOTFOUND), so the test sends nothing past this machine.
 */
const NO_HOST = 'leakbar..invalid';
const SAID = new RegExp(`: no host named ${NO_HOST.replace(/\./g, '\\.')} \\(ENOTFOUND\\)`);

const dir = mkdtempSync(join(tmpdir(), 'leakbar-pprof-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a --pprof host that does not resolve', () => {
  it('capture says so, and exits non-zero', async () => {
    const r = await leakbar(['capture', 'heap', '--pprof', `${NO_HOST}:6060`, '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(SAID);
    expect(r.stderr).not.toContain('refused');
  });

  it('profile top on a URL says so', async () => {
    const r = await leakbar(['profile', 'top', `http://${NO_HOST}:6060/debug/pprof/heap`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(SAID);
  });

  it("watch says so in the pprof figures' status", async () => {
    const r = await leakbar(['watch', '--pid', String(process.pid), '--pprof', `${NO_HOST}:6060`, '--duration', '1', '--no-store', '--json']);
    const statuses = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'status');
    expect(statuses.length).toBeGreaterThan(0);
    for (const s of statuses) expect(JSON.stringify(s)).toMatch(SAID);
  });
});
