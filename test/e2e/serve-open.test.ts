/**
 * `leakbar serve --open` hands the browser a page only this user can read, which sends it on to the URL with the token:
 * the token never shows on a command line, where any user of the machine reads it (`ps -ef`). The browser opener
 * (`xdg-open`) is the boundary: a stand-in on PATH records what it was given, and Debian's Chromium then opens that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, until } from './serve-helper.js';

const cli = resolve(import.meta.dirname, '../../bin/leakbar.js');

/** What the stand-in `xdg-open` found: its arguments, and the page they name as it was at that moment. */
interface Opened {
  argv: string[];
  file?: string;
  fileMode?: number;
  dirMode?: number;
  fileUid?: number;
  dirEntries?: string[];
  content?: string;
  error?: string;
}

/** A stand-in `xdg-open` (a Node script) that writes what it was handed to `record` as JSON. */
function fakeXdgOpen(binDir: string, record: string): void {
  mkdirSync(binDir, { recursive: true });
  const script = [
    `#!${process.execPath}`,
    "const fs = require('node:fs');",
    "const path = require('node:path');",
    "const { fileURLToPath } = require('node:url');",
    'const argv = process.argv.slice(2);',
    'const rec = { argv };',
    'try {',
    "  const file = argv[0].startsWith('file:') ? fileURLToPath(argv[0]) : argv[0];",
    '  const st = fs.statSync(file);',
    '  rec.file = file;',
    '  rec.fileMode = st.mode & 0o777;',
    '  rec.fileUid = st.uid;',
    '  rec.dirMode = fs.statSync(path.dirname(file)).mode & 0o777;',
    '  rec.dirEntries = fs.readdirSync(path.dirname(file));',
    "  rec.content = fs.readFileSync(file, 'utf8');",
    '} catch (e) {',
    '  rec.error = String(e);',
    '}',
    `fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify(rec));`,
    '',
  ].join('\n');
  writeFileSync(join(binDir, 'xdg-open'), script);
  chmodSync(join(binDir, 'xdg-open'), 0o755);
}

/** A running `leakbar serve --open` with PATH (and any other variables) as given. */
interface OpenServe {
  child: ChildProcess;
  url: string;
  token: string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<number | null>;
}

function startServeOpen(args: string[], env: NodeJS.ProcessEnv): Promise<OpenServe> {
  const child = spawn(process.execPath, [cli, 'serve', '--open', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(kill);
      return code;
    }
    return child.exitCode;
  };
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      void stop();
      fail(new Error(`leakbar serve printed no URL within 30 s; stdout: ${out}; stderr: ${err}`));
    }, 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=([A-Za-z0-9_-]+)#\/popover)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[1]!, token: m[2]!, stdout: () => out, stderr: () => err, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`leakbar serve exited with ${code}; stderr: ${err}`));
    });
  });
}

describe('leakbar serve --open', () => {
  let dir: string;
  let sleeper: ChildProcess;
  let browser: Browser | null = null;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-serve-open-'));
    // A process to watch: its name on the page shows the page reached the API with the token.
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    sleeper?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hands the browser a page only this user can read, not the token; the page signs the browser in; it goes when serve stops', async () => {
    const binDir = join(dir, 'bin');
    const record = join(dir, 'opened.json');
    fakeXdgOpen(binDir, record);
    const serve = await startServeOpen(['--pid', String(sleeper.pid), '--no-pprof', '--interval', '1', '--data-dir', join(dir, 'data')], {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
    });
    try {
      await until('xdg-open to be run', async () => (existsSync(record) ? true : undefined), 15_000, 100);
      const opened = JSON.parse(readFileSync(record, 'utf8')) as Opened;
      // Nothing on its command line holds the token: one argument, a file:// URL of the page.
      expect(opened.argv).toHaveLength(1);
      expect(opened.argv[0]).toMatch(/^file:\/\//);
      expect(JSON.stringify(opened.argv)).not.toContain(serve.token);
      expect(opened.error).toBeUndefined();
      // The page: this user's, read and written by this user only, alone in a folder only this user can enter.
      expect(opened.fileMode).toBe(0o600);
      expect(opened.dirMode).toBe(0o700);
      expect(opened.fileUid).toBe(process.getuid!());
      expect(opened.dirEntries).toEqual([opened.file!.split('/').at(-1)]);
      // It leads to the URL serve printed, by a meta refresh and by script.
      const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(opened.content!);
      expect(refresh?.[1]?.replace(/&amp;/g, '&')).toBe(serve.url);
      expect(opened.content).toContain(`location.replace(${JSON.stringify(serve.url)})`);

      // Debian's Chromium opens the page as a browser would: it lands on serve, signed in with the token.
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 360, height: 480 } });
      page.setDefaultTimeout(30_000);
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(opened.argv[0]!);
      const origin = new URL(serve.url).origin;
      await until('the page to land on serve, the token out of the address bar', async () => (page.url().startsWith(`${origin}/`) && (await page.evaluate(() => location.search)) === '' ? true : undefined), 15_000);
      await expect.poll(() => page.getByTestId('target-name').textContent(), { timeout: 20_000 }).toBe(`pid ${sleeper.pid}`);
      await until('an FD count in the popover', async () => ((await page.getByTestId('figure-fds').locator('.figure-value').getAttribute('data-value')) ? true : undefined), 20_000);
      expect(await page.evaluate(() => sessionStorage.getItem('leakbar-token'))).toBe(serve.token);
      expect(problems).toEqual([]);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    // Gone with serve: the page and its folder.
    const opened = JSON.parse(readFileSync(record, 'utf8')) as Opened;
    expect(existsSync(opened.file!)).toBe(false);
    expect(existsSync(resolve(opened.file!, '..'))).toBe(false);
    expect(serve.stderr()).toBe('');
  }, 90_000);

  it('says to open the URL itself, and opens nothing, when the page cannot be written', async () => {
    const binDir = join(dir, 'bin-fail');
    const record = join(dir, 'opened-fail.json');
    fakeXdgOpen(binDir, record);
    // A temporary folder that is not there: the private folder for the page cannot be made.
    const serve = await startServeOpen(['--pid', String(sleeper.pid), '--no-pprof', '--data-dir', join(dir, 'data-fail')], {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      TMPDIR: join(dir, 'no-such-folder'),
    });
    try {
      await until('serve to say it could not open the browser', async () => (/could not write the page/.test(serve.stderr()) ? true : undefined), 15_000, 100);
      expect(serve.stderr()).toContain(`open this URL yourself: ${serve.url}`);
      // Give a browser opener time to have been run, had it been.
      await new Promise((ok) => setTimeout(ok, 1000));
      expect(existsSync(record)).toBe(false);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 60_000);
});
