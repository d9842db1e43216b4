/**
 * A module's init 'normal0.02' follows pix2pix/CycleGAN's init_weights:
 * conv and linear weights N(0, 0.02), BatchNorm γ N(1, 0.02), biases and β 0 —
 * and nothing else. InstanceNorm's affine γ keeps PyTorch's default of 1
 * (init_weights matches the class name 'BatchNorm2d' only).
 */
import { describe, expect, it } from 'vitest';
import { library } from '../../library';
import { GraphBuilder } from '../../../core/graph/builder';
import { compileGraph } from '../../../core/compile/compiler';

function normGraph() {
  const g = new GraphBuilder({ name: 'norms' }, library);
  g.dataset('shapes', { imageSize: 16 });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.image' }, { outChannels: 256 }, 'conv');
  g.op('batchnorm2d', { input: 'conv.output' }, {}, 'bn');
  g.op('instancenorm2d', { input: 'bn.output' }, { affine: true }, 'in');
  g.op('loss.mse', { input: 'in.output', target: 'conv.output' }, {}, 'mse');
  g.module('net', 'Net', ['conv', 'bn', 'in'], 'normal0.02');
  g.optimizer({ type: 'adam', id: 'adam', modules: ['net'], losses: [{ node: 'mse', weight: 1 }], lr: 1e-3 });
  return g.build();
}

const stats = (values: Float32Array) => {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { mean, std };
};

describe("init 'normal0.02'", () => {
  it('draws BatchNorm γ from N(1, 0.02) and leaves InstanceNorm γ at 1 and β at 0', () => {
    const program = compileGraph(normGraph(), { registries: library });
    const weight = (name: string) => program.weights.find((w) => w.name === name)!.variable.dataSync() as Float32Array;
    try {
      const bn = stats(weight('bn/gamma'));
      expect(bn.mean).toBeCloseTo(1, 1);
      expect(bn.std).toBeGreaterThan(0.01);
      expect(bn.std).toBeLessThan(0.03);
      expect(Array.from(weight('in/gamma'))).toEqual(new Array(256).fill(1));
      expect(Array.from(weight('in/beta'))).toEqual(new Array(256).fill(0));
      const conv = stats(weight('conv/kernel'));
      expect(conv.std).toBeGreaterThan(0.015);
      expect(conv.std).toBeLessThan(0.025);
      expect(Array.from(weight('conv/bias'))).toEqual(new Array(256).fill(0));
    } finally {
      program.dispose();
    }
  });
});
