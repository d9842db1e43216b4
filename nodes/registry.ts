/**
 * Every node type the app ships, keyed by its stable `type`.
 * Add a node by writing its file and listing it here.
 */
import type { AnyNodeDefinition } from '../core/node-api';

export const nodeRegistry = {} satisfies Record<string, AnyNodeDefinition>;

export type NodeType = keyof typeof nodeRegistry;
export type NodeRegistry = Readonly<Record<string, AnyNodeDefinition>>;

export function getNodeDefinition(type: string): AnyNodeDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(nodeRegistry, type)
    ? (nodeRegistry as NodeRegistry)[type]
    : undefined;
}
