/**
 * The editor's one way to reach its host. In Electron the preload exposes
 * `window.tensorweave`; in a browser the same API runs over a WebSocket to
 * the local host (`npm run serve`). Either way every request is checked
 * against the contract before it leaves and every answer and push when it
 * arrives, so the editor can trust what it gets.
 *
 *   const host = getHost();
 *   const { text } = await host.getTemplate({ id });
 *   const stop = host.onPush((push) => { … push.sessionId, push.event … });
 *   host.onMenuCommand?.(({ command, path }) => …);   // Electron only
 */
import { APP_CHANNELS, parseAppPush, parseAppRequest, parseAppResponse, parseMenuCommand, type AppPush, type HostApi, type MenuCommandMessage } from '../../core/contract/app-api';
import { createWebSocketHost, websocketUrlFor } from './ws-client';

export type { HostApi, AppPush, AppChannel, AppRequest, AppResponse, MenuCommand, MenuCommandMessage } from '../../core/contract/app-api';
export { createWebSocketHost, websocketUrlFor, type WebSocketHost, type WebSocketLike, type WebSocketFactory } from './ws-client';

declare global {
  interface Window {
    /** Exposed by electron/preload.ts through contextBridge; absent in the browser mode. */
    tensorweave?: HostApi;
  }
}

/** A listener that drops (and logs) what breaks the contract instead of passing it on. */
function checked<T>(parse: (raw: unknown) => T, listener: (message: T) => void) {
  return (raw: unknown) => {
    let message: T;
    try {
      message = parse(raw);
    } catch (error) {
      console.error(`tensorweave: ${(error as Error).message}`);
      return;
    }
    listener(message);
  };
}

/** Wraps the Electron bridge so that it validates exactly as the WebSocket client does. */
export function validatedHost(bridge: HostApi): HostApi {
  const api = {} as Record<string, unknown>;
  for (const channel of APP_CHANNELS) {
    api[channel] = async (request: unknown) => {
      const checked = parseAppRequest(channel, request);
      const response = await (bridge[channel] as (request: unknown) => Promise<unknown>)(checked);
      return parseAppResponse(channel, response);
    };
  }
  api.onPush = (listener: (push: AppPush) => void) => bridge.onPush(checked(parseAppPush, listener));
  if (bridge.onMenuCommand) {
    const subscribe = bridge.onMenuCommand.bind(bridge);
    api.onMenuCommand = (listener: (message: MenuCommandMessage) => void) => subscribe(checked(parseMenuCommand, listener));
  }
  return api as unknown as HostApi;
}

let cached: HostApi | undefined;

export function getHost(): HostApi {
  if (cached) return cached;
  cached = window.tensorweave ? validatedHost(window.tensorweave) : createWebSocketHost(websocketUrlFor(window.location));
  return cached;
}

/** Which transport getHost() uses, without connecting. */
export function hostKind(): 'electron' | 'browser' {
  return typeof window !== 'undefined' && window.tensorweave ? 'electron' : 'browser';
}
