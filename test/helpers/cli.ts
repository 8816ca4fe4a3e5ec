/** Runs the built `leakbar` command (bin/leakbar.js → dist/cli.js) to completion, bounded by a timeout, collecting its output. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The command's entry point in this checkout. */
export const LEAKBAR_BIN = resolve(import.meta.dirname, '../../bin/leakbar.js');

/** What a run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `leakbar ARGS…`; a run past `timeoutMs` is killed (and ends with code null). */
export function leakbar(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [LEAKBAR_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}
