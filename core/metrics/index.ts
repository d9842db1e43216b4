/**
 * Metrics a graph can report on held-out data. Each evaluator is tied to a
 * node type: a graph gets the evaluators of the node types it contains.
 */
import type { Program } from '../compile/compiler';
import type { DatasetSource } from '../data/dataset-api';
import { evaluateInstances, INSTANCES_NODE_TYPE, type EvaluateOptions } from './instances';

export { averagePrecision, interpolatedAp, maskIou, COCO_IOU_THRESHOLDS } from './coco-ap';
export { evaluateInstances, INSTANCES_NODE_TYPE } from './instances';

export interface GraphEvaluator {
  nodeId: string;
  evaluate(source: DatasetSource, options: EvaluateOptions): Record<string, number>;
}

/**
 * The evaluators that apply to a compiled graph. With several evaluated
 * nodes, metric names are prefixed by the node id.
 */
export function findEvaluators(program: Program): GraphEvaluator[] {
  const nodes = program.order.filter((id) => program.nodes.get(id)?.def.type === INSTANCES_NODE_TYPE);
  return nodes.map((nodeId) => ({
    nodeId,
    evaluate(source, options) {
      const metrics = evaluateInstances(program, nodeId, source, options);
      if (nodes.length === 1) return metrics;
      return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${nodeId}/${k}`, v]));
    },
  }));
}
