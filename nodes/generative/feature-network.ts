/**
 * A frozen feature network for perceptual losses: a pretrained loss network
 * is what Johnson et al. use (VGG-16), but nothing can be downloaded here, so
 * the network comes from one of three places:
 * - 'builtin': a small VGG-shaped network with seeded random weights, made
 *   by the node itself, so graphs train out of the box (random convolutional
 *   features still capture colour and texture statistics — Ustyuzhaninov et
 *   al. synthesise textures with them — but not the semantics a trained VGG
 *   gives; point the node at a real model for real style transfer);
 * - 'file': a TensorFlow.js layers model (model.json + weight files) on disk;
 * - 'checkpoint': a module of a graph trained earlier in the app.
 * The weights are never trained: they are not handed to any optimizer.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../core/tf';
import { defineNode, ShapeError, type AnyNodeDefinition, type NodeRuntime, type RunMode, type Value } from '../../core/node-api';
import { defaultParams, p, type ParamSpecs } from '../../core/params';
import { normal, zeros } from '../../core/init';
import { conv2dTorch } from '../../core/ops/conv';
import { maxPool2dTorch } from '../../core/ops/pool';
import { expectImage } from '../../core/ops/shape';
import { tensor4dOf } from '../../core/ops/value';
import type { Shape, ValueType } from '../../core/types';
import type { GraphDocument } from '../../core/graph/schema';
import { loadGraph } from '../../core/graph/load';
import { defaultRegistries } from '../../core/graph/registries';
import { loadCheckpointSync } from '../../core/train/checkpoint';

export type FeatureSource = 'builtin' | 'file' | 'checkpoint';

/** Thrown while reading a model or checkpoint; the node turns it into a ShapeError or names itself. */
class FeatureSourceError extends Error {}

function parseLayerList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

// ---------------------------------------------------------------------------
// builtin: VGG-16's layout (2, 2, 3, 3, 3 convs per stage), narrow, random.

const VGG_CONVS = [2, 2, 3, 3, 3];

interface BuiltinLayer {
  name: string;
  stage: number;
}

/** relu{s}_{i} and pool{s} in VGG-16's order, so the usual layer names work. */
function builtinLayers(): BuiltinLayer[] {
  const layers: BuiltinLayer[] = [];
  VGG_CONVS.forEach((convs, s) => {
    for (let i = 1; i <= convs; i++) layers.push({ name: `relu${s + 1}_${i}`, stage: s });
    layers.push({ name: `pool${s + 1}`, stage: s });
  });
  return layers;
}

function builtinShapes(h: number, w: number, width: number): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  let size = [h, w];
  VGG_CONVS.forEach((convs, s) => {
    const channels = width * Math.min(2 ** s, 8);
    for (let i = 1; i <= convs; i++) shapes.set(`relu${s + 1}_${i}`, [size[0], size[1], channels]);
    size = size.map((d) => Math.floor(d / 2));
    shapes.set(`pool${s + 1}`, [size[0], size[1], channels]);
  });
  return shapes;
}

// ---------------------------------------------------------------------------
// file: a tfjs layers model, read synchronously (the compiler cannot wait).

interface KerasConfig {
  className: string;
  config: Record<string, unknown>;
}

interface ModelFile {
  /** The topology in tfjs's camelCase form. */
  topology: KerasConfig;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function toCamelCase(identifier: string): string {
  if (identifier.length <= 1 || !identifier.includes('_')) return identifier;
  return identifier.replace(/[_]+(\w|$)/g, (_, c: string) => c.toUpperCase());
}

/**
 * model.json stores Keras's snake_case config; tfjs-layers deserialises
 * camelCase. Same rules as tfjs-layers' converter: keys and string values
 * are converted except names (a 'name' value, and layer names at the head of
 * inbound-node and input/output-layer entries).
 */
function pythonicToTs(value: unknown, key?: string): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return toCamelCase(value);
  if (Array.isArray(value)) {
    const keepsNames = key === 'inboundNodes' || key === 'outputLayers' || key === 'inputLayers';
    return value.map((item, i) => (keepsNames && i === 0 && typeof item === 'string' ? item : pythonicToTs(item, key)));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'name' && typeof v === 'string') out[k] = v;
    else {
      const tsKey = toCamelCase(k);
      out[tsKey] = pythonicToTs(v, tsKey);
    }
  }
  return out;
}

function readModelFile(file: string): ModelFile {
  let json: { modelTopology?: Record<string, unknown>; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FeatureSourceError(`cannot read model file '${file}': ${(error as Error).message}`);
  }
  let topology = json.modelTopology;
  if (!topology || typeof topology !== 'object') {
    throw new FeatureSourceError(`'${file}' has no modelTopology: it is not a TensorFlow.js layers model (a graph model from the converter cannot be used)`);
  }
  if (topology.model_config) topology = topology.model_config as Record<string, unknown>;
  return { topology: pythonicToTs(topology) as KerasConfig, weightsManifest: json.weightsManifest ?? [] };
}

/** The weight shards listed in model.json, read only when the network is built (the shape rule needs the topology alone). */
function readModelWeights(model: ModelFile, file: string): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of model.weightsManifest) {
    for (const shard of group.paths) {
      const shardPath = path.resolve(path.dirname(file), shard);
      try {
        buffers.push(readFileSync(shardPath));
      } catch (error) {
        throw new FeatureSourceError(`cannot read weight file '${shardPath}' listed in '${file}': ${(error as Error).message}`);
      }
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { weightSpecs, weightData };
}

type FromConfig = (cls: unknown, config: unknown, customObjects?: unknown, fastWeightInit?: boolean) => unknown;

function deserialize(config: KerasConfig, fastWeightInit: boolean): unknown {
  const classes = (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: Record<string, [unknown, FromConfig]> }).classNameMap;
  const entry = classes[config.className];
  if (!entry) {
    throw new FeatureSourceError(`layer class '${config.className}' is not known to TensorFlow.js layers (custom Python layers must be ported first)`);
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config.config, {}, fastWeightInit);
}

interface LayerEntry {
  name: string;
  className: string;
  config: KerasConfig;
  /** Names of the layers feeding it (functional models); empty for Sequential, where the previous layer feeds it. */
  inbound: string[];
}

function topologyLayers(topology: KerasConfig): { sequential: boolean; layers: LayerEntry[] } {
  const config = topology.config as Record<string, unknown> | unknown[];
  const list = (Array.isArray(config) ? config : (config.layers as unknown[])) ?? [];
  const sequential = topology.className === 'Sequential';
  const layers = (list as Record<string, unknown>[]).map((layer) => {
    const layerConfig = layer.config as Record<string, unknown>;
    const nodes = (layer.inboundNodes as unknown[][][] | undefined) ?? [];
    const inbound = (nodes[0] ?? []).map((entry) => String(entry[0]));
    return {
      name: String(layer.name ?? layerConfig.name),
      className: String(layer.className),
      config: { className: String(layer.className), config: layerConfig },
      inbound,
    };
  });
  return { sequential, layers };
}

/**
 * Output shapes (without the batch) of every layer for an input of h×w×c,
 * from the layers' own shape rules: no weights are created, so the editor
 * can check wiring on every edit.
 */
function fileLayerShapes(model: ModelFile, file: string, h: number, w: number, c: number): Map<string, number[]> {
  const { sequential, layers } = topologyLayers(model.topology);
  const shapes = new Map<string, (number | null)[]>();
  let previous: (number | null)[] | null = null;
  for (const layer of layers) {
    const declared = (layer.config.config.batchInputShape as (number | null)[] | undefined) ?? undefined;
    let inputShape: (number | null)[] | (number | null)[][];
    if (layer.className === 'InputLayer' || (sequential && previous === null)) {
      if (declared) {
        const [, dh, dw, dc] = declared;
        if (declared.length !== 4) throw new FeatureSourceError(`'${file}' takes inputs of shape [${declared.join(', ')}], not images N×H×W×C`);
        if (dc !== c) throw new FeatureSourceError(`'${file}' takes ${dc}-channel images but the input has ${c} channels`);
        if ((dh !== null && dh !== h) || (dw !== null && dw !== w)) {
          throw new FeatureSourceError(`'${file}' takes ${dh}×${dw} images but the input is ${h}×${w}: resize the input or save the model with free height and width`);
        }
      }
      inputShape = [null, h, w, c];
      if (layer.className === 'InputLayer') {
        shapes.set(layer.name, inputShape);
        previous = inputShape;
        continue;
      }
    } else if (sequential) {
      inputShape = previous!;
    } else {
      const inputs = layer.inbound.map((name) => {
        const shape = shapes.get(name);
        if (!shape) throw new FeatureSourceError(`'${file}': layer '${layer.name}' reads '${name}', which comes later or does not exist`);
        return shape;
      });
      inputShape = inputs.length === 1 ? inputs[0] : inputs;
    }
    let out: (number | null)[];
    try {
      const instance = deserialize(layer.config, true) as { computeOutputShape(shape: unknown): (number | null)[] };
      out = instance.computeOutputShape(inputShape);
    } catch (error) {
      if (error instanceof FeatureSourceError) throw error;
      throw new FeatureSourceError(`'${file}': layer '${layer.name}' (${layer.className}) cannot take its input: ${(error as Error).message}`);
    }
    shapes.set(layer.name, out);
    previous = out;
  }
  const concrete = new Map<string, number[]>();
  for (const [name, shape] of shapes) concrete.set(name, shape.slice(1).map((d) => d ?? -1));
  return concrete;
}

interface LoadedModel {
  model: tfl.LayersModel;
  users: number;
}

/** One loaded model per file version, shared by every node that reads it (a loss network is applied to several images). */
const loadedModels = new Map<string, LoadedModel>();

function fileKey(file: string): string {
  const stat = statSync(file);
  return `${path.resolve(file)}@${stat.mtimeMs}:${stat.size}`;
}

function acquireModel(file: string): { key: string; model: tfl.LayersModel } {
  let key: string;
  try {
    key = fileKey(file);
  } catch (error) {
    throw new FeatureSourceError(`cannot read model file '${file}': ${(error as Error).message}`);
  }
  const cached = loadedModels.get(key);
  if (cached) {
    cached.users++;
    return { key, model: cached.model };
  }
  const artifacts = readModelFile(file);
  const { weightSpecs, weightData } = readModelWeights(artifacts, file);
  const model = deserialize(artifacts.topology, true) as tfl.LayersModel;
  if (!(model instanceof tfl.LayersModel)) throw new FeatureSourceError(`'${file}' describes a ${artifacts.topology.className}, not a model`);
  const weights = tf.io.decodeWeights(weightData, weightSpecs);
  try {
    model.loadWeights(weights, true);
  } catch (error) {
    model.dispose();
    throw new FeatureSourceError(`the weights in '${file}' do not fit its layers: ${(error as Error).message}`);
  } finally {
    tf.dispose(Object.values(weights));
  }
  model.trainable = false;
  loadedModels.set(key, { model, users: 1 });
  return { key, model };
}

function releaseModel(key: string): void {
  const cached = loadedModels.get(key);
  if (!cached) return;
  cached.users--;
  if (cached.users === 0) {
    cached.model.dispose();
    loadedModels.delete(key);
  }
}

/** Small memo for the shape rule, which the editor runs on every edit: parsed files by path, re-read when they change. */
const parsedFiles = new Map<string, { key: string; model: ModelFile }>();

function parsedModelFile(file: string): ModelFile {
  let key: string;
  try {
    key = fileKey(file);
  } catch (error) {
    throw new FeatureSourceError(`cannot read model file '${file}': ${(error as Error).message}`);
  }
  const cached = parsedFiles.get(file);
  if (cached?.key === key) return cached.model;
  const model = readModelFile(file);
  parsedFiles.set(file, { key, model });
  return model;
}

/**
 * Writes a layers model as model.json plus one weights.bin into `dir`: the
 * format the 'file' source reads, and what tfjs's file:// save produces.
 */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData as ArrayBuffer;
      await writeFile(path.join(dir, 'weights.bin'), Buffer.from(data));
      const json = {
        format: 'layers-model',
        generatedBy: 'Tensorweave',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

// ---------------------------------------------------------------------------
// checkpoint: a module of a graph trained earlier, run frozen.

interface CheckpointModule {
  graph: GraphDocument;
  moduleId: string;
  /** Module nodes in execution order. */
  order: string[];
  /** The one outside output the module reads (its image input). */
  source: string;
}

function resolveCheckpointDir(location: string): string {
  let stat;
  try {
    stat = statSync(location);
  } catch (error) {
    throw new FeatureSourceError(`cannot read checkpoint '${location}': ${(error as Error).message}`);
  }
  if (!stat.isDirectory()) throw new FeatureSourceError(`'${location}' is not a folder: give a run folder or one of its checkpoints/step-… folders`);
  const checkpoints = path.join(location, 'checkpoints');
  let names: string[];
  try {
    names = readdirSync(checkpoints).filter((n) => /^step-\d+$/.test(n)).sort();
  } catch {
    return location;
  }
  if (names.length === 0) throw new FeatureSourceError(`run folder '${location}' has no checkpoint yet`);
  return path.join(checkpoints, names[names.length - 1]);
}

function parseCheckpointGraph(text: string, where: string): GraphDocument {
  const { graph } = loadGraph(text);
  if (!graph) throw new FeatureSourceError(`the graph saved in checkpoint '${where}' cannot be read`);
  return graph;
}

function checkpointModule(graph: GraphDocument, moduleParam: string, layers: string[], where: string): CheckpointModule {
  const layerNodes = layers.map((l) => l.split('.')[0]);
  const module = moduleParam
    ? graph.modules.find((m) => m.id === moduleParam)
    : graph.modules.find((m) => layerNodes.every((id) => m.nodes.includes(id)));
  if (!module) {
    const known = graph.modules.map((m) => `'${m.id}'`).join(', ') || 'none';
    throw new FeatureSourceError(
      moduleParam
        ? `checkpoint '${where}' has no module '${moduleParam}'; its modules: ${known}`
        : `no module of checkpoint '${where}' holds all of ${layerNodes.map((n) => `'${n}'`).join(', ')}; set module (modules: ${known})`,
    );
  }
  const members = new Set(module.nodes);
  for (const id of layerNodes) {
    if (!members.has(id)) throw new FeatureSourceError(`'${id}' is not a node of module '${module.id}' in checkpoint '${where}'`);
  }
  const sources = new Set<string>();
  const indegree = new Map<string, number>([...members].map((id) => [id, 0]));
  for (const e of graph.edges) {
    if (!members.has(e.to.node)) continue;
    if (members.has(e.from.node)) indegree.set(e.to.node, indegree.get(e.to.node)! + 1);
    else sources.add(`${e.from.node}.${e.from.port}`);
  }
  if (sources.size !== 1) {
    throw new FeatureSourceError(
      `module '${module.id}' of checkpoint '${where}' reads ${sources.size === 0 ? 'no outside input' : [...sources].join(', ')}; ` +
        'a feature network needs a module with exactly one image input',
    );
  }
  const order: string[] = [];
  const ready = [...members].filter((id) => indegree.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const e of graph.edges) {
      if (e.from.node !== id || !members.has(e.to.node)) continue;
      const left = indegree.get(e.to.node)! - 1;
      indegree.set(e.to.node, left);
      if (left === 0) ready.push(e.to.node);
    }
  }
  return { graph, moduleId: module.id, order, source: [...sources][0] };
}

interface ModuleTypes {
  inputs: Map<string, Record<string, ValueType>>;
  outputs: Map<string, Record<string, ValueType>>;
  params: Map<string, Record<string, unknown>>;
}

function moduleTypes(mod: CheckpointModule, input: ValueType): ModuleTypes {
  const registry = defaultRegistries().nodes;
  const byId = new Map(mod.graph.nodes.map((n) => [n.id, n]));
  const types: ModuleTypes = { inputs: new Map(), outputs: new Map(), params: new Map() };
  for (const id of mod.order) {
    const node = byId.get(id)!;
    const def = registry[node.type];
    if (!def) throw new FeatureSourceError(`node '${id}' of the checkpoint has type '${node.type}', which this version does not know`);
    const inputs: Record<string, ValueType> = {};
    for (const e of mod.graph.edges) {
      if (e.to.node !== id) continue;
      const from = `${e.from.node}.${e.from.port}`;
      const t = from === mod.source ? input : types.outputs.get(e.from.node)?.[e.from.port];
      if (!t) throw new FeatureSourceError(`node '${id}' of the checkpoint reads '${from}', which produced nothing`);
      inputs[e.to.port] = t;
    }
    const params = { ...defaultParams(def.params as ParamSpecs), ...node.params };
    let outputs: Record<string, ValueType>;
    try {
      outputs = def.inferShape({ inputs, params } as never) as Record<string, ValueType>;
    } catch (error) {
      throw new FeatureSourceError(`checkpoint node '${id}' does not accept this input: ${(error as Error).message}`);
    }
    types.inputs.set(id, inputs);
    types.outputs.set(id, outputs);
    types.params.set(id, params);
  }
  return types;
}

function splitLayer(layer: string, mod: CheckpointModule, types: ModuleTypes): { node: string; port: string } {
  const [node, port] = layer.includes('.') ? layer.split('.', 2) : [layer, undefined];
  const outputs = types.outputs.get(node) ?? {};
  const chosen = port ?? ('output' in outputs ? 'output' : Object.keys(outputs)[0]);
  if (!chosen || !outputs[chosen]) {
    throw new FeatureSourceError(`checkpoint node '${node}' of module '${mod.moduleId}' has no output '${port ?? 'output'}'`);
  }
  return { node, port: chosen };
}

const checkpointGraphs = new Map<string, { key: string; graph: GraphDocument }>();

function checkpointGraph(location: string): { dir: string; graph: GraphDocument } {
  const dir = resolveCheckpointDir(location);
  const graphFile = path.join(dir, 'graph.json');
  let key: string;
  try {
    key = fileKey(graphFile);
  } catch (error) {
    throw new FeatureSourceError(`cannot read checkpoint '${dir}': ${(error as Error).message}`);
  }
  const cached = checkpointGraphs.get(dir);
  if (cached?.key === key) return { dir, graph: cached.graph };
  const graph = parseCheckpointGraph(readFileSync(graphFile, 'utf8'), dir);
  checkpointGraphs.set(dir, { key, graph });
  return { dir, graph };
}

// ---------------------------------------------------------------------------

const featureParams = {
  source: p.enum({
    options: ['builtin', 'file', 'checkpoint'],
    default: 'builtin',
    doc:
      "'builtin': a small VGG-shaped network with fixed random weights (trains out of the box; texture and colour " +
      "statistics, not a trained VGG's semantics); 'file': a TensorFlow.js layers model.json; 'checkpoint': a module " +
      'of a graph trained earlier.',
  }),
  path: p.string({
    default: '',
    allowEmpty: true,
    doc: "For 'file': the model.json (weights next to it). For 'checkpoint': a run folder (its latest checkpoint) or a checkpoints/step-… folder.",
  }),
  layers: p.string({
    default: 'relu1_2,relu2_2,relu3_3,relu4_3',
    doc:
      "Comma-separated layers whose outputs to expose. 'builtin': VGG names relu1_1 … relu5_3, pool1 … pool5. 'file': " +
      "the model's layer names. 'checkpoint': node ids of the module (or node.port).",
  }),
  module: p.string({ default: '', allowEmpty: true, doc: "For 'checkpoint': the module to run; empty picks the one holding every listed node." }),
  width: p.int({ default: 16, min: 1, max: 512, doc: "For 'builtin': channels of the first stage (VGG-16 has 64); later stages 2×, 4×, 8×." }),
  scale: p.float({ default: 1, doc: 'Input is multiplied by scale, then offset is added: e.g. 127.5 and 127.5 map tanh images to the 0..255 a Keras VGG expects.' }),
  offset: p.float({ default: 0, doc: 'Added to the input after scaling.' }),
};

function describeSource(
  source: FeatureSource,
  params: { path: string; layers: string; module: string; width: number },
  input: ValueType,
): { levels: Record<string, Shape> } {
  const { n, h, w, c } = expectImage(input, 'input');
  const layers = parseLayerList(params.layers);
  if (layers.length === 0) throw new ShapeError('list at least one layer to expose', { param: 'layers' });
  let shapes: Map<string, number[]>;
  try {
    if (source === 'builtin') shapes = builtinShapes(h, w, params.width);
    else if (source === 'file') {
      if (!params.path) throw new FeatureSourceError("source 'file' needs path: the model.json of a TensorFlow.js layers model");
      shapes = fileLayerShapes(parsedModelFile(params.path), params.path, h, w, c);
    } else {
      if (!params.path) throw new FeatureSourceError("source 'checkpoint' needs path: a run folder or one of its checkpoints/step-… folders");
      const { dir, graph } = checkpointGraph(params.path);
      const mod = checkpointModule(graph, params.module, layers, dir);
      const types = moduleTypes(mod, input);
      shapes = new Map();
      for (const layer of layers) {
        const { node, port } = splitLayer(layer, mod, types);
        const shape = types.outputs.get(node)![port].shape;
        if (!shape || shape.length !== 4) throw new FeatureSourceError(`checkpoint output '${layer}' is not a feature map N×H×W×C`);
        shapes.set(layer, shape.slice(1) as number[]);
      }
    }
  } catch (error) {
    if (error instanceof FeatureSourceError) throw new ShapeError(error.message, { param: 'path' });
    throw error;
  }
  const levels: Record<string, Shape> = {};
  for (const layer of layers) {
    const shape = shapes.get(layer);
    if (!shape) {
      const known = [...shapes.keys()].slice(0, 40).join(', ');
      throw new ShapeError(`there is no layer '${layer}'; available: ${known}`, { param: 'layers' });
    }
    if (shape.length !== 3) throw new ShapeError(`layer '${layer}' outputs ${shape.join('×')}, not a feature map H×W×C`, { param: 'layers' });
    if (shape.some((d) => d < 1)) throw new ShapeError(`layer '${layer}' has no pixels left at this input size (${h}×${w}): pick an earlier layer or feed larger images`, { param: 'layers' });
    levels[layer] = [n, ...shape];
  }
  return { levels };
}

function buildBuiltin(
  weight: (name: string, shape: number[], init: (shape: number[], rng: import('../../core/rng').Rng) => Float32Array, options?: { trainable?: boolean }) => tf.Variable,
  inChannels: number,
  width: number,
  layers: string[],
) {
  const order = builtinLayers();
  const deepest = Math.max(...layers.map((l) => order.findIndex((o) => o.name === l)));
  const steps: { name: string; run: (x: tf.Tensor4D) => tf.Tensor4D }[] = [];
  let channels = inChannels;
  for (let i = 0; i <= deepest; i++) {
    const layer = order[i];
    if (layer.name.startsWith('pool')) {
      steps.push({ name: layer.name, run: (x) => maxPool2dTorch(x, { kernel: 2 }) });
      continue;
    }
    const outC = width * Math.min(2 ** layer.stage, 8);
    const conv = layer.name.replace('relu', 'conv');
    // He-normal weights keep the activations' scale through the stack, so every layer's features are informative.
    const kernel = weight(`${conv}/kernel`, [3, 3, channels, outC], normal(0, Math.sqrt(2 / (9 * channels))), { trainable: false });
    const bias = weight(`${conv}/bias`, [outC], zeros, { trainable: false });
    steps.push({ name: layer.name, run: (x) => tf.relu(conv2dTorch(x, kernel, bias, { padding: 1 })) });
    channels = outC;
  }
  const wanted = new Set(layers);
  return (x: tf.Tensor4D): Record<string, tf.Tensor> => {
    const out: Record<string, tf.Tensor> = {};
    let y = x;
    for (const step of steps) {
      y = step.run(y);
      if (wanted.has(step.name)) out[step.name] = y;
    }
    return out;
  };
}

export const frozenFeatures = defineNode({
  type: 'features.frozen',
  version: 1,
  category: 'generative',
  title: 'Frozen feature network',
  doc:
    'A fixed, never-trained network whose intermediate layers describe an image, for perceptual losses (Johnson et al. ' +
    "use a pretrained VGG-16; PyTorch: torchvision.models.vgg16(pretrained=True).features with requires_grad False). " +
    "Its source is a TensorFlow.js layers model on disk ('file': model.json plus its weight files, e.g. a VGG converted " +
    "with tensorflowjs_converter), a module of a graph trained earlier ('checkpoint'), or, so a graph trains with no " +
    "download, 'builtin': a narrow VGG-16-shaped network with fixed random weights — it captures colour and texture " +
    'statistics but not the object semantics of a trained VGG, so use a real model for real style transfer. Outputs the ' +
    'chosen layers as named feature maps for loss.perceptual. Gradients flow through it to the image; its weights never ' +
    'change.',
  inputs: {
    input: { kinds: ['image'], doc: 'Images N×H×W×C (e.g. generated, content or style images).' },
  },
  outputs: {
    features: { kind: 'pyramid', doc: 'The chosen layers\' outputs, keyed by layer name.' },
  },
  params: featureParams,
  inferShape({ inputs, params }) {
    return { features: { kind: 'pyramid', ...describeSource(params.source, params, inputs.input) } };
  },
  flops({ inputs, params, outputs }) {
    const { h, w, c } = expectImage(inputs.input, 'input');
    if (params.source === 'builtin') {
      // The 3×3 convs of the narrow VGG-16 up to the deepest chosen layer.
      const order = builtinLayers();
      const layers = parseLayerList(params.layers);
      const deepest = Math.max(...layers.map((l) => order.findIndex((o) => o.name === l)));
      let size = [h, w];
      let channels = c;
      let total = 0;
      for (let i = 0; i <= deepest; i++) {
        if (order[i].name.startsWith('pool')) {
          size = size.map((d) => Math.floor(d / 2));
          continue;
        }
        const outC = params.width * Math.min(2 ** order[i].stage, 8);
        total += 2 * size[0] * size[1] * 9 * channels * outC;
        channels = outC;
      }
      return total;
    }
    // A model from a file or checkpoint: as if each chosen map came from one 3×3 conv of its own width.
    let total = 0;
    for (const shape of Object.values(outputs.features?.levels ?? {})) {
      const [, lh, lw, lc] = shape.map((d) => (typeof d === 'number' ? d : 1));
      total += 2 * lh * lw * 9 * lc * lc;
    }
    return total;
  },
  build(ctx) {
    const { params, nodeId } = ctx;
    const layers = parseLayerList(params.layers);
    const { c } = expectImage(ctx.inputs.input, 'input');
    const transform = (x: tf.Tensor4D) =>
      (params.scale === 1 && params.offset === 0 ? x : tf.add(tf.mul(x, params.scale), params.offset)) as tf.Tensor4D;
    const fail = (error: unknown): never => {
      throw new Error(`frozen feature network '${nodeId}': ${(error as Error).message}`, { cause: error });
    };

    if (params.source === 'builtin') {
      const net = buildBuiltin(ctx.weight, c, params.width, layers);
      return { forward: (inputs) => ({ features: net(transform(tensor4dOf(inputs.input, 'input'))) }) };
    }

    if (params.source === 'file') {
      let acquired: { key: string; model: tfl.LayersModel };
      try {
        if (!params.path) throw new FeatureSourceError("source 'file' needs path: the model.json of a TensorFlow.js layers model");
        acquired = acquireModel(params.path);
      } catch (error) {
        return fail(error);
      }
      let extractor: tfl.LayersModel;
      try {
        extractor = tfl.model({
          inputs: acquired.model.inputs,
          outputs: layers.map((name) => acquired.model.getLayer(name).output as tfl.SymbolicTensor),
        });
      } catch (error) {
        releaseModel(acquired.key);
        return fail(error);
      }
      return {
        forward: (inputs) => {
          const result = extractor.apply(transform(tensor4dOf(inputs.input, 'input')), { training: false }) as tf.Tensor | tf.Tensor[];
          const list = Array.isArray(result) ? result : [result];
          return { features: Object.fromEntries(layers.map((name, i) => [name, list[i]])) };
        },
        dispose: () => releaseModel(acquired.key),
      };
    }

    // checkpoint
    let runtimeParts: { order: string[]; runtimes: Map<string, NodeRuntime<never, never>>; wires: Map<string, Record<string, string>>; source: string; picks: { layer: string; node: string; port: string }[] };
    try {
      const { dir, graph } = checkpointGraph(params.path);
      const mod = checkpointModule(graph, params.module, layers, dir);
      const types = moduleTypes(mod, ctx.inputs.input);
      const saved = loadCheckpointSync(dir, (text) => parseCheckpointGraph(text, dir));
      const registry = defaultRegistries().nodes;
      const byId = new Map(graph.nodes.map((n) => [n.id, n]));
      const runtimes = new Map<string, NodeRuntime<never, never>>();
      const wires = new Map<string, Record<string, string>>();
      for (const id of mod.order) {
        const node = byId.get(id)!;
        const def = registry[node.type] as AnyNodeDefinition;
        const owner = node.shareWeightsWith ?? id;
        const runtime = def.build({
          nodeId: `${nodeId}:${id}`,
          params: types.params.get(id) as never,
          inputs: types.inputs.get(id) as never,
          outputs: types.outputs.get(id) as never,
          weight(name, shape) {
            const key = `${owner}/${name}`;
            const values = saved.weights[key];
            const size = shape.reduce((a, b) => a * b, 1);
            if (!values || values.length !== size) {
              throw new FeatureSourceError(`checkpoint '${dir}' has ${values ? `${values.length} values` : 'no values'} for weight '${key}', which needs [${shape}]`);
            }
            return ctx.weight(key, shape, () => values, { trainable: false });
          },
        });
        runtimes.set(id, runtime as NodeRuntime<never, never>);
        const nodeWires: Record<string, string> = {};
        for (const e of graph.edges) if (e.to.node === id) nodeWires[e.to.port] = `${e.from.node}.${e.from.port}`;
        wires.set(id, nodeWires);
      }
      runtimeParts = {
        order: mod.order,
        runtimes,
        wires,
        source: mod.source,
        picks: layers.map((layer) => ({ layer, ...splitLayer(layer, mod, types) })),
      };
    } catch (error) {
      return fail(error);
    }
    const { order, runtimes, wires, source, picks } = runtimeParts;
    return {
      forward: (inputs, mode: RunMode) => {
        // A borrowed module runs as in evaluation: running statistics, no dropout, nothing updated.
        const frozenMode: RunMode = { ...mode, training: false, updateStats: false };
        const values = new Map<string, Value | undefined>([[source, transform(tensor4dOf(inputs.input, 'input'))]]);
        for (const id of order) {
          const nodeInputs: Record<string, Value | undefined> = {};
          for (const [port, from] of Object.entries(wires.get(id)!)) nodeInputs[port] = values.get(from);
          const outputs = runtimes.get(id)!.forward(nodeInputs as never, frozenMode) as Record<string, Value | undefined>;
          for (const [port, value] of Object.entries(outputs)) values.set(`${id}.${port}`, value);
        }
        return { features: Object.fromEntries(picks.map((pick) => [pick.layer, values.get(`${pick.node}.${pick.port}`) as tf.Tensor])) };
      },
      dispose: () => {
        for (const runtime of runtimes.values()) runtime.dispose?.();
      },
    };
  },
});
