/**
 * The bridge between the sandboxed editor and the main process: one named
 * function per contract channel under `window.tensorweave`, plus onPush and onMenuCommand.
 * ipcRenderer itself is never exposed, nor the IPC event (it carries the
 * sender), so the page can reach exactly the contract's channels and nothing
 * else. Requests are validated by the main process; the editor's host client
 * (renderer/host) validates replies and pushes.
 *
 * Sandboxed preloads may only require a few modules, so this file is bundled
 * (build/build-electron.ts) into one CommonJS script with only 'electron' external.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { APP_CHANNELS, type AppChannel, type AppPush, type HostApi, type MenuCommandMessage } from '../core/contract/app-api';
import { ipcChannel, MENU_CHANNEL, PUSH_CHANNEL, type IpcReply } from './ipc';

function invoker(channel: AppChannel) {
  return async (request: unknown): Promise<unknown> => {
    const reply = (await ipcRenderer.invoke(ipcChannel(channel), request)) as IpcReply | undefined;
    if (!reply || typeof reply !== 'object' || typeof reply.ok !== 'boolean') {
      throw new Error(`the Tensorweave host sent no valid reply on '${channel}'`);
    }
    if (!reply.ok) throw new Error(reply.error);
    return reply.response;
  };
}

function subscriber<T>(ipcName: string, name: string) {
  return (listener: (message: T) => void) => {
    if (typeof listener !== 'function') throw new TypeError(`tensorweave.${name} expects a function`);
    const forward = (_event: IpcRendererEvent, message: T) => listener(message);
    ipcRenderer.on(ipcName, forward);
    return () => void ipcRenderer.removeListener(ipcName, forward);
  };
}

export function createBridge(): HostApi {
  const api: Record<string, unknown> = {};
  for (const channel of APP_CHANNELS) api[channel] = invoker(channel);
  api.onPush = subscriber<AppPush>(PUSH_CHANNEL, 'onPush');
  api.onMenuCommand = subscriber<MenuCommandMessage>(MENU_CHANNEL, 'onMenuCommand');
  return api as unknown as HostApi;
}

contextBridge.exposeInMainWorld('tensorweave', createBridge());
