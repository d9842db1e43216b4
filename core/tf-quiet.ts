/**
 * The cpu backend prints an install hint for tfjs-node on its first tensor.
 * Backend choice is ours to explain (core/backend/select.ts says what runs and
 * why), so the hint is switched off. Imported by core/tf.ts before
 * tfjs-layers, whose import already creates tensors. The cpu backend is made
 * the active one here so the instance we quiet is the one that runs until a
 * backend is chosen.
 */
import * as tf from '@tensorflow/tfjs-core';

void tf.setBackend('cpu');
const cpuBackend = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
if (cpuBackend) cpuBackend.firstUse = false;
