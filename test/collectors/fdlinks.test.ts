/**
 * native/fdlinks.c, the one-call reader of /proc/PID/fd links: built here from source into a temp
 * folder (as `npm run build` builds it), then checked against node:fs readlink on this process's
 * own FDs of every kind, and the collectors built on it against the JavaScript reader on the live
 * Go fixture.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectors, createFileReader } from '../../src/collectors/index.js';
import { LINK_TOO_LONG } from '../../src/collectors/types.js';
import { loadFdLinksAddon, splitFdLinks, splitLinkGroups } from '../../src/collectors/deps.js';
import { isLeakbarError } from '../../src/shared/errors.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const hasCompiler = spawnSync('cc', ['--version']).status === 0;
// CI installs a C compiler (.ci/run), so there the native reader must build; elsewhere it is optional.
const why = process.platform !== 'linux' ? 'procfs is Linux only' : !hasCompiler && !process.env.CI ? 'no C compiler (cc) on this machine: leakbar reads links in JavaScript here' : null;

interface Addon {
  version: number;
  readLinks(dir: unknown): Promise<string>;
  groupLinks(dir: unknown): Promise<string>;
}

describe.skipIf(why !== null)(`native/fdlinks.c${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string;
  let addon: Addon;
  const opened: number[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbar-fdlinks-'));
    const out = join(dir, 'fdlinks.node');
    execFileSync(process.execPath, ['scripts/build-native.mjs', '--out', out], { encoding: 'utf8' });
    expect(existsSync(out), 'scripts/build-native.mjs built nothing though cc is here').toBe(true);
    addon = createRequire(import.meta.url)(out) as Addon;

    // One FD of each kind node:fs can open: files (one opened 3 times), a deleted file, a name with
    // a newline and one with bytes that are not UTF-8, a folder, /dev/null, a named pipe, sockets.
    const file = join(dir, 'data.txt');
    writeFileSync(file, 'x');
    for (let i = 0; i < 3; i++) opened.push(openSync(file, 'r'));
    const gone = join(dir, 'gone.txt');
    writeFileSync(gone, 'x');
    opened.push(openSync(gone, 'r'));
    unlinkSync(gone);
    const newline = join(dir, 'two\nlines');
    writeFileSync(newline, 'x');
    opened.push(openSync(newline, 'r'));
    const notUtf8 = Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe])]);
    writeFileSync(notUtf8, 'x');
    opened.push(openSync(notUtf8, 'r'));
    mkdirSync(join(dir, 'sub'));
    opened.push(openSync(join(dir, 'sub'), 'r'));
    opened.push(openSync('/dev/null', 'r'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    opened.push(openSync(join(dir, 'fifo'), 'r+'));
    for (const listen of [(s: Server, ok: () => void) => s.listen(0, '127.0.0.1', ok), (s: Server, ok: () => void) => s.listen(join(dir, 'sock'), ok)]) {
      const s = createServer();
      await new Promise<void>((ok) => listen(s, ok));
      servers.push(s);
    }
  });
  afterAll(async () => {
    for (const fd of opened) closeSync(fd);
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every link of a folder as node:fs readlink does, one record per FD', async () => {
    const links = splitFdLinks(await addon.readLinks('/proc/self/fd'));
    expect(links.length % 2).toBe(0);
    const byFd = new Map<string, string>();
    for (let i = 0; i < links.length; i += 2) byFd.set(links[i]!, links[i + 1]!);
    // The folder's own FD, open only during the call, is left out, however the folder is named.
    const listed = readdirSync('/proc/self/fd');
    for (const fd of byFd.keys()) expect(listed, `fd ${fd} is not open`).toContain(fd);
    for (const dir of [`/proc/${process.pid}/fd/`, `/proc/${process.pid}/task/${process.pid}/fd`]) {
      const again = splitFdLinks(await addon.readLinks(dir));
      expect(again.filter((t, i) => i % 2 === 1 && t.startsWith('/proc/') && t.endsWith('/fd'))).toEqual([]);
    }
    for (const fd of opened) expect(byFd.get(String(fd))).toBe(readlinkSync(`/proc/self/fd/${fd}`));
    const targets = opened.map((fd) => byFd.get(String(fd))!);
    expect(targets.filter((t) => t === join(dir, 'data.txt'))).toHaveLength(3);
    expect(targets).toContain(`${join(dir, 'gone.txt')} (deleted)`);
    expect(targets).toContain(join(dir, 'two\nlines'));
    expect(targets.find((t) => t.startsWith(`${dir}/bad-`))).toBe(`${dir}/bad-\ufffd\ufffd`);
    expect(targets).toContain('/dev/null');
    expect(targets).toContain(join(dir, 'fifo')); // a named pipe links to its path
    // The two listening sockets.
    expect([...byFd.values()].filter((t) => /^socket:\[\d+\]$/.test(t)).length).toBeGreaterThanOrEqual(2);
  });

  it('groups the same links by target: each once, with its count, its first FD, and what a stat through that FD says of a path', async () => {
    const { vanished, groups } = splitLinkGroups(await addon.groupLinks('/proc/self/fd'));
    expect(vanished).toBe(0);
    const byTarget = new Map(groups.map((g) => [g.target, g]));
    expect(byTarget.size).toBe(groups.length);
    // Against readLinks and node:fs, FD by FD, for those this test holds open.
    const links = splitFdLinks(await addon.readLinks('/proc/self/fd'));
    const fdsOf = (target: string) => links.filter((t, i) => i % 2 === 1 && t === target).length;
    const kindOf = (fd: string) => {
      const s = statSync(`/proc/self/fd/${fd}`);
      return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isCharacterDevice() ? 'chr' : s.isFIFO() ? 'pipe' : s.isSocket() ? 'unix' : 'other';
    };
    for (const fd of opened) {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const group = byTarget.get(target);
      expect(group, target).toBeDefined();
      expect(group!.count, target).toBe(fdsOf(target));
      expect(readlinkSync(`/proc/self/fd/${group!.fd}`)).toBe(target);
      expect(group!.type, target).toBe(kindOf(String(fd)));
    }
    expect(byTarget.get(join(dir, 'data.txt'))).toMatchObject({ count: 3, type: 'file' });
    expect(byTarget.get(`${join(dir, 'gone.txt')} (deleted)`)?.type).toBe('file'); // stat'ed through the link: the name is gone
    expect(byTarget.get(join(dir, 'sub'))?.type).toBe('dir');
    expect(byTarget.get('/dev/null')?.type).toBe('chr');
    expect(byTarget.get(join(dir, 'fifo'))?.type).toBe('pipe');
    // Targets that are not paths are not stat'ed: their type is the collector's to say (sockets from /proc/PID/net).
    const sockets = groups.filter((g) => g.target.startsWith('socket:['));
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    for (const g of sockets) expect(g.type).toBeNull();
    // Every FD is counted once, the folder's own left out as readLinks leaves it.
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(links.length / 2);
  });

  it('groups the links of a table with holes and far apart numbers as a listing finds them (it reads numbers in order, not the listing, where the kernel gives a count)', async () => {
    // bash: 40 FDs at 3..42 with 10..19 closed again (holes), and 700, 900 and 901 far apart.
    const script = `for i in $(seq 3 42); do eval "exec $i</dev/null"; done; for i in $(seq 10 19); do eval "exec $i<&-"; done; exec 700<${JSON.stringify(join(dir, 'data.txt'))} 900</dev/null 901</dev/null; echo ready; exec sleep 60`;
    const child = await startNode('', ['bash', '-c', script, '--']).catch(() => null);
    expect(child, 'bash started').not.toBeNull();
    try {
      const fdDir = `/proc/${child!.pid}/fd`;
      // Read once bash has become sleep and its FDs are settled: exec names it sleep a moment before it closes bash's own FDs.
      const settled = () => readFileSync(`/proc/${child!.pid}/comm`, 'utf8').trim() === 'sleep' && readdirSync(fdDir).join() === (lastListing ?? '');
      let lastListing: string | null = null;
      for (let i = 0; i < 200 && !settled(); i++) {
        lastListing = readdirSync(fdDir).join();
        await new Promise((ok) => setTimeout(ok, 20));
      }
      const listed = readdirSync(fdDir);
      expect(listed).toEqual(expect.arrayContaining(['3', '9', '20', '42', '700', '900', '901']));
      // Holes among 10..19 (bash may keep one of them for itself).
      expect(listed.filter((fd) => Number(fd) >= 10 && Number(fd) <= 19).length).toBeLessThan(5);
      const counts = new Map<string, number>();
      for (const fd of listed) counts.set(readlinkSync(`${fdDir}/${fd}`), (counts.get(readlinkSync(`${fdDir}/${fd}`)) ?? 0) + 1);
      const { vanished, groups } = splitLinkGroups(await addon.groupLinks(fdDir));
      expect(vanished).toBe(0);
      expect(new Map(groups.map((g) => [g.target, g.count]))).toEqual(counts);
      expect(groups.find((g) => g.target === join(dir, 'data.txt'))).toMatchObject({ fd: '700', count: 1, type: 'file' });
    } finally {
      child!.kill('SIGKILL');
    }
  });

  it('finds every FD open throughout the read, while the process opens and closes others in the holes below them', async () => {
    // A child holding 200 FDs on one file, 20 of them closed again (holes), and one on another file above them all;
    // it opens and closes FDs over and over, which take the lowest free numbers: the holes.
    const data = JSON.stringify(join(dir, 'data.txt'));
    const child = await startNode(
      `const fs = require('node:fs'); const keep = []; for (let i = 0; i < 200; i++) keep.push(fs.openSync(${data}, 'r'));
       for (const fd of keep.splice(100, 20)) fs.closeSync(fd); keep.push(fs.openSync(${JSON.stringify(join(dir, 'sub'))}, 'r'));
       console.log('ready'); const churn = () => { const fds = []; for (let i = 0; i < 10; i++) fds.push(fs.openSync('/dev/null', 'r')); for (const fd of fds) fs.closeSync(fd); setImmediate(churn); }; churn();`,
    );
    try {
      const fdDir = `/proc/${child.pid}/fd`;
      let sawChurn = 0;
      for (let i = 0; i < 300; i++) {
        const { groups } = splitLinkGroups(await addon.groupLinks(fdDir));
        const count = (target: string) => groups.find((g) => g.target === target)?.count ?? 0;
        expect(count(join(dir, 'data.txt')), `read ${i}`).toBe(180);
        expect(count(join(dir, 'sub')), `read ${i}: the highest FD, open throughout`).toBe(1);
        if (count('/dev/null') > 3) sawChurn++;
      }
      expect(sawChurn, 'the churning FDs were seen').toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("counts a process's FDs on its own fd folder, whatever their numbers: only this process's folder holds the reader's own FD", async () => {
    // Whatever number the reader's folder FD gets, the child holds its own /proc/PID/fd open at that number too.
    const child = await startNode(`const fs = require('node:fs'); for (let i = 0; i < 300; i++) fs.openSync('/proc/self/fd', 'r'); console.log('ready'); setInterval(() => {}, 1000);`);
    try {
      const fdDir = `/proc/${child.pid}/fd`;
      const listed = readdirSync(fdDir).length;
      const { groups } = splitLinkGroups(await addon.groupLinks(fdDir));
      expect(groups.reduce((n, g) => n + g.count, 0)).toBe(listed);
      expect(splitFdLinks(await addon.readLinks(fdDir)).length / 2).toBe(listed);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('fails as node:fs does, with the errno name as the code, and says its record format', async () => {
    const code = async (f: () => Promise<unknown>) => f().then(
      () => null,
      (e: unknown) => [(e as NodeJS.ErrnoException).code, (e as Error).message],
    );
    expect(addon.version).toBe(3);
    for (const name of ['readLinks', 'groupLinks'] as const) {
      expect(await code(() => addon[name]('/proc/999999999/fd'))).toEqual(['ENOENT', "ENOENT: No such file or directory, opendir '/proc/999999999/fd'"]);
      expect((await code(() => addon[name]('/proc/self/status')))?.[0]).toBe('ENOTDIR');
      // A bad argument is the caller's bug: it throws at once, as node:fs does.
      expect(() => addon[name](42)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: `${name}(dir): dir must be a non-empty path string` }));
      expect(() => addon[name]('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });

  it('counts a folder by its stat size as a listing would, where the kernel gives it (Linux 6.2+)', async () => {
    const count = await createFileReader().countLinks!(`/proc/${process.pid}/fd`);
    // The listing's own FD is open during readdirSync and counted by it.
    if (count !== null) expect(count).toBe(readdirSync(`/proc/${process.pid}/fd`).length - 1);
    expect(await createFileReader().countLinks!('/proc/self/fd')).toBe(count);
  });

  it('is what the default file reader uses once `npm run build` has built it', () => {
    const built = existsSync(new URL('../../native/build/fdlinks.node', import.meta.url));
    expect(loadFdLinksAddon() !== null).toBe(built);
    expect(createFileReader().readLinks !== undefined).toBe(built);
    expect(createFileReader({ nativeLinks: false }).readLinks).toBeUndefined();
    if (process.env.CI) expect(built, 'CI builds native/fdlinks.c (npm ci runs npm run build)').toBe(true);
  });
});

describe.skipIf(process.platform !== 'linux' || loadFdLinksAddon() === null)('the collectors on native/fdlinks.c, against the JavaScript reader, on a live Go fixture', () => {
  let fx: Fixture;

  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('list the same FDs, types and names, and give the same breakdown', async () => {
    await fx.leak({ fds: 60 });
    const native = createCollectors();
    const js = createCollectors({ files: createFileReader({ nativeLinks: false }) });
    const sorted = <T extends { fd: string }>(list: T[]) => [...list].sort((a, b) => Number(a.fd) - Number(b.fd));
    expect(sorted(await native.listFds!(fx.pid))).toEqual(sorted(await js.listFds!(fx.pid)));
    const patterns = [`leaky-${fx.pid}-`];
    const [a, b] = [await native.readFdBreakdown(fx.pid, patterns), await js.readFdBreakdown(fx.pid, patterns)];
    expect(a).toEqual(b);
    expect(a.patterns).toEqual([{ pattern: `leaky-${fx.pid}-`, count: 60 }]);
  });

  it('say the process is gone, as the JavaScript reader does, once it has exited', async () => {
    const pid = fx.pid;
    await fx.stop();
    const seen = await createCollectors()
      .readFdBreakdown(pid, [])
      .catch((e: unknown) => e);
    expect(isLeakbarError(seen, 'no-such-process'), String(seen)).toBe(true);
  });
});

/** Starts `node -e script` (which prints "ready" once set up) and resolves with it running. */
function startNode(script: string, wrap: string[] = []): Promise<ChildProcess> {
  return new Promise((ok, fail) => {
    const [file, ...args] = [...wrap, process.execPath, '-e', script];
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${file} exited (${code}) before it was ready`)));
    child.stdout!.once('data', () => ok(child));
  });
}

describe.skipIf(process.platform !== 'linux')('links no reader can read whole', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('count an FD whose path is too long for the kernel to write, named so, in both readers', async () => {
    // A file more than 4,096 bytes deep: reached by chdir, one folder at a time.
    const root = mkdtempSync(join(tmpdir(), 'leakbar-deep-'));
    const child = await startNode(
      `const fs = require('node:fs'); process.chdir(${JSON.stringify(root)});
       for (let i = 0; i < 24; i++) { fs.mkdirSync('d'.repeat(200)); process.chdir('d'.repeat(200)); }
       fs.writeFileSync('deep.txt', 'x'); globalThis.keep = fs.openSync('deep.txt', 'r');
       console.log('ready'); setInterval(() => {}, 1000);`,
    );
    children.push(child);
    try {
      const readers = [createCollectors({ files: createFileReader({ nativeLinks: false }) })];
      if (loadFdLinksAddon() !== null) readers.push(createCollectors());
      for (const c of readers) {
        const fds = await c.countFds(child.pid!);
        const listed = await c.listFds!(child.pid!);
        expect(listed.filter((e) => e.name === LINK_TOO_LONG)).toEqual([{ fd: expect.any(String), type: 'other', name: LINK_TOO_LONG }]);
        const breakdown = await c.readFdBreakdown(child.pid!, []);
        expect(breakdown.total).toBe(fds);
        expect(breakdown.byType.other).toBe(listed.filter((e) => e.type === 'other').length);
      }
    } finally {
      child.kill('SIGKILL');
      // Too deep for node:fs to remove by path; GNU rm walks down folder by folder.
      execFileSync('rm', ['-rf', root]);
    }
  });

  it.skipIf(process.getuid?.() !== 0 || loadFdLinksAddon() === null)(
    "say permission denied where the folder can be listed but not its links (root without CAP_SYS_PTRACE, another user's process), not an empty list (skipped unless root with the addon built)",
    async () => {
      const target = await startNode(`console.log('ready'); setInterval(() => {}, 1000);`, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
      children.push(target);
      const addonFile = fileURLToPath(new URL('../../native/build/fdlinks.node', import.meta.url));
      const probe = `const m = require(${JSON.stringify(addonFile)}); const fs = require('node:fs'); const dir = '/proc/${target.pid}/fd';
        const listed = fs.readdirSync(dir).length; let js; try { fs.readlinkSync(dir + '/0'); js = 'read'; } catch (e) { js = e.code; }
        const code = (p) => p.then((s) => 'read ' + s.length, (e) => e.code);
        Promise.all([code(m.readLinks(dir)), code(m.groupLinks(dir))]).then(([native, grouped]) => console.log(JSON.stringify({ listed, js, native, grouped })));`;
      const r = spawnSync('setpriv', ['--bounding-set=-sys_ptrace', '--inh-caps=-sys_ptrace', process.execPath, '-e', probe], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout) as { listed: number; js: string; native: string; grouped: string };
      expect(seen.listed).toBeGreaterThan(0);
      expect(seen).toEqual({ listed: seen.listed, js: 'EACCES', native: 'EACCES', grouped: 'EACCES' });
      target.kill('SIGKILL');
    },
  );
});
