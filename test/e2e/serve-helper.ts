/** Starts the built `leakbar serve` and Debian's Chromium for the end-to-end tests; every wait is bounded. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const cli = resolve(import.meta.dirname, '../../bin/leakbar.js');

/** A running `leakbar serve`. */
export interface Serve {
  child: ChildProcess;
  /** The URL it printed: origin, token and `#/popover`. */
  url: string;
  origin: string;
  token: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawns `node bin/leakbar.js serve …args` and waits (≤ timeoutMs) for the URL line. */
export function startServe(args: string[], timeoutMs = 30_000): Promise<Serve> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stop = () =>
    new Promise<void>((ok) => {
      if (child.exitCode !== null || child.signalCode !== null) return ok();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        ok();
      });
      child.kill('SIGTERM');
    });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      void stop();
      fail(new Error(`leakbar serve printed no URL within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)#\/popover/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[0].slice('open '.length), origin: m[1]!, token: m[2]!, stderr: () => err, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`leakbar serve exited with ${code}; stderr: ${err}`));
    });
  });
}

/** Debian's Chromium, headless, with the flags a sandboxless CI box needs. */
/** Calls the API of a running serve (POST /api/call/NAME with its token); a refusal throws with its status and body. */
export async function apiCall<T>(serve: Pick<Serve, 'origin' | 'token'>, name: string, input: unknown, timeoutMs = 10_000): Promise<T> {
  const r = await fetch(`${serve.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!r.ok) throw new Error(`${name}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
