/**
 * The browser mode's WebSocket envelope around the app contract. The channel
 * table, requests, responses and pushes are those of core/contract/app-api;
 * only this thin framing is specific to the WebSocket transport. Both ends
 * validate what they receive.
 *
 *   client → server  { id, channel, request }
 *   server → client  { id, ok: true, response } | { id, ok: false, error } | { push }
 */
import { z } from 'zod';

export const WS_PATH = '/api';

const messageId = z.union([z.string().min(1).max(200), z.number().int()]);

export const wsClientMessageSchema = z
  .object({
    id: messageId,
    channel: z.string(),
    request: z.unknown(),
  })
  .strict();

export const wsServerMessageSchema = z.union([
  z.object({ id: messageId, ok: z.literal(true), response: z.unknown() }).strict(),
  // id is null when the client's message was too broken to carry one.
  z.object({ id: z.union([messageId, z.null()]), ok: z.literal(false), error: z.string() }).strict(),
  z.object({ push: z.unknown() }).strict(),
]);
export type WsServerMessage = z.output<typeof wsServerMessageSchema>;

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
