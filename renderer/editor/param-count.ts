/**
 * Trainable parameter counts for node cards. Node types declare their
 * weights only inside `build`, so the count comes from a dry build whose
 * `weight` records shapes instead of allocating tensors; the count is then
 * exactly what the compiler would create, with no second formula to drift.
 */
import type { InferredNode } from '../../core/graph/infer';
import type { GraphNode } from '../../core/graph/schema';
import { defaultParams } from '../../core/params';
import { tf } from '../../core/tf';
import { nodeDef } from './catalog';

const cache = new WeakMap<GraphNode, { key: string; count: number | undefined }>();

export function trainableParameterCount(node: GraphNode, inferred: InferredNode | undefined): number | undefined {
  if (!inferred || inferred.error) return undefined;
  const key = JSON.stringify(inferred.inputs);
  const hit = cache.get(node);
  if (hit && hit.key === key) return hit.count;
  const count = dryBuild(node, inferred);
  cache.set(node, { key, count });
  return count;
}

function dryBuild(node: GraphNode, inferred: InferredNode): number | undefined {
  const def = nodeDef(node.type);
  if (!def) return undefined;
  let total = 0;
  const fakeWeight = (_name: string, shape: number[], _init: unknown, options?: { trainable?: boolean }) => {
    if (options?.trainable !== false) total += shape.reduce((a, b) => a * b, 1);
    return {} as unknown as tf.Variable;
  };
  try {
    // Some builds precompute small constant tensors (resize matrices); tidy frees them.
    tf.tidy(() => {
      def.build({
        nodeId: node.id,
        params: { ...defaultParams(def.params), ...node.params },
        inputs: inferred.inputs,
        outputs: inferred.outputs,
        weight: fakeWeight,
      } as never);
    });
    return total;
  } catch {
    return undefined;
  }
}

export function formatCount(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1e6) return `${(count / 1e3).toFixed(count < 1e4 ? 1 : 0)}k`;
  return `${(count / 1e6).toFixed(count < 1e7 ? 2 : 1)}M`;
}
