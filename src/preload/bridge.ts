/**
 * The preload bridge's logic without Electron: turns "invoke a channel" and "listen on a channel" into
 * `window.leakbar` (the API contract, one function per name in `API_CALLS`) and `window.leakbarDesktop`.
 * Its types come from the contract; nothing here is written twice.
 */
import { API_CALLS, type ApiCallName, type ApiEvent, type LeakbarApi } from '../shared/api.js';
import { IPC_CHANNELS, LISTEN_CHANNELS, apiErrorMessage, type IpcChannel, type IpcReply, type LeakbarDesktop, type NavigateRequest } from '../shared/ipc.js';

/** `ipcRenderer.invoke`, narrowed to our channels. */
export type Invoke = (channel: IpcChannel, ...args: unknown[]) => Promise<unknown>;
/** Adds a listener for a main → renderer channel (payload only, never Electron's event object); returns the remover. */
export type Listen = (channel: IpcChannel, listener: (payload: unknown) => void) => () => void;

function isReply(v: unknown): v is IpcReply {
  return typeof v === 'object' && v !== null && 'ok' in v && (v.ok === true ? 'value' in v : 'error' in v);
}

/** Resolves with a reply's value; rejects with an Error carrying its message (contextBridge keeps only that). */
function unwrap(reply: unknown): unknown {
  if (!isReply(reply)) throw new Error('leakbar: the main process sent a malformed reply');
  if (reply.ok) return reply.value;
  throw new Error(apiErrorMessage(reply.error));
}

function listenOnly(listen: Listen, channel: IpcChannel, listener: (payload: unknown) => void): () => void {
  if (!LISTEN_CHANNELS.includes(channel)) throw new Error(`leakbar: not a channel the renderer may listen on: ${channel}`);
  return listen(channel, listener);
}

/** `window.leakbar`: every call of the contract over one invoke channel, and the live event stream. */
export function createApiBridge(invoke: Invoke, listen: Listen): LeakbarApi {
  const calls: Partial<Record<ApiCallName, (input: unknown) => Promise<unknown>>> = {};
  for (const name of Object.keys(API_CALLS) as ApiCallName[]) {
    calls[name] = async (input: unknown) => unwrap(await invoke(IPC_CHANNELS.call, name, input ?? {}));
  }
  const subscribe = (listener: (event: ApiEvent) => void) => listenOnly(listen, IPC_CHANNELS.event, (payload) => listener(payload as ApiEvent));
  // One cast, checked by the loop above: a function for every name in API_CALLS, each resolving with the main process's reply.
  return { ...(calls as Omit<LeakbarApi, 'subscribe'>), subscribe };
}

/** `window.leakbarDesktop`: navigation, which only the desktop app has (settings are calls of the contract). */
export function createDesktopBridge(listen: Listen): LeakbarDesktop {
  return {
    onNavigate: (listener: (request: NavigateRequest) => void) => listenOnly(listen, IPC_CHANNELS.navigate, (payload) => listener(payload as NavigateRequest)),
  };
}
