import { describe, expect, it } from 'vitest';
import { answerError, HttpGetError, httpGet } from './http-get.js';
import { createPprofFetch } from './pprof-http.js';

/**
 * A host name that never resolves, and is never asked of a name server: the C library refuses an empty label
 * (`..`) itself (ENOTFOUND), so the test sends nothing past this machine.
 */
const NO_HOST = 'leakbar..invalid';

describe('a pprof URL whose host cannot be looked up', () => {
  it("is said as no such host, not as a refused connection, by the watcher's pprof GET", async () => {
    const failure = await httpGet(`http://${NO_HOST}:6060/debug/pprof/`, { timeoutMs: 10_000 }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HttpGetError);
    expect(failure).toMatchObject({ reason: 'connect', code: 'ENOTFOUND' });
    const said = `no host named ${NO_HOST} (ENOTFOUND)`;
    const url = `http://${NO_HOST}:6060/debug/pprof/heap`;
    const watcher = createPprofFetch()(url, { timeoutMs: 10_000 });
    await expect(watcher).rejects.toMatchObject({ code: 'endpoint-refused', message: `GET ${url}: ${said}` });
  });

  it.each([
    ['ENOTFOUND', 'no host named foo (ENOTFOUND)', 'check the host name in the URL for a typo; a program on this machine is at 127.0.0.1'],
    ['EAI_AGAIN', 'the address of foo could not be looked up (EAI_AGAIN)', 'the name server did not answer: check the network, or give the host as an IP address'],
    ['EAI_FAIL', 'the address of foo could not be looked up (EAI_FAIL)', 'the name server did not answer: check the network, or give the host as an IP address'],
  ])('%s: says %j', (code, message, hint) => {
    const e = new HttpGetError('connect', `getaddrinfo ${code} foo`, { code });
    expect(answerError('http://foo/debug/pprof/heap', e, 5000)).toMatchObject({ code: 'endpoint-refused', message: `GET http://foo/debug/pprof/heap: ${message}`, hint });
  });

  it('leaves a refused connection to the callers, who say it as one', () => {
    const e = new HttpGetError('connect', 'connect ECONNREFUSED 127.0.0.1:6060', { code: 'ECONNREFUSED' });
    expect(answerError('http://127.0.0.1:6060/debug/pprof/heap', e, 5000)).toBeNull();
  });
});
