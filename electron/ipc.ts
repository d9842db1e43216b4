/**
 * Names and framing of Electron's IPC, shared by the main process and the
 * preload. Channels are namespaced so no library's IPC can collide with
 * them. Replies travel as an envelope rather than as thrown errors, because
 * Electron rewrites a rejected invoke into "Error invoking remote method …",
 * and the editor should see the host's own message.
 */
import type { AppChannel } from '../core/contract/app-api';

export const PUSH_CHANNEL = 'tensorweave:push';
export const MENU_CHANNEL = 'tensorweave:menu';

export function ipcChannel(channel: AppChannel): string {
  return `tensorweave:${channel}`;
}

export type IpcReply = { ok: true; response: unknown } | { ok: false; error: string };
