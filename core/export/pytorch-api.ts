/**
 * What a node type declares to export itself to PyTorch: the nn.Module that
 * holds its weights, the Python expression of each output, and how its
 * weights are named and laid out in PyTorch. It lives beside the node's
 * definition (`pytorch` in defineNode), so a node type keeps one home; the
 * generator in core/export/pytorch.ts only walks the graph.
 *
 * Tensors in the exported code are PyTorch's NCHW; ours are NHWC. The shape
 * types passed in here are ours (channels last).
 */
import type { ParamSpecs, ParamValues } from '../params';
import type { ValueType } from '../types';

/** One of our weights in PyTorch: its attribute name and how its axes are ordered there. */
export interface PytorchWeight {
  /** The parameter or buffer name inside the node's module, e.g. 'weight', 'running_mean'. */
  name: string;
  /** PyTorch axis i is our axis permute[i]: conv kernels H×W×in×out become out×in×H×W with [3, 2, 0, 1]. */
  permute?: number[];
}

export interface PytorchExportArgs<S extends ParamSpecs = ParamSpecs> {
  params: ParamValues<S>;
  /** Our inferred input types (NHWC, concrete but for the batch). */
  inputs: Record<string, ValueType | undefined>;
  outputs: Record<string, ValueType | undefined>;
}

export interface PytorchForwardArgs<S extends ParamSpecs = ParamSpecs> extends PytorchExportArgs<S> {
  /** Python expression of the module holding this node's weights (the owner's, for shared weights), e.g. 'self.main.conv1'. */
  module: string;
  /** Python expression of each wired input; unwired optional inputs are absent. */
  in: Record<string, string>;
  /** Python expression that is true while training ('self.training'). */
  training: string;
  /**
   * False when this node already ran earlier in the same training step (for an
   * earlier optimizer): running statistics must then stay put, as ours do.
   */
  updateStats: boolean;
}

export interface PytorchExport<S extends ParamSpecs = ParamSpecs> {
  /** The nn.Module constructor that owns this node's weights, e.g. 'nn.Conv2d(3, 16, 3, padding=1)'; omit for nodes without weights. */
  module?(args: PytorchExportArgs<S>): string;
  /** The Python expression of each output port. */
  forward(args: PytorchForwardArgs<S>): Record<string, string>;
  /** Our weight name → PyTorch's; every weight the node creates must be listed. */
  weights?: Record<string, PytorchWeight>;
  /** Tensors PyTorch's module keeps that we do not (num_batches_tracked): written as zeros on export, ignored on import. */
  extraTensors?: Record<string, { dtype: 'I64' | 'F32'; shape: number[] }>;
}
