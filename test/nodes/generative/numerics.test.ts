/**
 * The generative nodes against PyTorch: forward outputs, batch-norm
 * running statistics and weight gradients of the U-Net, ResNet generator and PatchGAN on fixed
 * weights and inputs, and each loss's value and gradient. Fixtures come from
 * test/fixtures/generative/make_fixtures.py (Debian's python3-torch).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import type { AnyNodeDefinition, Value } from '../../../core/node-api';
import type { ValueType } from '../../../core/types';
import { nodeRegistry } from '../../../nodes/registry';
import { gramMatrix } from '../../../core/ops/generative';
import { buildNode, expectClose } from '../harness';

interface Arr {
  shape: number[];
  values: number[];
}

interface NetworkFixture {
  params: Record<string, unknown>;
  inputs: Arr[];
  weights: Record<string, Arr>;
  output: Arr;
  runningStatsAfter: Record<string, Arr>;
  /** Upstream gradient and PyTorch's gradient of Σ output·dy for every trainable weight. */
  dy: Arr;
  weightGrads: Record<string, Arr>;
}

interface LossCase {
  inputs: Record<string, Arr>;
  value: number;
  grads: Record<string, Arr>;
}

const TOLERANCE = 1e-4;

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../fixtures/generative/${name}.json`, import.meta.url)), 'utf8')) as T;
}

const tensorOf = (a: Arr) => tf.tensor(a.values, a.shape, 'float32');
const imageType = (a: Arr): ValueType => ({ kind: 'image', shape: ['N', ...a.shape.slice(1)] });
const def = (type: string) => (nodeRegistry as Record<string, AnyNodeDefinition>)[type];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Builds the node, loads PyTorch's weights by name (every weight must be in the fixture and vice versa) and runs one training-mode forward. */
function checkNetwork(type: string, name: string, ports: string[]) {
  const f = fixture<NetworkFixture>(name);
  const inputTypes = Object.fromEntries(ports.map((port, i) => [port, imageType(f.inputs[i])]));
  const node = buildNode(def(type), inputTypes, f.params);
  try {
    expect([...node.weights.keys()].sort()).toEqual(Object.keys(f.weights).sort());
    for (const [weightName, { variable }] of node.weights) {
      const values = f.weights[weightName];
      expect(variable.shape, weightName).toEqual(values.shape);
      variable.assign(tensorOf(values));
    }
    const inputs = Object.fromEntries(ports.map((port, i) => [port, tensorOf(f.inputs[i])]));
    const output = tf.tidy(() => (node.run(inputs, { training: true, updateStats: true }).output as tf.Tensor).dataSync());
    expect(node.outputTypes.output!.shape!.slice(1)).toEqual(f.output.shape.slice(1));
    expectClose(output, f.output.values, TOLERANCE);
    for (const [statName, values] of Object.entries(f.runningStatsAfter)) {
      expectClose(node.weights.get(statName)!.variable.dataSync(), values.values, TOLERANCE);
    }
    // Weight gradients too: the reflect padding of the ResNet generator once trained on ones off by up to ~80%.
    const trainable = [...node.weights.entries()].filter(([, w]) => w.trainable);
    expect(trainable.map(([n]) => n).sort()).toEqual(Object.keys(f.weightGrads).sort());
    const dy = tensorOf(f.dy);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(node.run(inputs, { training: true, updateStats: false }).output as tf.Tensor, dy)),
      trainable.map(([, w]) => w.variable),
    );
    for (const [weightName, { variable }] of trainable) {
      try {
        expectClose(grads[variable.name].dataSync(), f.weightGrads[weightName].values, TOLERANCE);
      } catch (error) {
        throw new Error(`gradient of '${weightName}': ${(error as Error).message}`, { cause: error });
      }
    }
    tf.dispose([value, dy, ...Object.values(grads), ...Object.values(inputs)]);
  } finally {
    node.dispose();
  }
}

describe('generators and discriminators match PyTorch (train-mode forward and weight gradients, 1e-4)', () => {
  it('U-Net generator, batch norm, depth 5 down to 1×1', () => {
    checkNetwork('generator.unet', 'unet_batch', ['input']);
  });

  it('U-Net generator, instance norm, depth 4', () => {
    checkNetwork('generator.unet', 'unet_instance', ['input']);
  });

  it('ResNet generator, instance norm (CycleGAN)', () => {
    checkNetwork('generator.resnet', 'resnet_instance', ['input']);
  });

  it('ResNet generator, batch norm', () => {
    checkNetwork('generator.resnet', 'resnet_batch', ['input']);
  });

  it('conditional PatchGAN (condition concatenated first, batch norm)', () => {
    checkNetwork('discriminator.patchgan', 'patchgan_conditional', ['input', 'condition']);
  });

  it('PatchGAN with instance norm, 2 layers', () => {
    checkNetwork('discriminator.patchgan', 'patchgan_instance', ['input']);
  });
});

describe('losses match PyTorch in value and gradient (1e-4)', () => {
  const cases = fixture<Record<string, LossCase>>('losses');

  /** Runs a loss node on the fixture inputs; `inputs` maps node ports to fixture names (structured ports map level → name). */
  function checkLoss(caseName: string, type: string, params: Record<string, unknown>, ports: Record<string, string | Record<string, string>>) {
    const c = cases[caseName];
    const tensors = Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, tensorOf(a)]));
    const typeOf = (a: Arr): ValueType => (a.shape.length === 4 ? imageType(a) : { kind: 'tensor', shape: ['N', ...a.shape.slice(1)] });
    const inputTypes: Record<string, ValueType> = {};
    for (const [port, source] of Object.entries(ports)) {
      inputTypes[port] =
        typeof source === 'string'
          ? typeOf(c.inputs[source])
          : { kind: 'pyramid', levels: Object.fromEntries(Object.entries(source).map(([level, key]) => [level, imageType(c.inputs[key]).shape!])) };
    }
    const node = buildNode(def(type), inputTypes, params);
    const gradNames = Object.keys(c.grads);
    const valueOf = (...xs: tf.Tensor[]) => {
      const given = { ...tensors };
      gradNames.forEach((name, i) => (given[name] = xs[i]));
      const values: Record<string, Value> = {};
      for (const [port, source] of Object.entries(ports)) {
        values[port] = typeof source === 'string' ? given[source] : Object.fromEntries(Object.entries(source).map(([level, key]) => [level, given[key]]));
      }
      return node.run(values).loss as tf.Scalar;
    };
    tf.tidy(() => {
      expectClose(valueOf(...gradNames.map((n) => tensors[n])).dataSync(), [c.value], TOLERANCE);
      const grads = tf.grads(valueOf)(gradNames.map((n) => tensors[n]));
      grads.forEach((g, i) => expectClose(g.dataSync(), c.grads[gradNames[i]].values, TOLERANCE));
    });
    tf.dispose(Object.values(tensors));
    node.dispose();
  }

  it.each([
    ['vanilla', 'real'],
    ['vanilla', 'fake'],
    ['lsgan', 'real'],
    ['lsgan', 'fake'],
  ])('GAN loss %s, target %s', (mode, target) => {
    checkLoss(`gan_${mode}_${target}`, 'loss.gan', { mode, target }, { input: 'input' });
  });

  it('cycle-consistency, both directions with their own λ', () => {
    checkLoss('cycle', 'loss.cycle', { lambdaA: 10, lambdaB: 4 }, {
      reconstructedA: 'reconstructedA',
      realA: 'realA',
      reconstructedB: 'reconstructedB',
      realB: 'realB',
    });
  });

  it('identity, λ·λ_identity per direction', () => {
    checkLoss('identity', 'loss.identity', { lambdaA: 6, lambdaB: 10, lambdaIdentity: 0.5 }, {
      identityA: 'identityA',
      realB: 'realB',
      identityB: 'identityB',
      realA: 'realA',
    });
  });

  it('total variation, l1 summed and l2 averaged', () => {
    checkLoss('tv_l1_sum', 'loss.tv', { norm: 'l1', reduction: 'sum' }, { input: 'input' });
    checkLoss('tv_l2_mean', 'loss.tv', { norm: 'l2', reduction: 'mean' }, { input: 'input' });
  });

  it('perceptual: content MSE on one layer + style Gram MSE on two, one style image', () => {
    checkLoss('perceptual', 'loss.perceptual', { contentLayers: 'b', styleLayers: 'a,b', contentWeight: 3, styleWeight: 50 }, {
      input: { a: 'input.a', b: 'input.b' },
      content: { a: 'content.a', b: 'content.b' },
      style: { a: 'style.a', b: 'style.b' },
    });
  });

  it('Gram matrix F Fᵀ / (C·H·W)', () => {
    const c = cases.gram as unknown as { input: Arr; output: Arr };
    const out = tf.tidy(() => gramMatrix(tensorOf(c.input) as tf.Tensor4D).dataSync());
    expectClose(out, c.output.values, TOLERANCE);
  });
});
