/** The generative family's node types, keyed by type, for the registry. */
import { labelEmbedding, labelMap, noise } from './conditioning';
import { globalDiscriminator, patchGan } from './discriminators';
import { frozenFeatures } from './feature-network';
import { cycleLoss, ganLossNode, identityLoss, tvLoss } from './gan-losses';
import { imagePool } from './image-pool';
import { perceptualLoss } from './perceptual';
import { resnetBlock, resnetGenerator } from './resnet';
import { unetDown, unetGenerator, unetUp } from './unet';

export const generativeNodes = {
  'generator.unet': unetGenerator,
  'unet.down': unetDown,
  'unet.up': unetUp,
  'generator.resnet': resnetGenerator,
  'resnet.block': resnetBlock,
  'discriminator.patchgan': patchGan,
  'discriminator.global': globalDiscriminator,
  'condition.label_map': labelMap,
  'condition.embedding': labelEmbedding,
  noise,
  image_pool: imagePool,
  'features.frozen': frozenFeatures,
  'loss.gan': ganLossNode,
  'loss.cycle': cycleLoss,
  'loss.identity': identityLoss,
  'loss.perceptual': perceptualLoss,
  'loss.tv': tvLoss,
} as const;
