/**
 * The PyTorch export against PyTorch itself (Debian's python3-torch, which
 * .ci/run installs): the same weights and batches give the same forward
 * values, three training steps the same losses and weights, and weights
 * survive ours → safetensors → PyTorch → safetensors → ours bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { findTemplate } from '../../../nodes/templates';
import { mismatches, runParity, type ParityResult } from './torch-harness';
import { ganGraph, layersGraph, reflectGraph } from './graphs';

const TOLERANCE = 1e-4;

function expectParity(result: ParityResult): void {
  expect(result.forward.size).toBeGreaterThan(0);
  expect(mismatches(result.forward, TOLERANCE), 'forward outputs beyond 1e-4').toEqual({});
  for (const [k, { ours, torch }] of result.steps.entries()) {
    for (const [name, value] of Object.entries(ours.losses)) {
      expect(Math.abs(torch.losses[name] - value) / (1 + Math.abs(value)), `step ${k} loss '${name}': ours ${value}, PyTorch ${torch.losses[name]}`).toBeLessThanOrEqual(TOLERANCE);
    }
    for (const [id, rate] of Object.entries(ours.lr)) expect(torch.lr[id], `step ${k} learning rate of '${id}'`).toBeCloseTo(rate, 12);
  }
  expect(mismatches(result.trained, TOLERANCE), 'weights after training beyond 1e-4').toEqual({});
  // Round trip: PyTorch loaded our weights and saved them again; nothing may change, not one bit.
  for (const [name, [ours, back]] of result.initial) {
    expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(ours.buffer, ours.byteOffset, ours.byteLength)), name).toBe(true);
  }
}

describe('PyTorch export parity (python3-torch)', () => {
  it('every general node: forward, three training steps and a bit-identical weight round trip', async () => {
    const result = await runParity(layersGraph());
    // Every node's output was compared, not just the losses.
    expect(result.forward.size).toBe(layersGraph().nodes.length - 1);
    expectParity(result);
  }, 180_000);

  // KNOWN FAILURE until h3-numerics' fix of tfjs's MirrorPad gradient is merged: our reflect-padding gradient
  // is wrong today, so training diverges from PyTorch. After that merge, turn `it.fails` into `it`.
  it('reflection padding: three training steps match (with the corrected MirrorPad gradient)', async () => {
    expectParity(await runParity(reflectGraph()));
  }, 180_000);

  it('two optimizers, discriminator first: detached fakes, shared weights, statistics moved once per step', async () => {
    expectParity(await runParity(ganGraph('D first')));
  }, 180_000);

  it('two optimizers, generator first: values kept for the later optimizer are detached', async () => {
    expectParity(await runParity(ganGraph('G first'), 2));
  }, 180_000);

  it('the classifier template', async () => {
    // The template's architecture on smaller images, so the test takes seconds on a shared CPU.
    const graph = findTemplate('shapes-classifier')!.build();
    graph.training.batchSize = 2;
    graph.dataset.params = { ...graph.dataset.params, imageSize: 16 };
    expectParity(await runParity(graph));
  }, 180_000);

  it('the segmentation template', async () => {
    const graph = findTemplate('shapes-segmentation')!.build();
    graph.training.batchSize = 2;
    graph.dataset.params = { ...graph.dataset.params, imageSize: 16 };
    expectParity(await runParity(graph));
  }, 180_000);
});
