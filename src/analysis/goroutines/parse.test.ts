import { describe, expect, it } from 'vitest';
import debug2Raw from '../../../../shared/samples/goroutine-debug2-1.txt?raw';
import debug1Raw from '../../../../shared/samples/goroutine-debug1-1.txt?raw';
import go121Raw from '../../../../shared/samples/goroutine-stack-go121-1.txt?raw';
import { isLeakbarError } from '../../shared/errors.js';
import { blockKindOfState, detectGoroutineFormat, goroutineStackKey, idleWaitText, IDLE_MANY, parseGoroutineDump, parseLabels, type GoroutineDump, type GoroutineGroup } from './index.js';

const samples: Record<string, string> = { 'goroutine-debug2-1.txt': debug2Raw, 'goroutine-debug1-1.txt': debug1Raw, 'goroutine-stack-go121-1.txt': go121Raw };

/** A sample's text without its first line (`# source: …`). */
function sample(name: string): string {
  const text = samples[name]!;
  return text.slice(text.indexOf('\n') + 1);
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isLeakbarError(e)) return e.code;
    throw e;
  }
  return 'no error';
};

const groupWith = (d: GoroutineDump, fn: string): GoroutineGroup => {
  const g = d.groups.find((x) => x.frames.some((f) => f.function === fn));
  if (!g) throw new Error(`no group with ${fn}`);
  return g;
};

describe('parseGoroutineDump on goroutine?debug=2 (goroutine-debug2-1.txt, Go 1.15)', () => {
  const text = sample('goroutine-debug2-1.txt');
  const dump = parseGoroutineDump(text, { keepGoroutines: true });

  it('counts every goroutine the text has', () => {
    expect((text.match(/^goroutine \d+ \[/gm) ?? []).length).toBe(10);
    expect(dump.format).toBe('debug=2');
    expect(dump.total).toBe(10);
    expect(dump.goroutines!.map((g) => g.id)).toEqual([41, 1, 22, 3, 4, 5, 6, 24, 23, 54]);
    expect(dump.groups.reduce((s, g) => s + g.count, 0)).toBe(10);
  });

  it('reads states and wait minutes from the headers', () => {
    const states = new Map<string, number>();
    for (const g of dump.goroutines!) states.set(g.state, (states.get(g.state) ?? 0) + 1);
    expect(Object.fromEntries(states)).toEqual({ running: 1, select: 2, sleep: 3, 'IO wait': 3, 'chan receive': 1 });
    expect(dump.goroutines!.filter((g) => g.waitMinutes === 1).map((g) => g.id)).toEqual([22, 3, 4, 5, 6]);
    expect(dump.goroutines!.filter((g) => g.waitMinutes === 0).map((g) => g.id)).toEqual([41, 1, 24, 23, 54]);
  });

  it('groups goroutines 22 and 4 (same stack, different creators and args) and keeps both creators', () => {
    expect(dump.groups).toHaveLength(9);
    const g = dump.groups[0]!;
    expect(g.count).toBe(2);
    expect(g.goroutineIds).toEqual([22, 4]);
    expect(g.states).toEqual([{ state: 'sleep', count: 2 }]);
    expect(g.frames).toEqual([
      { function: 'time.Sleep', file: '/usr/local/Cellar/go/1.15.6/libexec/src/runtime/time.go', line: 188 },
      { function: 'main.shortSleepLoop', file: '/Users/felix.geisendoerfer/go/src/github.com/felixge/go-profiler-notes/examples/goroutine/main.go', line: 165 },
    ]);
    expect(g.createdBy.map((c) => [c.function, c.line, c.count])).toEqual([
      ['main.indirectShortSleepLoop2', 185, 1],
      ['main.main', 130, 1],
    ]);
    expect(g.minWaitMinutes).toBe(1);
    expect(g.maxWaitMinutes).toBe(1);
    expect(g.blockedOn).toBe('sleep');
    expect(g.suspicious).toBe(true);
  });

  it('reads function names without arguments, inlined frames, and file:line without the pc offset', () => {
    const g = groupWith(dump, 'net/http.(*persistConn).roundTrip');
    expect(g.frames).toHaveLength(13);
    expect(g.frames[6]).toEqual({ function: 'net/http.(*Client).Do', file: '/usr/local/Cellar/go/1.15.6/libexec/src/net/http/client.go', line: 586 });
    expect(g.frames.at(-1)!.function).toBe('main.main');
    expect(g.createdBy).toEqual([]);
    expect(g.creator).toBeNull();
    expect(g.states).toEqual([{ state: 'select', count: 1 }]);
  });

  it('marks blocked groups suspicious and the running one not', () => {
    const running = groupWith(dump, 'runtime/pprof.writeGoroutineStacks');
    expect(running.suspicious).toBe(false);
    expect(running.blockedOn).toBeNull();
    expect(running.creator).toBe('net/http.(*Server).Serve');
    expect(running.topFrame).toEqual({ function: 'runtime/pprof.writeGoroutineStacks', file: '/usr/local/Cellar/go/1.15.6/libexec/src/runtime/pprof/pprof.go', line: 693 });
    expect(groupWith(dump, 'main.chanReceiveForever')).toMatchObject({ blockedOn: 'chan-receive', suspicious: true, count: 1, maxWaitMinutes: 1 });
    // main.main waits in a select too, but there is one main goroutine: it cannot be what leaks. Nor can a listener's accept loop.
    expect(groupWith(dump, 'main.main')).toMatchObject({ blockedOn: 'select', suspicious: false, count: 1, idleWait: null });
    expect(groupWith(dump, 'net.(*TCPListener).Accept')).toMatchObject({ blockedOn: 'io-wait', suspicious: false, count: 1, idleWait: 'listener' });
    expect(dump.suspiciousTotal).toBe(4);
  });

  it('does not suspect the HTTP connections that wait by design: a server reading ahead, a client connection in its pool', () => {
    // The server watches the client of a running request (backgroundRead); main.main's http.Get has its pooled connection's two loops.
    expect(groupWith(dump, 'net/http.(*connReader).backgroundRead')).toMatchObject({ blockedOn: 'io-wait', idleWait: 'http-server-conn', suspicious: false });
    expect(groupWith(dump, 'net/http.(*persistConn).readLoop')).toMatchObject({ blockedOn: 'io-wait', idleWait: 'http-client-conn', suspicious: false });
    expect(groupWith(dump, 'net/http.(*persistConn).writeLoop')).toMatchObject({ blockedOn: 'select', idleWait: 'http-client-conn', suspicious: false });
    // The request itself waits under (*persistConn).roundTrip in main.main: no idle wait, and main anyway.
    expect(groupWith(dump, 'net/http.(*persistConn).roundTrip').idleWait).toBeNull();
    expect(dump.groups.filter((g) => g.blockedOn !== null && !g.suspicious).map((g) => g.idleWait ?? 'main').sort()).toEqual(['http-client-conn', 'http-client-conn', 'http-server-conn', 'listener', 'main']);
  });

  it('still suspects a pile of them: the same stacks more than IDLE_MANY times', () => {
    // The sample's readLoop goroutine, as many times over as a program that never closes its connections would have it.
    const block = text.slice(text.indexOf('goroutine 23 [IO wait]:'), text.indexOf('goroutine 54 '));
    const many = (n: number) => parseGoroutineDump(Array.from({ length: n }, (_, i) => block.replace('goroutine 23 ', `goroutine ${1000 + i} `)).join(''));
    expect(groupWith(many(IDLE_MANY), 'net/http.(*persistConn).readLoop')).toMatchObject({ count: IDLE_MANY, idleWait: 'http-client-conn', suspicious: false });
    const pile = groupWith(many(IDLE_MANY + 1), 'net/http.(*persistConn).readLoop');
    expect(pile).toMatchObject({ count: IDLE_MANY + 1, idleWait: 'http-client-conn', suspicious: true });
    expect(idleWaitText(pile)).toBe(`idle HTTP client connections: ${IDLE_MANY + 1}, more than ${IDLE_MANY}`);
  });

  it('marks long waits by the configured line', () => {
    expect(dump.groups.filter((g) => g.longWait)).toHaveLength(0);
    const strict = parseGoroutineDump(text, { longWaitMinutes: 1 });
    expect(strict.longWaitMinutes).toBe(1);
    expect(strict.groups.filter((g) => g.longWait).reduce((s, g) => s + g.count, 0)).toBe(5);
  });

  it('orders groups largest first', () => {
    const counts = dump.groups.map((g) => g.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('reads the sample’s own first line as text outside any goroutine', () => {
    expect(parseGoroutineDump(debug2Raw).groups.map((g) => [g.key, g.count])).toEqual(dump.groups.map((g) => [g.key, g.count]));
  });
});

describe('parseGoroutineDump on a Go 1.21+ stack dump (goroutine-stack-go121-1.txt)', () => {
  const dump = parseGoroutineDump(sample('goroutine-stack-go121-1.txt'), { keepGoroutines: true });

  it('reads `created by F in goroutine K` and `?` arguments', () => {
    expect(dump.total).toBe(2);
    expect(dump.goroutines).toEqual([
      expect.objectContaining({ id: 18, state: 'running', waitMinutes: 0, createdBy: 'main.main', createdByGoroutineId: 1 }),
      expect.objectContaining({ id: 1, state: 'semacquire', waitMinutes: 0, createdBy: null, createdByGoroutineId: null }),
    ]);
    const child = groupWith(dump, 'main.printStack');
    expect(child.createdBy).toEqual([{ function: 'main.main', file: '/Users/nick.ripley/repos/gostackparse/test-fixtures/go121_createdby.go', line: 14, count: 1 }]);
    expect(child.frames.map((f) => `${f.function}:${f.line}`)).toEqual(['main.printStack:23', 'main.main.func1:16']);
  });

  it('calls semacquire in sync.(*WaitGroup).Wait a lock wait (not suspicious: it is the main goroutine)', () => {
    const g = groupWith(dump, 'sync.(*WaitGroup).Wait');
    expect(g.frames[0]).toEqual({ function: 'sync.runtime_Semacquire', file: '/Users/nick.ripley/repos/go/src/runtime/sema.go', line: 62 });
    expect(g).toMatchObject({ blockedOn: 'lock', suspicious: false, count: 1 });
  });

  it('reads the last line even without a final newline', () => {
    expect(groupWith(dump, 'main.main').frames.at(-1)).toEqual({ function: 'main.main', file: '/Users/nick.ripley/repos/gostackparse/test-fixtures/go121_createdby.go', line: 18 });
  });
});

describe('parseGoroutineDump on goroutine?debug=1 (goroutine-debug1-1.txt)', () => {
  const text = sample('goroutine-debug1-1.txt');
  const dump = parseGoroutineDump(text);

  it('reads the total and every record', () => {
    expect(dump.format).toBe('debug=1');
    expect(dump.total).toBe(10);
    expect(dump.warnings).toEqual([]);
    expect((text.match(/^\d+ @/gm) ?? []).length).toBe(9);
    expect(dump.groups).toHaveLength(9);
    expect(dump.groups.map((g) => g.count)).toEqual([2, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(dump.groups.every((g) => g.states.length === 0 && g.minWaitMinutes === null && g.goroutineIds.length === 0)).toBe(true);
  });

  it('reads frames from `#\\tPC\\tfunction+off\\tfile:line` lines, tabwriter padding and all', () => {
    const g = groupWith(dump, 'net/http/pprof.Index');
    expect(g.frames).toHaveLength(10);
    expect(g.frames[0]).toEqual({ function: 'runtime/pprof.runtime_goroutineProfileWithLabels', file: '/usr/local/Cellar/go/1.15.6/libexec/src/runtime/mprof.go', line: 716 });
    expect(g.frames.at(-1)).toEqual({ function: 'net/http.(*conn).serve', file: '/usr/local/Cellar/go/1.15.6/libexec/src/net/http/server.go', line: 1925 });
  });

  it('counts labels per group', () => {
    expect(dump.groups[0]!.labels).toEqual([{ labels: '{"test_label":"test_value"}', count: 2 }]);
    expect(dump.groups.reduce((s, g) => s + g.labels.reduce((t, l) => t + l.count, 0), 0)).toBe(7);
    expect(parseLabels(dump.groups[0]!.labels[0]!.labels)).toEqual({ test_label: 'test_value' });
  });

  it('guesses what a group waits on from its top frame where that says it', () => {
    expect(groupWith(dump, 'main.shortSleepLoop').blockedOn).toBe('sleep');
    expect(groupWith(dump, 'net.(*TCPListener).Accept').blockedOn).toBe('io-wait');
    expect(groupWith(dump, 'main.chanReceiveForever').blockedOn).toBeNull();
  });

  it('does not suspect the main goroutine, which debug=1 shows above runtime.main', () => {
    const record = (fn: string) =>
      `1 @ 0x1 0x2 0x3\n#\t0x1\ttime.Sleep+0x1\t/go/src/runtime/time.go:1\n#\t0x2\t${fn}+0x1\t/app/main.go:5\n#\t0x3\truntime.main+0x1\t/go/src/runtime/proc.go:250\n\n`;
    const d = parseGoroutineDump(`goroutine profile: total 2\n${record('main.main')}${record('main.worker')}`);
    expect(groupWith(d, 'main.main')).toMatchObject({ blockedOn: 'sleep', suspicious: false });
    expect(groupWith(d, 'main.worker')).toMatchObject({ blockedOn: 'sleep', suspicious: true });
  });

  it('gives a stack the same key as in a debug=2 dump of the same program', () => {
    const d2 = parseGoroutineDump(sample('goroutine-debug2-1.txt'));
    for (const fn of ['main.shortSleepLoop', 'main.sleepLoop', 'main.chanReceiveForever', 'net/http.(*persistConn).writeLoop', 'net.(*TCPListener).Accept', 'net/http.(*persistConn).readLoop']) {
      expect(groupWith(dump, fn).key, fn).toBe(groupWith(d2, fn).key);
    }
  });

  it('warns when the records do not add up to the total', () => {
    const d = parseGoroutineDump(text.replace('total 10', 'total 12'));
    expect(d.total).toBe(12);
    expect(d.warnings).toEqual(['the dump says total 12 but its records add up to 10']);
  });
});

describe('debug=2 header and frame forms', () => {
  const one = (header: string, body = 'main.f()\n\t/src/main.go:10 +0x1\n'): GoroutineDump => parseGoroutineDump(`${header}\n${body}`, { keepGoroutines: true });

  it.each([
    ['goroutine 7 [chan receive, 12 minutes]:', 'chan receive', 12, false, 'chan-receive'],
    ['goroutine 7 [chan send (nil chan), 3 minutes]:', 'chan send (nil chan)', 3, false, 'chan-send'],
    ['goroutine 7 [chan receive (nil chan)]:', 'chan receive (nil chan)', 0, false, 'chan-receive'],
    ['goroutine 7 [select, 1 minutes, locked to thread]:', 'select', 1, true, 'select'],
    ['goroutine 7 [select (no cases)]:', 'select (no cases)', 0, false, 'select'],
    ['goroutine 7 [sync.Mutex.Lock, 45 minutes]:', 'sync.Mutex.Lock', 45, false, 'lock'],
    ['goroutine 7 [sync.RWMutex.RLock]:', 'sync.RWMutex.RLock', 0, false, 'lock'],
    ['goroutine 7 [sync.Cond.Wait]:', 'sync.Cond.Wait', 0, false, 'lock'],
    ['goroutine 7 [sync.WaitGroup.Wait]:', 'sync.WaitGroup.Wait', 0, false, 'lock'],
    ['goroutine 7 [semacquire, 1440 minutes]:', 'semacquire', 1440, false, 'lock'],
    ['goroutine 7 [IO wait, 2 minutes]:', 'IO wait', 2, false, 'io-wait'],
    ['goroutine 7 [sleep]:', 'sleep', 0, false, 'sleep'],
    ['goroutine 7 [syscall, 9 minutes, locked to thread]:', 'syscall', 9, true, null],
    ['goroutine 7 [runnable]:', 'runnable', 0, false, null],
    ['goroutine 7 [running, locked to thread]:', 'running', 0, true, null],
    ['goroutine 7 [GC worker (idle)]:', 'GC worker (idle)', 0, false, null],
    ['goroutine 7 gp=0xc000007c00 m=nil [chan receive, 5 minutes]:', 'chan receive', 5, false, 'chan-receive'],
  ])('%s', (header, state, waitMinutes, locked, kind) => {
    const d = one(header);
    expect(d.goroutines![0]).toMatchObject({ id: 7, state, waitMinutes, lockedToThread: locked });
    expect(d.groups[0]!.blockedOn).toBe(kind);
    expect(d.groups[0]!.lockedToThread).toBe(locked ? 1 : 0);
    expect(d.groups[0]!.suspicious).toBe(kind !== null);
  });

  it('reads labels in the header (Go 1.26 tracebacklabels, and the proposed `]{…}:` form)', () => {
    const a = one('goroutine 9 [select, 3 minutes, labels:{"handler":"/api, v2", "id":"7"}]:');
    expect(a.goroutines![0]).toMatchObject({ state: 'select', waitMinutes: 3, labels: '{"handler":"/api, v2", "id":"7"}' });
    expect(parseLabels(a.groups[0]!.labels[0]!.labels)).toEqual({ handler: '/api, v2', id: '7' });
    const b = one('goroutine 9 [select, 2 minutes]{"service": "users"}:');
    expect(b.goroutines![0]).toMatchObject({ state: 'select', waitMinutes: 2, labels: '{"service": "users"}' });
  });

  it('marks elided frames and keeps them in the key', () => {
    const frames = Array.from({ length: 3 }, (_, i) => `main.rec(0x${i})\n\t/src/r.go:5 +0x1${i}\n`).join('');
    const d = parseGoroutineDump(`goroutine 1 [running]:\n${frames}...additional frames elided...\ncreated by main.main\n\t/src/main.go:3 +0x1\n\ngoroutine 2 [running]:\n${frames}created by main.main\n\t/src/main.go:3 +0x1\n`);
    expect(d.groups).toHaveLength(2);
    const elided = d.groups.find((g) => g.framesElided)!;
    expect(elided.frames).toHaveLength(3);
    expect(elided.creator).toBe('main.main');
    const go121 = parseGoroutineDump(`goroutine 1 [running]:\n${frames}...12 frames elided...\n${frames}`);
    expect(go121.groups[0]!.framesElided).toBe(true);
    expect(go121.groups[0]!.frames).toHaveLength(6);
  });

  it('leaves the runtime’s unexported frames out of the key, so GOTRACEBACK=system dumps group the same', () => {
    const plain = parseGoroutineDump('goroutine 1 [chan receive]:\nmain.wait()\n\t/src/m.go:5 +0x1\n');
    const system = parseGoroutineDump(
      'goroutine 1 gp=0xc0000061c0 m=nil [chan receive]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/go/src/runtime/proc.go:398 +0xce fp=0xc sp=0xc pc=0x4\nruntime.chanrecv1(0x0?, 0x0?)\n\t/go/src/runtime/chan.go:442 +0x12\nmain.wait()\n\t/src/m.go:5 +0x1\nruntime.goexit({})\n\t/go/src/runtime/asm_amd64.s:1650 +0x1\n',
    );
    expect(system.groups[0]!.key).toBe(plain.groups[0]!.key);
    expect(system.groups[0]!.frames.map((f) => f.function)).toEqual(['runtime.gopark', 'runtime.chanrecv1', 'main.wait', 'runtime.goexit']);
    expect(system.groups[0]!.frames[0]).toEqual({ function: 'runtime.gopark', file: '/go/src/runtime/proc.go', line: 398 });
    // Exported runtime functions stay in the key (the runtime shows them too).
    const gosched = parseGoroutineDump('goroutine 1 [runnable]:\nruntime.Gosched()\n\t/go/src/runtime/proc.go:1 +0x1\nmain.wait()\n\t/src/m.go:5 +0x1\n');
    expect(gosched.groups[0]!.key).not.toBe(plain.groups[0]!.key);
  });

  it('keys a stack of only hidden runtime frames by those frames', () => {
    const d = parseGoroutineDump('goroutine 1 [chan receive]:\nruntime.gopark()\n\t/a.go:1\n\ngoroutine 2 [chan receive]:\nruntime.park_m()\n\t/b.go:2\n');
    expect(d.groups).toHaveLength(2);
  });

  it('skips ancestor stacks and lines outside goroutines, and reads CRLF text the same', () => {
    const text =
      'panic: boom\n\ngoroutine 5 [chan receive, 2 minutes]:\nmain.wait(...)\n\t/src/m.go:5\ncreated by main.start in goroutine 1\n\t/src/m.go:9 +0x25\n[originating from goroutine 1]:\nmain.main()\n\t/src/m.go:20 +0x1\n\nexit status 2\n';
    const d = parseGoroutineDump(text, { keepGoroutines: true });
    expect(d.total).toBe(1);
    expect(d.groups[0]!.frames).toEqual([{ function: 'main.wait', file: '/src/m.go', line: 5 }]);
    expect(d.groups[0]!.createdBy).toEqual([{ function: 'main.start', file: '/src/m.go', line: 9, count: 1 }]);
    expect(d.goroutines![0]!.createdByGoroutineId).toBe(1);
    const crlf = parseGoroutineDump(text.replaceAll('\n', '\r\n'), { keepGoroutines: true });
    expect(crlf).toEqual(d);
  });

  it('copes with a frame missing its location and a stack that is unavailable', () => {
    const d = parseGoroutineDump('goroutine 1 [running]:\n\tgoroutine running on other thread; stack unavailable\n\ngoroutine 2 [running]:\nmain.a()\nmain.b()\n\t/src/b.go:3 +0x1\n');
    expect(d.total).toBe(2);
    const g2 = d.groups.find((g) => g.goroutineIds.includes(2))!;
    expect(g2.frames).toEqual([
      { function: 'main.a', file: '', line: 0 },
      { function: 'main.b', file: '/src/b.go', line: 3 },
    ]);
    expect(d.groups.find((g) => g.goroutineIds.includes(1))!.frames).toEqual([]);
  });

  it('reads generic function names and Windows paths', () => {
    const d = parseGoroutineDump('goroutine 1 [select]:\nmain.Run[...](0xc000010000?, {0x1, 0x2})\n\tC:/work/app/run.go:42 +0x9f\n');
    expect(d.groups[0]!.frames).toEqual([{ function: 'main.Run[...]', file: 'C:/work/app/run.go', line: 42 }]);
  });
});

describe('format detection and errors', () => {
  it('tells debug=1 from debug=2', () => {
    expect(detectGoroutineFormat(sample('goroutine-debug1-1.txt'))).toBe('debug=1');
    expect(detectGoroutineFormat(sample('goroutine-debug2-1.txt'))).toBe('debug=2');
  });

  it.each([
    ['', 'empty-profile', /empty/],
    ['  \n\n', 'empty-profile', /empty/],
    ['<!DOCTYPE html><html><body>pprof index</body></html>', 'not-a-profile', /HTML page/],
    ['\u001f\ufffd\u0008\u0000\u0000', 'not-a-profile', /gzip file \(likely a protobuf/],
    ['\n\u0004\n\u0002\u0008\u0001\u0000\u0000\u0000', 'not-a-profile', /binary data/],
    ['heap profile: 1: 2 [3: 4] @ heap/1048576\n', 'not-a-profile', /heap profile/],
    ['404 page not found\n', 'not-a-profile', /no goroutine/],
    ['goroutine profile: nonsense\n', 'not-a-profile', /no goroutine record/],
  ])('refuses %j with %s', (text, code, message) => {
    expect(codeOf(() => parseGoroutineDump(text))).toBe(code);
    try {
      parseGoroutineDump(text);
    } catch (e) {
      expect(isLeakbarError(e) && message.test(e.message)).toBe(true);
      expect(isLeakbarError(e) && e.hint).toMatch(/debug=2|debug=1/);
    }
  });

  it('says to ask for ?debug=2 when given a protobuf profile', () => {
    try {
      parseGoroutineDump('\u001f\ufffd\u0008\u0000');
      expect.unreachable();
    } catch (e) {
      expect(isLeakbarError(e, 'not-a-profile') && e.hint).toContain('?debug=2');
    }
  });
});

const PINNED_KEY = '15a3e7651c161e81';

describe('helpers', () => {
  it('blockKindOfState names the states leaks hide in', () => {
    expect(blockKindOfState('chan receive')).toBe('chan-receive');
    expect(blockKindOfState('running')).toBeNull();
    expect(blockKindOfState('')).toBeNull();
  });

  it('goroutineStackKey gives the key the parsers give a group, and is pinned', () => {
    for (const name of ['goroutine-debug2-1.txt', 'goroutine-debug1-1.txt', 'goroutine-stack-go121-1.txt']) {
      for (const g of parseGoroutineDump(sample(name)).groups) expect(goroutineStackKey(g.frames, g.framesElided)).toBe(g.key);
    }
    const f = { function: 'main.f', file: '/a.go', line: 1 };
    expect(goroutineStackKey([f])).toMatch(/^[0-9a-f]{16}$/);
    expect(goroutineStackKey([f])).not.toBe(goroutineStackKey([{ ...f, line: 2 }]));
    expect(goroutineStackKey([f, { ...f, function: 'main.g' }])).not.toBe(goroutineStackKey([{ ...f, function: 'main.g' }, f]));
    expect(goroutineStackKey([{ function: 'runtime.gopark', file: '/p.go', line: 3 }, f])).toBe(goroutineStackKey([f]));
    // Pinned: a change of the hash would break comparing a dump with one stored before the change.
    expect(goroutineStackKey([f])).toBe(PINNED_KEY);
  });

  it('parseLabels reads Go-quoted strings and refuses other text', () => {
    expect(parseLabels('{}')).toEqual({});
    expect(parseLabels('{"a\\"b":"c\\n\\x41\\u00e9", "__proto__":"x"}')).toEqual(Object.fromEntries([['a"b', 'c\nAé'], ['__proto__', 'x']]));
    expect(codeOf(() => parseLabels('{"a":1}'))).toBe('parse-error');
    expect(codeOf(() => parseLabels('a=b'))).toBe('parse-error');
  });
});

describe('a debug=2 dump cut short', () => {
  const whole = (d: GoroutineDump): { frames: Set<string>; creators: Set<string> } => ({
    frames: new Set(d.groups.flatMap((g) => g.frames.map((f) => `${f.function} ${f.file}:${f.line}`))),
    creators: new Set(d.groups.flatMap((g) => g.createdBy.map((c) => `${c.function} ${c.file}:${c.line}`))),
  });

  it('warns, and counts no half-read frame or creator, wherever the cut falls in its last records', () => {
    for (const name of ['goroutine-debug2-1.txt', 'goroutine-stack-go121-1.txt']) {
      const text = sample(name);
      const full = whole(parseGoroutineDump(text));
      expect(parseGoroutineDump(text).warnings).toEqual([]);
      // A saved dump without its final newline is whole.
      expect(parseGoroutineDump(text.trimEnd()).warnings).toEqual([]);
      // From the first header that leaves a goroutine before it, among the last two records.
      const lastRecords = Math.max(text.lastIndexOf('\ngoroutine ', text.lastIndexOf('\ngoroutine ') - 1), text.indexOf('goroutine '));
      for (let cut = text.indexOf('\n', lastRecords + 1) + 1; cut < text.length - 1; cut++) {
        const part = text.slice(0, cut);
        const d = parseGoroutineDump(part);
        const seen = whole(d);
        for (const c of seen.creators) expect(full.creators.has(c), `${name} cut at ${cut}: creator ${c}`).toBe(true);
        for (const f of seen.frames) expect(full.frames.has(f), `${name} cut at ${cut}: frame ${f}`).toBe(true);
        // Cut inside a line, it says so (unless the cut only took a location's newline or part of its +0x offset).
        const lastLine = part.slice(part.lastIndexOf('\n') + 1);
        if (lastLine !== '' && !/^\t.*:\d+ \+0x[0-9a-f]+$/.test(lastLine)) {
          expect(d.warnings, `${name} cut at ${cut}`).toEqual([expect.stringMatching(/^the dump is cut short: /)]);
        }
      }
    }
  });

  it('names the goroutine and what was left out', () => {
    const text = sample('goroutine-debug2-1.txt');
    const created = text.lastIndexOf('\ncreated by ');
    const locStart = text.indexOf('\n\t', created + 1) + 2;
    const d = parseGoroutineDump(text.slice(0, locStart + 5));
    const id = /goroutine (\d+) \[/g;
    let last = '';
    for (const m of text.slice(0, created).matchAll(id)) last = m[1]!;
    expect(d.warnings).toEqual([`the dump is cut short: goroutine ${last}'s record ends mid-way (left out: its last line, cut in the middle; its creator ${text.slice(created + 12, text.indexOf('\n', created + 1)).replace(/ in goroutine \d+$/, '')}, which has no location)`]);
  });
});
