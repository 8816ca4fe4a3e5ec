/** `leakbar profile top` names the file at fault when one of two profiles cannot be read. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = join(import.meta.dirname, '..', '..');
const good = join(root, 'test', 'golden', 'heap-2.pb.gz');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = ['--import', 'tsx', join(root, 'test', 'profile', 'cli-entry.ts'), ...args];
  return new Promise((ok) => {
    execFile(process.execPath, argv, { env: { ...process.env, TZ: 'UTC' }, cwd: root }, (err, stdout, stderr) => {
      ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('leakbar profile top with a corrupt profile', () => {
  let dir = '';
  let corrupt = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-names-'));
    // A real heap profile whose first tag byte is turned into field 1, wire type 6 (no such wire type).
    const raw = Buffer.from(gunzipSync(readFileSync(join(root, 'test', 'golden', 'heap-1.pb.gz'))));
    raw[0] = (1 << 3) | 6;
    corrupt = join(dir, 'corrupt.pb.gz');
    writeFileSync(corrupt, gzipSync(raw));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a corrupt --diff-base, and not the good profile', async () => {
    const r = await run(['profile', 'top', good, '--diff-base', corrupt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`leakbar: ${corrupt}: the profile is corrupt: unknown wire type 6`);
    expect(r.stderr).not.toContain(good);
  });

  it('names a corrupt --base', async () => {
    const r = await run(['profile', 'top', good, '--base', corrupt]);
    expect(r.stderr).toContain(`leakbar: ${corrupt}: the profile is corrupt: unknown wire type 6`);
  });

  it('names a corrupt main file when the base is good', async () => {
    const r = await run(['profile', 'top', corrupt, '--diff-base', good]);
    expect(r.stderr).toContain(`leakbar: ${corrupt}: the profile is corrupt`);
    expect(r.stderr).not.toContain(good);
  });
});
