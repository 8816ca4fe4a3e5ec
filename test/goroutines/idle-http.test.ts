/**
 * Idle HTTP keep-alive connections of the Go fixture: shown, and worded as waiting by design, not as suspicious —
 * unless they grow or pile up, as connections never closed do — while its leaked goroutines stay suspicious.
 */
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  diffGoroutineDumps,
  formatGoroutineDumpText,
  groupName,
  IDLE_GROWTH,
  IDLE_MANY,
  idleWaitText,
  judgeAgainstBase,
  parseGoroutineDump,
  type GoroutineDump,
  type GoroutineGroup,
} from '../../src/analysis/goroutines/index.js';
import { httpGet } from '../../src/collectors/http-get.js';
import { AnalysisSession } from '../../src/renderer/inspector/analysis-core.js';
import { buildGoFixture, startFixture, type Fixture } from '../helpers/fixture.js';
import { leakbar } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const LEAKED = 3;
let fx: Fixture;
let dir = '';
const agents: http.Agent[] = [];
/** Keep-alive connections open and idle so far. */
let idleOpen = 0;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: root });
  dir = mkdtempSync(join(tmpdir(), 'leakbar-idle-http-'));
  fx = await startFixture({ goroutines: LEAKED });
}, 120_000);

afterAll(async () => {
  for (const a of agents) a.destroy();
  await fx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens `n` more keep-alive connections to the fixture, one request each, and leaves them open and idle. */
async function openIdle(n: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  agents.push(agent);
  // All requests in flight at once: the agent opens n sockets rather than reusing one.
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((ok, fail) => {
          http.get(`${fx.baseUrl}/debug/pprof/cmdline`, { agent }, (res) => res.resume().on('end', ok)).on('error', fail);
        }),
    ),
  );
  expect(agent.freeSockets[Object.keys(agent.freeSockets)[0]!]).toHaveLength(n);
  idleOpen += n;
}

/** The server goroutines of the idle connections: (*conn).serve reading the next request. */
const idleConns = (d: GoroutineDump): GoroutineGroup[] => d.groups.filter((g) => g.frames.some((f) => f.function === 'net/http.(*conn).readRequest'));
const leakGroup = (d: GoroutineDump): GoroutineGroup | undefined => d.groups.find((g) => g.frames.some((f) => f.function === 'main.waitForever'));

/**
 * A dump fetched on a connection of its own that closes (not the global fetch, whose connection would stay as one
 * more idle one), once every idle connection's goroutine is back in its read and the leaked ones in their receive.
 */
async function settledDump(debug: 1 | 2): Promise<{ text: string; dump: GoroutineDump }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = new TextDecoder().decode((await httpGet(`${fx.pprofUrl}goroutine?debug=${debug}`, { timeoutMs: 10_000 })).body);
    const dump = parseGoroutineDump(text);
    const idle = idleConns(dump);
    const settled = idle.length === 1 && idle[0]!.count === idleOpen && (debug === 1 || leakGroup(dump)?.states[0]?.state === 'chan receive');
    if (settled || Date.now() > deadline) return { text, dump };
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

describe('idle HTTP keep-alive connections of the Go fixture', () => {
  let base: GoroutineDump;
  let baseFile = '';

  it('debug=2: the idle connection is shown, idle by design, not suspicious; the goroutines leaked on a channel are', async () => {
    await openIdle(1);
    const { text, dump } = await settledDump(2);
    base = dump;
    baseFile = join(dir, 'base-debug2.txt');
    writeFileSync(baseFile, text);
    const [idle] = idleConns(dump);
    expect(idle).toMatchObject({ count: 1, blockedOn: 'io-wait', idleWait: 'http-server-conn', idleGrowth: null, suspicious: false });
    expect(idle!.states).toEqual([{ state: 'IO wait', count: 1 }]);
    expect(idleWaitText(idle!)).toBe('idle by design: HTTP keep-alive connection, waiting for its next request');
    expect(leakGroup(dump)).toMatchObject({ count: LEAKED, blockedOn: 'chan-receive', idleWait: null, suspicious: true });
    // The leaked goroutines are all that is suspicious: main, the accept loop and the idle connection wait by design.
    expect(dump.groups.filter((g) => g.suspicious).map(groupName)).toEqual(['main.waitForever']);
    expect(dump.suspiciousTotal).toBe(LEAKED);
    expect(formatGoroutineDumpText(dump)).toMatch(/^ {3}1 goroutine in \S+ · IO wait · idle by design: HTTP keep-alive connection, waiting for its next request · key /m);
  });

  it('debug=1: the same stack, under the same key, not suspicious', async () => {
    const { dump } = await settledDump(1);
    const [idle] = idleConns(dump);
    expect(idle).toMatchObject({ key: idleConns(base)[0]!.key, count: 1, blockedOn: 'io-wait', idleWait: 'http-server-conn', suspicious: false });
  });

  it('leakbar profile goroutines words it so: unmarked, "idle by design", the leak marked', async () => {
    const r = await leakbar(['profile', 'goroutines', baseFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {3}1 goroutine in \S+ · IO wait · idle by design: HTTP keep-alive connection, waiting for its next request · key /m);
    expect(r.stdout).toMatch(new RegExp(`^! {2}${LEAKED} goroutines in main\\.waitForever · chan receive · `, 'm'));
    expect(r.stdout.split('\n')[0]).toContain(`; ${LEAKED} in suspicious stacks (!: `);
  });

  it(`a few more idle connections are no sign; ${IDLE_GROWTH} or more new since the base are flagged, and say why`, async () => {
    await openIdle(IDLE_GROWTH - 1);
    const few = (await settledDump(2)).dump;
    expect(idleConns(few)[0]).toMatchObject({ count: IDLE_GROWTH, suspicious: false });
    const fewDiff = diffGoroutineDumps(base, few);
    expect(fewDiff.grew.find((c) => c.key === idleConns(base)[0]!.key)).toMatchObject({ delta: IDLE_GROWTH - 1, group: { idleGrowth: null, suspicious: false } });

    await openIdle(2);
    const { text, dump } = await settledDump(2);
    const grown = idleOpen - 1;
    expect(grown).toBeGreaterThanOrEqual(IDLE_GROWTH);
    // Alone, the dump cannot tell growth: the group stays idle by design.
    expect(idleConns(dump)[0]).toMatchObject({ count: idleOpen, suspicious: false });
    // Against the base, it grew: suspicious, with the reason.
    const judged = judgeAgainstBase(base, dump);
    const idle = idleConns(judged)[0]!;
    expect(idle).toMatchObject({ count: idleOpen, idleGrowth: grown, suspicious: true });
    expect(idleWaitText(idle)).toBe(`idle HTTP connections: ${idleOpen}, grew by ${grown}`);
    expect(judged.suspiciousTotal).toBe(LEAKED + idleOpen);
    const diff = diffGoroutineDumps(base, dump);
    expect(diff.grew.find((c) => c.key === idle.key)).toMatchObject({ delta: grown, group: { suspicious: true, idleGrowth: grown } });

    // The command line with --base marks it, and says why.
    const file = join(dir, 'grown-debug2.txt');
    writeFileSync(file, text);
    const r = await leakbar(['profile', 'goroutines', file, '--base', baseFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^! {2}\\+${grown} \\(1 → ${idleOpen}\\) in \\S+ · IO wait · idle HTTP connections: ${idleOpen}, grew by ${grown} · key `, 'm'));

    // The inspector's worker judges the list against the base as well.
    const enc = (t: string) => new TextEncoder().encode(t).buffer as ArrayBuffer;
    const { result } = await new AnalysisSession().handle({ type: 'goroutines', text: enc(text), baseText: enc(readFileSync(baseFile, 'utf8')) });
    expect(idleConns(result.dump)[0]).toMatchObject({ suspicious: true, idleGrowth: grown });
    expect(result.dump.suspiciousTotal).toBe(LEAKED + idleOpen);
  });

  it(`more than ${IDLE_MANY} idle connections are flagged in a dump alone`, async () => {
    await openIdle(IDLE_MANY + 1 - idleOpen);
    const { dump } = await settledDump(2);
    const idle = idleConns(dump)[0]!;
    expect(idle).toMatchObject({ count: IDLE_MANY + 1, idleWait: 'http-server-conn', idleGrowth: null, suspicious: true });
    expect(idleWaitText(idle)).toBe(`idle HTTP connections: ${IDLE_MANY + 1}, more than ${IDLE_MANY}`);
    expect(dump.suspiciousTotal).toBe(LEAKED + IDLE_MANY + 1);
    expect(leakGroup(dump)!.suspicious).toBe(true);
  });
});

describe("the runtime's own waiters", () => {
  it('are never suspicious: their states are no wait a leak hides in (already so before idle waits were named)', async () => {
    // Go leaves them out of goroutine profiles; a crash dump with GOTRACEBACK=system shows them, as SIGQUIT prints it.
    const child = spawn(buildGoFixture('leaky'), ['-addr', '127.0.0.1:0', '-duration', '1m'], { env: { ...process.env, GOTRACEBACK: 'system' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((ok) => child.stdout.once('data', ok));
    const exited = new Promise((ok) => child.once('close', ok));
    child.kill('SIGQUIT');
    await exited;
    const dump = parseGoroutineDump(stderr);
    const runtimeOwn = dump.groups.filter((g) => ['runtime.forcegchelper', 'runtime.bgsweep', 'runtime.bgscavenge', 'runtime.runfinq'].some((fn) => g.frames.some((f) => f.function === fn)));
    // Each in its wait, or runnable at the moment of the dump (on a loaded machine the finalizer goroutine may just be woken).
    const states = runtimeOwn.flatMap((g) => g.states.map((s) => s.state));
    expect(states).toHaveLength(4);
    for (const state of states) expect(['GC scavenge wait', 'GC sweep wait', 'finalizer wait', 'force gc (idle)', 'runnable']).toContain(state);
    expect(states.filter((s) => s !== 'runnable').length).toBeGreaterThan(0);
    for (const g of runtimeOwn) expect(g).toMatchObject({ blockedOn: null, suspicious: false });
  });
});
