/**
 * Every node type the app ships, keyed by its stable `type`.
 * Add a node by writing its file and listing it here.
 */
import type { AnyNodeDefinition } from '../core/node-api';
import type { GraphRegistries } from '../core/graph/registries';
import { datasetRegistry } from '../core/data/registry';
import { relu, leakyRelu, tanh, sigmoid } from './activations';
import { conv2d } from './conv2d';
import { convTranspose2d } from './conv-transpose2d';
import { datasetInput } from './dataset-input';
import { dropout } from './dropout';
import { linear } from './linear';
import { bceLogits, crossEntropyLoss, l1, mse } from './losses';
import { add, concat } from './merge';
import { batchNorm2d, instanceNorm2d } from './norm';
import { reflectionPad2d } from './padding';
import { avgPool2d, maxPool2d } from './pool';
import { flatten, reshape } from './reshape';
import { upsample } from './upsample';
import { detectionNodes } from './detection';
import { generativeNodes } from './generative';

export const nodeRegistry = {
  'input.dataset': datasetInput,
  conv2d,
  conv_transpose2d: convTranspose2d,
  batchnorm2d: batchNorm2d,
  instancenorm2d: instanceNorm2d,
  relu,
  leaky_relu: leakyRelu,
  tanh,
  sigmoid,
  maxpool2d: maxPool2d,
  avgpool2d: avgPool2d,
  upsample,
  reflection_pad2d: reflectionPad2d,
  add,
  concat,
  linear,
  flatten,
  reshape,
  dropout,
  'loss.l1': l1,
  'loss.mse': mse,
  'loss.bce_logits': bceLogits,
  'loss.cross_entropy': crossEntropyLoss,
  ...generativeNodes,
  ...detectionNodes,
} satisfies Record<string, AnyNodeDefinition>;

/** The node and dataset types graphs are checked against; templates build with it, nodes/library.ts adds the templates. */
export const graphRegistries: GraphRegistries = { nodes: nodeRegistry, datasets: datasetRegistry };
