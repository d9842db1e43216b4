/**
 * Registers our corrections of wrong stock gradients (see
 * core/backend/kernels/install.ts for the list and why) as soon as tfjs is
 * loaded: gradients are backend-independent, so every gradient computed
 * anywhere, chosen backend or not, is the corrected one. Imported by
 * core/tf.ts after tfjs-layers, whose import registers the stock ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import { absGradConfig } from './backend/kernels/abs-grad';
import { mirrorPadGradConfig } from './backend/kernels/mirror-pad-grad';

export const CORRECTED_GRADIENTS: readonly { config: tf.GradConfig; why: string }[] = [
  { config: absGradConfig, why: 'stock gradient is -dy at x = 0 (step(x, -1)); PyTorch and the subgradient convention give 0' },
  {
    config: mirrorPadGradConfig,
    why: 'stock gradient drops what flowed into the mirrored border (d/dx Σ reflect-pad [1,2,3] gave [1,1,1], PyTorch [1,3,1])',
  },
];

export function registerCorrectedGradients(): void {
  for (const { config } of CORRECTED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}

registerCorrectedGradients();
