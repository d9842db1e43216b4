/**
 * The node library tests build, check and train with: the one the app
 * ships, with file access (as the trainer and the CLI have it).
 */
import type { NodeLibrary } from '../core/library';
import { nodeIO } from '../core/node-io';
import { nodeLibrary } from '../nodes/library';

export const library: NodeLibrary = { ...nodeLibrary, io: nodeIO };
