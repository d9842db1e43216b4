/** Messages a person writing a graph by hand reads: optimizers named in words, "did you mean" for near misses. */
import { describe, expect, it } from 'vitest';
import { loadGraph } from '../../../core/graph/load';
import { testRegistries, validGraphObject } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function problemsOf(change: (g: Loose) => void) {
  const g: Loose = validGraphObject();
  change(g);
  return loadGraph(JSON.stringify(g), testRegistries).problems;
}
const messages = (change: (g: Loose) => void) => problemsOf(change).map((p) => p.message);

describe('optimizer problems', () => {
  it('name the optimizer and the field in words', () => {
    expect(messages((g) => (g.training.optimizers[0].lr = -0.05))).toEqual(["optimizer 'opt' has learning rate -0.05; it must be > 0."]);
    expect(messages((g) => (g.training.optimizers[0].weightDecay = -1))[0]).toMatch(/^optimizer 'opt' has weight decay -1; it must be ≥ 0; /);
    expect(messages((g) => (g.training.optimizers[0].betas = [0.5, 1.5]))[0]).toMatch(/^optimizer 'opt' has betas\[1\] 1\.5; it must be ≤ 1; /);
    expect(messages((g) => (g.training.optimizers[0].modules = []))).toEqual(["optimizer 'opt' has 0 modules; it needs at least 1."]);
    expect(messages((g) => (g.training.optimizers[0].lr = '0.1'))).toEqual(["optimizer 'opt' has learning rate \"0.1\"; it must be a number."]);
    expect(messages((g) => delete g.training.optimizers[0].lr)).toEqual(["optimizer 'opt' has no learning rate ('lr'); add it (number)."]);
  });

  it('suggest the type and keys meant', () => {
    expect(messages((g) => (g.training.optimizers[0].type = 'SGD'))).toEqual(["optimizer 'opt' has type \"SGD\"; it must be one of 'adam', 'sgd'. Did you mean 'sgd'?"]);
    const schedule = messages((g) => (g.training.optimizers[0].schedule = { type: 'step', step_size: 10, gamma: 0.5 }));
    expect(schedule).toContain("optimizer 'opt' has unknown key 'step_size' in its schedule; remove it (known keys: 'type', 'stepSize', 'gamma'). Did you mean 'stepSize'?");
    expect(messages((g) => (g.training.optimizers[0].schedule = { type: 'Linear', constantSteps: 1, decaySteps: 2 }))[0]).toMatch(
      /^optimizer 'opt' has schedule type "Linear"; it must be one of 'constant', 'step', 'linear'.*Did you mean 'linear'\?$/,
    );
  });

  it('name an optimizer whose id is broken by its position', () => {
    expect(messages((g) => (g.training.optimizers[0] = { ...g.training.optimizers[0], id: '', lr: 0 }))).toContain(
      'optimizer #0 (training.optimizers[0]) has learning rate 0; it must be > 0.',
    );
  });
});

describe('did you mean', () => {
  it('suggests a module by its display name, and says nothing about untrained weights it explains', () => {
    const problems = problemsOf((g) => {
      g.modules[0].name = 'Generator';
      g.training.optimizers[0].modules = ['Gen'];
    });
    expect(problems.map((p) => p.code)).toEqual(['optimizer-unknown-module']);
    expect(problems[0].message).toMatch(/Did you mean 'net' \(Generator\)\?$/);
    expect(messages((g) => (g.training.optimizers[0].modules = ['nett']))[0]).toMatch(/Did you mean 'net'\?$/);
  });

  it('suggests enum values, top-level keys and dataset enum values', () => {
    expect(messages((g) => (g.nodes[2].params.padding = 'Same'))[0]).toMatch(/got "Same"; expected one of same \| valid, default same\. Did you mean 'same'\?$/);
    expect(messages((g) => (g.trainng = {}))[0]).toMatch(/unknown key 'trainng'.*Did you mean 'training'\?$/);
    expect(messages((g) => (g.modules[0].init = 'normal0.2'))[0]).toMatch(/Did you mean 'normal0\.02'\?$/);
  });
});
