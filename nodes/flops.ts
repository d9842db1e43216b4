/**
 * Helpers for the nodes' FLOP estimates (`tensorweave info`). Counts are
 * forward floating-point operations per sample, a multiply-add counting 2;
 * symbolic sizes (the batch N, a RoI count R) count as 1, so a RoI head
 * reports its cost per RoI. Element-wise nodes count a few operations per
 * element: the figure says where the time goes, not a cycle count.
 */
import { shapeSize, type Shape, type ValueType } from '../core/types';

/** Elements of one sample of a value: a dense tensor, every level of a pyramid, every field of targets. */
export function elements(t: ValueType | undefined): number {
  if (!t) return 0;
  if (t.shape) return shapeSize(t.shape, 1);
  let total = 0;
  for (const shape of Object.values(t.levels ?? {}) as Shape[]) total += shapeSize(shape, 1);
  for (const field of Object.values(t.fields ?? {})) total += elements(field);
  return total;
}

type Types = Record<string, ValueType | undefined>;

/** `ops` operations for each element of the output `port`. */
export const perOutputElement =
  (ops: number, port = 'output') =>
  ({ outputs }: { outputs: Types }): number =>
    ops * elements(outputs[port]);

/** `ops` operations for each element of the input `port`. */
export const perInputElement =
  (ops: number, port = 'input') =>
  ({ inputs }: { inputs: Types }): number =>
    ops * elements(inputs[port]);

/** A node that only moves or reshapes values, or makes constants: no arithmetic. */
export const noArithmetic = (): number => 0;

/** A k×k convolution producing `positions` output pixels of `outC` channels from `inC`. */
export const convFlops = (positions: number, k: number, inC: number, outC: number): number => 2 * positions * k * k * inC * outC;
