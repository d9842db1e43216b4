/**
 * Copied nodes as text on the system clipboard, so nodes can be pasted into
 * another editor window (or a browser tab of the browser mode). Pasted text
 * is untrusted: it is validated with the graph file's own schemas.
 */
import { z } from 'zod';
import { edgeSchema, nodeSchema } from '../../core/graph/schema';
import type { Clipboard } from './edits';

const MARKER = 'tensorweave.clipboard';

const clipboardSchema = z
  .object({
    format: z.literal(MARKER),
    nodes: z.array(nodeSchema).min(1),
    edges: z.array(edgeSchema),
    incoming: z.array(edgeSchema),
    positions: z.record(z.string(), z.object({ x: z.number(), y: z.number() }).strict()),
  })
  .strict();

export function clipboardToText(clip: Clipboard): string {
  return JSON.stringify({ format: MARKER, ...clip });
}

/** The clipboard in `text`, or undefined when it is anything else (plain text, a broken copy). */
export function clipboardFromText(text: string | undefined): Clipboard | undefined {
  if (!text || !text.includes(MARKER)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = clipboardSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { format: _format, ...clip } = parsed.data;
  const ids = new Set(clip.nodes.map((n) => n.id));
  // Every copied node needs a position and internal wires must stay internal.
  if (!clip.nodes.every((n) => clip.positions[n.id])) return undefined;
  if (!clip.edges.every((e) => ids.has(e.from.node) && ids.has(e.to.node))) return undefined;
  if (!clip.incoming.every((e) => ids.has(e.to.node))) return undefined;
  return clip;
}
