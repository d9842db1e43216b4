/**
 * The single place the engine imports TensorFlow.js from.
 *
 * We use tfjs-core plus explicit backends rather than the `@tensorflow/tfjs`
 * umbrella: the umbrella pulls in WebGL and prints a banner in Node, and
 * tfjs-core alone registers no gradients, which would make every `grad` fail
 * with a confusing "gradient function not found".
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
