/**
 * Small lookups shared by the graph checks: registry access that ignores
 * Object.prototype (a node typed "constructor" must not resolve), naming
 * nodes in messages, and "did you mean" suggestions.
 */
import type { AnyNodeDefinition, DatasetInfo } from '../node-api';
import type { AnyDatasetDefinition } from '../data/dataset-api';
import { checkParam, defaultParams } from '../params';
import type { GraphRegistries } from './registries';
import type { GraphDocument, GraphNode } from './schema';

export function nodeDefinition(registries: GraphRegistries, type: string): AnyNodeDefinition | undefined {
  return Object.hasOwn(registries.nodes, type) ? registries.nodes[type] : undefined;
}

export function datasetDefinition(registries: GraphRegistries, type: string): AnyDatasetDefinition | undefined {
  return Object.hasOwn(registries.datasets, type) ? registries.datasets[type] : undefined;
}

/** "Conv2D 'conv1'" for a node, "Conv2D" for a bare type. */
export function describeNode(node: GraphNode | string, def: AnyNodeDefinition | undefined): string {
  const title = def?.title ?? (typeof node === 'string' ? node : node.type);
  return typeof node === 'string' ? title : `${title} '${node.id}'`;
}

export function quoteList(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`);
  if (names.length > max) shown.push(`… ${names.length - max} more`);
  return shown.length > 0 ? shown.join(', ') : 'none';
}

function editDistance(a: string, b: string): number {
  const previous = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/**
 * The known name closest to `name`, when it is close enough to be a likely
 * typo: case and separators are ignored first ("Conv2D", "conv_2d"), then a
 * small edit distance is allowed.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const target = squash(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = squash(candidate) === target ? 0 : editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(name: string, known: Iterable<string>): string {
  const closest = closestName(name, known);
  return closest !== undefined ? ` Did you mean '${closest}'?` : '';
}

/** A node's params with every missing one filled from its type's defaults; unknown types are returned as they are. */
export function withDefaults(node: GraphNode, registries: GraphRegistries): GraphNode {
  const def = nodeDefinition(registries, node.type);
  if (!def) return node;
  return { ...node, params: { ...defaultParams(def.params), ...node.params } };
}

/**
 * What the graph's dataset provides, or undefined when it cannot be known
 * (unknown type, invalid params, a `fields` that throws); validateGraph
 * reports why.
 */
export function datasetInfoOf(graph: GraphDocument, registries: GraphRegistries): DatasetInfo | undefined {
  const def = datasetDefinition(registries, graph.dataset.type);
  if (!def) return undefined;
  const params: Record<string, unknown> = { ...defaultParams(def.params) };
  for (const [name, value] of Object.entries(graph.dataset.params)) {
    // Unknown params are reported by validateGraph and cannot change the fields.
    if (!Object.hasOwn(def.params, name)) continue;
    if (checkParam(def.params[name], value) !== null) return undefined;
    params[name] = value;
  }
  try {
    return { type: graph.dataset.type, fields: def.fields(params as Parameters<typeof def.fields>[0]) };
  } catch {
    return undefined;
  }
}
