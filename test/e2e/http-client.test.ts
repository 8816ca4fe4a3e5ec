import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCallError, createHttpApi, type EventSourceLike } from '../../src/renderer/api/http-client.js';
import { startHttpServer, type RunningHttpServer } from '../../src/engine/http-server.js';
import type { ApiEvent } from '../../src/shared/api.js';
import { createFakeApi, fakeStatus, type FakeApi } from './fake-api.js';

const TOKEN = 'client-test-token-0123456789';

/** Just enough of EventSource for Node 20 (which has none): one connection, `message` and named events. */
class TinyEventSource {
  readyState = 0;
  onopen: ((this: EventSource, ev: Event) => unknown) | null = null;
  onerror: ((this: EventSource, ev: Event) => unknown) | null = null;
  private readonly listeners = new Map<string, Array<(e: MessageEvent) => void>>();
  private readonly abort = new AbortController();
  constructor(url: string) {
    void this.run(url);
  }
  addEventListener(type: string, l: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close() {
    this.readyState = 2;
    this.abort.abort();
  }
  private async run(url: string) {
    try {
      const res = await fetch(url, { signal: this.abort.signal });
      if (!res.ok) {
        // Like a browser: an HTTP error status fails the connection for good (no reconnect).
        this.readyState = 2;
        this.onerror?.call(this as unknown as EventSource, new Event('error'));
        return;
      }
      this.readyState = 1;
      this.onopen?.call(this as unknown as EventSource, new Event('open'));
      const reader = res.body!.getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const type = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (data === undefined) continue;
          for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data }));
        }
      }
    } catch {
      if (this.readyState !== 2) this.onerror?.call(this as unknown as EventSource, new Event('error'));
    }
  }
}

describe('the renderer’s HTTP client against the HTTP door', () => {
  let fake: FakeApi;
  let server: RunningHttpServer;
  beforeAll(async () => {
    fake = createFakeApi();
    server = await startHttpServer({ api: fake, token: TOKEN, staticDir: null });
  });
  afterAll(() => server?.close());

  const client = (token = TOKEN, onStream?: (s: string) => void) => createHttpApi({ origin: server.origin, token, EventSource: TinyEventSource as unknown as EventSourceLike, ...(onStream ? { onStream } : {}) });

  it('makes every call of the contract a POST that resolves with the server’s JSON', async () => {
    const api = client();
    expect((await api.listTargets({}))[0]!.target.id).toBe('api');
    expect((await api.status({ targetId: 'api' })).pid).toBe(4242);
    const snoozed = await api.snoozeAlert({ alertId: 'threshold:fds@1000', untilMs: 5 });
    expect(snoozed.state).toBe('snoozed');
    expect(fake.calls.at(-1)).toEqual({ name: 'snoozeAlert', input: { alertId: 'threshold:fds@1000', untilMs: 5 } });
  });

  it('rejects with the ApiError: code, hint, issues and HTTP status', async () => {
    const api = client();
    const missing = await api.status({ targetId: 'nope' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiCallError);
    expect(missing).toMatchObject({ code: 'not-found', hint: 'list them first', status: 404, message: 'no target (list them first)' });
    const bad = await api.history({ targetId: 'BAD' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'bad-input', status: 400 });
    expect((bad as ApiCallError).issues?.[0]?.path).toBe('targetId');
    const denied = await client('wrong-token-0123456789').listTargets({}).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('says the token is no longer taken when a call or the live stream answers 401, instead of reconnecting', async () => {
    const calls: string[] = [];
    const denied = client('stale-token-from-the-last-run', (st) => calls.push(st));
    await denied.listTargets({}).catch(() => undefined);
    expect(calls).toEqual(['unauthorized']);

    const states: string[] = [];
    const stale = client('stale-token-from-the-last-run', (st) => states.push(st));
    const off = stale.subscribe(() => undefined);
    await expect.poll(() => states.at(-1), { timeout: 5000 }).toBe('unauthorized');
    expect(states).not.toContain('open');
    off();
  });

  it('reads a capture file as the exact bytes', async () => {
    const bytes = await client().readCaptureFile({ captureId: 'c1', name: 'heap.pb.gz' });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes]).toEqual([0x1f, 0x8b, 0, 255]);
  });

  it('delivers live events to every subscriber over one stream, and closes it after the last unsubscribes', async () => {
    const states: string[] = [];
    const api = client(TOKEN, (s) => states.push(s));
    const a: ApiEvent[] = [];
    const b: ApiEvent[] = [];
    const offA = api.subscribe((e) => a.push(e));
    const offB = api.subscribe((e) => b.push(e));
    await expect.poll(() => states.includes('open'), { timeout: 5000 }).toBe(true);
    fake.emit({ type: 'status', targetId: 'api', status: fakeStatus('api', null) });
    await expect.poll(() => a.length, { timeout: 5000 }).toBe(1);
    expect(b).toEqual(a);
    expect(a[0]!.type).toBe('status');
    expect(states.filter((s) => s === 'connecting')).toHaveLength(1);
    offA();
    offB();
  });
});
