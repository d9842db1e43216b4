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
import { concreteShape } from '../../../core/types';
import type { AnyNodeDefinition, Value } from '../../../core/node-api';
import { nodeRegistry } from '../../../nodes/registry';
import { FIXTURES } from '../../nodes/fixtures';
import { buildNode, randomValue } from '../../nodes/harness';
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
  const rng = new Rng(9);
  const sizes = { N: BATCH };
  const given = fixture.values?.() ?? {};
  const inputs: Record<string, Value> = {};
  for (const [port, t] of Object.entries(fixture.inputs)) {
    inputs[port] =
      given[port] ??
      (t.levels
        ? Object.fromEntries(Object.entries(t.levels).map(([level, shape]) => [level, randomValue(t, concreteShape(shape, sizes), rng)]))
        : randomValue(t, concreteShape(t.shape!, sizes), rng, fixture.classes));
  }
  const batch: Record<string, tf.Tensor> = {};
  for (const [field, t] of Object.entries(fixture.dataset?.fields ?? {})) batch[field] = randomValue(t, concreteShape(t.shape!, sizes), rng);
  const floatInputs = Object.keys(inputs).filter(
    (port) => inputs[port] instanceof tf.Tensor && inputs[port].dtype === 'float32' && !fixture.dataInputs?.includes(port),
  );
  const trainable = [...node.weights.values()].filter((w) => w.trainable).map((w) => w.variable);
  const objective = (...xs: tf.Tensor[]) => {
    const values: Record<string, Value> = { ...inputs };
    floatInputs.forEach((port, i) => (values[port] = xs[i] ?? inputs[port]));
    const outputs = node.run(values, { training: true, updateStats: false, batch });
    const floats = Object.values(outputs)
      .flatMap((v) => (v instanceof tf.Tensor ? [v] : Object.values(v ?? {})))
      .filter((v): v is tf.Tensor => v instanceof tf.Tensor && v.dtype === 'float32');
    // Summed with Add, which the audit covers, rather than AddN, which only this harness would reach.
    return floats.map((v) => tf.sum(v)).reduce((total, term) => tf.add(total, term), tf.scalar(0));
  };
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
    tf.dispose([...Object.values(inputs).flatMap((v) => (v instanceof tf.Tensor ? [v] : Object.values(v ?? {}))), ...Object.values(batch), ...Object.values(given)]);
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
