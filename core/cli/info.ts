/**
 * Per-node facts for `tensorweave info`: output types from shape inference,
 * parameter counts from the weights the compiler actually creates (so they
 * can never drift from what trains), and FLOPs from each node's own rule.
 */
import { compileGraph } from '../compile/compiler';
import type { GraphDocument } from '../graph/schema';
import type { ValueType } from '../types';
import type { GraphRegistries } from '../graph/registries';

export interface NodeInfo {
  nodeId: string;
  type: string;
  module: string;
  outputs: Record<string, ValueType>;
  parameters: number;
  flops?: number;
}

export function describeGraph(graph: GraphDocument, registries: GraphRegistries): NodeInfo[] {
  const program = compileGraph(graph, { registries });
  try {
    return program.order.map((id) => {
      const node = program.nodes.get(id)!;
      const params = graph.nodes.find((n) => n.id === id)!.params;
      const flops = node.def.flops?.({ inputs: node.inputTypes, params, dataset: program.dataset, outputs: node.outputTypes } as never);
      return {
        nodeId: id,
        type: node.def.type,
        module: node.moduleId,
        outputs: node.outputTypes,
        parameters: node.weights.filter((w) => w.trainable).reduce((a, w) => a + w.variable.size, 0),
        flops,
      };
    });
  } finally {
    program.dispose();
  }
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatFlops(n: number): string {
  return `${formatCount(n)}FLOP`;
}
