import { beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_CHANNELS, type HostApi } from '../../core/contract/app-api';
import { ipcChannel, MENU_CHANNEL, PUSH_CHANNEL } from '../../electron/ipc';

const fake = vi.hoisted(() => {
  type Listener = (event: unknown, message: unknown) => void;
  const listeners = new Map<string, Listener[]>();
  return {
    exposed: new Map<string, unknown>(),
    listeners,
    invoked: [] as [string, unknown][],
    replies: [] as unknown[],
    ipcRenderer: {
      invoke: async (channel: string, request: unknown) => {
        fake.invoked.push([channel, request]);
        return fake.replies.shift();
      },
      on: (channel: string, listener: Listener) => void listeners.set(channel, [...(listeners.get(channel) ?? []), listener]),
      removeListener: (channel: string, listener: Listener) => void listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener)),
    },
  };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api) },
  ipcRenderer: fake.ipcRenderer,
}));

let bridge: HostApi;
const emit = (channel: string, message: unknown) => {
  for (const listener of fake.listeners.get(channel) ?? []) listener({ sender: 'secret' }, message);
};

beforeAll(async () => {
  await import('../../electron/preload');
  bridge = fake.exposed.get('tensorweave') as HostApi;
});

describe('preload bridge', () => {
  it('exposes exactly one function per channel plus the two subscriptions, and never ipcRenderer', () => {
    expect([...fake.exposed.keys()]).toEqual(['tensorweave']);
    expect(Object.keys(bridge).sort()).toEqual([...APP_CHANNELS, 'onPush', 'onMenuCommand'].sort());
    for (const value of Object.values(bridge)) {
      expect(typeof value).toBe('function');
      expect(Object.values(fake.ipcRenderer)).not.toContain(value);
    }
  });

  it('invokes the namespaced channel and unwraps replies into values or errors with the host’s message', async () => {
    fake.replies.push({ ok: true, response: [{ id: 't' }] }, { ok: false, error: "no template 'x'" }, undefined);
    await expect(bridge.listTemplates({})).resolves.toEqual([{ id: 't' }]);
    await expect(bridge.getTemplate({ id: 'x' })).rejects.toThrow(/^no template 'x'$/);
    await expect(bridge.recentFiles({})).rejects.toThrow(/no valid reply on 'recentFiles'/);
    expect(fake.invoked).toEqual([
      [ipcChannel('listTemplates'), {}],
      [ipcChannel('getTemplate'), { id: 'x' }],
      [ipcChannel('recentFiles'), {}],
    ]);
  });

  it('delivers pushes and menu commands without the IPC event, until unsubscribed', () => {
    const pushes: unknown[][] = [];
    const commands: unknown[][] = [];
    const stopPushes = bridge.onPush((...args) => pushes.push(args));
    const stopCommands = bridge.onMenuCommand!((...args) => commands.push(args));
    emit(PUSH_CHANNEL, { channel: 'trainerEvent', sessionId: 's', event: { type: 'ready', contractVersion: 1 } });
    emit(MENU_CHANNEL, { command: 'save' });
    stopPushes();
    stopCommands();
    emit(PUSH_CHANNEL, { late: true });
    emit(MENU_CHANNEL, { command: 'new' });
    expect(pushes).toEqual([[{ channel: 'trainerEvent', sessionId: 's', event: { type: 'ready', contractVersion: 1 } }]]);
    expect(commands).toEqual([[{ command: 'save' }]]);
    expect(() => bridge.onPush('not a function' as never)).toThrow(/expects a function/);
  });
});
