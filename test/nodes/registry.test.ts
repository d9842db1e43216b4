/**
 * Contract checks for every node type the app ships: docs, params, shape
 * rules that agree with what forward really produces, and gradients that
 * exist and are finite. A node type added to the registry needs a fixture
 * in ./fixtures.ts (representative inputs and params).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tf } from '../../core/tf';
import { Rng } from '../../core/rng';
import { checkParam, defaultParams, type ParamSpecs, type ParamValues } from '../../core/params';
import { CATEGORIES, type AnyNodeDefinition, type InputPorts, type OutputPorts } from '../../core/node-api';
import { PORT_KINDS, concreteShape, type Dim } from '../../core/types';
import { nodeRegistry } from '../../nodes/registry';
import { buildNode, fixtureValues, floatOutputs } from './harness';
import { FIXTURES } from './fixtures';

const BATCH = 2;
const entries = Object.entries(nodeRegistry as Record<string, AnyNodeDefinition>);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('node registry', () => {
  it('has unique types that match their registry keys', () => {
    const types = entries.map(([, def]) => def.type);
    expect(new Set(types).size).toBe(types.length);
    for (const [key, def] of entries) expect(def.type, `registry key '${key}'`).toBe(key);
  });

  it('has a fixture for every node type', () => {
    const missing = entries.map(([key]) => key).filter((key) => !FIXTURES[key]);
    expect(missing, 'add fixtures for these types to test/nodes/fixtures.ts').toEqual([]);
  });
});

describe.each(entries)('%s', (type, def) => {
  it('is documented: title, a paragraph naming the PyTorch equivalent, every port', () => {
    expect(def.version).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(def.version)).toBe(true);
    expect(CATEGORIES).toContain(def.category);
    expect(def.title.trim().length).toBeGreaterThan(0);
    expect(def.doc.length).toBeGreaterThan(80);
    expect(def.doc).toMatch(/PyTorch|torch\./);
    for (const [port, spec] of Object.entries(def.inputs as InputPorts)) {
      expect(spec.doc.trim(), `input '${port}' doc`).not.toBe('');
      expect(spec.kinds.length, `input '${port}' kinds`).toBeGreaterThan(0);
      for (const kind of spec.kinds) expect(PORT_KINDS).toHaveProperty(kind);
    }
    for (const [port, spec] of Object.entries(def.outputs as OutputPorts)) {
      expect(spec.doc.trim(), `output '${port}' doc`).not.toBe('');
      expect(PORT_KINDS).toHaveProperty(spec.kind);
    }
  });

  it('documents every param and its default is valid', () => {
    for (const [name, spec] of Object.entries(def.params as ParamSpecs)) {
      expect(spec.doc.trim(), `param '${name}' doc`).not.toBe('');
      expect(checkParam(spec, spec.default), `param '${name}' default`).toBeNull();
    }
  });

  const fixtures = FIXTURES[type] ?? [];
  it.each(fixtures.map((fixture, i) => [i, fixture] as const))('fixture %i: forward shapes equal inferShape and gradients are finite', (_, fixture) => {
    for (const [name, value] of Object.entries(fixture.params ?? {})) {
      expect(checkParam((def.params as ParamSpecs)[name], value), `fixture param '${name}'`).toBeNull();
    }
    const params = { ...defaultParams(def.params as ParamSpecs), ...fixture.params } as ParamValues<ParamSpecs>;
    const args = { inputs: fixture.inputs, params, dataset: fixture.dataset };

    // The shape rule is pure: no tensors, no kernels, same answer twice.
    const runKernel = vi.spyOn(tf.engine(), 'runKernel');
    const makeTensor = vi.spyOn(tf.engine(), 'makeTensor');
    const inferred = def.inferShape(args);
    expect(def.inferShape(args)).toEqual(inferred);
    expect(runKernel).not.toHaveBeenCalled();
    expect(makeTensor).not.toHaveBeenCalled();
    vi.restoreAllMocks();

    if (def.flops) {
      const flops = def.flops({ ...args, outputs: inferred });
      expect(Number.isFinite(flops) && flops >= 0).toBe(true);
    }

    const node = buildNode(def, fixture.inputs, fixture.params, { dataset: fixture.dataset });
    const sizes = { N: BATCH };
    const { inputs, batch, floatInputs } = fixtureValues(fixture, new Rng(9), BATCH);

    for (const training of [true, false]) {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const outputs = node.run(inputs, { training, updateStats: training, batch });
        expect(Object.keys(outputs).filter((k) => outputs[k] !== undefined).sort()).toEqual(Object.keys(inferred).sort());
        for (const [port, t] of Object.entries(inferred)) {
          // Structured outputs (named feature maps) are checked level by level.
          // Dataset targets are checked field by field.
          const named = t!.levels ?? (t!.fields && Object.fromEntries(Object.entries(t!.fields).map(([f, ft]) => [f, ft.shape!])));
          const parts: [string, tf.Tensor, Dim[]][] = named
            ? Object.entries(named).map(([level, shape]) => [`${port}.${level}`, (outputs[port] as Record<string, tf.Tensor>)?.[level], [...shape]])
            : [[port, outputs[port] as tf.Tensor, [...t!.shape!]]];
          if (named) expect(Object.keys(outputs[port] ?? {}).sort(), `output '${port}' levels`).toEqual(Object.keys(named).sort());
          for (const [name, value, shape] of parts) {
            expect(value, `output '${name}'`).toBeInstanceOf(tf.Tensor);
            // RoI counts ('R') depend on the data; every other dim must match.
            const expected = shape.map((d, i) => (typeof d === 'string' && d !== 'N' ? value.shape[i] : d));
            expect(value.shape, `output '${name}' (training ${training})`).toEqual(concreteShape(expected, sizes));
            expect(Array.from(value.dataSync()).every(Number.isFinite), `output '${name}' finite`).toBe(true);
          }
        }
      });
      expect(tf.memory().numTensors, 'forward leaks tensors outside tidy').toBe(before);
    }

    // Gradients reach every float input and every trainable weight.
    const objective = (...xs: tf.Tensor[]) =>
      tf.addN(floatOutputs(node, inputs, floatInputs, batch, xs).map((v) => tf.sum(tf.mul(v, tf.randomNormal(v.shape, 0, 1, 'float32', 1)))));
    tf.tidy(() => {
      if (floatInputs.length > 0) {
        const grads = tf.grads(objective)(floatInputs.map((port) => inputs[port] as tf.Tensor));
        grads.forEach((g, i) => {
          expect(g.shape).toEqual((inputs[floatInputs[i]] as tf.Tensor).shape);
          expect(Array.from(g.dataSync()).every(Number.isFinite), `gradient of '${floatInputs[i]}'`).toBe(true);
        });
      }
      const trainable = [...node.weights.values()].filter((w) => w.trainable).map((w) => w.variable);
      if (trainable.length > 0) {
        const { grads } = tf.variableGrads(() => objective() as tf.Scalar, trainable);
        for (const [name, { variable, trainable: isTrainable }] of node.weights) {
          if (!isTrainable) continue;
          const g = grads[variable.name];
          expect(g, `gradient of weight '${name}'`).toBeDefined();
          expect(Array.from(g.dataSync()).every(Number.isFinite), `gradient of weight '${name}'`).toBe(true);
        }
      }
    });
    node.dispose();
    tf.dispose([...Object.values(inputs), ...Object.values(batch)]);
  });
});
