import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
import { parseProcStat } from '../../src/collectors/procfs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.platform !== 'linux')('a process that has exited but is not reaped (a zombie)', () => {
  // `sleep 0.1` is the child of a `sleep` that never waits for it: once it exits it stays a zombie.
  const parent = spawn('sh', ['-c', 'sleep 0.1 & exec sleep 20'], { stdio: 'ignore' });
  afterAll(() => {
    parent.kill('SIGKILL');
  });

  it('is reported as exited, not sampled as zeros', async () => {
    let zombie: number | null = null;
    for (let i = 0; i < 100 && zombie === null; i++) {
      await sleep(50);
      const children = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      zombie = children.find((pid) => parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).state === 'Z') ?? null;
    }
    expect(zombie, 'no zombie child appeared within 5 s').not.toBeNull();
    await expect(createCollectors().readProcess(zombie!, null)).rejects.toMatchObject({ code: 'no-such-process', message: `process ${zombie} has exited` });
  });
});
