/**
 * Checkpoints: a folder with the graph itself, a manifest and one binary
 * file of float32 values. Written to a temporary folder and renamed, so a
 * crash mid-write never leaves a half checkpoint that resume would trust.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../tf';
import type { Program } from '../compile/compiler';
import type { Optimizer } from './optimizers';
import type { GraphDocument } from '../graph/schema';
import { serializeGraph } from '../graph/serialize';
import type { NodeState } from '../node-api';
import { checkpointName, RunFolder } from './run-folder';

export const CHECKPOINT_FORMAT = 'tensorweave.checkpoint';

interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 values into weights.bin. */
  offset: number;
}

interface Manifest {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  /** Steps completed: training resumes at this step index. */
  step: number;
  weights: TensorEntry[];
  optimizers: { id: string; stepCount: number; slots: TensorEntry[] }[];
  /** State nodes keep besides weights (image pools), by node id; absent in older checkpoints. */
  nodeStates?: { nodeId: string; entries: TensorEntry[] }[];
}

export interface LoadedCheckpoint {
  step: number;
  graph: GraphDocument;
  graphText: string;
  weights: Record<string, Float32Array>;
  optimizers: Record<string, { stepCount: number; slots: Record<string, Float32Array> }>;
  nodeStates: Record<string, NodeState>;
}

export async function saveCheckpoint(
  checkpointsDir: string,
  step: number,
  program: Program,
  optimizers: readonly Optimizer[],
): Promise<string> {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const addValues = (name: string, shape: number[], values: Float32Array): TensorEntry => {
    chunks.push(values);
    const entry = { name, shape, offset };
    offset += values.length;
    return entry;
  };
  const add = (name: string, tensor: tf.Tensor): TensorEntry => addValues(name, tensor.shape, tensor.dataSync() as Float32Array);
  const nodeStates: NonNullable<Manifest['nodeStates']> = [];
  for (const node of program.nodes.values()) {
    const state = node.runtime.saveState?.();
    if (!state) continue;
    nodeStates.push({ nodeId: node.id, entries: Object.entries(state).map(([name, s]) => addValues(name, s.shape, s.values)) });
  }
  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    step,
    weights: program.weights.map((w) => add(w.name, w.variable)),
    optimizers: optimizers.map((o) => ({
      id: o.id,
      stepCount: o.stepCount,
      slots: o.slots().map((s) => add(s.name, s.tensor)),
    })),
    ...(nodeStates.length > 0 ? { nodeStates } : {}),
  };
  const bytes = Buffer.alloc(offset * 4);
  let at = 0;
  for (const chunk of chunks) {
    Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).copy(bytes, at);
    at += chunk.byteLength;
  }

  await fs.mkdir(checkpointsDir, { recursive: true });
  const finalDir = path.join(checkpointsDir, checkpointName(step));
  const tmpDir = `${finalDir}.tmp-${process.pid}`;
  await fs.rm(tmpDir, { recursive: true, force: true });
  await fs.mkdir(tmpDir);
  await fs.writeFile(path.join(tmpDir, 'graph.json'), serializeGraph(program.graph));
  await fs.writeFile(path.join(tmpDir, 'weights.bin'), bytes);
  await fs.writeFile(path.join(tmpDir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  await fs.rm(finalDir, { recursive: true, force: true });
  await fs.rename(tmpDir, finalDir);
  return finalDir;
}

export async function loadCheckpoint(dir: string, parseGraph: (text: string) => GraphDocument): Promise<LoadedCheckpoint> {
  let manifestText: string;
  try {
    manifestText = await fs.readFile(path.join(dir, 'manifest.json'), 'utf8');
  } catch (error) {
    throw new Error(`checkpoint ${dir} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const manifest = parseManifest(dir, manifestText);
  const bytes = await fs.readFile(path.join(dir, 'weights.bin'));
  const graphText = await fs.readFile(path.join(dir, 'graph.json'), 'utf8');
  return assembleCheckpoint(manifest, bytes, graphText, parseGraph);
}

/** The same as loadCheckpoint, for callers that cannot wait (a node borrowing a trained module while the graph compiles). */
export function loadCheckpointSync(dir: string, parseGraph: (text: string) => GraphDocument): LoadedCheckpoint {
  let manifestText: string;
  try {
    manifestText = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
  } catch (error) {
    throw new Error(`checkpoint ${dir} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const manifest = parseManifest(dir, manifestText);
  return assembleCheckpoint(manifest, readFileSync(path.join(dir, 'weights.bin')), readFileSync(path.join(dir, 'graph.json'), 'utf8'), parseGraph);
}

function parseManifest(dir: string, text: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (error) {
    throw new Error(`checkpoint ${dir} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (manifest.format !== CHECKPOINT_FORMAT) throw new Error(`${dir} is not a Tensorweave checkpoint (format '${String(manifest.format)}')`);
  return manifest;
}

function assembleCheckpoint(manifest: Manifest, bytes: Buffer, graphText: string, parseGraph: (text: string) => GraphDocument): LoadedCheckpoint {
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const read = (e: TensorEntry) => all.slice(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1));
  return {
    step: manifest.step,
    graph: parseGraph(graphText),
    graphText,
    weights: Object.fromEntries(manifest.weights.map((e) => [e.name, read(e)])),
    optimizers: Object.fromEntries(
      manifest.optimizers.map((o) => [o.id, { stepCount: o.stepCount, slots: Object.fromEntries(o.slots.map((e) => [e.name, read(e)])) }]),
    ),
    nodeStates: Object.fromEntries(
      (manifest.nodeStates ?? []).map((n) => [n.nodeId, Object.fromEntries(n.entries.map((e) => [e.name, { shape: e.shape, values: read(e) }]))]),
    ),
  };
}

/** Puts a checkpoint's values into a freshly compiled program and its optimizers. */
export function restoreCheckpoint(checkpoint: LoadedCheckpoint, program: Program, optimizers: readonly Optimizer[]): void {
  for (const weight of program.weights) {
    const values = checkpoint.weights[weight.name];
    if (!values) throw new Error(`checkpoint has no values for weight '${weight.name}'; the graph changed since it was saved`);
    if (values.length !== weight.variable.size) {
      throw new Error(`checkpoint weight '${weight.name}' has ${values.length} values, the graph needs ${weight.variable.size}`);
    }
    tf.tidy(() => weight.variable.assign(tf.tensor(values, weight.variable.shape, 'float32')));
  }
  for (const optimizer of optimizers) {
    const saved = checkpoint.optimizers[optimizer.id];
    if (saved) optimizer.restore(saved.stepCount, saved.slots);
  }
  for (const [nodeId, state] of Object.entries(checkpoint.nodeStates)) program.nodes.get(nodeId)?.runtime.loadState?.(state);
}

/** The newest complete checkpoint in a run folder, or undefined. */
export function latestCheckpoint(runDir: string): Promise<string | undefined> {
  return new RunFolder(runDir).latestCheckpoint();
}
