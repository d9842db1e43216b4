/**
 * The single place the engine imports TensorFlow.js from.
 *
 * We use tfjs-core plus explicit backends rather than the `@tensorflow/tfjs`
 * umbrella: the umbrella pulls in WebGL and prints a banner in Node,  and
 * tfjs-core alone registers no gradients, which would make every `grad` fail
 * with a confusing "gradient function not found".
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients and its ESM gradient module
// uses directory imports Node refuses; tfjs-layers' Node bundle registers all
// of them in the shared global registry (and we need layers to load models).
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;

// The cpu backend prints an install hint for tfjs-node on first use. Backend
// choice is ours to explain (core/backend/select.ts says what runs and why),
// so the hint is switched off rather than shown on every CLI run.
const cpuBackend = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
if (cpuBackend) cpuBackend.firstUse = false;
