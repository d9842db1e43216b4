/**
 * The 'file' source: a TensorFlow.js layers model (model.json plus its
 * weight files) read synchronously through the host's NodeIO (the compiler
 * cannot wait). The shape rule needs the topology alone; weights are read
 * when the network is built.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../../core/tf';
import type { NodeIO } from '../../../core/node-api';
import { FeatureSourceError, reading } from './common';

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

function readModelFile(io: NodeIO, file: string): ModelFile {
  let json: { modelTopology?: Record<string, unknown>; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(io.readText(file));
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
function readModelWeights(io: NodeIO, model: ModelFile, file: string): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of model.weightsManifest) {
    for (const shard of group.paths) {
      const shardPath = io.resolve(io.dirname(file), shard);
      try {
        buffers.push(io.readBytes(shardPath));
      } catch (error) {
        throw new FeatureSourceError(`cannot read weight file '${shardPath}' listed in '${file}': ${(error as Error).message}`);
      }
    }
    weightSpecs.push(...group.weights);
  }
  const all = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const buffer of buffers) {
    all.set(buffer, offset);
    offset += buffer.byteLength;
  }
  return { weightSpecs, weightData: all.buffer };
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

function acquireModel(io: NodeIO, file: string): { key: string; model: tfl.LayersModel } {
  const key = reading(`cannot read model file '${file}'`, () => io.version(file));
  const cached = loadedModels.get(key);
  if (cached) {
    cached.users++;
    return { key, model: cached.model };
  }
  const artifacts = readModelFile(io, file);
  const { weightSpecs, weightData } = readModelWeights(io, artifacts, file);
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

function parsedModelFile(io: NodeIO, file: string): ModelFile {
  const key = reading(`cannot read model file '${file}'`, () => io.version(file));
  const cached = parsedFiles.get(file);
  if (cached?.key === key) return cached.model;
  const model = readModelFile(io, file);
  parsedFiles.set(file, { key, model });
  return model;
}

/** Output shapes (H, W, C) of every layer of the model in `file` for h×w×c images: the topology alone is read. */
export function modelFileShapes(io: NodeIO, file: string, h: number, w: number, c: number): Map<string, number[]> {
  return fileLayerShapes(parsedModelFile(io, file), file, h, w, c);
}

/** The model in `file` cut at `layers`, frozen; `dispose` releases the model shared with other nodes reading the same file. */
export function buildModelFile(io: NodeIO, file: string, layers: string[]): { run(x: tf.Tensor4D): Record<string, tf.Tensor>; dispose(): void } {
  const acquired = acquireModel(io, file);
  let extractor: tfl.LayersModel;
  try {
    extractor = tfl.model({
      inputs: acquired.model.inputs,
      outputs: layers.map((name) => acquired.model.getLayer(name).output as tfl.SymbolicTensor),
    });
  } catch (error) {
    releaseModel(acquired.key);
    throw error;
  }
  return {
    run(x) {
      const result = extractor.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(result) ? result : [result];
      return Object.fromEntries(layers.map((name, i) => [name, list[i]]));
    },
    dispose: () => releaseModel(acquired.key),
  };
}
