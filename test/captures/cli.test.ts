/** `leakbar capture` and `leakbar report` end to end, from the bundle (`npm run build:cli`), against the Go fixture. */
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { DEFAULT_SETTINGS } from '../../src/shared/settings.js';
import { createCaptureStore, newCaptureId } from '../../src/engine/captures/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { pprofTop, tempDir } from './helpers.js';
import { leakbar } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');


let fx: Fixture;
let tmp: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  // The bundle must know `capture`; build it when it is missing or older than this command.
  if ((await leakbar(['capture', '--help'])).code !== 0 || (await leakbar(['captures', '--help'])).code !== 0) await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: root });
  tmp = await tempDir();
  // Its own -dir flag makes the fixture's command line unique, for --match.
  fx = await startFixture({ dir: tmp.dir });
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  await tmp?.cleanup();
});

describe('leakbar capture', () => {
  it('captures a heap profile by --pprof and prints its metadata with --json', async () => {
    const r = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', tmp.dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout) as CaptureMeta & { dir: string };
    expect(meta).toMatchObject({ kind: 'heap', pid: null, targetId: expect.stringMatching(/^pprof-127-0-0-1-\d+$/), files: [{ name: 'heap.pb.gz', role: 'heap' }] });
    expect(meta.dir).toBe(join(tmp.dir, 'captures', meta.targetId, meta.id));
    expect((await stat(join(meta.dir, 'heap.pb.gz'))).size).toBe(meta.files[0]!.bytes);
    const { dir: _dir, ...stored } = meta;
    expect(JSON.parse(await readFile(join(meta.dir, 'meta.json'), 'utf8'))).toEqual(stored);
    const top = await pprofTop(join(meta.dir, 'heap.pb.gz'));
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toContain('Type: inuse_space');
  });

  it('keeps captures as long as the settings say (captureDays), as serve and the app do', async () => {
    const out = join(tmp.dir, 'retention');
    const day = 24 * 60 * 60_000;
    // A heap capture of the same target taken 10 days ago: within the default 30 days, past the 7 set below.
    const old = await createCaptureStore(out, { now: () => Date.now() - 10 * day });
    const first = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const targetId = (JSON.parse(first.stdout) as CaptureMeta).targetId;
    const startedMs = Date.now() - 10 * day;
    const pending = await old.begin(targetId, newCaptureId(startedMs, 'heap', () => 'aaaa'));
    await pending.writeFile('heap.pb.gz', new Uint8Array(8), 'heap', `${fx.pprofUrl}heap`);
    const aged = await pending.commit({ kind: 'heap', pid: null, startedMs, endedMs: startedMs + 5, figures: null, alertKey: null, baseline: false, pinned: false, note: '' });
    const ids = async () => (await createCaptureStore(out)).list(targetId).then((l) => l.map((m) => m.id));
    await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', out]);
    expect(await ids()).toContain(aged.id);
    await writeFile(join(out, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, captureDays: 7 } }));
    const r = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await ids()).not.toContain(aged.id);
    expect(await ids()).toHaveLength(3);
  });

  it('keeps, past captureDays, the capture an alert still open points to, as the engine does', async () => {
    const out = join(tmp.dir, 'retention-alert');
    const day = 24 * 60 * 60_000;
    const first = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const targetId = (JSON.parse(first.stdout) as CaptureMeta).targetId;
    const store = await createCaptureStore(out);
    const aged = async (suffix: string) => {
      const startedMs = Date.now() - 10 * day;
      const pending = await store.begin(targetId, newCaptureId(startedMs, 'goroutine', () => suffix));
      await pending.writeFile('goroutine.pb.gz', new Uint8Array(8), 'goroutine');
      return (await pending.commit({ kind: 'goroutine', pid: null, startedMs, endedMs: startedMs, figures: null, alertKey: null, baseline: false, pinned: false, note: '' })).id;
    };
    const [ofOpen, ofResolved] = [await aged('aaaa'), await aged('bbbb')];
    // alerts.jsonl as the engine writes it: one alert's versions in order, the newest deciding.
    const alert = (id: string, state: string, captureId: string) => JSON.stringify({ id, key: id.split('@')[0], state, captureId, firstMs: 1, lastMs: 1, resolvedMs: state === 'resolved' ? 1 : null });
    await mkdir(join(out, 'targets', targetId), { recursive: true });
    await writeFile(
      join(out, 'targets', targetId, 'alerts.jsonl'),
      [alert('growth:goroutines@1', 'firing', ofOpen), alert('growth:goroutines@1', 'snoozed', ofOpen), alert('threshold:fds@1', 'firing', ofResolved), alert('threshold:fds@1', 'resolved', ofResolved)].join('\n') + '\n',
    );
    await writeFile(join(out, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention, captureDays: 7 } }));
    const r = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const ids = (await createCaptureStore(out).then((st) => st.list(targetId))).map((m) => m.id);
    expect(ids).toContain(ofOpen);
    expect(ids).not.toContain(ofResolved);
  });

  it('prints the folder path, and marks a baseline', async () => {
    const r = await leakbar(['capture', 'goroutine', '--pprof', fx.pprofUrl, '--out', tmp.dir, '--baseline']);
    expect(r.code, r.stderr).toBe(0);
    const dir = r.stdout.trim();
    expect(dir.startsWith(join(tmp.dir, 'captures'))).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))).toMatchObject({ kind: 'goroutine', baseline: true });
    expect(r.stderr).toMatch(/goroutine capture .*: goroutine\.pb\.gz, goroutine-debug2\.txt/);
  });

  it('reports a leak between the baseline and a later capture, as Markdown and as HTML', async () => {
    await fx.leak({ goroutines: 300 });
    const r = await leakbar(['capture', 'goroutine', '--pprof', fx.pprofUrl, '--out', tmp.dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const current = JSON.parse(r.stdout) as CaptureMeta;
    const md = await leakbar(['report', '--current', current.id, '--data-dir', tmp.dir]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/\| main\.waitForever \| \d+ \| \d+ \| \+300 \|/);
    const out = join(tmp.dir, 'report.html');
    const html = await leakbar(['report', '--current', current.id, '--data-dir', tmp.dir, '--format', 'html', '--out', out]);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout.trim()).toBe(out);
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(/^<!doctype html>/);
    expect(text).toContain('main.waitForever');
  });

  it('takes a system snapshot by --pid and a bundle by --match', async () => {
    const sys = await leakbar(['capture', 'system', '--pid', String(fx.pid), '--out', tmp.dir, '--json']);
    expect(sys.code, sys.stderr).toBe(0);
    const meta = JSON.parse(sys.stdout) as CaptureMeta & { dir: string };
    expect(meta).toMatchObject({ kind: 'system', pid: fx.pid, targetId: `pid-${fx.pid}`, figures: { pid: fx.pid, rssBytes: expect.any(Number) } });
    expect(meta.files.map((f) => f.name)).toEqual(['process.json', 'fds.json', 'memory-map.json']);
    const match = tmp.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const bundle = await leakbar(['capture', 'bundle', '--match', match, '--pprof', fx.pprofUrl, '--out', tmp.dir, '--json']);
    expect(bundle.code, bundle.stderr).toBe(0);
    const b = JSON.parse(bundle.stdout) as CaptureMeta;
    expect(b).toMatchObject({ kind: 'bundle', pid: fx.pid });
    expect(b.files.map((f) => f.name)).toEqual(expect.arrayContaining(['fds.json', 'heap.pb.gz', 'goroutine.pb.gz', 'goroutine-debug2.txt']));
  });

  it('by --pid or --match, joins the target watching that process now (its history and baseline), else takes pid-N', async () => {
    const out = join(tmp.dir, 'joins');
    const samples = (timeMs: number, pid: number) => [{ timeMs: timeMs - 5000, pid }, { timeMs, pid }].map((x) => JSON.stringify(x) + '\n').join('');
    await mkdir(join(out, 'targets', 'my-server'), { recursive: true });
    await mkdir(join(out, 'targets', 'stale'), { recursive: true });
    await mkdir(join(out, 'targets', 'other'), { recursive: true });
    // A serve watching the fixture wrote its last sample a moment ago, with half a line being written after it.
    await writeFile(join(out, 'targets', 'my-server', 'samples.jsonl'), samples(Date.now() - 2000, fx.pid) + '{"timeMs":');
    await writeFile(join(out, 'targets', 'stale', 'samples.jsonl'), samples(Date.now() - 3_600_000, fx.pid));
    await writeFile(join(out, 'targets', 'other', 'samples.jsonl'), samples(Date.now(), fx.pid + 1));
    const joined = await leakbar(['capture', 'system', '--pid', String(fx.pid), '--out', out, '--json']);
    expect(joined.code, joined.stderr).toBe(0);
    expect((JSON.parse(joined.stdout) as CaptureMeta).targetId).toBe('my-server');
    // By --match too: the pattern finds that process, and the capture joins the target watching it, whatever its name.
    const commandLine = readFileSync(`/proc/${fx.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    const byMatch = await leakbar(['capture', 'system', '--match', `^${commandLine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, '--out', out, '--json']);
    expect(byMatch.code, byMatch.stderr).toBe(0);
    expect((JSON.parse(byMatch.stdout) as CaptureMeta).targetId).toBe('my-server');
    // Nothing watches it any more: a target of its own.
    await writeFile(join(out, 'targets', 'my-server', 'samples.jsonl'), samples(Date.now() - 3_600_000, fx.pid));
    const own = await leakbar(['capture', 'system', '--pid', String(fx.pid), '--out', out, '--json']);
    expect(own.code, own.stderr).toBe(0);
    expect((JSON.parse(own.stdout) as CaptureMeta).targetId).toBe(`pid-${fx.pid}`);
  });

  it('reports a base capture of the process before a restart as such', async () => {
    const out = join(tmp.dir, 'restart-report');
    const own = await tempDir();
    const match = `leaky.*${own.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    const ids: string[] = [];
    try {
      for (let run = 0; run < 2; run++) {
        const f = await startFixture({ dir: own.dir });
        const r = await leakbar(['capture', 'system', '--match', match, '--out', out, '--json']);
        await f.stop();
        expect(r.code, r.stderr).toBe(0);
        ids.push((JSON.parse(r.stdout) as CaptureMeta).id);
      }
      const md = await leakbar(['report', '--current', ids[1]!, '--base', ids[0]!, '--data-dir', out]);
      expect(md.code, md.stderr).toBe(0);
      expect(md.stdout).toMatch(/- Base: .*named with --base; of another process, before a restart \(the current capture is of pid \d+\)/);
    } finally {
      await own.cleanup();
    }
  });

  it('says why a capture failed, and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await leakbar(['capture', 'heap', '--pprof', `http://127.0.0.1:${port}/`, '--out', tmp.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`leakbar: could not fetch http://127.0.0.1:${port}/debug/pprof/heap?gc=1: connect ECONNREFUSED 127.0.0.1:${port} (is the program running, and serving net/http/pprof at this address?)\n`);
    expect(r.stdout).toBe('');
  });

  it('refuses an unknown kind and a bad id', async () => {
    const kind = await leakbar(['capture', 'everything', '--pprof', fx.pprofUrl]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('expected one of heap, allocs, goroutine, cpu, block, mutex, system, bundle');
    const id = await leakbar(['report', '--current', '../../etc', '--data-dir', tmp.dir]);
    expect(id.code).toBe(1);
    expect(id.stderr).toContain('is not a valid capture id');
  });
});

describe('leakbar captures, baseline and pin', () => {
  it('lists two captures newest first, marks the first as the baseline, and reports the second against it without --base', async () => {
    const data = join(tmp.dir, 'marks');
    const first = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', data, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as CaptureMeta;
    await fx.leak({ heapkb: 20_000 });
    const second = await leakbar(['capture', 'heap', '--pprof', fx.pprofUrl, '--out', data, '--json']);
    expect(second.code, second.stderr).toBe(0);
    const b = JSON.parse(second.stdout) as CaptureMeta;

    const json = await leakbar(['captures', '--json', '--data-dir', data]);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<CaptureMeta & { dir: string }>;
    expect(listed.map((c) => [c.id, c.baseline, c.pinned])).toEqual([
      [b.id, false, false],
      [a.id, false, false],
    ]);
    expect(listed[0]!.dir).toBe(join(data, 'captures', b.targetId, b.id));

    // No baseline yet: the report says how to mark one and how to list the captures.
    const none = await leakbar(['report', '--current', b.id, '--data-dir', data]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`${b.targetId} has no baseline capture to compare ${b.id} with`);
    expect(none.stderr).toContain(`leakbar baseline ID --data-dir ${data}`);
    expect(none.stderr).toContain(`leakbar captures --target ${b.targetId} --data-dir ${data}`);

    const mark = await leakbar(['baseline', a.id, '--data-dir', data]);
    expect(mark.code, mark.stderr).toBe(0);
    expect(mark.stdout).toBe(`leakbar: ${a.id} is now the baseline of ${a.targetId}\n`);
    const pin = await leakbar(['pin', b.id, '--data-dir', data]);
    expect(pin.code, pin.stderr).toBe(0);
    expect(pin.stdout).toBe(`leakbar: ${b.id} is pinned\n`);

    const table = await leakbar(['captures', '--target', a.targetId, '--data-dir', data]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +KIND +TAKEN +TARGET +MARKS +SIZE +CAUSED BY$/);
    expect(lines[1]).toMatch(new RegExp(`^${b.id} +heap +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +${b.targetId} +pinned +[\\d.]+ [kMG]?i?B +you$`));
    expect(lines[2]).toMatch(new RegExp(`^${a.id} +heap +.* +baseline +[\\d.]+ [kMG]?i?B +you$`));
    expect(lines).toHaveLength(3);

    // A --target that is no target id is refused with a target's id as the example, not a capture's.
    const bad = await leakbar(['captures', '--target', '../../etc', '--data-dir', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'leakbar: "../../etc" is not a valid target id (a target id is 1-64 characters of a-z, 0-9 and -, as the TARGET column of `leakbar captures` shows it, e.g. pid-4242 or my-server)\n',
    );

    const md = await leakbar(['report', '--current', b.id, '--data-dir', data]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(`- Base: \`${a.id}\` (heap, pid ?): the target's baseline`);
    expect(md.stdout).toContain('main.leakHeap');

    // A later mark moves the baseline; unpinning clears the mark.
    const moved = await leakbar(['baseline', b.id, '--data-dir', data]);
    expect(moved.stdout).toBe(`leakbar: ${b.id} is now the baseline of ${b.targetId} (was ${a.id})\n`);
    expect((await leakbar(['pin', b.id, '--unpin', '--data-dir', data])).stdout).toBe(`leakbar: ${b.id} is no longer pinned\n`);
    const after = JSON.parse((await leakbar(['captures', '--json', '--data-dir', data])).stdout) as CaptureMeta[];
    expect(after.map((c) => [c.id, c.baseline, c.pinned])).toEqual([
      [b.id, true, false],
      [a.id, false, false],
    ]);
  });

  it('names an unknown id and the command that lists the captures', async () => {
    const data = join(tmp.dir, 'marks');
    for (const args of [['baseline', 'nosuch'], ['pin', 'nosuch'], ['report', '--current', 'nosuch']]) {
      const r = await leakbar([...args, '--data-dir', data]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(`leakbar: no capture nosuch in ${join(data, 'captures')} (\`leakbar captures --data-dir ${data}\` lists the captures kept there)\n`);
    }
    const empty = await leakbar(['captures', '--data-dir', join(tmp.dir, 'empty')]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toContain('no captures in');
  });
});
