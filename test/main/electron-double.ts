/**
 * The one Electron test double: an `ipcMain` that records handlers and lets a test invoke them as a
 * given window (webContents id, page URL, main frame or not) would.
 */
import type { IpcMainLike, InvokeEventLike } from '../../src/main/ipc.js';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

/** Who a fake invoke comes from. */
export interface FakeSender {
  webContentsId: number;
  url: string | null;
  /** @default true */
  mainFrame?: boolean;
}

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`); // as Electron does
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** What `ipcRenderer.invoke(channel, ...args)` from `sender` resolves to; rejects like Electron when no handler exists. */
  async invoke(sender: FakeSender, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    const frame = sender.url === null ? null : { url: sender.url, parent: sender.mainFrame === false ? {} : null };
    return handler({ sender: { id: sender.webContentsId }, senderFrame: frame }, ...args);
  }
}
