/**
 * The one IPC manager: answers the renderer's calls on the contract's channels, and only for senders
 * that are our own windows showing our own pages. Its core, {@link checkIpcCall}, is a pure function;
 * the manager takes `ipcMain` as a parameter, so a small double stands in for Electron in tests.
 */
import { isApiCallName, parseApiInput, type ApiCallName, type ApiError, type LeakbarApi } from '../shared/api.js';
import { isLeakbarError, describeError } from '../shared/errors.js';
import { INVOKE_CHANNELS, type IpcReply } from '../shared/ipc.js';
import { isOwnUrl } from './security-policy.js';

/** Who sent an IPC message, as Electron reports it. */
export interface IpcSender {
  /** `event.sender.id`: the webContents. */
  webContentsId: number;
  /** `event.senderFrame?.url`; null when the frame is gone. */
  frameUrl: string | null;
  /** False for a message from a subframe (we load none). */
  isMainFrame: boolean;
}

/** What counts as ours: the ids of our windows' webContents and the origins of our pages. */
export interface IpcTrust {
  webContentsIds: ReadonlySet<number>;
  ownOrigins: readonly string[];
}

/** The decision on one message. `refused` is dropped (the sender is not ours or the channel is unknown); `bad-input` is answered with the reasons. */
export type IpcDecision =
  | { kind: 'refused'; reason: string }
  | { kind: 'bad-input'; error: ApiError }
  | { kind: 'call'; name: ApiCallName; input: unknown };

/** Decides what to do with one `invoke`: checks the sender, the channel, the call name and its input (with the contract's schema). */
export function checkIpcCall(sender: IpcSender, trust: IpcTrust, channel: string, args: readonly unknown[]): IpcDecision {
  if (!trust.webContentsIds.has(sender.webContentsId)) return { kind: 'refused', reason: `sender ${sender.webContentsId} is not a leakbar window` };
  if (!sender.isMainFrame) return { kind: 'refused', reason: 'sender is a subframe' };
  if (sender.frameUrl === null || !isOwnUrl(sender.frameUrl, trust.ownOrigins)) {
    return { kind: 'refused', reason: `sender shows ${sender.frameUrl === null ? 'no page' : JSON.stringify(sender.frameUrl)}, not a leakbar page` };
  }
  if (!(INVOKE_CHANNELS as readonly string[]).includes(channel)) return { kind: 'refused', reason: `unknown channel ${JSON.stringify(channel)}` };
  const [name, input] = args;
  if (typeof name !== 'string' || !isApiCallName(name)) {
    return { kind: 'bad-input', error: { code: 'bad-input', message: `unknown call ${JSON.stringify(name)}` } };
  }
  if (args.length > 2) return { kind: 'bad-input', error: { code: 'bad-input', message: `${name} takes one argument` } };
  const parsed = parseApiInput(name, input);
  return parsed.ok ? { kind: 'call', name, input: parsed.value } : { kind: 'bad-input', error: parsed.error };
}

/** Runs a checked call on the API. The input was parsed by this name's own schema, so it fits this name's function. */
export async function dispatchCall(api: LeakbarApi, name: ApiCallName, input: unknown): Promise<IpcReply> {
  try {
    const fn = api[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await fn.call(api, input) };
  } catch (e) {
    if (isLeakbarError(e)) return { ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    return { ok: false, error: { code: 'internal', message: describeError(e) } };
  }
}

/** The part of Electron's invoke event the manager reads. */
export interface InvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/** The part of `ipcMain` the manager uses (Electron's `ipcMain` fits it). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** Settings reach the renderer as calls of the contract (`getSettings`, `setSettings`); the port lives in shared/settings. */
export type { SettingsPort } from '../shared/settings.js';

/** What {@link setupIpc} needs. */
export interface IpcOptions {
  ipcMain: IpcMainLike;
  api: LeakbarApi;
  /** Read on every message, so windows opened later count. */
  trust: () => IpcTrust;
  /** Called after a call succeeded (e.g. to keep the stored targets in step with addTarget/removeTarget). */
  onCallDone?: (name: ApiCallName, input: unknown, output: unknown) => void;
  /** @default console.warn */
  warn?: (message: string) => void;
}

/** Registers the handlers on every invoke channel; returns a function that removes them. */
export function setupIpc(options: IpcOptions): () => void {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  for (const channel of INVOKE_CHANNELS) {
    options.ipcMain.handle(channel, async (event, ...args) => {
      const sender: IpcSender = {
        webContentsId: event.sender.id,
        frameUrl: event.senderFrame?.url ?? null,
        isMainFrame: event.senderFrame !== null && event.senderFrame.parent === null,
      };
      const decision = checkIpcCall(sender, options.trust(), channel, args);
      switch (decision.kind) {
        case 'refused':
          warn(`leakbar: IPC on ${channel} refused: ${decision.reason}`);
          throw new Error('refused');
        case 'bad-input':
          return { ok: false, error: decision.error } satisfies IpcReply;
        case 'call': {
          const reply = await dispatchCall(options.api, decision.name, decision.input);
          if (reply.ok) options.onCallDone?.(decision.name, decision.input, reply.value);
          return reply;
        }
      }
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) options.ipcMain.removeHandler(channel);
  };
}
