import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leakbar } from '../helpers/cli.js';

describe('the command’s output through a pipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakbar-output-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('arrives whole past a pipe’s 64 KiB, JSON included, although the command exits as soon as it is done', async () => {
    // 3,000 distinct stacks: several hundred KB of output, far past what a pipe holds at once.
    const records = Array.from({ length: 3000 }, (_, i) => `1 @ 0x1 0x2\n#\t0x1\tmain.worker${i}+0x1\t/app/main.go:${i + 1}\n#\t0x2\truntime.goexit+0x1\t/go/src/runtime/asm_amd64.s:1\n`);
    const file = join(dir, 'dump.txt');
    writeFileSync(file, `goroutine profile: total 3000\n${records.join('\n')}`);
    const json = await leakbar(['profile', 'goroutines', '--json', file]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout.length).toBeGreaterThan(256 * 1024);
    const dump = JSON.parse(json.stdout) as { total: number; groups: unknown[] };
    expect(dump.total).toBe(3000);
    expect(dump.groups).toHaveLength(3000);
    const text = await leakbar(['profile', 'goroutines', '--groups', '0', '--frames', '0', file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('main.worker2999');
  });
});
