/**
 * Metrics a graph can report on held-out data. A node type declares how its
 * outputs are measured (`metrics` on its definition, core/node-api.ts); a
 * graph gets one evaluator per node whose type declares them.
 */
import { tf } from '../tf';
import { StepExecutor } from '../compile/executor';
import type { Program } from '../compile/compiler';
import { makeBatch } from '../data/batch';
import type { DatasetSource } from '../data/dataset-api';
import type { NodeMetrics } from '../node-api';

export { averagePrecision, interpolatedAp, maskIou, COCO_IOU_THRESHOLDS } from './coco-ap';

export interface EvaluateOptions {
  /** Dataset fields the graph reads. */
  fields: string[];
  batchSize: number;
  /** At most this many images of the split (all of a finite split by default). */
  maxImages?: number;
  seed: number;
  step: number;
}

export interface GraphEvaluator {
  nodeId: string;
  evaluate(source: DatasetSource, options: EvaluateOptions): Record<string, number>;
}

/**
 * The evaluators that apply to a compiled graph. With several evaluated
 * nodes, metric names are prefixed by the node id.
 */
export function findEvaluators(program: Program): GraphEvaluator[] {
  const nodes = program.order.filter((id) => program.nodes.get(id)?.def.metrics !== undefined);
  return nodes.map((nodeId) => ({
    nodeId,
    evaluate(source, options) {
      const metrics = evaluateNode(program, nodeId, program.nodes.get(nodeId)!.def.metrics!, source, options);
      if (nodes.length === 1) return metrics;
      return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${nodeId}/${k}`, v]));
    },
  }));
}

/** Runs the graph in evaluation mode over the first images of `source`, batch by batch, and tallies node `nodeId`'s outputs. */
function evaluateNode(program: Program, nodeId: string, metrics: NodeMetrics, source: DatasetSource, options: EvaluateOptions): Record<string, number> {
  const total = Math.min(options.maxImages ?? source.size, source.size);
  if (!Number.isFinite(total) || total <= 0) throw new Error(`cannot evaluate '${nodeId}' on a split of ${source.size} images; set maxImages`);
  const fields = [...new Set([...options.fields, ...metrics.fields])];
  const tally = metrics.start(nodeId);
  for (let start = 0; start < total; start += options.batchSize) {
    const indices = Array.from({ length: Math.min(options.batchSize, total - start) }, (_, i) => start + i);
    const batch = makeBatch(source, indices, fields);
    const executor = new StepExecutor(program, { training: false, step: options.step, seed: options.seed, batch });
    try {
      tally.add(executor.evaluate([nodeId]).get(nodeId)!, batch);
    } finally {
      executor.dispose();
      tf.dispose(Object.values(batch));
    }
  }
  return tally.result();
}
