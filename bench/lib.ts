/** Shared bench helpers: timing a whole process with its peak memory, and the machine notes every RESULTS.md starts with. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { execFileSync } from 'node:child_process';

/** One bench's part of bench/RESULTS.md. */
export interface BenchSection {
  title: string;
  /** Markdown body: a table of ratios, then the raw times beneath. */
  markdown: string;
}

/** Wall time and peak RSS of one run of a command. */
export interface ProcessRun {
  wallMs: number;
  maxRssBytes: number;
  stdout: string;
  code: number | null;
}

/** Runs a command to completion and reports its wall time and peak RSS (polling /proc/PID/status VmHWM every 20 ms until it exits). */
export function runProcess(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    let maxRss = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) maxRss = Math.max(maxRss, Number(m[1]) * 1024);
      } catch {
        /* exited between polls */
      }
    }, 20);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      resolve({ wallMs: performance.now() - start, maxRssBytes: maxRss, stdout, code });
    });
  });
}

/** The median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Machine notes for RESULTS.md: what the numbers were measured on. */
export function machineNotes(): string {
  let go = 'not found';
  try {
    go = execFileSync('go', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    /* no go */
  }
  return [
    `- date: ${new Date().toISOString()}`,
    `- cpu: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; kernel ${release()}`,
    `- node ${process.version}; ${go}`,
    '- a shared, noisy virtual machine: compare the ratios, which are measured side by side in the same run, not the absolute times.',
  ].join('\n');
}
