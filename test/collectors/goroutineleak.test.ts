import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCollectors } from '../../src/collectors/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

describe('readGoroutineLeakCount', () => {
  let fx: Fixture;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    fx = await startFixture();
    // Go 1.26's net/http/pprof serves the goroutineleak profile with this first line; Go here is 1.19, which has none.
    server = createServer((req, res) => {
      if (req.url === '/debug/pprof/goroutineleak?debug=1') res.end('goroutineleak profile: total 3\n3 @ 0x1 0x2\n#\t0x1\tmain.leak+0x1\t/x.go:1\n');
      else if (req.url === '/garbage/debug/pprof/goroutineleak?debug=1') res.end('<html>nope</html>');
      else res.writeHead(404).end('Unknown profile\n');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await fx?.stop();
    await new Promise((ok) => server?.close(ok));
  });

  it('is null for a runtime without the profile (the real Go 1.19 fixture answers 404)', async () => {
    expect(await createCollectors().readGoroutineLeakCount(fx.pprofUrl)).toBeNull();
  });

  it('reads the total of a goroutineleak profile, and refuses a page that is not one', async () => {
    const c = createCollectors();
    expect(await c.readGoroutineLeakCount(`${url}/debug/pprof/`)).toBe(3);
    await expect(c.readGoroutineLeakCount(`${url}/garbage/debug/pprof/`)).rejects.toMatchObject({ code: 'endpoint-garbage' });
  });
});
