/**
 * The params added for PyTorch parity: conv2d `groups`, pooling `ceilMode`,
 * BCE `posWeight`: shapes against PyTorch's (from the audit fixtures),
 * errors that name the param, migrations from the versions without them.
 * Their numerics are audited in test/core/backend/audit.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../core/tf';
import { ShapeError, type AnyNodeDefinition } from '../../core/node-api';
import { defaultParams } from '../../core/params';
import { migrateNode } from '../../core/graph/migrations';
import type { ValueType } from '../../core/types';
import { nodeRegistry } from '../../nodes/registry';
import { buildNode } from './harness';

const registry = nodeRegistry as Record<string, AnyNodeDefinition>;
const img = (h: number, w: number, c: number): ValueType => ({ kind: 'image', shape: ['N', h, w, c] });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pooling ceilMode', () => {
  interface PoolCase {
    name: string;
    op: string;
    attrs: { kernel: number; stride: number; padding: number; ceilMode: boolean };
    inputs: { x: { shape: number[] } };
    output: { shape: number[] };
  }
  const { cases } = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/audit/pool.json'), 'utf8')) as { cases: PoolCase[] };

  it('infers PyTorch output sizes, including the rule that drops a last window starting in the right padding', () => {
    const ceilCases = cases.filter((c) => c.attrs.ceilMode);
    expect(ceilCases.length).toBeGreaterThan(5);
    // 5×7, k2 s3 p1: ⌈(5 + 2 − 2)/3⌉ + 1 = 3 windows, but the third would start at 6 − 1 = 5, past the input.
    expect(ceilCases.some((c) => c.name.includes('k2 s3 p1 ceil 5x7'))).toBe(true);
    for (const c of cases) {
      const [, h, w, ch] = c.inputs.x.shape;
      const def = registry[c.op === 'maxPool2d' ? 'maxpool2d' : 'avgpool2d'];
      const params = { ...defaultParams(def.params), kernelSize: c.attrs.kernel, stride: c.attrs.stride, padding: c.attrs.padding, ceilMode: c.attrs.ceilMode };
      const out = def.inferShape({ inputs: { input: img(h, w, ch) }, params });
      expect(out.output?.shape, c.name).toEqual(['N', ...c.output.shape.slice(1)]);
    }
  });

  it('migrates version 1 pools to floor mode', () => {
    for (const type of ['maxpool2d', 'avgpool2d']) {
      const result = migrateNode({ id: 'p', type, typeVersion: 1, params: { kernelSize: 2, stride: 2, padding: 0 } }, registry[type], ['nodes', 0]);
      expect(result).toEqual({ ok: true, node: { id: 'p', type, typeVersion: 2, params: { kernelSize: 2, stride: 2, padding: 0, ceilMode: false } } });
    }
  });
});

describe('conv2d groups', () => {
  it('stores a [k, k, in/groups, out] kernel with PyTorch fan-in and counts FLOPs per group', () => {
    const node = buildNode(registry.conv2d, { input: img(8, 8, 6) }, { outChannels: 9, groups: 3, kernelSize: 3 });
    const kernel = node.weights.get('kernel')!.variable;
    expect(kernel.shape).toEqual([3, 3, 2, 9]);
    expect(tf.max(tf.abs(kernel)).dataSync()[0]).toBeLessThanOrEqual(1 / Math.sqrt(2 * 9));
    const params = { ...defaultParams(registry.conv2d.params), outChannels: 9, groups: 3 };
    const inputs = { input: img(8, 8, 6) };
    const outputs = registry.conv2d.inferShape({ inputs, params });
    const ungrouped = registry.conv2d.flops!({ inputs, params: { ...params, groups: 1 }, outputs });
    expect(registry.conv2d.flops!({ inputs, params, outputs })).toBe(ungrouped / 3);
    node.dispose();
  });

  it('refuses groups that do not divide the channels, naming the param and a fix', () => {
    const params = { ...defaultParams(registry.conv2d.params), outChannels: 8, groups: 3 };
    let error: unknown;
    try {
      registry.conv2d.inferShape({ inputs: { input: img(8, 8, 6) }, params });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as ShapeError).message).toMatch(/groups 3 must divide both the 6 input channels and outChannels 8.*2/);
    expect((error as ShapeError).at).toEqual({ param: 'groups' });
  });

  it('migrates version 1 convolutions to groups 1', () => {
    const result = migrateNode({ id: 'c', type: 'conv2d', typeVersion: 1, params: { outChannels: 4 } }, registry.conv2d, ['nodes', 0]);
    expect(result).toEqual({ ok: true, node: { id: 'c', type: 'conv2d', typeVersion: 2, params: { outChannels: 4, groups: 1 } } });
  });
});

describe('BCE posWeight', () => {
  it('weights the positive term only: doubling it doubles the loss on positives and keeps it on negatives', () => {
    const run = (posWeight: number, target: number) => {
      const node = buildNode(registry['loss.bce_logits'], { input: img(2, 2, 1) }, { posWeight, target });
      const loss = node.run({ input: tf.tensor4d([-2, -0.5, 0.5, 3, 1, 0, -1, 4], [2, 2, 2, 1]) }).loss as tf.Tensor;
      return loss.dataSync()[0];
    };
    expect(run(2, 1)).toBeCloseTo(2 * run(1, 1), 6);
    expect(run(2, 0)).toBeCloseTo(run(1, 0), 6);
  });

  it('migrates version 1 losses to posWeight 1', () => {
    const def = registry['loss.bce_logits'];
    const result = migrateNode({ id: 'l', type: 'loss.bce_logits', typeVersion: 1, params: { reduction: 'mean', target: 1 } }, def, ['nodes', 0]);
    expect(result).toEqual({ ok: true, node: { id: 'l', type: 'loss.bce_logits', typeVersion: 2, params: { reduction: 'mean', target: 1, posWeight: 1 } } });
  });
});
