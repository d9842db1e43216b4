/**
 * Shapes and problems of the current document, recomputed on every edit
 * that can change them (moving nodes cannot, so it reuses the last result).
 * Inference is linear in the graph, which keeps a 1000-node graph within a
 * frame.
 */
import { inferGraph, type InferredNode } from '../../core/graph/infer';
import type { Problem } from '../../core/graph/problems';
import type { GraphDocument } from '../../core/graph/schema';
import { validateGraph } from '../../core/graph/validate';
import { registries } from './catalog';

export interface Analysis {
  /** What each node receives and produces; absent for nodes inference had to skip. */
  inferred: Record<string, InferredNode>;
  problems: Problem[];
  /** Problems about each node, for badges. */
  byNode: Map<string, Problem[]>;
  errorCount: number;
  warningCount: number;
  /** The document parts this was computed from; equal references mean nothing that matters changed. */
  basis: readonly unknown[];
}

const basisOf = (doc: GraphDocument): readonly unknown[] => [doc.nodes, doc.edges, doc.modules, doc.dataset, doc.training];

export function analyze(doc: GraphDocument, previous?: Analysis): Analysis {
  const basis = basisOf(doc);
  if (previous && previous.basis.every((part, i) => part === basis[i])) return previous;
  const problems = validateGraph(doc, registries);
  const inferred = inferGraph(doc, registries).nodes;
  const byNode = new Map<string, Problem[]>();
  let errorCount = 0;
  for (const problem of problems) {
    if (problem.severity === 'error') errorCount++;
    if (problem.nodeId === undefined) continue;
    const list = byNode.get(problem.nodeId);
    if (list) list.push(problem);
    else byNode.set(problem.nodeId, [problem]);
  }
  return { inferred, problems, byNode, errorCount, warningCount: problems.length - errorCount, basis };
}
