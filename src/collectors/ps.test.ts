import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ancestorsInListing, parseLstart, parsePsCpuTime, parsePsFigures, parsePsList, parsePsThreads } from './ps.js';

const sample = (name: string) => readFileSync(new URL(`../../../shared/samples/${name}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n');

describe('parsePsThreads', () => {
  it('counts the three thread lines of a macOS `ps -Mfc` sample', () => {
    expect(parsePsThreads(sample('ps-M-macos-1.txt'))).toBe(3);
  });
  it('counts nothing for a header alone (the process is gone)', () => {
    expect(parsePsThreads('USER   PID   TT  %CPU STAT PRI     STIME     UTIME COMMAND\n')).toBe(0);
  });
});

describe('parsePsFigures', () => {
  it('reads pid, ppid, rss and vsz (KiB), cumulative CPU time, state, lstart and the command', () => {
    const f = parsePsFigures(' 3066  2757  10240 4194304   1:02.50 Ss   Mon Nov  3 14:30:05 2025     /usr/local/bin/server --port 8080\n');
    expect(f).toEqual({
      pid: 3066,
      ppid: 2757,
      rssBytes: 10240 * 1024,
      vszBytes: 4194304 * 1024,
      cpuTimeMs: 62_500,
      state: 'S',
      startTimeMs: new Date(2025, 10, 3, 14, 30, 5).getTime(),
      command: '/usr/local/bin/server --port 8080',
    });
  });
  it('says no-such-process for empty output and parse-error for something else', () => {
    expect(() => parsePsFigures('\n')).toThrow(expect.objectContaining({ code: 'no-such-process' }));
    expect(() => parsePsFigures('PID RSS\n')).toThrow(expect.objectContaining({ code: 'parse-error' }));
  });
});

describe('parsePsCpuTime and parseLstart', () => {
  it.each([
    ['0:00.05', 50],
    ['12:34.56', 754_560],
    ['1:02:03', 3_723_000],
    ['2-01:00:00', 176_400_000],
    ['00:00:01', 1000],
    ['x', null],
  ])('time %s is %s ms', (text, ms) => expect(parsePsCpuTime(text)).toBe(ms));
  it('reads lstart in local time and refuses other words', () => {
    expect(parseLstart(['Tue', 'Feb', '29', '23:59:59', '2028'])).toBe(new Date(2028, 1, 29, 23, 59, 59).getTime());
    expect(parseLstart(['Tue', 'Fev', '29', '23:59:59', '2028'])).toBeNull();
  });
});

describe('parsePsList', () => {
  it('reads pid, ppid and the command with its spaces, and walks the parent chain', () => {
    const list = parsePsList('    1     0 /sbin/launchd\n  500     1 -zsh\n  600   500 npm exec leakbar watch --match server\n  601   600 node /x/leakbar watch --match server\n  700     1 /usr/local/bin/server --port 1\n');
    expect(list).toHaveLength(5);
    expect(list[2]).toEqual({ pid: 600, ppid: 500, command: 'npm exec leakbar watch --match server' });
    expect([...ancestorsInListing(list, 601)]).toEqual([600, 500]);
  });
});
