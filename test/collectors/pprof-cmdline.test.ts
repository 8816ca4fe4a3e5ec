/** The pprof `cmdline` page: Go's real answer is a command line; an HTML page, binary data or terminal escapes are not, and are quoted safely. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPprofOwner, createPprofFetch, describeBody, pprofOwnerError, quoteExcerpt, readGoroutineCount, readMemStats, readPprofCmdline } from '../../src/collectors/pprof-http.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { BINARY_BODY, controlChars, ESCAPES_TEXT, startOddServers, type OddServers } from '../helpers/odd-servers.js';

let fx: Fixture;
let odd: OddServers;
beforeAll(async () => {
  [fx, odd] = await Promise.all([startFixture({ files: 5 }), startOddServers()]);
});
afterAll(async () => {
  await Promise.all([fx?.stop(), odd?.close()]);
});

const fetch = createPprofFetch();
const opts = { timeoutMs: 5000 };

describe('readPprofCmdline', () => {
  it('reads a Go program’s own command line, as /proc has it', async () => {
    const proc = readFileSync(`/proc/${fx.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    expect(await readPprofCmdline(fx.pprofUrl, fetch, opts)).toBe(proc);
    await expect(checkPprofOwner(fx.pprofUrl, fx.pid, proc, fetch, { ...opts, hint: 'h' })).resolves.toBeUndefined();
  });

  it('says an HTML page is not Go’s pprof, quoting it once, instead of taking it for another program', async () => {
    const err = await readPprofCmdline(odd.html, fetch, opts).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'endpoint-garbage',
      message: `the pprof endpoint at ${odd.html} does not answer like Go's net/http/pprof (got "<html><body>hello</body></html>")`,
    });
    await expect(checkPprofOwner(odd.html, fx.pid, 'x', fetch, { ...opts, hint: 'h' })).rejects.toMatchObject({ code: 'endpoint-garbage' });
  });

  it('says binary data is not a command line, by its size and first bytes, with no control character in the message', async () => {
    const err = (await readPprofCmdline(odd.binary, fetch, opts).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'endpoint-garbage', message: `the pprof endpoint at ${odd.binary} does not answer like Go's net/http/pprof (got 4096 bytes of binary data, starting 6d f9 1b 5b 32 4a 07 c2)` });
    expect(controlChars(err.message)).toEqual([]);
  });

  it('refuses text with terminal escapes as a command line, quoting it escaped', async () => {
    const err = (await readPprofCmdline(odd.escapes, fetch, opts).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'endpoint-garbage' });
    expect(err.message).toContain(String.raw`(got "\u001b[2J\u001b]0;owned\u0007hello \u009b31mred\r\nsecond line")`);
    expect(controlChars(err.message)).toEqual([]);
  });

  it('gives the same message for every pprof page of an endpoint answering all of them alike', async () => {
    const messages = await Promise.all([readPprofCmdline(odd.binary, fetch, opts), readMemStats(odd.binary, fetch, opts), readGoroutineCount(odd.binary, fetch, opts)].map((p) => p.then(() => '', (e: Error) => e.message)));
    expect(new Set(messages).size).toBe(1);
  });
});

describe('quoting what a server sent', () => {
  it('escapes control, DEL, C1 and bidi characters, and cuts long text with an ellipsis', () => {
    expect(quoteExcerpt(ESCAPES_TEXT)).toBe(String.raw`"\u001b[2J\u001b]0;owned\u0007hello \u009b31mred\r\nsecond line"`);
    expect(quoteExcerpt('a\u007fb\u202ec')).toBe(String.raw`"a\u007fb\u202ec"`);
    expect(quoteExcerpt('x'.repeat(100), 80)).toBe(`"${'x'.repeat(80)}"…`);
  });

  it('describes binary data by its size and first bytes, and keeps a multi-byte character cut at the edge as text', () => {
    expect(describeBody(BINARY_BODY)).toBe('4096 bytes of binary data, starting 6d f9 1b 5b 32 4a 07 c2');
    expect(describeBody(new Uint8Array())).toBe('an empty answer');
    // 'x' then two-byte characters: the 240-byte head ends in the middle of one.
    const text = new TextEncoder().encode(`x${'é'.repeat(500)}`);
    expect(describeBody(text)).toBe(`"x${'é'.repeat(59)}"…`);
  });
});

describe('the message of an endpoint serving another program', () => {
  it('keeps where two long command lines differ in sight', () => {
    const common = `/opt/services/billing/bin/billing-server --config /etc/billing/config.yaml --log-level info`;
    const err = pprofOwnerError('http://127.0.0.1:6060/debug/pprof/', 42, `${common} --port 8081`, `${common} --port 8082`, { hint: 'h' });
    expect(err.message).toBe('the pprof endpoint at http://127.0.0.1:6060/debug/pprof/ belongs to another program (/opt/services/billing/bin/billing-server … --log-level info --port 8081), not to pid 42 (/opt/services/billing/bin/billing-server … --log-level info --port 8082)');
    expect(pprofOwnerError('u', 1, 'a  b', 'c\td', { hint: 'h', consequence: 'left out' }).message).toBe('the pprof endpoint at u belongs to another program (a b), not to pid 1 (c d); left out');
    // A served command line with a right-to-left override cannot reorder the message on a terminal; plain non-ASCII stays.
    expect(pprofOwnerError('u', 1, '/srv/\u202eexe.sh --café', '/srv/app', { hint: 'h' }).message).toBe('the pprof endpoint at u belongs to another program (/srv/\\u202eexe.sh --café), not to pid 1 (/srv/app)');
  });
});
