import { describe, expect, it } from 'vitest';
import { API_CALLS } from '../shared/api.js';
import { IPC_CHANNELS, type IpcChannel } from '../shared/ipc.js';
import { createApiBridge, createDesktopBridge, type Invoke, type Listen } from './bridge.js';

function fakeIpc(reply: (channel: IpcChannel, args: unknown[]) => unknown) {
  const invoked: Array<[IpcChannel, ...unknown[]]> = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const invoke: Invoke = async (channel, ...args) => (invoked.push([channel, ...args]), reply(channel, args));
  const listen: Listen = (channel, l) => {
    if (!listeners.has(channel)) listeners.set(channel, new Set());
    listeners.get(channel)!.add(l);
    return () => listeners.get(channel)!.delete(l);
  };
  const send = (channel: string, payload: unknown) => listeners.get(channel)?.forEach((l) => l(payload));
  return { invoke, listen, invoked, send, listeners };
}

describe('createApiBridge', () => {
  it('has a function for every call of the contract, and subscribe', () => {
    const ipc = fakeIpc(() => ({ ok: true, value: null }));
    const bridge = createApiBridge(ipc.invoke, ipc.listen);
    expect(Object.keys(bridge).sort()).toEqual([...Object.keys(API_CALLS), 'subscribe'].sort());
    for (const v of Object.values(bridge)) expect(typeof v).toBe('function');
  });

  it('sends a call as (name, input) on the call channel and resolves with the value', async () => {
    const ipc = fakeIpc(() => ({ ok: true, value: { removed: true } }));
    const bridge = createApiBridge(ipc.invoke, ipc.listen);
    await expect(bridge.removeTarget({ targetId: 'api' })).resolves.toEqual({ removed: true });
    expect(ipc.invoked).toEqual([[IPC_CHANNELS.call, 'removeTarget', { targetId: 'api' }]]);
  });

  it('rejects with the error’s message and hint', async () => {
    const ipc = fakeIpc(() => ({ ok: false, error: { code: 'not-found', message: 'no target with id "x"', hint: 'list the targets to see their ids' } }));
    await expect(createApiBridge(ipc.invoke, ipc.listen).status({ targetId: 'x' })).rejects.toThrow('no target with id "x" (list the targets to see their ids)');
  });

  it('rejects a malformed reply', async () => {
    const ipc = fakeIpc(() => 'surprise');
    await expect(createApiBridge(ipc.invoke, ipc.listen).listTargets({})).rejects.toThrow(/malformed reply/);
  });

  it('hands listeners the event payload and stops on unsubscribe', () => {
    const ipc = fakeIpc(() => null);
    const seen: unknown[] = [];
    const off = createApiBridge(ipc.invoke, ipc.listen).subscribe((e) => seen.push(e));
    ipc.send(IPC_CHANNELS.event, { type: 'status', targetId: 'api' });
    off();
    ipc.send(IPC_CHANNELS.event, { type: 'status', targetId: 'later' });
    expect(seen).toEqual([{ type: 'status', targetId: 'api' }]);
  });
});

describe('createDesktopBridge', () => {
  it('hears navigation (settings are calls of the contract, on window.leakbar)', () => {
    const ipc = fakeIpc(() => undefined);
    const desktop = createDesktopBridge(ipc.listen);
    expect(Object.keys(desktop)).toEqual(['onNavigate']);
    const nav: unknown[] = [];
    desktop.onNavigate((r) => nav.push(r));
    ipc.send(IPC_CHANNELS.navigate, { view: 'inspector', alertId: 'a' });
    expect(nav).toEqual([{ view: 'inspector', alertId: 'a' }]);
    expect([...ipc.listeners.keys()]).toEqual([IPC_CHANNELS.navigate]);
  });
});
