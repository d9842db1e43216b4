/**
 * The editor's host over a WebSocket (browser mode). Same HostApi as the
 * Electron bridge; requests are validated before they leave and responses
 * and pushes on arrival, so both transports fail the same way.
 */
import { APP_CHANNELS, parseAppPush, parseAppRequest, parseAppResponse, type AppChannel, type AppPush, type HostApi } from '../../core/contract/app-api';
import { describeIssues, wsServerMessageSchema, WS_PATH } from '../../core/host/ws-protocol';

/** The part of the WebSocket API used here; the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

const OPEN = 1;

export interface WebSocketHost extends HostApi {
  /** Closes the connection and stops reconnecting. */
  close(): void;
}

export function websocketUrlFor(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${WS_PATH}`;
}

export function createWebSocketHost(url: string, factory: WebSocketFactory = (u) => new WebSocket(u) as unknown as WebSocketLike): WebSocketHost {
  const pending = new Map<string, { channel: AppChannel; resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(push: AppPush) => void>();
  let socket: WebSocketLike | undefined;
  let queue: string[] = [];
  let counter = 0;
  let closed = false;
  let retryDelay = 250;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const lost = () =>
    new Error(`lost the connection to the Tensorweave host at ${url}: is \`npm run serve\` still running? Restart it, then try again.`);

  function connect(): WebSocketLike {
    if (socket && socket.readyState <= OPEN) return socket;
    const current = factory(url);
    socket = current;
    current.addEventListener('open', () => {
      retryDelay = 250;
      const waiting = queue;
      queue = [];
      for (const text of waiting) current.send(text);
    });
    current.addEventListener('message', (event) => receive(event.data));
    current.addEventListener('close', () => {
      if (socket !== current) return;
      socket = undefined;
      queue = [];
      for (const [id, call] of pending) {
        pending.delete(id);
        call.reject(lost());
      }
      // Pushes only arrive over an open socket, so a listening editor reconnects by itself.
      if (!closed && listeners.size > 0) {
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          if (!closed && listeners.size > 0) connect();
        }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 5000);
      }
    });
    current.addEventListener('error', () => undefined);
    return current;
  }

  function receive(data: unknown): void {
    let message;
    try {
      const parsed = wsServerMessageSchema.safeParse(JSON.parse(typeof data === 'string' ? data : String(data)));
      if (!parsed.success) {
        console.error(`tensorweave: ignored a malformed message from the host: ${describeIssues(parsed.error)}`);
        return;
      }
      message = parsed.data;
    } catch (error) {
      console.error(`tensorweave: ignored a message from the host that is not JSON: ${(error as Error).message}`);
      return;
    }
    if ('push' in message) {
      let push: AppPush;
      try {
        push = parseAppPush(message.push);
      } catch (error) {
        console.error(`tensorweave: ${(error as Error).message}`);
        return;
      }
      for (const listener of listeners) listener(push);
      return;
    }
    if (message.id === null) {
      if (!message.ok) console.error(`tensorweave: the host refused a message: ${message.error}`);
      return;
    }
    const call = pending.get(String(message.id));
    if (!call) return;
    pending.delete(String(message.id));
    if (!message.ok) {
      call.reject(new Error(message.error));
      return;
    }
    try {
      call.resolve(parseAppResponse(call.channel, message.response));
    } catch (error) {
      call.reject(error as Error);
    }
  }

  function call(channel: AppChannel, request: unknown): Promise<unknown> {
    if (closed) return Promise.reject(new Error('the Tensorweave host connection was closed'));
    let validated: unknown;
    try {
      validated = parseAppRequest(channel, request);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = String(++counter);
    const text = JSON.stringify({ id, channel, request: validated });
    return new Promise((resolve, reject) => {
      pending.set(id, { channel, resolve, reject });
      const current = connect();
      if (current.readyState === OPEN) current.send(text);
      else queue.push(text);
    });
  }

  const api = {} as Record<string, unknown>;
  for (const channel of APP_CHANNELS) api[channel] = (request: unknown) => call(channel, request);
  api.onPush = (listener: (push: AppPush) => void) => {
    listeners.add(listener);
    if (!closed) connect();
    return () => void listeners.delete(listener);
  };
  api.close = () => {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    socket?.close();
  };
  connect();
  return api as unknown as WebSocketHost;
}
