/**
 * The preload script, the renderer's only door to the main process: exposes `window.leakbar` (the API
 * contract) and `window.leakbarDesktop` (navigation) through contextBridge. Runs sandboxed,
 * so electron-vite bundles it (with its shared imports) into one CommonJS file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IpcChannel } from '../shared/ipc.js';
import { createApiBridge, createDesktopBridge, type Invoke, type Listen } from './bridge.js';

const invoke: Invoke = (channel: IpcChannel, ...args: unknown[]) => ipcRenderer.invoke(channel, ...args);
const listen: Listen = (channel, listener) => {
  // The renderer gets the payload only: Electron's event object (and its `sender`) stays here.
  const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
};

contextBridge.exposeInMainWorld('leakbar', createApiBridge(invoke, listen));
contextBridge.exposeInMainWorld('leakbarDesktop', createDesktopBridge(listen));
