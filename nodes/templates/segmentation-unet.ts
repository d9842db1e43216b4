import { GraphBuilder } from '../../core/graph/builder';
import type { TemplateInfo } from '../../core/library';
import { graphRegistries } from '../registry';

export const segmentationUnet: TemplateInfo = {
  id: 'shapes-segmentation',
  title: 'Semantic segmentation (small U-Net)',
  summary: 'Per-pixel classes (background, circle, square, triangle) with a compact encoder–decoder.',
  description:
    'A compact U-Net for semantic segmentation of the synthetic shapes: two 3×3 conv + BatchNorm + ReLU stages per ' +
    'level, max-pool down, bilinear up-sampling (PyTorch align_corners=False) with skip concatenations, and a 1×1 conv ' +
    'to 4 class logits trained with softmax cross-entropy against the semantic map. It learns to tell the shapes apart by ' +
    'form, since colours are shared between classes. Try a deeper encoder or more filters and watch the loss curve.',
  category: 'segmentation',
  build() {
    const g = new GraphBuilder({ name: 'Shapes segmentation U-Net', description: this.description }, graphRegistries);
    g.dataset('shapes', { imageSize: 64 });
    g.add('input.dataset', {}, 'data');
    const convBlock = (input: string, channels: number, name: string) => {
      let x = input;
      for (const i of [1, 2]) {
        x = `${g.op('conv2d', { input: x }, { outChannels: channels, kernelSize: 3, padding: 1, bias: false }, `${name}_conv${i}`)}.output`;
        x = `${g.op('batchnorm2d', { input: x }, {}, `${name}_bn${i}`)}.output`;
        x = `${g.op('relu', { input: x }, {}, `${name}_relu${i}`)}.output`;
      }
      return x;
    };
    const e1 = convBlock('data.image', 16, 'enc1');
    const p1 = `${g.op('maxpool2d', { input: e1 }, { kernelSize: 2 }, 'pool1')}.output`;
    const e2 = convBlock(p1, 32, 'enc2');
    const p2 = `${g.op('maxpool2d', { input: e2 }, { kernelSize: 2 }, 'pool2')}.output`;
    const bottom = convBlock(p2, 64, 'mid');
    const u2 = `${g.op('upsample', { input: bottom }, { mode: 'bilinear', scaleFactor: 2 }, 'up2')}.output`;
    const d2 = convBlock(`${g.op('concat', { a: u2, b: e2 }, {}, 'skip2')}.output`, 32, 'dec2');
    const u1 = `${g.op('upsample', { input: d2 }, { mode: 'bilinear', scaleFactor: 2 }, 'up1')}.output`;
    const d1 = convBlock(`${g.op('concat', { a: u1, b: e1 }, {}, 'skip1')}.output`, 16, 'dec1');
    const logits = `${g.op('conv2d', { input: d1 }, { outChannels: 4, kernelSize: 1, padding: 0 }, 'classifier')}.output`;
    g.op('loss.cross_entropy', { input: logits, target: 'data.semantic' }, {}, 'ce');
    g.optimizer({ type: 'adam', id: 'adam', modules: ['main'], losses: [{ node: 'ce', weight: 1 }], lr: 1e-3 });
    g.training({ steps: 1000, batchSize: 8, logEvery: 10, previewEvery: 100, checkpointEvery: 500 });
    return g.build();
  },
};
