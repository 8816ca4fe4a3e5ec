/**
 * 127.0.0.1 stand-ins for a pprof address, for the tests of what the watcher does with its connections: a server
 * that takes requests and never answers, telling which connections are still open; and a forwarder that can be
 * pointed at another program while running, as a port-forward or a restarted program taking the address would.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, forward, listen } from './odd-servers.js';

/** One request the hanging server took: its path, and whether the client has closed its connection since. */
export interface HungRequest {
  path: string;
  closed: boolean;
}

/** A server that accepts every request and never answers. */
export interface HangingServer {
  /** Its base URL as a pprof URL: `http://127.0.0.1:PORT/debug/pprof/`. */
  pprofUrl: string;
  /** Every request taken so far, oldest first. */
  requests(): HungRequest[];
  close(): Promise<void>;
}

/** Starts a server on a free 127.0.0.1 port that takes requests and never answers them, noting when their connections close. */
export async function startHangingServer(): Promise<HangingServer> {
  const taken: HungRequest[] = [];
  const server = createServer((req) => {
    const entry: HungRequest = { path: req.url ?? '', closed: false };
    taken.push(entry);
    (req.socket as Socket).once('close', () => (entry.closed = true));
  });
  // Node's own request timeout would answer 408 after 5 minutes: never, here.
  server.requestTimeout = 0;
  const base = await listen(server);
  return { pprofUrl: `${base}/debug/pprof/`, requests: () => taken.map((r) => ({ ...r })), close: () => closeServer(server) };
}

/** A forwarder in front of one program's HTTP address, which can be pointed at another while it runs. */
export interface ForwardingProxy {
  pprofUrl: string;
  /** From now on, forwards to `upstream` (http://127.0.0.1:PORT). */
  forwardTo(upstream: string): void;
  close(): Promise<void>;
}

/** Starts a forwarder on a free 127.0.0.1 port, forwarding every request to `upstream` (http://127.0.0.1:PORT). */
export async function startForwardingProxy(upstream: string): Promise<ForwardingProxy> {
  let target = new URL(upstream);
  const server = createServer((req, res) => forward(target, req, res));
  const base = await listen(server);
  return { pprofUrl: `${base}/debug/pprof/`, forwardTo: (to) => (target = new URL(to)), close: () => closeServer(server) };
}
