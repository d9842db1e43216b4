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
import type { ValueType } from '../../core/types';
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
  const problems = [...validateGraph(doc, registries), ...learningRateWarnings(doc)];
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
  if (previous) keepUnchanged(previous, inferred, byNode);
  return { inferred, problems, byNode, errorCount, warningCount: problems.length - errorCount, basis };
}

/**
 * Inference builds new objects for every node on every run. Where a node's
 * types and problems came out the same, the previous objects are kept, so
 * an edit re-renders only the cards whose shapes or problems really changed.
 */
function keepUnchanged(previous: Analysis, inferred: Record<string, InferredNode>, byNode: Map<string, Problem[]>): void {
  for (const id of Object.keys(inferred)) {
    const before = previous.inferred[id];
    if (before && sameInference(before, inferred[id])) inferred[id] = before;
  }
  for (const [id, list] of byNode) {
    const before = previous.byNode.get(id);
    if (before && before.length === list.length && before.every((p, i) => p.message === list[i].message && p.severity === list[i].severity)) byNode.set(id, before);
  }
}

/**
 * Learning rates that practice rarely goes beyond, per optimizer type: a
 * rate far outside them (a typo like 1e6, or 1e-12) usually means the run
 * diverges or never moves, so it is flagged before Run rather than
 * discovered minutes into training. A warning: unusual rates stay allowed.
 */
export const USUAL_LR: Record<string, { min: number; max: number }> = {
  adam: { min: 1e-7, max: 0.1 },
  sgd: { min: 1e-6, max: 10 },
};

export function learningRateWarnings(doc: GraphDocument): Problem[] {
  const problems: Problem[] = [];
  doc.training.optimizers.forEach((o, index) => {
    const usual = USUAL_LR[o.type];
    if (!usual || !(o.lr > 0) || (o.lr >= usual.min && o.lr <= usual.max)) return;
    const side = o.lr > usual.max ? 'far above' : 'far below';
    problems.push({
      severity: 'warning',
      code: 'unusual-learning-rate',
      message: `optimizer '${o.id}' (${o.type}) has learning rate ${o.lr}, ${side} the usual ${usual.min}–${usual.max}; training is likely to ${o.lr > usual.max ? 'diverge' : 'not move'}. Check the value (e.g. 2e-4 for Adam in GANs, 1e-3 for a classifier).`,
      path: ['training', 'optimizers', index, 'lr'],
    });
  });
  return problems;
}

function sameInference(a: InferredNode, b: InferredNode): boolean {
  if (a.error?.message !== b.error?.message) return false;
  return sameTypes(a.outputs, b.outputs) && sameTypes(a.inputs, b.inputs);
}

function sameTypes(a: Record<string, ValueType>, b: Record<string, ValueType>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (!y || x.kind !== y.kind || x.dtype !== y.dtype) return false;
    if (x.levels || x.fields || y.levels || y.fields) {
      if (JSON.stringify(x) !== JSON.stringify(y)) return false;
      continue;
    }
    const s = x.shape;
    const t = y.shape;
    if (s === t) continue;
    if (!s || !t || s.length !== t.length) return false;
    for (let i = 0; i < s.length; i++) if (s[i] !== t[i]) return false;
  }
  return true;
}
