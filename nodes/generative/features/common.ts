/**
 * What the frozen feature network's three sources share: the error they
 * throw while reading a model or checkpoint (the node turns it into a
 * ShapeError or names itself), the layer list, and file access through the
 * NodeIO the host passed (nodes never import node:fs).
 */
import type { NodeIO } from '../../../core/node-api';

export class FeatureSourceError extends Error {}

export function parseLayerList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Runs a file operation, turning its failure into a FeatureSourceError (its message after `what`, when given). */
export function reading<T>(what: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FeatureSourceError) throw error;
    const message = (error as Error).message;
    throw new FeatureSourceError(what ? `${what}: ${message}` : message);
  }
}

/** The host's file access, or a FeatureSourceError saying this source needs one. */
export function requireIO(io: NodeIO | undefined, source: string): NodeIO {
  if (!io) throw new FeatureSourceError(`source '${source}' reads files, which this host cannot do; train from the app or the CLI`);
  return io;
}
