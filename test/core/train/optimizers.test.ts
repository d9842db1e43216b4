/**
 * Optimizer updates checked against PyTorch's update rules computed by hand
 * in float64 (torch.optim.Adam / SGD, whose formulas these follow).
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Adam, Sgd, learningRate } from '../../../core/train/optimizers';
import type { OptimizerSpec } from '../../../core/graph/schema';

function run(optimizer: Adam | Sgd, variable: tf.Variable, grads: number[][], lrs: number[]): number[] {
  grads.forEach((g, i) => {
    const grad = tf.tensor1d(g);
    optimizer.apply({ w: grad }, lrs[i]);
    grad.dispose();
  });
  return Array.from(variable.dataSync());
}

const start = [0.5, -1.5, 2];
const gradients = [
  [0.1, -0.2, 0.3],
  [-0.4, 0.5, 0.05],
  [0.2, 0.2, -0.7],
];

describe('Adam (PyTorch rule)', () => {
  it('matches the hand-computed update with bias correction, eps outside the sqrt and L2 weight decay', () => {
    const [b1, b2, eps, wd, lr] = [0.5, 0.999, 1e-8, 0.01, 2e-2];
    const w = tf.variable(tf.tensor1d(start));
    const adam = new Adam('adam', [{ name: 'w', variable: w }], b1, b2, eps, wd);
    const got = run(adam, w, gradients, [lr, lr, lr]);

    const p = [...start];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    gradients.forEach((g, step) => {
      const t = step + 1;
      for (let i = 0; i < 3; i++) {
        const gi = g[i] + wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps;
        p[i] -= (lr / (1 - b1 ** t)) * (m[i] / denom);
      }
    });
    got.forEach((x, i) => expect(x).toBeCloseTo(p[i], 6));
    expect(adam.stepCount).toBe(3);
    adam.dispose();
    w.dispose();
  });

  it('restores its slots and step count so a resumed run continues identically', () => {
    const make = () => {
      const w = tf.variable(tf.tensor1d(start));
      return { w, adam: new Adam('adam', [{ name: 'w', variable: w }], 0.9, 0.999, 1e-8, 0) };
    };
    const a = make();
    const straight = run(a.adam, a.w, gradients, [0.1, 0.1, 0.1]);
    const b = make();
    run(b.adam, b.w, gradients.slice(0, 2), [0.1, 0.1]);
    const saved = Object.fromEntries(b.adam.slots().map((s) => [s.name, s.tensor.dataSync() as Float32Array]));
    const weights = b.w.dataSync() as Float32Array;
    const c = make();
    c.w.assign(tf.tensor1d(weights));
    c.adam.restore(b.adam.stepCount, saved);
    const resumed = run(c.adam, c.w, gradients.slice(2), [0.1]);
    expect(resumed).toEqual(straight);
    for (const o of [a, b, c]) {
      o.adam.dispose();
      o.w.dispose();
    }
  });
});

describe('SGD (PyTorch rule)', () => {
  for (const nesterov of [false, true]) {
    it(`seeds momentum with the first gradient${nesterov ? ', Nesterov' : ''}, with weight decay`, () => {
      const [mu, wd, lr] = [0.9, 1e-3, 0.1];
      const w = tf.variable(tf.tensor1d(start));
      const sgd = new Sgd('sgd', [{ name: 'w', variable: w }], mu, nesterov, wd);
      const got = run(sgd, w, gradients, [lr, lr / 2, lr / 4]);
      const p = [...start];
      const buf: number[] = [];
      gradients.forEach((g, step) => {
        const rate = [lr, lr / 2, lr / 4][step];
        for (let i = 0; i < 3; i++) {
          const gi = g[i] + wd * p[i];
          buf[i] = step === 0 ? gi : mu * buf[i] + gi;
          const d = nesterov ? gi + mu * buf[i] : buf[i];
          p[i] -= rate * d;
        }
      });
      got.forEach((x, i) => expect(x).toBeCloseTo(p[i], 6));
      sgd.dispose();
      w.dispose();
    });
  }
});

describe('learning-rate schedules', () => {
  const base = { id: 'o', type: 'adam', modules: ['main'], losses: [{ node: 'l', weight: 1 }], lr: 0.1, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 } as const;
  const spec = (extra: Partial<OptimizerSpec>) => ({ ...base, schedule: { type: 'constant' }, ...extra }) as OptimizerSpec;

  it('constant', () => {
    expect([0, 10, 1000].map((s) => learningRate(spec({}), s))).toEqual([0.1, 0.1, 0.1]);
  });
  it('step decay multiplies by gamma every stepSize steps', () => {
    const s = spec({ schedule: { type: 'step', stepSize: 10, gamma: 0.5 } });
    expect([0, 9, 10, 25].map((t) => learningRate(s, t))).toEqual([0.1, 0.1, 0.05, 0.025]);
  });
  it("linear decay follows pix2pix's rule: constantSteps at the full rate, then the first decayed rate", () => {
    // pix2pix: lr = 1 − max(0, epoch + 1 − n_epochs) / (n_epochs_decay + 1) for 0-based epochs.
    const short = spec({ schedule: { type: 'linear', constantSteps: 3, decaySteps: 4 } });
    const rates = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((t) => learningRate(short, t));
    [0.1, 0.1, 0.1, 0.08, 0.06, 0.04, 0.02, 0, 0].forEach((rate, t) => expect(rates[t], `step ${t}`).toBeCloseTo(rate, 12));
    const s = spec({ schedule: { type: 'linear', constantSteps: 100, decaySteps: 100 } });
    expect(learningRate(s, 99)).toBeCloseTo(0.1);
    expect(learningRate(s, 100)).toBeCloseTo(0.1 * (1 - 1 / 101));
    expect(learningRate(s, 199)).toBeCloseTo(0.1 * (1 - 100 / 101));
    expect(learningRate(s, 400)).toBe(0);
  });
  it('linear warm-up from startFactor to 1', () => {
    const s = spec({ warmup: { steps: 1000, startFactor: 0.001 } });
    expect(learningRate(s, 0)).toBeCloseTo(0.1 * 0.001);
    expect(learningRate(s, 500)).toBeCloseTo(0.1 * (0.001 * 0.5 + 0.5));
    expect(learningRate(s, 1000)).toBeCloseTo(0.1);
  });
});
