import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLeakbarError, LeakbarError } from '../shared/errors.js';
import type { FdType } from '../shared/types.js';
import {
  countMapsRegions,
  decodeProcNetAddress,
  parseBootTimeMs,
  parseCmdline,
  parseFdLink,
  parseOpenFilesLimit,
  parseProcStat,
  parseProcStatus,
  parseSmapsRegions,
  parseSmapsRollup,
  SMAPS_MAX_REGIONS,
  Procfs,
} from './procfs.js';
import type { FileReader, LinkGroup } from './types.js';

const sample = (name: string) => readFileSync(new URL(`../../../shared/samples/${name}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n');

describe('procfs parsers', () => {
  it('reads /proc/PID/status of a 5-thread server', () => {
    expect(parseProcStatus(sample('proc-status-1.txt'))).toEqual({
      name: 'server',
      state: 'S',
      ppid: 1,
      vmRssBytes: 2892 * 1024,
      vmSizeBytes: 664744 * 1024,
      vmSwapBytes: 0,
      threads: 5,
    });
  });

  it('reads /proc/PID/smaps_rollup (and does not take SwapPss for Swap)', () => {
    expect(parseSmapsRollup(sample('proc-smaps_rollup-1.txt'))).toEqual({ rssBytes: 29948 * 1024, pssBytes: 29944 * 1024, anonymousBytes: 20756 * 1024, swapBytes: 1940 * 1024 });
  });

  it('reads /proc/PID/stat from the last parenthesis, so a comm with spaces and parens is fine', () => {
    const line = '4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 12345 1038172160 1728 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n';
    expect(parseProcStat(line)).toEqual({ pid: 4242, comm: 'my (odd) prog', state: 'S', ppid: 1, cpuTicks: 300, numThreads: 7, startTicks: 12345, vsizeBytes: 1038172160, rssPages: 1728 });
    expect(() => parseProcStat('garbage')).toThrow(LeakbarError);
  });

  it('reads btime, the open-files soft limit, the maps line count and the command line', () => {
    expect(parseBootTimeMs('cpu  1 2 3\nbtime 1700000000\nprocesses 5\n')).toBe(1_700_000_000_000);
    const limits = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
    expect(parseOpenFilesLimit(limits)).toBe(1024);
    expect(parseOpenFilesLimit(limits.replace('1024  ', 'unlimited'))).toBeNull();
    expect(countMapsRegions('a\nb\nc\n')).toBe(3);
    expect(parseCmdline('/usr/bin/server\x00--port\x008080\x00')).toBe('/usr/bin/server --port 8080');
  });

  it('reads FD link targets', () => {
    expect(parseFdLink('socket:[52626]')).toEqual({ kind: 'socket', inode: '52626' });
    expect(parseFdLink('pipe:[51795]')).toEqual({ kind: 'typed', type: 'pipe', name: 'pipe:[51795]' });
    expect(parseFdLink('anon_inode:[eventpoll]')).toEqual({ kind: 'typed', type: 'eventpoll', name: 'anon_inode:[eventpoll]' });
    expect(parseFdLink('anon_inode:[eventfd]')).toEqual({ kind: 'typed', type: 'other', name: 'anon_inode:[eventfd]' });
    expect(parseFdLink('/tmp/x (deleted)')).toEqual({ kind: 'path', name: '/tmp/x (deleted)' });
  });

  it('decodes /proc/net addresses', () => {
    expect(decodeProcNetAddress('0100007F:1F90')).toBe('127.0.0.1:8080');
    expect(decodeProcNetAddress('00000000000000000000000001000000:0050')).toBe('[::1]:80');
    expect(decodeProcNetAddress('0000000000000000FFFF00000100007F:1F90')).toBe('[::ffff:7f00:1]:8080') // WHATWG URL's form of a v4-mapped address;
  });
});

/** An in-memory /proc: files, directories (lists of names) and links. */
function fakeProc(tree: { files?: Record<string, string>; dirs?: Record<string, string[]>; links?: Record<string, string>; types?: Record<string, FdType> }) {
  const reads: string[] = [];
  const missing = (path: string) => {
    const pid = /^\/proc\/(\d+)/.exec(path)?.[1];
    const alive = pid !== undefined && tree.files?.[`/proc/${pid}/stat`] !== undefined;
    return new LeakbarError(pid && !alive ? 'no-such-process' : 'not-found', `${path} does not exist`);
  };
  const files: FileReader = {
    async readFile(path) {
      reads.push(path);
      const v = tree.files?.[path];
      if (v === undefined) throw missing(path);
      return v;
    },
    async readdir(path) {
      const v = tree.dirs?.[path];
      if (v === undefined) throw missing(path);
      return v;
    },
    async readlink(path) {
      const v = tree.links?.[path];
      if (v === undefined) throw missing(path);
      return v;
    },
    async statType(path) {
      return tree.types?.[path] ?? 'file';
    },
  };
  return { files, reads };
}

/** The same /proc with readLinks and groupLinks too, as native/fdlinks.c gives them: flat [fd, target, ...], '' for a link gone; grouped by target. */
function withReadLinks({ files, reads }: ReturnType<typeof fakeProc>): ReturnType<typeof fakeProc> {
  const links: FileReader['readLinks'] = async (dir) => {
    const names = await files.readdir(dir);
    const out: string[] = [];
    // Closed since the listing: an empty target; any other failure fails the whole read, as native/fdlinks.c does.
    for (const fd of names) out.push(fd, await files.readlink(`${dir}/${fd}`).catch((e: unknown) => (isLeakbarError(e, 'not-found') || isLeakbarError(e, 'no-such-process') ? '' : Promise.reject(e))));
    return out;
  };
  // groupLinks as native/fdlinks.c groups: by target, the first FD kept, a path stat'ed through its FD's link (null when that fails).
  const groupLinks: FileReader['groupLinks'] = async (dir) => {
    const flat = (await links(dir))!;
    const groups = new Map<string, LinkGroup>();
    let vanished = 0;
    for (let i = 0; i < flat.length; i += 2) {
      const [fd, target] = [flat[i]!, flat[i + 1]!];
      if (target === '') vanished++;
      else if (groups.has(target)) groups.get(target)!.count++;
      else groups.set(target, { fd, target, count: 1, type: target.startsWith('/') ? await files.statType!(`${dir}/${fd}`).catch(() => null) : null });
    }
    return { vanished, groups: [...groups.values()] };
  };
  return { files: { ...files, readLinks: links, groupLinks, readlink: () => Promise.reject(new Error('readlink called beside readLinks')) }, reads };
}

const STAT = '77 (srv) S 1 77 77 0 -1 0 0 0 0 0 150 50 0 0 20 0 6 0 500 2000000 100 0\n';

describe('Procfs with an injected /proc', () => {
  const proc = () =>
    fakeProc({
      files: {
        '/proc/stat': 'btime 1700000000\n',
        '/proc/77/stat': STAT,
        '/proc/77/status': sample('proc-status-1.txt'),
        '/proc/77/cmdline': 'srv\0-x\0',
        '/proc/77/limits': 'Max open files            4096                 4096                 files\n',
        '/proc/77/net/unix': 'Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01 900 /run/srv.sock\n0000000000000000: 00000003 00000000 00000000 0001 03 901\n',
        '/proc/77/net/tcp': '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:17AC 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 910 1 0 100 0 0 10 0\n   1: 0100007F:17AC 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 911 1 0 20 4 30 10 -1\n',
        '/proc/77/net/tcp6': '  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 920 1 0 100 0 0 10 0\n',
        '/proc/77/net/udp': '',
        '/proc/77/net/udp6': '',
        '/proc/77/smaps_rollup': sample('proc-smaps_rollup-1.txt'),
        '/proc/77/maps': '00400000-00401000 r-xp 0 0:0 0 /srv\n00401000-00402000 rw-p 0 0:0 0 /srv\n7f0000000000-7f0000001000 rw-p 0 0:0 0\n',
      },
      dirs: { '/proc/77/fd': ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13'] },
      links: {
        '/proc/77/fd/0': '/dev/null',
        '/proc/77/fd/1': 'pipe:[5]',
        '/proc/77/fd/2': 'pipe:[5]',
        '/proc/77/fd/3': 'socket:[910]',
        '/proc/77/fd/4': 'anon_inode:[eventpoll]',
        '/proc/77/fd/5': 'socket:[911]',
        '/proc/77/fd/6': 'socket:[920]',
        '/proc/77/fd/7': 'socket:[900]',
        '/proc/77/fd/8': 'socket:[901]',
        '/proc/77/fd/9': '/var/data/a.db',
        '/proc/77/fd/10': '/var/data/a.db',
        '/proc/77/fd/11': '/var/data/a.db',
        '/proc/77/fd/12': '/var/data/a.db',
        '/proc/77/fd/13': '/var/data',
        // 14 was listed by no readdir: closed FDs are simply not there.
      },
      types: { '/proc/77/fd/0': 'chr', '/proc/77/fd/13': 'dir' },
    });

  it('reads the process figures: VmRSS over stat rss, CPU from two marks, start time from btime', async () => {
    let nowMs = 1_000_000;
    const { files } = proc();
    const p = new Procfs(files, () => nowMs);
    const first = await p.readProcess(77, null);
    expect(first.figures).toEqual({ pid: 77, rssBytes: 2892 * 1024, vszBytes: 664744 * 1024, cpuPercent: null, threads: 5, state: 'S', startTimeMs: 1_700_000_005_000, command: 'srv -x' });
    expect(first.mark).toEqual({ pid: 77, cpuTimeMs: 2000, atMs: 1_000_000 });
    nowMs += 4000;
    const second = await p.readProcess(77, { pid: 77, cpuTimeMs: 1000, atMs: 996_000 });
    expect(second.figures.cpuPercent).toBe(12.5); // 1000 ms of CPU in 8000 ms
  });

  it('types every FD: sockets by /proc/PID/net, paths by stat, with the limit', async () => {
    const { files } = proc();
    const p = new Procfs(files);
    expect(await p.countFds(77)).toBe(14);
    const entries = await p.listFds(77);
    expect(entries.map((e) => [e.fd, e.type, e.name])).toEqual([
      ['0', 'chr', '/dev/null'],
      ['1', 'pipe', 'pipe:[5]'],
      ['2', 'pipe', 'pipe:[5]'],
      ['3', 'ipv4', 'TCP 127.0.0.1:6060 (LISTEN)'],
      ['4', 'eventpoll', 'anon_inode:[eventpoll]'],
      ['5', 'ipv4', 'TCP 127.0.0.1:6060->127.0.0.1:50000 (ESTABLISHED)'],
      ['6', 'ipv6', 'TCP [::]:8080 (LISTEN)'],
      ['7', 'unix', '/run/srv.sock'],
      ['8', 'unix', 'socket:[901]'],
      ['9', 'file', '/var/data/a.db'],
      ['10', 'file', '/var/data/a.db'],
      ['11', 'file', '/var/data/a.db'],
      ['12', 'file', '/var/data/a.db'],
      ['13', 'dir', '/var/data'],
    ]);
    const b = await p.readFdBreakdown(77, ['/var/data', '.sock']);
    expect(b).toEqual({
      total: 14,
      byType: { file: 4, dir: 1, pipe: 2, unix: 2, ipv4: 2, ipv6: 1, eventpoll: 1, kqueue: 0, chr: 1, other: 0 },
      repeated: [{ name: '/var/data/a.db', count: 4 }],
      patterns: [
        { pattern: '/var/data', count: 5 },
        { pattern: '.sock', count: 1 },
      ],
      limit: 4096,
    });
  });

  it('reads the socket tables once per breakdown, and not at all when every socket is known', async () => {
    const { files, reads } = proc();
    const p = new Procfs(files);
    await p.readFdBreakdown(77, []);
    const netReads = () => reads.filter((r) => r.includes('/net/'));
    expect(netReads()).toEqual(['/proc/77/net/unix', '/proc/77/net/udp', '/proc/77/net/udp6', '/proc/77/net/tcp', '/proc/77/net/tcp6']);
    reads.length = 0;
    const again = await p.readFdBreakdown(77, []);
    expect(netReads()).toEqual([]);
    expect(again.byType.ipv6).toBe(1);
  });

  it('groups /proc/PID/smaps into regions by what they map, and agrees with smaps_rollup', () => {
    // Real input: this test process's own smaps, read back to back with its rollup.
    const smaps = readFileSync('/proc/self/smaps', 'utf8');
    const rollup = parseSmapsRollup(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    const { regions, mappingCount, totals } = parseSmapsRegions(smaps);
    // smaps_rollup is the sum of smaps: one read gives both.
    for (const k of ['rssBytes', 'pssBytes', 'anonymousBytes'] as const) {
      const expected = rollup[k] ?? 0;
      expect(Math.abs((totals[k] ?? Number.NaN) - expected), k).toBeLessThan(0.05 * expected + 64 * 1024);
    }
    expect(mappingCount).toBe((smaps.match(/^[0-9a-f]+-[0-9a-f]+ /gm) ?? []).length);
    expect(regions.reduce((n, r) => n + r.regionCount, 0)).toBe(mappingCount);
    const resident = regions.reduce((n, r) => n + r.residentBytes, 0);
    expect(Math.abs(resident - rollup.rssBytes!)).toBeLessThan(0.05 * rollup.rssBytes!);
    expect(regions.map((r) => r.name)).toContain('[anon]');
    expect(regions.map((r) => r.name)).toContain(process.execPath);
    for (let i = 1; i < regions.length - 1; i++) expect(regions[i - 1]!.residentBytes).toBeGreaterThanOrEqual(regions[i]!.residentBytes);
  });

  it('adds up exactly the figures it names, not the ones sharing a prefix (Pss_Dirty, SwapPss), on every key a 6.x kernel writes', () => {
    // One mapping as this kernel writes it, every key with its own figure, under a name with spaces and " kB".
    const keys = readFileSync('/proc/self/smaps', 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z]\w*:\s+\d+ kB$/.test(l))
      .map((l) => l.slice(0, l.indexOf(':')));
    const distinct = [...new Set(keys)];
    expect(distinct).toEqual(expect.arrayContaining(['Size', 'Rss', 'Pss', 'Shared_Dirty', 'Private_Dirty', 'Anonymous', 'Swap', 'SwapPss']));
    const figures = (base: number) => distinct.map((k, i) => `${k}:${' '.repeat(Math.max(1, 16 - k.length))}${base + i} kB`).join('\n');
    const of = (base: number, k: string) => (base + distinct.indexOf(k)) * 1024;
    const text = [
      '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ',
      figures(100),
      'THPeligible:    0',
      'VmFlags: rd wr mr mw me ac sd',
      '7f0000002000-7f0000003000 r--p 00001000 fe:01 42                         /data/a b 12 kB.db (deleted)',
      figures(1000),
      'VmFlags: rd mr mw me sd',
      '',
    ].join('\n');
    const { regions, mappingCount, totals } = parseSmapsRegions(text);
    expect(mappingCount).toBe(2);
    const region = (base: number) => ({
      virtualBytes: of(base, 'Size'),
      residentBytes: of(base, 'Rss'),
      dirtyBytes: of(base, 'Shared_Dirty') + of(base, 'Private_Dirty'),
      swappedBytes: of(base, 'Swap'),
      regionCount: 1,
    });
    expect(regions).toEqual([
      { name: '/data/a b 12 kB.db (deleted)', ...region(1000) },
      { name: '[anon]', ...region(100) },
    ]);
    const sum = (k: string) => of(100, k) + of(1000, k);
    expect(totals).toEqual({ rssBytes: sum('Rss'), pssBytes: sum('Pss'), anonymousBytes: sum('Anonymous'), swapBytes: sum('Swap') });
  });

  it('keeps the largest smaps regions and sums the rest in one row', () => {
    const mapping = (i: number, kb: number) =>
      `7f${i.toString(16).padStart(6, '0')}000-7f${i.toString(16).padStart(6, '0')}400 r--p 00000000 fe:00 ${i} /lib/f${i}.so\nSize: 4 kB\nRss: ${kb} kB\nPrivate_Dirty: 1 kB\nShared_Dirty: 1 kB\nSwap: 0 kB\n`;
    const text = Array.from({ length: SMAPS_MAX_REGIONS + 5 }, (_, i) => mapping(i, i + 1)).join('');
    const { regions, mappingCount } = parseSmapsRegions(text);
    expect(mappingCount).toBe(SMAPS_MAX_REGIONS + 5);
    expect(regions).toHaveLength(SMAPS_MAX_REGIONS);
    expect(regions[0]).toEqual({ name: `/lib/f${SMAPS_MAX_REGIONS + 4}.so`, virtualBytes: 4096, residentBytes: (SMAPS_MAX_REGIONS + 5) * 1024, dirtyBytes: 2048, swappedBytes: 0, regionCount: 1 });
    // The 6 smallest (1..6 kB) fold into one row.
    expect(regions.at(-1)).toEqual({ name: '(6 more)', virtualBytes: 6 * 4096, residentBytes: 21 * 1024, dirtyBytes: 6 * 2048, swappedBytes: 0, regionCount: 6 });
  });

  it('reads smaps_rollup and counts the mappings where smaps cannot be read, and says which it read', async () => {
    const p = new Procfs(proc().files);
    expect(await p.readMemoryMap(77)).toEqual({
      source: 'smaps_rollup',
      rssBytes: 29948 * 1024,
      pssBytes: 29944 * 1024,
      anonymousBytes: 20756 * 1024,
      swapBytes: 1940 * 1024,
      regionCount: 3,
      physFootprintBytes: null,
      physFootprintPeakBytes: null,
      regions: [],
      mallocZones: [],
    });
  });

  it('finds processes by command line but never itself, its ancestors, or another leakbar watching the same pattern', async () => {
    const cmd = (args: string[]) => args.join('\0') + '\0';
    const { files } = fakeProc({
      files: {
        '/proc/10/stat': '10 (bash) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0\n',
        '/proc/10/cmdline': cmd(['bash']),
        '/proc/20/stat': '20 (npm exec) S 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0\n',
        '/proc/20/cmdline': cmd(['npm', 'exec', 'leakbar', 'watch', '--match', 'my-server']),
        '/proc/30/stat': '30 (node) S 20 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0\n',
        '/proc/30/cmdline': cmd(['node', '/x/bin/leakbar.js', 'watch', '--match', 'my-server']),
        '/proc/40/cmdline': cmd(['/opt/my-server', '--port', '1']),
        '/proc/50/cmdline': cmd(['node', '/y/leakbar.js', 'serve', '--match', 'my-server']),
        '/proc/60/cmdline': '',
      },
      dirs: { '/proc': ['10', '20', '30', '40', '50', '60', 'self', 'net'] },
    });
    const p = new Procfs(files);
    expect(await p.findProcesses(/my-server/, 30)).toEqual([{ pid: 40, command: '/opt/my-server --port 1' }]);
    expect(await p.findProcesses(/my-server/g, 30)).toEqual([{ pid: 40, command: '/opt/my-server --port 1' }]);
  });

  it('gives several matches their start times, so the newest is told by when it started (PIDs wrap around)', async () => {
    const cmd = (args: string[]) => args.join('\0') + '\0';
    // Field 22 (start time, clock ticks since boot): pid 900 started at 10 s, pid 12 at 50 s.
    const stat = (pid: number, ticks: number) => `${pid} (server) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 ${ticks} 0 0\n`;
    const { files } = fakeProc({
      files: {
        '/proc/stat': 'cpu 1 2 3\nbtime 1700000000\n',
        '/proc/900/cmdline': cmd(['/opt/my-server', '--port', '1']),
        '/proc/900/stat': stat(900, 1000),
        '/proc/12/cmdline': cmd(['/opt/my-server', '--port', '2']),
        '/proc/12/stat': stat(12, 5000),
      },
      dirs: { '/proc': ['900', '12'] },
    });
    const found = await new Procfs(files).findProcesses(/my-server/, 1);
    expect(found.map((f) => [f.pid, f.startTimeMs])).toEqual(
      expect.arrayContaining([
        [900, 1_700_000_000_000 + 10_000],
        [12, 1_700_000_000_000 + 50_000],
      ]),
    );
  });

  it('never takes another leakbar for the program, with a path for a pattern or another pattern altogether', async () => {
    const cmd = (args: string[]) => args.join('\0') + '\0';
    const { files } = fakeProc({
      files: {
        '/proc/40/cmdline': cmd(['/opt/app/server', '--port', '1']),
        // `serve --match /opt/app/server` (RegExp writes that pattern's source as '\/opt\/app\/server'), by npm, a shell and node.
        '/proc/51/cmdline': cmd(['npm', 'exec', 'leakbar', 'serve', '--match', '/opt/app/server']),
        '/proc/52/cmdline': cmd(['sh', '-c', 'leakbar', 'serve', '--match', '/opt/app/server']),
        // The shell npx runs the bin through: the whole command is one argument, each word quoted as needed.
        '/proc/55/cmdline': cmd(['sh', '-c', "'leakbar' serve --match 'opt/app/server --port' --pprof 127.0.0.1:6060"]),
        '/proc/56/cmdline': cmd(['sh', '-c', "'/home/me/.npm/_npx/1/node_modules/.bin/leakbar' capture heap --match 'server'"]),
        '/proc/53/cmdline': cmd(['node', '/home/me/leakbar/node_modules/.bin/leakbar', 'serve', '--match', '/opt/app/server']),
        // Another leakbar watching by another pattern that this one matches too.
        '/proc/54/cmdline': cmd(['node', '/home/me/leakbar/bin/leakbar.js', 'watch', '--match', 'app/server --port']),
        // A program of the user's that merely mentions leakbar is still a program.
        '/proc/60/cmdline': cmd(['/opt/app/server', '--log', '/var/log/leakbar-check.log']),
      },
      dirs: { '/proc': ['40', '51', '52', '53', '54', '55', '56', '60'] },
    });
    const found = await new Procfs(files).findProcesses(new RegExp('/opt/app/server'), 1);
    expect(found.map((f) => f.pid)).toEqual([40, 60]);
    expect((await new Procfs(files).findProcesses(/app\/server/, 1)).map((f) => f.pid)).toEqual([40, 60]);
  });

  it('says no-such-process for a PID that is gone, and skips an FD closed mid-listing', async () => {
    const { files } = proc();
    const p = new Procfs(files);
    await expect(p.readProcess(78, null)).rejects.toMatchObject({ code: 'no-such-process' });
    await expect(p.countFds(78)).rejects.toMatchObject({ code: 'no-such-process' });
    const raced = fakeProc({ files: { '/proc/5/stat': STAT, '/proc/5/limits': '' }, dirs: { '/proc/5/fd': ['0', '1'] }, links: { '/proc/5/fd/0': 'pipe:[1]' } });
    expect((await new Procfs(raced.files).readFdBreakdown(5, [])).total).toBe(1);
    expect((await new Procfs(withReadLinks(raced).files).readFdBreakdown(5, [])).total).toBe(1);
    // An FD gone and then the process too: no-such-process, not a breakdown of what was left.
    const exited = fakeProc({ files: { '/proc/5/limits': '' }, dirs: { '/proc/5/fd': ['0', '1'] }, links: { '/proc/5/fd/0': 'pipe:[1]' } });
    await expect(new Procfs(withReadLinks(exited).files).readFdBreakdown(5, [])).rejects.toMatchObject({ code: 'no-such-process' });
    // An FD gone and the process a zombie by then (its stat still there, no thread running): exited, in both readers.
    const zombie = () => fakeProc({ files: { '/proc/5/stat': STAT.replace(' S ', ' Z '), '/proc/5/limits': '' }, dirs: { '/proc/5/fd': ['0', '1'], '/proc/5/task': ['5'] }, links: { '/proc/5/fd/0': 'pipe:[1]' } });
    await expect(new Procfs(zombie().files).readFdBreakdown(5, [])).rejects.toMatchObject({ code: 'no-such-process' });
    await expect(new Procfs(withReadLinks(zombie()).files).readFdBreakdown(5, [])).rejects.toMatchObject({ code: 'no-such-process' });
    await expect(new Procfs(withReadLinks(zombie()).files).listFds(5)).rejects.toMatchObject({ code: 'no-such-process' });
  });

  it('reads a process whose main thread exited through another running thread once the one it used exits', async () => {
    const ZOMBIE = STAT.replace(' S ', ' Z ');
    const tree = {
      files: { '/proc/stat': 'btime 1700000000\n', '/proc/77/stat': ZOMBIE, '/proc/77/task/78/stat': STAT, '/proc/77/task/78/status': 'Threads:\t3\nVmRSS:\t1000 kB\n', '/proc/77/task/79/stat': STAT, '/proc/77/task/79/limits': 'Max open files            1024                 4096                 files\n' } as Record<string, string>,
      dirs: { '/proc/77/task': ['77', '78', '79'], '/proc/77/task/78/fd': ['0'], '/proc/77/task/79/fd': ['0', '1'] } as Record<string, string[]>,
    };
    const { files } = fakeProc(tree);
    const p = new Procfs(files);
    expect((await p.readProcess(77, null)).figures.rssBytes).toBe(1000 * 1024);
    expect(await p.countFds(77)).toBe(1);
    // Thread 78 exits: its folder is gone; 79 still runs.
    delete tree.files['/proc/77/task/78/stat'];
    delete tree.dirs['/proc/77/task/78/fd'];
    tree.dirs['/proc/77/task'] = ['77', '79'];
    expect(await p.countFds(77)).toBe(2);
    expect(await p.readFdLimit(77)).toBe(1024);
    // And when none runs, the process has exited.
    delete tree.files['/proc/77/task/79/stat'];
    delete tree.dirs['/proc/77/task/79/fd'];
    tree.dirs['/proc/77/task'] = ['77'];
    await expect(p.countFds(77)).rejects.toMatchObject({ code: 'no-such-process', message: 'process 77 has exited' });
  });

  it('fails the breakdown, in both readers, when a link may not be read, rather than counting it as closed', async () => {
    const denied = () => {
      const p = proc();
      const readlink = p.files.readlink.bind(p.files);
      p.files.readlink = (path) => (path.endsWith('/fd/3') ? Promise.reject(new LeakbarError('permission-denied', `leakbar may not read ${path}`)) : readlink(path));
      return p;
    };
    await expect(new Procfs(denied().files).readFdBreakdown(77, [])).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(new Procfs(withReadLinks(denied()).files).readFdBreakdown(77, [])).rejects.toMatchObject({ code: 'permission-denied' });
  });

  it('reads the links one at a time where the one-call reader gives up on a listing too large for one string', async () => {
    const p = proc();
    const oneCall = new Procfs({ ...p.files, readLinks: async () => null });
    expect(await oneCall.listFds(77)).toEqual(await new Procfs(proc().files).listFds(77));
  });

  it('counts FDs by the folder’s stat size where the kernel gives it, listing the folder only where it does not', async () => {
    const listed: string[] = [];
    const withSize = (size: number | null) => {
      const { files } = proc();
      const readdir = files.readdir.bind(files);
      return new Procfs({ ...files, countLinks: async () => size, readdir: (path) => (listed.push(path), readdir(path)) });
    };
    expect(await withSize(9).countFds(77)).toBe(9);
    expect(listed).toEqual([]);
    expect(await withSize(null).countFds(77)).toBe(14);
    expect(listed).toEqual(['/proc/77/fd']);
  });

  it('reads all links in one call where the reader has readLinks, to the same entries and breakdown', async () => {
    const perLink = new Procfs(proc().files);
    const oneCall = new Procfs(withReadLinks(proc()).files);
    expect(await oneCall.listFds(77)).toEqual(await perLink.listFds(77));
    expect(await oneCall.readFdBreakdown(77, ['/var/data', '.sock'])).toEqual(await perLink.readFdBreakdown(77, ['/var/data', '.sock']));
  });
});
