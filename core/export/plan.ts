/**
 * What an export needs to know about a graph besides its code: which node
 * types cannot export, each module's and node's Python name, and where every
 * one of our weights lives in PyTorch's state_dict with which axis order.
 * Shared by `export pytorch --weights` and `import-weights`, so both
 * directions use one mapping.
 */
import { compileGraph, type Program } from '../compile/compiler';
import type { AnyNodeDefinition } from '../node-api';
import type { GraphDocument } from '../graph/schema';
import type { GraphRegistries } from '../graph/registries';
import { pyName } from './python';
import type { PytorchExport } from './pytorch-api';

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** One tensor of the exported state_dict and where it comes from. */
export interface TorchTensorSpec {
  /** state_dict key, `<module attr>.<node attr>.<param>`. */
  key: string;
  /** Our weight name (`nodeId/weight`); absent for tensors only PyTorch keeps (num_batches_tracked). */
  ours?: string;
  /** Our shape (channels last). */
  shape: number[];
  /** PyTorch axis i is our axis permute[i]. */
  permute?: number[];
  dtype: 'F32' | 'I64';
}

export interface ExportPlan {
  program: Program;
  /** Graph module id → Python attribute and class names. */
  modules: Map<string, { attr: string; className: string; name: string }>;
  /** Node id → attribute name inside its owner's module (only nodes that own weights). */
  nodeAttrs: Map<string, string>;
  tensors: TorchTensorSpec[];
}

/** The node types of `graph` that have no PyTorch export yet, sorted. */
export function unexportableTypes(graph: GraphDocument, nodes: Readonly<Record<string, AnyNodeDefinition>>): string[] {
  const missing = new Set<string>();
  for (const node of graph.nodes) if (!nodes[node.type]?.pytorch) missing.add(node.type);
  return [...missing].sort();
}

function className(name: string, taken: Set<string>): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let base = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('') || 'Module';
  if (/^[0-9]/.test(base)) base = `M${base}`;
  if (base === 'Model') base = 'ModelPart';
  let out = base;
  for (let i = 2; taken.has(out); i++) out = `${base}${i}`;
  taken.add(out);
  return out;
}

function unique(name: string, taken: Set<string>): string {
  let out = name;
  for (let i = 2; taken.has(out); i++) out = `${name}_${i}`;
  taken.add(out);
  return out;
}

/**
 * Checks that every node type exports (throwing an ExportError that names
 * those that cannot, before anything is written), compiles the graph and
 * names everything. The caller disposes `plan.program`.
 */
export function planExport(graph: GraphDocument, registries: GraphRegistries): ExportPlan {
  const missing = unexportableTypes(graph, registries.nodes);
  if (missing.length > 0) {
    const users = missing.map((t) => `${t} (${graph.nodes.filter((n) => n.type === t).map((n) => `'${n.id}'`).join(', ')})`);
    throw new ExportError(
      `these node types cannot export to PyTorch yet: ${users.join('; ')}. Nothing was written; replace those nodes ` +
        'or export a graph without them (README "Scaling out" lists what exports)',
    );
  }
  const program = compileGraph(graph, { registries });
  try {
    const modules = new Map<string, { attr: string; className: string; name: string }>();
    const classNames = new Set<string>();
    const moduleAttrs = new Set<string>();
    const addModule = (id: string, name: string) => {
      if (!modules.has(id)) modules.set(id, { attr: unique(pyName(id), moduleAttrs), className: className(name, classNames), name });
    };
    for (const m of graph.modules) addModule(m.id, m.name);
    for (const node of program.nodes.values()) addModule(node.moduleId, node.moduleId === 'main' ? 'Main' : node.moduleId);

    const nodeAttrs = new Map<string, string>();
    const attrsByModule = new Map<string, Set<string>>();
    const tensors: TorchTensorSpec[] = [];
    for (const id of program.order) {
      const node = program.nodes.get(id)!;
      const graphNode = graph.nodes.find((n) => n.id === id)!;
      const exporter = node.def.pytorch as PytorchExport;
      // A node sharing weights uses its owner's attribute; only owners get one.
      if (graphNode.shareWeightsWith || !exporter.module) continue;
      const taken = attrsByModule.get(node.moduleId) ?? new Set<string>();
      attrsByModule.set(node.moduleId, taken);
      const attr = unique(pyName(id), taken);
      nodeAttrs.set(id, attr);
      const prefix = `${modules.get(node.moduleId)!.attr}.${attr}`;
      for (const weight of node.weights) {
        const local = weight.name.slice(weight.nodeId.length + 1);
        const mapped = exporter.weights?.[local];
        if (!mapped) {
          throw new ExportError(
            `node '${id}' (${node.def.type}) has weight '${local}' that its PyTorch export does not map; add it to the node type's pytorch.weights`,
          );
        }
        tensors.push({ key: `${prefix}.${mapped.name}`, ours: weight.name, shape: weight.variable.shape, permute: mapped.permute, dtype: 'F32' });
      }
      for (const [name, extra] of Object.entries(exporter.extraTensors ?? {})) {
        tensors.push({ key: `${prefix}.${name}`, shape: extra.shape, dtype: extra.dtype });
      }
    }
    return { program, modules, nodeAttrs, tensors };
  } catch (error) {
    program.dispose();
    throw error;
  }
}

/** Reorders `values` (our shape) into PyTorch's axis order. */
export function permuteValues(values: Float32Array, shape: number[], permute: number[] | undefined): { values: Float32Array; shape: number[] } {
  if (!permute) return { values, shape };
  return { values: transpose(values, shape, permute), shape: permute.map((a) => shape[a]) };
}

/** The inverse: PyTorch's axis order back to ours, given our shape. */
export function unpermuteValues(values: Float32Array, ourShape: number[], permute: number[] | undefined): Float32Array {
  if (!permute) return values;
  const inverse = new Array<number>(permute.length);
  permute.forEach((a, i) => (inverse[a] = i));
  return transpose(values, permute.map((a) => ourShape[a]), inverse);
}

/** out[i0..] = in at the index whose axis perm[k] is i_k, for a row-major array. */
function transpose(values: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((a) => shape[a]);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let a = rank - 1; a >= 0; a--) {
    inStrides[a] = s;
    s *= shape[a];
  }
  const strides = perm.map((a) => inStrides[a]);
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let from = 0;
    for (let k = 0; k < rank; k++) from += index[k] * strides[k];
    out[i] = values[from];
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k] < outShape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}
