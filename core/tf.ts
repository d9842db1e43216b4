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
import '@tensorflow/tfjs-backend-cpu';
import './tf-quiet';
import './tf-chain';
import '@tensorflow/tfjs-layers';
// After layers: it registers tfjs's stock gradients, some of which ours replace.
import './tf-gradients';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;

