/**
 * Run-time helpers for node forward functions.
 */
import { tf } from '../tf';
import type { Value } from '../node-api';

/** The tensor on a port, or an error naming the port when it carries structured data or nothing. */
export function tensorOf(value: Value | undefined, port: string): tf.Tensor {
  if (value instanceof tf.Tensor) return value;
  if (value === undefined) throw new Error(`input '${port}' received no value: wire it to an output`);
  throw new Error(`input '${port}' received structured data (${Object.keys(value).join(', ')}), not a tensor`);
}

export function tensor4dOf(value: Value | undefined, port: string): tf.Tensor4D {
  const t = tensorOf(value, port);
  if (t.rank !== 4) throw new Error(`input '${port}' must be N×H×W×C, got shape [${t.shape.join(', ')}]`);
  return t as tf.Tensor4D;
}
