/**
 * How many trainable weights a node creates, found by a dry build: the
 * node's own `build` runs with a `weight` that records shapes, so the answer
 * is exactly what the compiler would create, with no second formula to drift.
 * Validation uses it to warn about weights no optimizer updates.
 */
import { tf } from '../tf';
import type { AnyNodeDefinition, DatasetInfo } from '../node-api';
import type { InferredNode } from './infer';
import type { GraphNode } from './schema';

/** Trainable weight count of `node`, or undefined when it cannot be built from these types (validation says why elsewhere). */
export function trainableWeightCount(def: AnyNodeDefinition, node: GraphNode, inferred: InferredNode | undefined, dataset: DatasetInfo | undefined): number | undefined {
  if (!inferred || inferred.error) return undefined;
  let total = 0;
  try {
    // Stand-in weights carry only their shape, so a large generator costs nothing to count; tidy frees constants the build makes.
    tf.tidy(() => {
      const runtime = def.build({
        nodeId: node.id,
        params: node.params,
        inputs: inferred.inputs,
        outputs: inferred.outputs,
        dataset,
        weight: (_name: string, shape: number[], _init: unknown, options?: { trainable?: boolean }) => {
          if (options?.trainable !== false) total += shape.reduce((a, b) => a * b, 1);
          return { shape: [...shape], size: shape.reduce((a, b) => a * b, 1), rank: shape.length, dtype: 'float32' } as unknown as tf.Variable;
        },
      } as never);
      runtime.dispose?.();
    });
    return total;
  } catch {
    return undefined;
  }
}
