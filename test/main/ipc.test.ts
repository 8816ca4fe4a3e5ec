import { describe, expect, it } from 'vitest';
import { checkIpcCall, setupIpc, type IpcSender, type IpcTrust } from '../../src/main/ipc.js';
import type { LeakbarApi } from '../../src/shared/api.js';
import { LeakbarError } from '../../src/shared/errors.js';
import { IPC_CHANNELS, INVOKE_CHANNELS } from '../../src/shared/ipc.js';
import { applySettingsPatch, DEFAULT_SETTINGS, type Settings } from '../../src/shared/settings.js';
import { FakeIpcMain } from './electron-double.js';
import { summary } from './builders.js';

const trust: IpcTrust = { webContentsIds: new Set([7]), ownOrigins: ['app://leakbar'] };
const ours: IpcSender = { webContentsId: 7, frameUrl: 'app://leakbar/index.html?view=popover', isMainFrame: true };

describe('checkIpcCall', () => {
  it('accepts a contract call from our window with a valid input', () => {
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.call, ['status', { targetId: 'api' }])).toEqual({ kind: 'call', name: 'status', input: { targetId: 'api' } });
  });

  it('refuses senders outside a known window', () => {
    expect(checkIpcCall({ ...ours, webContentsId: 8 }, trust, IPC_CHANNELS.call, ['listTargets', {}])).toMatchObject({ kind: 'refused', reason: expect.stringContaining('not a leakbar window') });
  });

  it('refuses our window once it shows another page, and subframes', () => {
    expect(checkIpcCall({ ...ours, frameUrl: 'https://evil.example/' }, trust, IPC_CHANNELS.call, ['listTargets', {}]).kind).toBe('refused');
    expect(checkIpcCall({ ...ours, frameUrl: null }, trust, IPC_CHANNELS.call, ['listTargets', {}]).kind).toBe('refused');
    expect(checkIpcCall({ ...ours, isMainFrame: false }, trust, IPC_CHANNELS.call, ['listTargets', {}]).kind).toBe('refused');
  });

  it('refuses channels outside the contract', () => {
    expect(checkIpcCall(ours, trust, 'electron-store-get-data', [])).toMatchObject({ kind: 'refused', reason: 'unknown channel "electron-store-get-data"' });
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.event, [])).toMatchObject({ kind: 'refused' });
  });

  it('answers unknown call names and bad inputs with reasons', () => {
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.call, ['__proto__', {}])).toMatchObject({ kind: 'bad-input', error: { code: 'bad-input' } });
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.call, [42, {}])).toMatchObject({ kind: 'bad-input' });
    const bad = checkIpcCall(ours, trust, IPC_CHANNELS.call, ['getCapture', { captureId: '../../etc/passwd' }]);
    expect(bad).toMatchObject({ kind: 'bad-input', error: { code: 'bad-input', issues: [{ path: 'captureId' }] } });
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.call, ['status', { targetId: 'api' }, 'extra'])).toMatchObject({ kind: 'bad-input' });
  });

  it('takes settings as calls of the contract, and refuses the old settings channels', () => {
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.call, ['getSettings', {}])).toEqual({ kind: 'call', name: 'getSettings', input: {} });
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.call, ['setSettings', { patch: { trayTitle: 'fds' } }])).toEqual({ kind: 'call', name: 'setSettings', input: { patch: { trayTitle: 'fds' } } });
    expect(checkIpcCall(ours, trust, IPC_CHANNELS.call, ['setSettings', { patch: 'fds' }])).toMatchObject({ kind: 'bad-input', error: { issues: [{ path: 'patch' }] } });
    expect(checkIpcCall(ours, trust, 'leakbar:settings-get', [])).toMatchObject({ kind: 'refused' });
  });
});

describe('setupIpc', () => {
  function rig() {
    const ipcMain = new FakeIpcMain();
    const calls: unknown[] = [];
    const done: string[] = [];
    const api = {
      status: async (input: unknown) => (calls.push(input), summary('api').status),
      removeTarget: async () => {
        throw new LeakbarError('busy', 'a capture is running', { hint: 'wait for it' });
      },
      listTargets: async () => {
        throw new TypeError('boom');
      },
      getSettings: async () => settings,
      setSettings: async ({ patch }: { patch: unknown }) => {
        const r = applySettingsPatch(settings, patch);
        if (r.ok) settings = r.settings;
        return r;
      },
    } as unknown as LeakbarApi; // only the calls these tests make
    let settings: Settings = DEFAULT_SETTINGS;
    const warnings: string[] = [];
    const dispose = setupIpc({
      ipcMain,
      api,
      trust: () => trust,
      onCallDone: (name) => done.push(name),
      warn: (m) => warnings.push(m),
    });
    return { ipcMain, calls, done, warnings, dispose };
  }
  const win = { webContentsId: 7, url: 'app://leakbar/index.html?view=inspector' };

  it('registers exactly the invoke channels and removes them on dispose', () => {
    const r = rig();
    expect([...r.ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    r.dispose();
    expect(r.ipcMain.handlers.size).toBe(0);
  });

  it('answers a known window with the service’s value', async () => {
    const r = rig();
    await expect(r.ipcMain.invoke(win, IPC_CHANNELS.call, 'status', { targetId: 'api' })).resolves.toMatchObject({ ok: true, value: { targetId: 'api' } });
    expect(r.calls).toEqual([{ targetId: 'api' }]);
    expect(r.done).toEqual(['status']);
  });

  it('does not answer senders outside a known BrowserWindow, and never reaches the service', async () => {
    const r = rig();
    await expect(r.ipcMain.invoke({ ...win, webContentsId: 99 }, IPC_CHANNELS.call, 'status', { targetId: 'api' })).rejects.toThrow('refused');
    await expect(r.ipcMain.invoke({ ...win, url: 'https://evil.example/' }, IPC_CHANNELS.call, 'getSettings', {})).rejects.toThrow('refused');
    expect(r.calls).toEqual([]);
    expect(r.warnings).toHaveLength(2);
  });

  it('resolves a bad input with the reasons instead of calling the service', async () => {
    const r = rig();
    const reply = await r.ipcMain.invoke(win, IPC_CHANNELS.call, 'status', { targetId: 'NOT OK' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad-input', issues: [{ path: 'targetId' }] } });
    expect(r.calls).toEqual([]);
  });

  it('resolves the service’s errors with their code and hint', async () => {
    const r = rig();
    await expect(r.ipcMain.invoke(win, IPC_CHANNELS.call, 'removeTarget', { targetId: 'api' })).resolves.toEqual({ ok: false, error: { code: 'busy', message: 'a capture is running', hint: 'wait for it' } });
    await expect(r.ipcMain.invoke(win, IPC_CHANNELS.call, 'listTargets', {})).resolves.toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(r.done).toEqual([]);
  });

  it('gets settings and refuses a bad value with a reason', async () => {
    const r = rig();
    await expect(r.ipcMain.invoke(win, IPC_CHANNELS.call, 'getSettings', {})).resolves.toEqual({ ok: true, value: DEFAULT_SETTINGS });
    await expect(r.ipcMain.invoke(win, IPC_CHANNELS.call, 'setSettings', { patch: { trayTitle: 'cpu' } })).resolves.toMatchObject({ ok: true, value: { ok: false, problems: [expect.stringMatching(/^trayTitle: /)] } });
    await expect(r.ipcMain.invoke(win, IPC_CHANNELS.call, 'setSettings', { patch: { trayTitle: 'fds' } })).resolves.toMatchObject({ ok: true, value: { ok: true, settings: { trayTitle: 'fds' } } });
    await expect(r.ipcMain.invoke(win, IPC_CHANNELS.call, 'getSettings', {})).resolves.toMatchObject({ ok: true, value: { trayTitle: 'fds' } });
  });
});
