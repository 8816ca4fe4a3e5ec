/**
 * `leakbar watch` prints its lines in time order: a sample is stamped when its reading began, and a problem found while
 * reading it (a slow pprof endpoint that then fails), a source failing or recovering meanwhile, and the result of the
 * capture taken for an alert all come out after the samples stamped before them, never before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { leakbar } from '../helpers/cli.js';
import { closeServer, forward, listen } from '../helpers/odd-servers.js';

/**
 * A proxy in front of the fixture's pprof endpoint that answers slowly and fails now and then: the goroutine count
 * after 600 ms (a 500 every fourth time), MemStats after 300 ms (a 500 every third time), and a goroutine capture
 * after 1.5 s with a 500. Everything else (the command line) goes through at once.
 */
async function startFlakyProxy(upstream: string): Promise<{ pprofUrl: string; server: Server }> {
  const target = new URL(upstream);
  let counts = 0;
  let heaps = 0;
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    const fail = (ms: number, body: string) => setTimeout(() => res.writeHead(500, { 'content-type': 'text/plain' }).end(body), ms);
    const slow = (ms: number) => setTimeout(() => forward(target, req, res), ms);
    if (url.startsWith('/debug/pprof/goroutine') && url.includes('debug=1')) {
      if (++counts % 4 === 1) fail(600, 'goroutine profile broken\n');
      else slow(600);
    } else if (url.startsWith('/debug/pprof/goroutine')) fail(1500, 'capture broken\n');
    else if (url.startsWith('/debug/pprof/heap') && url.includes('debug=1')) {
      if (++heaps % 3 === 1) fail(300, 'heap profile broken\n');
      else slow(300);
    } else forward(target, req, res);
  });
  return { pprofUrl: `${await listen(server)}/debug/pprof/`, server };
}

/** Each line's time in ms (from the start of the day for people's HH:MM:SS), in the order printed. */
function times(lines: string[], json: boolean): number[] {
  if (json) return lines.map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
  return lines.flatMap((l) => {
    const m = /^(\d\d):(\d\d):(\d\d) {2}/.exec(l);
    return m ? [(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000] : [];
  });
}

/** Where the times go backwards: each such pair of lines, for the failure message. */
function backwards(lines: string[], ts: number[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) out.push(`${lines[i - 1]}\n  then ${lines[i]}`);
  return out;
}

describe('leakbar watch prints its lines in time order', () => {
  let dir: string;
  let fx: Fixture;
  let proxy: { pprofUrl: string; server: Server };
  let alerts: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-watch-order-'));
    fx = await startFixture({ dir, goroutines: 120 });
    proxy = await startFlakyProxy(fx.baseUrl);
    // Goroutines past 50 fire at once, and the goroutine capture taken for that alert fails (slowly).
    alerts = join(dir, 'alerts.json');
    writeFileSync(alerts, JSON.stringify({ thresholds: { goroutines: { line: 50 } } }));
  });
  afterAll(async () => {
    if (proxy) await closeServer(proxy.server);
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const json of [true, false]) {
    it(`${json ? 'with --json' : 'for people'}: a sample before the problems found while reading it, and no time going back`, async () => {
      const args = ['watch', '--pid', String(fx.pid), '--pprof', proxy.pprofUrl, '--interval', '1', '--heap-interval', '1', '--duration', '12'];
      args.push('--alerts', alerts, '--data-dir', join(dir, json ? 'data-json' : 'data-text'));
      if (json) args.push('--json');
      const r = await leakbar(args, 40_000);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('leakbar: '));
      const ts = times(lines, json);
      expect(ts.length).toBe(lines.length);
      // Enough of each kind that an order that depends on the moment would show.
      const samples = json ? lines.filter((l) => l.includes('"type":"sample"')) : lines.filter((l) => / {2}pid \d+ {2}/.test(l));
      const problems = lines.filter((l) => (json ? /"type":"status","[^]*"ok":false/.test(l) || /"ok":false/.test(l) : / {2}problem \(/.test(l)));
      expect(samples.length, r.stdout).toBeGreaterThanOrEqual(9);
      expect(problems.length, r.stdout).toBeGreaterThanOrEqual(4);
      expect(lines.some((l) => (json ? l.includes('"type":"capture-failed"') : / {2}no capture \(/.test(l))), r.stdout).toBe(true);
      expect(backwards(lines, ts), r.stdout).toEqual([]);
    }, 60_000);
  }
});
