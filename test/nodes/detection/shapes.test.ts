/**
 * Mask R-CNN nodes: output shapes agree with their shape rules for several
 * input sizes, and bad inputs are refused with errors naming the node.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import { ShapeError, type AnyNodeDefinition } from '../../../core/node-api';
import { defaultParams, type ParamSpecs, type ParamValues } from '../../../core/params';
import { concreteShape, type ValueType } from '../../../core/types';
import { GraphBuilder } from '../../../core/graph/builder';
import { validateGraph } from '../../../core/graph/validate';
import { inferGraph } from '../../../core/graph/infer';
import { compileGraph, CompileError } from '../../../core/compile/compiler';
import { nodeRegistry } from '../../../nodes/registry';
import { buildMaskRcnn } from '../../../nodes/templates/mask-rcnn';
import { buildNode, randomValue } from '../harness';
import { TINY_MASK_RCNN } from './tiny';
import { library } from '../../library';

const registry = nodeRegistry as Record<string, AnyNodeDefinition>;
const img = (h: number, w: number, c: number): ValueType => ({ kind: 'image', shape: ['N', h, w, c] });

function infer(type: string, inputs: Record<string, ValueType>, params: Record<string, unknown> = {}) {
  const def = registry[type];
  return def.inferShape({ inputs, params: { ...defaultParams(def.params as ParamSpecs), ...params } as ParamValues<ParamSpecs> });
}

function shapeError(type: string, inputs: Record<string, ValueType>, params: Record<string, unknown> = {}): ShapeError {
  try {
    infer(type, inputs, params);
  } catch (error) {
    expect(error).toBeInstanceOf(ShapeError);
    return error as ShapeError;
  }
  throw new Error(`${type} accepted its inputs`);
}

/** Runs a node on random inputs and returns its outputs' shapes, pyramids level by level. */
function runShapes(type: string, inputs: Record<string, ValueType>, params: Record<string, unknown>, n = 2): Record<string, number[]> {
  const node = buildNode(registry[type], inputs, params);
  const rng = new Rng(1);
  const values: Record<string, tf.Tensor | Record<string, tf.Tensor>> = {};
  for (const [port, t] of Object.entries(inputs)) {
    values[port] = t.levels
      ? Object.fromEntries(Object.entries(t.levels).map(([l, s]) => [l, randomValue(t, concreteShape(s, { N: n }), rng)]))
      : randomValue(t, concreteShape(t.shape!, { N: n }), rng);
  }
  const shapes: Record<string, number[]> = {};
  tf.tidy(() => {
    for (const [port, value] of Object.entries(node.run(values))) {
      if (value instanceof tf.Tensor) shapes[port] = value.shape;
      else for (const [level, t] of Object.entries(value ?? {})) shapes[`${port}.${level}`] = t.shape;
    }
  });
  node.dispose();
  tf.dispose(values);
  return shapes;
}

/** The inferred shapes with N = n, pyramids level by level. */
function inferredShapes(outputs: Record<string, ValueType | undefined>, n = 2): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const [port, t] of Object.entries(outputs)) {
    if (t?.levels) for (const [level, s] of Object.entries(t.levels)) shapes[`${port}.${level}`] = concreteShape(s, { N: n });
    else if (t?.shape) shapes[port] = concreteShape(t.shape, { N: n });
  }
  return shapes;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('output shapes for several input sizes', () => {
  const backbone = { depths: [1, 1, 1, 1], widths: [4, 8, 8, 16], stemChannels: 4, stemKernel: 3 };

  it.each([
    [64, 64],
    [96, 64],
    [128, 160],
  ])('backbone and FPN on %i×%i images', (h, w) => {
    const bOut = infer('backbone.resnet', { image: img(h, w, 3) }, backbone);
    expect(bOut.features!.levels).toEqual({ C2: ['N', h / 4, w / 4, 4], C3: ['N', h / 8, w / 8, 8], C4: ['N', h / 16, w / 16, 8], C5: ['N', h / 32, w / 32, 16] });
    expect(runShapes('backbone.resnet', { image: img(h, w, 3) }, backbone)).toEqual(inferredShapes(bOut));
    const fOut = infer('neck.fpn', { features: bOut.features! }, { channels: 6 });
    expect(Object.keys(fOut.features!.levels!)).toEqual(['P2', 'P3', 'P4', 'P5', 'P6']);
    expect(fOut.features!.levels!.P6).toEqual(['N', Math.ceil(h / 64), Math.ceil(w / 64), 6]);
    expect(runShapes('neck.fpn', { features: bOut.features! }, { channels: 6 })).toEqual(inferredShapes(fOut));
    const hOut = infer('rpn.head', { features: fOut.features! }, { anchorsPerLocation: 3 });
    expect(hOut.objectness!.levels!.P3).toEqual(['N', h / 8, w / 8, 3]);
    expect(hOut.deltas!.levels!.P3).toEqual(['N', h / 8, w / 8, 12]);
    expect(runShapes('rpn.head', { features: fOut.features! }, {})).toEqual(inferredShapes(hOut));
    const aOut = infer('detection.anchors', { features: fOut.features! }, {});
    expect(aOut.anchors!.levels!.P2).toEqual([(h / 4) * (w / 4) * 3, 4]);
  });

  it.each([[7, 16, 3], [14, 8, 2], [5, 4, 80]])('box and mask heads on %i×%i×%i RoI features', (size, channels, classes) => {
    const features = img(size, size, channels);
    const box = infer('roi_heads.box', { features }, { numClasses: classes, fcDims: [16, 16] });
    expect(box.classLogits!.shape).toEqual(['N', classes + 1]);
    expect(box.boxDeltas!.shape).toEqual(['N', 4 * classes]);
    expect(runShapes('roi_heads.box', { features }, { numClasses: classes, fcDims: [16, 16] }, 5)).toEqual(inferredShapes(box, 5));
    const mask = infer('roi_heads.mask', { features }, { numClasses: classes, convDims: [4, 4] });
    expect(mask.maskLogits!.shape).toEqual(['N', 2 * size, 2 * size, classes]);
    expect(runShapes('roi_heads.mask', { features }, { numClasses: classes, convDims: [4, 4] }, 3)).toEqual(inferredShapes(mask, 3));
  });

  it('RoIAlign gives R×S×S×C with R from the RoIs', () => {
    const out = infer('roi_align', { features: { kind: 'pyramid', levels: { P2: ['N', 16, 16, 5], P3: ['N', 8, 8, 5] } }, rois: { kind: 'rois', shape: ['R', 5] } }, { levels: [2, 3], outputSize: 14 });
    expect(out.features).toEqual({ kind: 'image', shape: ['R', 14, 14, 5] });
  });

  it('the template compiles at other image sizes', () => {
    for (const imageSize of [32, 96]) {
      const program = compileGraph(buildMaskRcnn({ ...TINY_MASK_RCNN, imageSize }), { registries: library });
      expect(program.nodes.get('fpn')!.outputTypes.features.levels!.P2).toEqual(['N', imageSize / 4, imageSize / 4, TINY_MASK_RCNN.fpnChannels]);
      program.dispose();
    }
  });
});

describe('bad inputs name the node and say how to fix them', () => {
  it('an image size the backbone cannot divide', () => {
    const graph = buildMaskRcnn({ ...TINY_MASK_RCNN, imageSize: 60 });
    const problems = inferGraph(graph, library).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].nodeId).toBe('backbone');
    expect(problems[0].message).toMatch(/60×60.*multiples of 32.*64×64/);
    expect(() => compileGraph(graph, { registries: library })).toThrow(CompileError);
    expect(() => compileGraph(graph, { registries: library })).toThrow(/backbone/);
  });

  it('a RoIAlign wired to a non-pyramid', () => {
    const g = new GraphBuilder({ name: 'bad pooler' }, library);
    g.dataset('shapes', { imageSize: 32 });
    g.add('input.dataset', {}, 'data');
    g.op('roi_align', { features: 'data.image', rois: 'data.boxes' }, {}, 'pooler');
    g.op('loss.l1', { input: 'pooler.features' }, {}, 'l1');
    g.optimizer({ type: 'adam', id: 'opt', modules: ['main'], losses: [{ node: 'l1', weight: 1 }], lr: 1e-3 });
    const problems = validateGraph(g.build(), library);
    const features = problems.find((p) => p.port === 'features');
    expect(features?.nodeId).toBe('pooler');
    expect(features?.message).toMatch(/input 'features' accepts feature pyramid; .*gives image/);
    const rois = problems.find((p) => p.port === 'rois');
    expect(rois?.nodeId).toBe('pooler');
    expect(rois?.message).toMatch(/accepts rois; .*gives boxes/);
    // The shape rule alone says the same when called directly.
    const e = shapeError('roi_align', { features: img(8, 8, 3), rois: { kind: 'rois', shape: ['R', 5] } });
    expect(e.at).toEqual({ port: 'features' });
    expect(e.message).toMatch(/must be a feature pyramid.*backbone or FPN/);
  });

  it('pyramid levels the FPN cannot line up, anchors that do not fit the head, a pooler level the pyramid lacks', () => {
    const fpn = shapeError('neck.fpn', { features: { kind: 'pyramid', levels: { C2: ['N', 15, 15, 4], C3: ['N', 8, 8, 4] } } });
    expect(fpn.message).toMatch(/C2 is 15×15 and C3 is 8×8.*twice/);
    const levels = { P2: ['N', 4, 4, 2] };
    const rpn = shapeError('rpn.loss', {
      anchors: { kind: 'pyramid', levels: { P2: [48, 4] } },
      objectness: { kind: 'pyramid', levels },
      deltas: { kind: 'pyramid', levels: { P2: ['N', 4, 4, 8] } },
      boxes: { kind: 'boxes', shape: ['N', 3, 4] },
      classes: { kind: 'labels', shape: ['N', 3] },
    });
    expect(rpn.message).toMatch(/48 anchors.*anchorsPerLocation/);
    const anchors = shapeError('detection.anchors', { features: { kind: 'pyramid', levels } }, { sizes: [8, 16] });
    expect(anchors.at).toEqual({ param: 'sizes' });
    const pool = shapeError('roi_align', { features: { kind: 'pyramid', levels }, rois: { kind: 'rois', shape: ['R', 5] } }, { levels: [2, 3] });
    expect(pool.message).toMatch(/level 3.*P2/);
  });

  it('a ground-truth class above the heads\' numClasses', () => {
    const node = buildNode(registry['roi_heads.sample'], {
      proposals: { kind: 'rois', shape: ['R', 5] },
      boxes: { kind: 'boxes', shape: ['N', 1, 4] },
      classes: { kind: 'labels', shape: ['N', 1] },
    }, { numClasses: 3 });
    const inputs = { proposals: tf.tensor2d([0, 0, 0, 4, 4], [1, 5]), boxes: tf.tensor3d([0, 0, 4, 4], [1, 1, 4]), classes: tf.tensor2d([5], [1, 1], 'int32') };
    expect(() => node.run(inputs)).toThrow(/ground-truth class 5.*numClasses 3.*set numClasses/);
    tf.dispose(inputs);
  });
});
