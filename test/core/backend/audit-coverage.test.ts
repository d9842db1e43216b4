/**
 * Every tfjs kernel a node reaches, forward or backward, on cpu and on wasm,
 * must be in the audited table (test/fixtures/audit/kernels.json, the kernels
 * the PyTorch cases reach). The kernels are recorded, not listed by hand:
 * each node of the registry runs its fixtures (test/nodes/fixtures.ts)
 * forward in training mode and backward to every float input and trainable
 * weight under tf.profile. A new node, or a node change, that reaches an
 * unaudited kernel fails here, naming the kernel and the node.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import { selectBackend } from '../../../core/backend/select';
import type { AnyNodeDefinition } from '../../../core/node-api';
import { nodeRegistry } from '../../../nodes/registry';
import { FIXTURES } from '../../nodes/fixtures';
import { buildNode, fixtureValues, floatOutputs } from '../../nodes/harness';
import { AUDIT_TABLE, recordKernels } from './audit';

interface TableEntry {
  cases: string[];
  reached: Record<string, number>;
  gradientChecked: string[];
}

const table = (JSON.parse(readFileSync(AUDIT_TABLE, 'utf8')) as { kernels: Record<string, TableEntry> }).kernels;
const BACKENDS = ['cpu', 'wasm'] as const;
const BATCH = 2;

/** Kernels one fixture of one node reaches, forward and backward, on the active backend. */
async function kernelsOf(def: AnyNodeDefinition, fixture: (typeof FIXTURES)[string][number]): Promise<{ forward: Set<string>; backward: Set<string> }> {
  const node = buildNode(def, fixture.inputs, fixture.params, { dataset: fixture.dataset });
  const { inputs, batch, floatInputs } = fixtureValues(fixture, new Rng(9), BATCH);
  const trainable = [...node.weights.values()].filter((w) => w.trainable).map((w) => w.variable);
  const objective = (...xs: tf.Tensor[]) =>
    // Summed with Add, which the audit covers, rather than AddN, which only this harness would reach.
    floatOutputs(node, inputs, floatInputs, batch, xs)
      .map((v) => tf.sum(v))
      .reduce((total, term) => tf.add(total, term), tf.scalar(0));
  try {
    const forward = await recordKernels(() => tf.tidy(() => objective()));
    forward.result.dispose();
    const backward = await recordKernels(() =>
      tf.tidy(() => {
        const out: tf.Tensor[] = [];
        if (floatInputs.length > 0) out.push(...tf.grads(objective)(floatInputs.map((port) => inputs[port] as tf.Tensor)));
        if (trainable.length > 0) out.push(...Object.values(tf.variableGrads(() => objective() as tf.Scalar, trainable).grads));
        return out;
      }),
    );
    tf.dispose(backward.result);
    return { forward: forward.kernels, backward: backward.kernels };
  } finally {
    node.dispose();
    tf.dispose([...Object.values(inputs).flatMap((v) => (v instanceof tf.Tensor ? [v] : Object.values(v ?? {}))), ...Object.values(batch)]);
  }
}

/** kernel → node types reaching it, per backend; and those reaching it in the forward pass they differentiate. */
const reached: Record<string, Map<string, Set<string>>> = { cpu: new Map(), wasm: new Map() };
const differentiated: Record<string, Map<string, Set<string>>> = { cpu: new Map(), wasm: new Map() };

function note(map: Map<string, Set<string>>, kernel: string, type: string): void {
  if (!map.has(kernel)) map.set(kernel, new Set());
  map.get(kernel)!.add(type);
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe.each(BACKENDS)('kernels the node library reaches on %s', (backend) => {
  it('are recorded for every node type and fixture', async () => {
    await tf.setBackend(backend);
    for (const [type, def] of Object.entries(nodeRegistry as Record<string, AnyNodeDefinition>)) {
      for (const fixture of FIXTURES[type] ?? []) {
        const { forward, backward } = await kernelsOf(def, fixture);
        for (const kernel of new Set([...forward, ...backward])) {
          // tf.profile also lists op scopes (customGrad's 'unnamed scope', 'logSoftmax__op'); their kernels are listed too.
          if (!tf.getKernel(kernel, backend)) continue;
          note(reached[backend], kernel, type);
          if (forward.has(kernel) && tf.getGradient(kernel)) note(differentiated[backend], kernel, type);
        }
      }
    }
    expect(reached[backend].size).toBeGreaterThan(10);
    if (process.env.AUDIT_LIST === '1') console.log(backend, [...reached[backend].keys()].sort().join(' '));
  });

  it('all have PyTorch audit cases', () => {
    const missing = [...reached[backend].entries()]
      .filter(([kernel]) => !(table[kernel]?.reached[backend] > 0))
      .map(([kernel, types]) => `kernel ${kernel} reached by node ${[...types].join(', ')} on ${backend} has no PyTorch audit case: add one in test/fixtures/audit/make_audit.py`);
    expect(missing).toEqual([]);
  });

  it("have their gradients checked by a PyTorch case wherever a node's forward pass reaches them", () => {
    const unchecked = [...differentiated[backend].entries()]
      .filter(([kernel]) => !table[kernel]?.gradientChecked.includes(backend))
      .map(
        ([kernel, types]) =>
          `the gradient of kernel ${kernel} (reached by node ${[...types].join(', ')} on ${backend}) has no PyTorch audit case: ` +
          'add a case whose forward pass runs it in test/fixtures/audit/make_audit.py',
      );
    expect(unchecked).toEqual([]);
  });
});
