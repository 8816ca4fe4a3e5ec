/**
 * The names and message shapes of the desktop app's IPC channels, shared by the main process and the
 * preload bridge. No Electron here: only names, envelopes and the types the renderer sees.
 */
import type { ApiError, LeakbarApi } from './api.js';

/**
 * Every channel, one place. The main process answers `invoke` on CALL and sends on EVENT and NAVIGATE.
 * Settings are calls of the contract (`getSettings`, `setSettings`), so they need no channel of their own.
 */
export const IPC_CHANNELS = {
  /** `invoke(name: ApiCallName, input)` → {@link IpcReply}: every call of the API contract. */
  call: 'leakbar:call',
  /** main → renderer: one `ApiEvent`. */
  event: 'leakbar:event',
  /** main → renderer: {@link NavigateRequest}, e.g. a clicked notification opening the inspector at an alert. */
  navigate: 'leakbar:navigate',
} as const;
export type IpcChannel = (typeof IPC_CHANNELS)[keyof typeof IPC_CHANNELS];

/** Channels the renderer may `invoke` (the main process refuses any other). */
export const INVOKE_CHANNELS: readonly IpcChannel[] = [IPC_CHANNELS.call];
/** Channels the renderer may listen on (the preload subscribes to no other). */
export const LISTEN_CHANNELS: readonly IpcChannel[] = [IPC_CHANNELS.event, IPC_CHANNELS.navigate];

/**
 * What an API call over IPC resolves to. An error resolves too (Electron flattens thrown errors into a
 * message string across `invoke`), so the code and hint reach the renderer intact.
 */
export type IpcReply<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Where the main process asks a window to go. */
export type NavigateRequest = { view: 'inspector'; alertId?: string; targetId?: string; captureId?: string } | { view: 'settings' } | { view: 'popover' };

/** The desktop-only extras beside the contract: navigation. `window.leakbarDesktop` in Electron (its presence tells the renderer it runs on the desktop). */
export interface LeakbarDesktop {
  /** The main process asks this window to show something; returns an unsubscribe function. */
  onNavigate(listener: (request: NavigateRequest) => void): () => void;
}

/** The message of the Error the bridge rejects with (contextBridge keeps only an Error's message). */
export function apiErrorMessage(error: ApiError): string {
  return error.hint ? `${error.message} (${error.hint})` : error.message;
}

declare global {
  interface Window {
    /** The API contract through the preload bridge; absent in a browser (the renderer then uses HTTP). */
    leakbar?: LeakbarApi;
    /** Desktop-only extras (navigation); absent in a browser. */
    leakbarDesktop?: LeakbarDesktop;
  }
}
