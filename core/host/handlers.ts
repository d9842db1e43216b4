/**
 * Everything a host does for the editor, independent of transport: Electron's
 * main process (IPC) and the browser mode's local server (WebSocket) both
 * call these, so the two hosts differ only in how messages travel and in
 * whether native dialogs exist.
 *
 * The work is split by subject: documents.ts (graph files, recent files,
 * recovery, templates, exports) and sessions.ts (trainers and run history).
 * This file joins them into one table of channels. Every request is
 * validated against the contract on arrival and every response before it
 * leaves, so a fault on either side surfaces as a message naming the channel
 * and field instead of as a confusing failure later.
 */
import {
  APP_CHANNELS,
  AppContractError,
  isAppChannel,
  parseAppRequest,
  parseAppResponse,
  type AppChannel,
  type AppRequest,
  type AppResponse,
} from '../contract/app-api';
import { createDocumentHandlers, type DocumentOptions } from './documents';
import { createSessionHandlers, type SessionOptions } from './sessions';

export { MAX_OPEN_BYTES, MAX_RECENT_FILES, defaultWorkspace, type DocumentState, type HostDialogs } from './documents';
export { markRunCrashed, RUN_ID_PATTERN } from './sessions';
export { errorMessage } from './errors';

export interface AppHandlerOptions extends DocumentOptions, SessionOptions {}

export type AppHandlers = {
  [C in AppChannel]: (request: unknown) => Promise<AppResponse<C>>;
} & {
  /** Stops running trainers; call when the host shuts down. */
  dispose(): Promise<void>;
};

type Implementations = { [C in AppChannel]: (request: AppRequest<C>) => Promise<AppResponse<C>> };

export function createAppHandlers(options: AppHandlerOptions): AppHandlers {
  const { dispose, ...sessions } = createSessionHandlers(options);
  // Typed as the full table: a channel that neither half implements fails to compile.
  const implementations: Implementations = { ...createDocumentHandlers(options), ...sessions };
  const handlers = {} as Record<AppChannel, (request: unknown) => Promise<unknown>>;
  for (const channel of APP_CHANNELS) {
    handlers[channel] = async (raw: unknown) => {
      const request = parseAppRequest(channel, raw);
      const response = await (implementations[channel] as (request: unknown) => Promise<unknown>)(request);
      return parseAppResponse(channel, response);
    };
  }
  return Object.assign(handlers as unknown as AppHandlers, { dispose });
}

/** Routes a message that named its channel as a string (IPC, WebSocket) to the handler, refusing unknown channels. */
export function dispatchAppRequest(handlers: AppHandlers, channel: unknown, request: unknown): Promise<unknown> {
  if (!isAppChannel(channel)) {
    return Promise.reject(new AppContractError(`unknown channel '${String(channel)}'; known channels: ${APP_CHANNELS.join(', ')}`));
  }
  return handlers[channel](request);
}
