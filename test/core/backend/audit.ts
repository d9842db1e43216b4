/**
 * Runs the kernel audit's PyTorch cases on a backend and records which tfjs
 * kernels each one reaches, forward and backward, with tf.profile: the same
 * hook the coverage test uses on every node, so "audited" and "reached" are
 * measured the same way.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../../core/tf';
import { AUDIT_OPS } from './audit-ops';

export const AUDIT_DIR = join(import.meta.dirname, '../../fixtures/audit');
export const AUDIT_TABLE = join(AUDIT_DIR, 'kernels.json');

interface Arr {
  shape: number[];
  values: number[];
  /** Class ids and other integer inputs; float32 otherwise. */
  dtype?: 'int32';
}

export interface AuditCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, Arr>;
  output: Arr;
  dy: Arr;
  grads: Record<string, Arr>;
  tolerance?: number;
  /** Compare each value relative to itself rather than to the largest. */
  elementwise?: boolean;
}

/** Every case of every group file, named `group/case`. */
export function loadAuditCases(): { id: string; group: string; c: AuditCase }[] {
  const files = readdirSync(AUDIT_DIR).filter((f) => f.endsWith('.json') && f !== 'kernels.json').sort();
  return files.flatMap((file) => {
    const { group, cases } = JSON.parse(readFileSync(join(AUDIT_DIR, file), 'utf8')) as { group: string; cases: AuditCase[] };
    return cases.map((c) => ({ id: `${group}/${c.name}`, group, c }));
  });
}

/** Kernel names run inside `f` (kernels our kernels call directly run below the engine and are not counted). */
export async function recordKernels<T>(f: () => T): Promise<{ kernels: Set<string>; result: T }> {
  let result!: T;
  const info = await tf.profile(() => {
    result = f();
    return result as unknown as tf.TensorContainer;
  });
  return { kernels: new Set(info.kernelNames), result };
}

export interface AuditResult {
  forward: Set<string>;
  backward: Set<string>;
  /** Worst relative error per checked quantity ('output', 'grad x', …). */
  errors: Record<string, number>;
}

/** Largest absolute difference over the reference's largest magnitude (at least 1), or over each value's own with `elementwise`. */
function relativeError(actual: ArrayLike<number>, expected: readonly number[], elementwise = false): number {
  if (actual.length !== expected.length) return Infinity;
  if (elementwise) {
    let worst = 0;
    for (let i = 0; i < expected.length; i++) {
      const d = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-30);
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
    return worst;
  }
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return worst / scale;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Kernels the harness itself runs around a case's gradient (Σ y·dy and its
 * gradient); they are not credited to the case. Measured per backend.
 */
async function harnessKernels(): Promise<Set<string>> {
  const backend = tf.getBackend();
  const known = harnessCache.get(backend);
  if (known) return known;
  const x = tf.tensor4d([1, -2, 3, -4], [1, 2, 2, 1]);
  const dy = tf.tensor4d([0.5, 1, -1, 2], [1, 2, 2, 1]);
  const { kernels, result } = await recordKernels(() => tf.grad((t) => tf.sum(tf.mul(t, dy)))(x));
  tf.dispose([x, dy, result]);
  harnessCache.set(backend, kernels);
  return kernels;
}
const harnessCache = new Map<string, Set<string>>();

/** Runs one case on the active backend. */
export async function runAuditCase(c: AuditCase): Promise<AuditResult> {
  const op = AUDIT_OPS[c.op];
  if (!op) throw new Error(`audit case '${c.name}' uses op '${c.op}', which test/core/backend/audit-ops.ts does not define`);
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, tf.tensor(a.values, a.shape, a.dtype ?? 'float32')]));
  const errors: Record<string, number> = {};
  try {
    const fwd = await recordKernels(() => op(inputs, c.attrs));
    const y = fwd.result;
    errors.output = sameShape(y.shape, c.output.shape) ? relativeError(await y.data(), c.output.values, c.elementwise) : Infinity;
    y.dispose();
    const names = Object.keys(c.grads);
    let backward = new Set<string>();
    if (names.length > 0) {
      const dy = tf.tensor(c.dy.values, c.dy.shape, 'float32');
      // The forward runs again inside grads; its kernels are subtracted below so `backward` holds only the gradient's.
      const bwd = await recordKernels(() =>
        tf.grads((...xs: tf.Tensor[]) => {
          const given = { ...inputs };
          names.forEach((n, i) => (given[n] = xs[i]));
          return tf.sum(tf.mul(op(given, c.attrs), dy));
        })(names.map((n) => inputs[n])),
      );
      for (const [i, g] of bwd.result.entries()) {
        const ref = c.grads[names[i]];
        errors[`grad ${names[i]}`] = sameShape(g.shape, ref.shape) ? relativeError(await g.data(), ref.values, c.elementwise) : Infinity;
      }
      tf.dispose([...bwd.result, dy]);
      const harness = await harnessKernels();
      backward = new Set([...bwd.kernels].filter((k) => !harness.has(k)));
    }
    return { forward: fwd.kernels, backward, errors };
  } finally {
    tf.dispose(Object.values(inputs));
  }
}
