/**
 * Shape rules reject bad wiring with a ShapeError that names the port or
 * param at fault and says how to fix it.
 */
import { describe, expect, it } from 'vitest';
import { defaultParams, type ParamSpecs, type ParamValues } from '../../core/params';
import { ShapeError, type AnyNodeDefinition } from '../../core/node-api';
import type { ValueType } from '../../core/types';
import { nodeRegistry } from '../../nodes/registry';

const img = (h: number, w: number, c: number): ValueType => ({ kind: 'image', shape: ['N', h, w, c] });
const vec = (d: number): ValueType => ({ kind: 'vector', shape: ['N', d] });
const registry = nodeRegistry as Record<string, AnyNodeDefinition>;

function shapeError(type: string, inputs: Record<string, ValueType | undefined>, params: Record<string, unknown> = {}): ShapeError {
  const def = registry[type];
  try {
    def.inferShape({ inputs, params: { ...defaultParams(def.params as ParamSpecs), ...params } as ParamValues<ParamSpecs> });
  } catch (error) {
    expect(error).toBeInstanceOf(ShapeError);
    return error as ShapeError;
  }
  throw new Error(`${type} accepted ${JSON.stringify(inputs)} with ${JSON.stringify(params)}`);
}

describe('shape errors', () => {
  it('a convolution fed a vector names the port and suggests a reshape', () => {
    const e = shapeError('conv2d', { input: vec(64) });
    expect(e.at).toEqual({ port: 'input' });
    expect(e.message).toMatch(/'input'.*N×H×W×C/);
    expect(e.message).toMatch(/reshape/);
  });

  it('a linear layer fed a feature map suggests flatten', () => {
    const e = shapeError('linear', { input: img(4, 4, 8) });
    expect(e.at).toEqual({ port: 'input' });
    expect(e.message).toMatch(/flatten/);
  });

  it('add with different channel counts names both ports, the dim and a fix', () => {
    const e = shapeError('add', { a: img(8, 8, 64), b: img(8, 8, 32) });
    expect(e.at).toEqual({ port: 'b' });
    expect(e.message).toContain("'b'");
    expect(e.message).toContain("'a'");
    expect(e.message).toContain('dim 3 (32 vs 64)');
    expect(e.message).toMatch(/1×1 conv2d/);
  });

  it('add rejects a rank mismatch on an optional port', () => {
    const e = shapeError('add', { a: img(8, 8, 4), b: img(8, 8, 4), c: vec(4) });
    expect(e.at).toEqual({ port: 'c' });
    expect(e.message).toContain('rank 2 vs 4');
  });

  it('concat along channels with different sizes says which dim to fix', () => {
    const e = shapeError('concat', { a: img(8, 8, 3), b: img(4, 8, 3) });
    expect(e.at).toEqual({ port: 'b' });
    expect(e.message).toContain('dim 1 (4 vs 8)');
    expect(e.message).toMatch(/upsample/);
    expect(shapeError('concat', { a: vec(3), b: vec(3) }, { axis: 'height' }).at).toEqual({ param: 'axis' });
  });

  it('a loss whose target has other channels names target and the differing dim', () => {
    const e = shapeError('loss.l1', { input: img(16, 16, 3), target: img(16, 16, 1) });
    expect(e.at).toEqual({ port: 'target' });
    expect(e.message).toContain('dim 3 (1 vs 3)');
  });

  it('cross-entropy labels at another resolution suggest upsampling the logits', () => {
    const e = shapeError('loss.cross_entropy', { input: img(8, 8, 5), target: { kind: 'labels', shape: ['N', 32, 32] } });
    expect(e.at).toEqual({ port: 'target' });
    expect(e.message).toMatch(/N×8×8.*upsample/);
    const w = shapeError('loss.cross_entropy', { input: vec(5), target: { kind: 'labels', shape: ['N'] } }, { weights: [1, 2] });
    expect(w.at).toEqual({ param: 'weights' });
    expect(w.message).toContain('5 classes');
  });

  it('parameter problems point at the param', () => {
    expect(shapeError('conv_transpose2d', { input: img(4, 4, 2) }, { stride: 2, outputPadding: 2 }).at).toEqual({ param: 'outputPadding' });
    expect(shapeError('reflection_pad2d', { input: img(3, 8, 2) }, { padding: 3 }).at).toEqual({ param: 'padding' });
    expect(shapeError('conv2d', { input: img(3, 8, 2) }, { padding: 3, paddingMode: 'reflect' }).at).toEqual({ param: 'padding' });
    expect(shapeError('maxpool2d', { input: img(8, 8, 2) }, { kernelSize: 2, padding: 2 }).at).toEqual({ param: 'padding' });
    expect(shapeError('reshape', { input: vec(10) }, { shape: [3, -1] }).message).toContain('10 values');
    expect(shapeError('reshape', { input: vec(10) }, { shape: [-1, -1] }).at).toEqual({ param: 'shape' });
  });

  it('maps too small for the kernel say so', () => {
    const e = shapeError('conv2d', { input: img(2, 2, 3) }, { kernelSize: 7, padding: 0 });
    expect(e.at).toEqual({ port: 'input' });
    expect(e.message).toMatch(/smaller than the 7×7/);
    expect(shapeError('avgpool2d', { input: img(1, 1, 3) }, { kernelSize: 2, padding: 0 }).at).toEqual({ port: 'input' });
    expect(shapeError('instancenorm2d', { input: img(1, 1, 3) }).message).toMatch(/1×1/);
  });

  it('the dataset node without a dataset asks for one', () => {
    expect(() => registry['input.dataset'].inferShape({ inputs: {}, params: {} })).toThrow(/choose a dataset/);
  });
});
