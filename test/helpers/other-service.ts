/**
 * A leakbar engine (createService) in another process, on a data folder this test shares: the way a `serve` beside a
 * `watch` runs. It watches one target and says on stdout, one JSON line each, when it is ready, every alert that
 * fires and every capture that comes in; `close()` stops it as a person would (the service closes, then it exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { DetectorSettings } from '../../src/shared/alerts.js';
import type { TargetInput } from '../../src/shared/api.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVICE_MODULE = resolve(ROOT, 'src/engine/service.ts');

/** What the other process said, in order. */
export type OtherSaid = { ready: string } | { fired: { id: string; key: string } } | { captured: { id: string; alertKey: string | null } } | { closed: true };

/** A running engine in another process. */
export interface OtherService {
  child: ChildProcess;
  pid: number;
  /** Everything it said so far. */
  said: OtherSaid[];
  /** Closes its service and waits (bounded) for it to exit. */
  close(): Promise<void>;
}

/** Starts the engine in another process on `dataDir`, watching `target`, and waits (≤ 30 s) until its target is added. */
export async function startOtherService(options: { dataDir: string; target: TargetInput; detectorSettings: DetectorSettings; sampleMs: number }): Promise<OtherService> {
  const script = `
    const { createService } = await import(${JSON.stringify(SERVICE_MODULE)});
    const { createInterface } = await import('node:readline');
    const say = (x) => process.stdout.write(JSON.stringify(x) + '\\n');
    const service = await createService({
      dataDir: ${JSON.stringify(options.dataDir)},
      detectorSettings: ${JSON.stringify(options.detectorSettings)},
      cadences: { sampleMs: ${options.sampleMs}, fdBreakdownMs: 60000, memStatsMs: 60000, memoryMapMs: 600000 },
    });
    service.subscribe((e) => {
      if (e.type === 'alert' && e.change === 'fired') say({ fired: { id: e.alert.id, key: e.alert.key } });
      if (e.type === 'capture-done') say({ captured: { id: e.capture.id, alertKey: e.capture.alertKey } });
    });
    const { target } = await service.addTarget(${JSON.stringify(options.target)});
    say({ ready: target.id });
    for await (const line of createInterface({ input: process.stdin })) {
      if (line === 'close') break;
    }
    await service.close();
    say({ closed: true });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const said: OtherSaid[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => said.push(JSON.parse(line) as OtherSaid));
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit').then(() => {}));
  const other: OtherService = {
    child,
    pid: child.pid!,
    said,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end('close\n');
      try {
        await Promise.race([exited(), new Promise((_, fail) => setTimeout(() => fail(new Error(`the other leakbar did not exit within 15 s: ${stderr}`)), 15_000).unref())]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  };
  const end = Date.now() + 30_000;
  while (!said.some((x) => 'ready' in x)) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`the other leakbar did not start within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return other;
}
