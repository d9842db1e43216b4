/**
 * Our weights ⇄ a PyTorch state_dict in safetensors, through the export
 * plan's one mapping (names `<module>.<node>.<param>`, PyTorch axis orders).
 */
import type { ExportPlan } from './plan';
import { permuteValues, unpermuteValues } from './plan';
import type { SafeTensor } from './safetensors';

/** The state_dict of the exported Model holding `weights` (by our names); tensors PyTorch alone keeps are zeros. */
export function torchStateFromWeights(plan: ExportPlan, weights: Record<string, Float32Array>): Record<string, SafeTensor> {
  const out: Record<string, SafeTensor> = {};
  for (const spec of plan.tensors) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!spec.ours) {
      out[spec.key] = spec.dtype === 'I64' ? { dtype: 'I64', shape: spec.shape, data: new BigInt64Array(size) } : { dtype: 'F32', shape: spec.shape, data: new Float32Array(size) };
      continue;
    }
    const values = weights[spec.ours];
    if (!values) throw new Error(`no values for weight '${spec.ours}'; the checkpoint does not belong to this graph`);
    if (values.length !== size) throw new Error(`weight '${spec.ours}' has ${values.length} values, the graph needs ${size} ([${spec.shape}])`);
    const t = permuteValues(values, spec.shape, spec.permute);
    out[spec.key] = { dtype: 'F32', shape: t.shape, data: t.values };
  }
  return out;
}

export interface ImportReport {
  /** Our weight name → values in our layout, for every tensor that matched. */
  weights: Record<string, Float32Array>;
  /** state_dict keys the graph needs that the file lacks (those weights keep their initial values). */
  missing: string[];
  /** Keys in the file that no node of the graph has. */
  unexpected: string[];
  /** Keys present in both with different shapes: `key: file [..] vs graph [..]`. */
  misshaped: string[];
  /** Keys whose dtype had to be converted (F64 → F32). */
  converted: string[];
}

/** Matches a state_dict by key; reports every key that does not fit rather than stopping at the first. */
export function weightsFromTorchState(plan: ExportPlan, tensors: Record<string, SafeTensor>): ImportReport {
  const report: ImportReport = { weights: {}, missing: [], unexpected: [], misshaped: [], converted: [] };
  const known = new Set(plan.tensors.map((t) => t.key));
  for (const key of Object.keys(tensors).sort()) if (!known.has(key)) report.unexpected.push(key);
  for (const spec of plan.tensors) {
    const t = tensors[spec.key];
    if (!spec.ours) continue; // num_batches_tracked and the like: PyTorch's bookkeeping, not ours.
    if (!t) {
      report.missing.push(spec.key);
      continue;
    }
    const torchShape = spec.permute ? spec.permute.map((a) => spec.shape[a]) : spec.shape;
    if (t.shape.length !== torchShape.length || t.shape.some((d, i) => d !== torchShape[i])) {
      report.misshaped.push(`${spec.key}: file [${t.shape.join(', ')}] vs graph [${torchShape.join(', ')}]`);
      continue;
    }
    let values: Float32Array;
    if (t.data instanceof Float32Array) values = t.data;
    else if (t.data instanceof Float64Array) {
      values = Float32Array.from(t.data);
      report.converted.push(spec.key);
    } else {
      report.misshaped.push(`${spec.key}: file holds ${t.dtype} integers, the graph needs floats`);
      continue;
    }
    report.weights[spec.ours] = unpermuteValues(values, spec.shape, spec.permute);
  }
  return report;
}
