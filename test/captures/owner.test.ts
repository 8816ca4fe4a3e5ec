/**
 * A capture stores only the profile of the process it names: an endpoint serving another program, or one
 * that is not Go's pprof, is refused before anything is kept; one without a `cmdline` page goes ahead.
 * What a server sent is quoted escaped; a stuck endpoint is blamed on the program, with the CPU hint for CPU only.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectors } from '../../src/collectors/index.js';
import { createCaptureFetch, createCaptureService, createCaptureStore, type CaptureStore } from '../../src/engine/captures/index.js';
import { createService } from '../../src/engine/service.js';
import type { TargetConfig } from '../../src/shared/types.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { controlChars, startOddServers, startProxyWithoutCmdline, type OddServers } from '../helpers/odd-servers.js';
import { tempDir } from './helpers.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
/** Two copies of the Go fixture with different command lines, as two services on one machine. */
let a: Fixture;
let b: Fixture;
let odd: OddServers;

beforeAll(async () => {
  [tmp, a, b, odd] = await Promise.all([tempDir(), startFixture(), startFixture({ files: 4 }), startOddServers()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), odd?.close()]);
  await tmp?.cleanup();
});

/** Pid `pid` with its pprof endpoint said to be at `pprofUrl`. */
const target = (id: string, pid: number, pprofUrl: string): TargetConfig => ({ id, name: `target ${id}`, selector: { pid }, pprofUrl, fdPatterns: [] });

async function serviceFor(name: string, options: { collectors?: boolean; fetch?: Parameters<typeof createCaptureService>[0]['fetch'] } = {}) {
  const store = await createCaptureStore(join(tmp.dir, name));
  return { store, service: createCaptureService({ store, collectors: options.collectors === false ? null : createCollectors(), fetch: options.fetch }) };
}

async function entries(store: CaptureStore, targetId: string): Promise<string[]> {
  return readdir(join(store.root, targetId)).catch(() => []);
}

describe('a capture checks that the pprof endpoint is its process’s own', () => {
  it('refuses to store A’s heap under pid B, and keeps nothing', async () => {
    const { store, service } = await serviceFor('others');
    const err = (await service.capture({ target: target('b', b.pid, a.pprofUrl), pid: b.pid, kind: 'heap' }).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err).toMatchObject({ code: 'bad-input' });
    expect(err.message).toMatch(new RegExp(`^the pprof endpoint at ${a.pprofUrl.replace(/[.?]/g, '\\$&')} belongs to another program \\(.*leaky-\\w+ .*127\\.0\\.0\\.1:0 -duration 10m\\), not to pid ${b.pid} \\(.*-files 4\\)$`));
    expect(err.hint).toContain('pass --pprof');
    expect(await entries(store, 'b')).toEqual([]);
    // A CPU profile is refused at once too, not after its seconds.
    await expect(service.capture({ target: target('b', b.pid, a.pprofUrl), pid: b.pid, kind: 'cpu', seconds: 30 })).rejects.toMatchObject({ code: 'bad-input' });
    expect(await store.list()).toEqual([]);
  });

  it('refuses a pid that is gone, whatever answers at the address, and keeps nothing', async () => {
    const { store, service } = await serviceFor('gone');
    const gone = spawn('true');
    await once(gone, 'exit');
    await expect(service.capture({ target: target('gone', gone.pid!, a.pprofUrl), pid: gone.pid!, kind: 'heap' })).rejects.toMatchObject({
      code: 'no-such-process',
      message: `pid ${gone.pid} is gone: nothing captured`,
    });
    expect(await store.list()).toEqual([]);
    expect(await readdir(store.root)).toEqual([]);
  });

  it('stores B’s heap from B’s own endpoint', async () => {
    const { service } = await serviceFor('own');
    const meta = await service.capture({ target: target('b', b.pid, b.pprofUrl), pid: b.pid, kind: 'heap' });
    expect(meta).toMatchObject({ kind: 'heap', pid: b.pid });
    expect(meta.files.map((f) => f.name)).toEqual(['heap.pb.gz']);
  });

  it('keeps a bundle’s system snapshot of B and skips the profiles of A’s endpoint, saying why once', async () => {
    const { service } = await serviceFor('bundle-others');
    const meta = await service.capture({ target: target('b', b.pid, a.pprofUrl), pid: b.pid, kind: 'bundle' });
    expect(meta.files.map((f) => f.name)).toEqual(['process.json', 'fds.json', 'memory-map.json']);
    expect(meta.note).toMatch(/^Skipped: heap \(the pprof endpoint at .* belongs to another program .*\); allocs \(not tried: the endpoint is not pid \d+’s\); goroutine \(not tried/);
  });

  it('goes ahead as before when the endpoint has no cmdline page (an older or non-Go server)', async () => {
    const proxy = await startProxyWithoutCmdline(a.baseUrl);
    try {
      const { service } = await serviceFor('no-cmdline');
      const meta = await service.capture({ target: target('b', b.pid, proxy.pprofUrl), pid: b.pid, kind: 'heap' });
      expect(meta.files.map((f) => f.name)).toEqual(['heap.pb.gz']);
    } finally {
      await proxy.close();
    }
  });

  it('refuses in serve too: startCapture of a target whose endpoint is another program’s', async () => {
    const dataDir = join(tmp.dir, 'serve');
    const engine = await createService({ dataDir, persist: false, cadences: { sampleMs: 500 } });
    try {
      const summary = await engine.addTarget({ name: 'b', pid: b.pid, pprofUrl: a.pprofUrl });
      await expect(engine.startCapture({ targetId: summary.target.id, kind: 'heap' })).rejects.toMatchObject({
        code: 'bad-input',
        message: expect.stringContaining(`belongs to another program`),
      });
      expect(await engine.listCaptures({ targetId: summary.target.id })).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});

describe('an endpoint that is not Go’s pprof', () => {
  it('is named as such for a known pid, not as another program, quoting the HTML once', async () => {
    const { store, service } = await serviceFor('html');
    await expect(service.capture({ target: target('b', b.pid, odd.html), pid: b.pid, kind: 'heap' })).rejects.toMatchObject({
      code: 'endpoint-garbage',
      message: `the pprof endpoint at ${odd.html} does not answer like Go's net/http/pprof (got "<html><body>hello</body></html>")`,
    });
    expect(await entries(store, 'b')).toEqual([]);
  });

  it('describes random bytes by size and first bytes, with no control character in the message', async () => {
    const { service } = await serviceFor('binary');
    const err = (await service.capture({ target: target('b', b.pid, odd.binary), pid: b.pid, kind: 'goroutine' }).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'endpoint-garbage', message: expect.stringContaining('(got 4096 bytes of binary data, starting 6d f9 1b 5b 32 4a 07 c2)') });
    expect(controlChars(err.message)).toEqual([]);
  });

  it('refuses to store random bytes as heap.pb.gz (no pid to check): not a profile, quoted safely', async () => {
    const { store, service } = await serviceFor('binary-pprof-only', { collectors: false });
    const err = (await service.capture({ target: target('rnd', b.pid, odd.binary), pid: null, kind: 'heap' }).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'not-a-profile', message: `${odd.binary}heap?gc=1 answered with something other than a gzipped profile (4096 bytes of binary data, starting 6d f9 1b 5b 32 4a 07 c2)` });
    expect(await entries(store, 'rnd')).toEqual([]);
  });

  it('escapes terminal escapes in a text answer and in an error page', async () => {
    const { service } = await serviceFor('escapes', { collectors: false });
    for (const [url, code] of [
      [odd.escapes, 'not-a-profile'],
      [odd.escapes500, 'endpoint-status'],
    ] as const) {
      const err = (await service.capture({ target: target('esc', b.pid, url), pid: null, kind: 'allocs' }).catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ code, message: expect.stringContaining(String.raw`"\u001b[2J\u001b]0;owned\u0007hello \u009b31mred`) });
      expect(controlChars(err.message)).toEqual([]);
    }
    const dump = (await service.capture({ target: target('esc', b.pid, odd.escapes), pid: null, kind: 'goroutine' }).catch((e: unknown) => e)) as Error;
    expect(controlChars(dump.message)).toEqual([]);
  });
});

describe('an endpoint that never answers', () => {
  /** The real fetch, with the wait asked for recorded and cut short so the test does not take it. */
  function shortened(asked: number[]) {
    const real = createCaptureFetch();
    return (url: string, o: { timeoutMs: number; signal?: AbortSignal }) => {
      asked.push(o.timeoutMs);
      return real(url, { ...o, timeoutMs: Math.min(o.timeoutMs, 300) });
    };
  }

  it('names the URL and the program for a heap profile, which waits less than a CPU profile’s pprof default, with no CPU hint', async () => {
    const asked: number[] = [];
    const { service } = await serviceFor('hang-heap', { collectors: false, fetch: shortened(asked) });
    const err = (await service.capture({ target: target('h', b.pid, odd.hang), pid: null, kind: 'heap' }).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err).toMatchObject({
      code: 'timeout',
      message: `GET ${odd.hang}heap?gc=1: no answer within 300 ms`,
      hint: 'the program may be stuck, stopped in a debugger, or this is not its pprof address',
    });
    expect(asked).toEqual([20_000]);
  });

  it('checks the owner of a stuck endpoint with the same wait, and says so naming its cmdline page', async () => {
    const asked: number[] = [];
    const { service } = await serviceFor('hang-owner', { fetch: shortened(asked) });
    await expect(service.capture({ target: target('h', b.pid, odd.hang), pid: b.pid, kind: 'goroutine' })).rejects.toMatchObject({
      code: 'timeout',
      message: `GET ${odd.hang}cmdline: no answer within 300 ms`,
    });
    expect(asked).toEqual([20_000]);
  });

  it('adds the shorter-profile hint to a CPU profile only', async () => {
    const asked: number[] = [];
    const { service } = await serviceFor('hang-cpu', { collectors: false, fetch: shortened(asked) });
    await expect(service.capture({ target: target('h', b.pid, odd.hang), pid: null, kind: 'cpu', seconds: 2 })).rejects.toMatchObject({
      code: 'timeout',
      message: `GET ${odd.hang}profile?seconds=2: no answer within 300 ms`,
      hint: 'the program may be stuck, stopped in a debugger, or this is not its pprof address; try again, or a shorter CPU profile',
    });
    expect(asked).toEqual([3000]);
  });
});
