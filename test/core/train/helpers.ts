/** Small graphs and run helpers shared by the training tests. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GraphBuilder } from '../../../core/graph/builder';
import type { GraphDocument } from '../../../core/graph/schema';
import { Trainer } from '../../../core/train/trainer';
import type { TrainerEvent, TrainSettings } from '../../../core/contract/messages';
import { library } from '../../library';

export async function tempDir(prefix = 'tw-train-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A tiny conv regressor on 16×16 shapes: fast enough for hundreds of steps in a test. */
export function tinyRegressor(options: { lr?: number; steps?: number; optimizer?: 'adam' | 'sgd' } = {}): GraphDocument {
  const g = new GraphBuilder({ name: 'tiny regressor' }, library);
  g.dataset('shapes', { imageSize: 16, maxObjects: 1, valueRange: '-1..1' });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.edges' }, { outChannels: 4, kernelSize: 3, padding: 1 }, 'conv1');
  g.op('batchnorm2d', { input: 'conv1.output' }, {}, 'bn1');
  g.op('leaky_relu', { input: 'bn1.output' }, { negativeSlope: 0.2 }, 'act1');
  g.op('dropout', { input: 'act1.output' }, { p: 0.25 }, 'drop1');
  g.op('conv2d', { input: 'drop1.output' }, { outChannels: 3, kernelSize: 3, padding: 1 }, 'conv2');
  g.op('loss.mse', { input: 'conv2.output', target: 'data.image' }, {}, 'mse');
  const lr = options.lr ?? 1e-2;
  if ((options.optimizer ?? 'adam') === 'adam') {
    g.optimizer({ type: 'adam', id: 'opt', modules: ['main'], losses: [{ node: 'mse', weight: 1 }], lr });
  } else {
    g.optimizer({ type: 'sgd', id: 'opt', modules: ['main'], losses: [{ node: 'mse', weight: 1 }], lr, momentum: 0.9 });
  }
  g.training({ steps: options.steps ?? 10, batchSize: 2, logEvery: 1, checkpointEvery: 0, previewEvery: 0 });
  return g.build();
}

/**
 * A miniature GAN: G maps edges to an image, D scores images. D's optimizer
 * sees real and fake, G's optimizer sees only D(G(x)) with target "real".
 */
export function tinyGan(): GraphDocument {
  const g = new GraphBuilder({ name: 'tiny gan' }, library);
  g.dataset('shapes', { imageSize: 16, maxObjects: 1, valueRange: '-1..1' });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.edges' }, { outChannels: 3, kernelSize: 3, padding: 1 }, 'G_conv');
  g.op('tanh', { input: 'G_conv.output' }, {}, 'G_out');
  g.op('conv2d', { input: 'G_out.output' }, { outChannels: 1, kernelSize: 4, stride: 2, padding: 1 }, 'D_fake');
  g.op('conv2d', { input: 'data.image' }, { outChannels: 1, kernelSize: 4, stride: 2, padding: 1 }, 'D_real');
  g.shareWeights('D_real', 'D_fake');
  g.op('loss.bce_logits', { input: 'D_fake.output' }, { target: 0 }, 'D_loss_fake');
  g.op('loss.bce_logits', { input: 'D_real.output' }, { target: 1 }, 'D_loss_real');
  g.op('loss.bce_logits', { input: 'D_fake.output' }, { target: 1 }, 'G_loss_gan');
  g.module('G', 'Generator', ['G_conv', 'G_out']);
  g.module('D', 'Discriminator', ['D_fake', 'D_real']);
  g.optimizer({ type: 'adam', id: 'opt_D', modules: ['D'], losses: [{ node: 'D_loss_fake', weight: 0.5 }, { node: 'D_loss_real', weight: 0.5 }], lr: 1e-2 });
  g.optimizer({ type: 'adam', id: 'opt_G', modules: ['G'], losses: [{ node: 'G_loss_gan', weight: 1 }], lr: 1e-2 });
  g.training({ steps: 4, batchSize: 2, logEvery: 1, checkpointEvery: 0, previewEvery: 0 });
  return g.build();
}

/** Runs a trainer in this process and collects its events. */
export async function trainInProcess(graph: unknown, settings: TrainSettings): Promise<TrainerEvent[]> {
  const events: TrainerEvent[] = [];
  const trainer = new Trainer((e) => events.push(e), { registries: library });
  await trainer.run(graph, settings);
  return events;
}

export async function readEvents(runDir: string): Promise<{ step: number; losses: Record<string, number> }[]> {
  const text = await fs.readFile(path.join(runDir, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}
