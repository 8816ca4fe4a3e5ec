import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLeakbarError } from '../shared/errors.js';
import { FD_TYPES, type FdEntry } from '../shared/types.js';
import { summarizeFds } from './fds.js';
import { countNumberedFds, parseLsofColumns, parseLsofFields } from './lsof.js';

/** A sample from ../shared/samples without its `# source:` line. */
const sample = (name: string) => readFileSync(new URL(`../../../shared/samples/${name}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n');

describe('parseLsofColumns', () => {
  it('reads every row of a Linux Go service (pipes, eventpoll, IPv4/IPv6)', () => {
    const entries = parseLsofColumns(sample('lsof-linux-1.txt'));
    expect(entries).toHaveLength(22);
    expect(entries.slice(0, 3)).toEqual([
      { fd: 'cwd', type: 'dir', name: '/opt/deploy/builds/console-api_vmaster_1532338773' },
      { fd: 'rtd', type: 'dir', name: '/' },
      { fd: 'txt', type: 'file', name: '/opt/deploy/builds/console-api_vmaster_1532338773/console-api' },
    ]);
    expect(entries[3]).toEqual({ fd: '0', type: 'pipe', name: 'pipe' });
    expect(entries[6]).toEqual({ fd: '3', type: 'ipv4', name: 'localhost:38524->localhost:8125' });
    expect(entries[7]).toEqual({ fd: '4', type: 'eventpoll', name: '[eventpoll]' });
    expect(entries[8]).toEqual({ fd: '5', type: 'ipv6', name: '*:8888 (LISTEN)' });
    expect(entries.at(-1)).toEqual({
      fd: '26',
      type: 'ipv4',
      name: 'ip-10-0-58-200.us-west-2.compute.internal:39302->ip-10-0-75-170.us-west-2.compute.internal:postgresql (ESTABLISHED)',
    });
    const b = summarizeFds(entries, ['/var/log/console-api', 'nothing'], null);
    expect(b.total).toBe(19);
    expect(b.byType).toEqual({ file: 2, dir: 0, pipe: 1, unix: 0, ipv4: 10, ipv6: 5, eventpoll: 1, kqueue: 0, chr: 0, other: 0 });
    expect(b.repeated).toEqual([]); // the log is open twice, under the threshold of 4
    expect(b.patterns).toEqual([
      { pattern: '/var/log/console-api', count: 2 },
      { pattern: 'nothing', count: 0 },
    ]);
  });

  it('reads every row of a macOS Go program, a KQUEUE row with blank columns included', () => {
    const entries = parseLsofColumns(sample('lsof-macos-1.txt'));
    expect(entries).toHaveLength(14);
    expect(entries.filter((e) => e.fd === 'txt').map((e) => e.name)).toEqual([
      '/Users/v.behar/go/src/github.com/dailymotion-leo/hands-on-diagnosing-golang-apps/hands-on-diagnosing-golang-apps',
      '/usr/lib/dyld',
      '/private/var/db/dyld/dyld_shared_cache_x86_64h',
    ]);
    expect(entries.find((e) => e.fd === '4')).toEqual({ fd: '4', type: 'kqueue', name: 'count=0, state=0xa' });
    expect(entries.find((e) => e.fd === '3')).toEqual({ fd: '3', type: 'ipv6', name: '*:6060 (LISTEN)' }) // the protocol is in the NODE column;
    const b = summarizeFds(entries, ['go-app-dir-147796943', '/dev/ttys'], 256);
    expect(b.total).toBe(10);
    expect(b.byType).toEqual({ file: 5, dir: 0, pipe: 0, unix: 0, ipv4: 0, ipv6: 1, eventpoll: 0, kqueue: 1, chr: 3, other: 0 });
    expect(b.patterns.map((p) => p.count)).toEqual([5, 3]);
    expect(b.limit).toBe(256);
  });

  it('keeps spaces inside COMMAND and NAME', () => {
    const text = [
      'COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF   NODE NAME',
      'Google Ch 812 me     12r   REG    1,4     1024 123456 /Users/me/Library/Application Support/x.db',
    ].join('\n');
    expect(parseLsofColumns(text)).toEqual([{ fd: '12', type: 'file', name: '/Users/me/Library/Application Support/x.db' }]);
  });

  it('rejects text without a header with a parse-error', () => {
    expect(() => parseLsofColumns('hello')).toThrow(expect.objectContaining({ code: 'parse-error' }));
  });
});

describe('parseLsofFields', () => {
  it('reads -F ftn output: process set, then file sets of f, t, n', () => {
    const text = ['p74403', 'fcwd', 'tDIR', 'n/Users/me', 'ftxt', 'tREG', 'n/usr/lib/dyld', 'f0', 'tCHR', 'n/dev/ttys005', 'f3', 'tIPv6', 'n*:6060', 'f4', 'tKQUEUE', 'ncount=0, state=0xa', 'f5', 'tPIPE', 'n->0x1234', 'f6', 'tunix', 'n->0xabcd', 'f7', 'tREG', 'n/tmp/a b.dat', ''].join('\n');
    const entries = parseLsofFields(text);
    expect(entries).toEqual([
      { fd: 'cwd', type: 'dir', name: '/Users/me' },
      { fd: 'txt', type: 'file', name: '/usr/lib/dyld' },
      { fd: '0', type: 'chr', name: '/dev/ttys005' },
      { fd: '3', type: 'ipv6', name: '*:6060' },
      { fd: '4', type: 'kqueue', name: 'count=0, state=0xa' },
      { fd: '5', type: 'pipe', name: '->0x1234' },
      { fd: '6', type: 'unix', name: '->0xabcd' },
      { fd: '7', type: 'file', name: '/tmp/a b.dat' },
    ]);
    expect(countNumberedFds(entries)).toBe(6);
  });

  it('reads NUL-terminated fields (-F0) and Linux a_inode types', () => {
    const text = 'p1\0\nf4\0ta_inode\0n[eventpoll]\0\nf5\0ta_inode\0n[eventfd]\0\nf6\0tFIFO\0npipe\0\n';
    expect(parseLsofFields(text).map((e) => e.type)).toEqual(['eventpoll', 'other', 'pipe']);
  });

  it('returns no entries for empty output and a parse-error for the column layout', () => {
    expect(parseLsofFields('')).toEqual([]);
    expect(() => parseLsofFields(sample('lsof-linux-1.txt'))).toThrow(expect.objectContaining({ code: 'parse-error' }));
  });

  it('never throws anything but a LeakbarError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.stringMatching(/^[fptnLx0-9]?[^\n]*$/)).map((ls) => ls.join('\n'))), (text) => {
        try {
          parseLsofFields(text);
        } catch (e) {
          if (!isLeakbarError(e)) throw e;
        }
        try {
          parseLsofColumns(`COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\n${text}`);
        } catch (e) {
          if (!isLeakbarError(e)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('summarizeFds', () => {
  it('names files open 4 or more times, most first, at most 20, counting only numbered FDs with a path', () => {
    const entries: FdEntry[] = [{ fd: 'txt', type: 'file', name: '/bin/x' }];
    let fd = 0;
    const open = (name: string, n: number, type: FdEntry['type'] = 'file') => {
      for (let i = 0; i < n; i++) entries.push({ fd: String(fd++), type, name });
    };
    open('/bin/x', 3); // 3 numbered + the txt row: still 3
    open('/data/b.dat', 5);
    open('/data/a.dat', 5);
    open('/data/c.dat', 9);
    open('pipe', 6, 'pipe');
    open('', 4, 'other');
    for (let i = 0; i < 25; i++) open(`/many/${String(i).padStart(2, '0')}`, 4);
    const b = summarizeFds(entries, [], null);
    expect(b.total).toBe(fd);
    expect(b.repeated).toHaveLength(20);
    expect(b.repeated.slice(0, 3)).toEqual([
      { name: '/data/c.dat', count: 9 },
      { name: '/data/a.dat', count: 5 },
      { name: '/data/b.dat', count: 5 },
    ]);
    expect(b.repeated[3]).toEqual({ name: '/many/00', count: 4 });
    expect(Object.keys(b.byType).sort()).toEqual([...FD_TYPES].sort());
  });
});
