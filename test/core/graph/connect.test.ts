import { describe, expect, it } from 'vitest';
import { canConnect, canConnectInGraph } from '../../../core/graph/connect';
import { graphSchema, type GraphDocument } from '../../../core/graph/schema';
import { testRegistries, validGraphObject } from './fixtures';

const graph: GraphDocument = graphSchema.parse(validGraphObject());
const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
const connect = (from: [string, string], to: [string, string]) =>
  canConnect({ node: from[0], port: from[1] }, { node: to[0], port: to[1] }, testRegistries);

describe('canConnect', () => {
  it('accepts matching kinds, bare types and the documented widenings', () => {
    expect(connect(['image_in', 'image'], ['conv2d', 'x'])).toEqual({ ok: true });
    expect(canConnect({ node: node('c1'), port: 'y' }, { node: node('flat'), port: 'x' }, testRegistries)).toEqual({ ok: true });
    // A 'tensor' input takes any dense kind, labels and losses included.
    expect(connect(['labels_in', 'labels'], ['flatten', 'x'])).toEqual({ ok: true });
    expect(connect(['cross_entropy', 'loss'], ['scale', 'x'])).toEqual({ ok: true });
  });

  it('names both ports and kinds when the kinds do not fit', () => {
    expect(connect(['cross_entropy', 'loss'], ['conv2d', 'x'])).toEqual({
      ok: false,
      code: 'incompatible-kinds',
      reason: "Conv2D input 'x' accepts image / feature map; Cross-Entropy Loss output 'loss' gives loss.",
    });
    const result = canConnect({ node: node('fc'), port: 'y' }, { node: node('c1'), port: 'x' }, testRegistries);
    expect(result).toMatchObject({ ok: false, reason: "Conv2D 'c1' input 'x' accepts image / feature map; Dense 'fc' output 'y' gives vector." });
    // 'tensor' outputs are not narrowed to an image input.
    expect(connect(['scale', 'y'], ['conv2d', 'x'])).toMatchObject({ ok: false, code: 'incompatible-kinds' });
  });

  it('refuses ports that do not exist or run the wrong way, suggesting the intended one', () => {
    expect(connect(['conv2d', 'x'], ['flatten', 'x'])).toEqual({
      ok: false,
      code: 'wrong-direction',
      reason: "'x' is an input of Conv2D; a wire starts at an output ('y').",
    });
    expect(connect(['conv2d', 'y'], ['dense', 'y'])).toMatchObject({ ok: false, code: 'wrong-direction' });
    expect(connect(['cross_entropy', 'loss'], ['cross_entropy', 'logit'])).toEqual({
      ok: false,
      code: 'unknown-port',
      reason: "Cross-Entropy Loss has no input 'logit' (inputs: 'logits', 'labels'). Did you mean 'logits'?",
    });
    expect(connect(['conv2d', 'toString'], ['dense', 'x'])).toMatchObject({ ok: false, code: 'unknown-port' });
    expect(connect(['conv3d', 'y'], ['dense', 'x'])).toEqual({
      ok: false,
      code: 'unknown-node-type',
      reason: "conv3d has unknown type 'conv3d', so its ports are unknown.",
    });
  });
});

describe('canConnectInGraph', () => {
  const check = (from: [string, string], to: [string, string]) =>
    canConnectInGraph(graph, { from: { node: from[0], port: from[1] }, to: { node: to[0], port: to[1] } }, testRegistries);

  it('accepts a new wire into a free input', () => {
    const extended = graphSchema.parse({ ...validGraphObject(), nodes: [...validGraphObject().nodes, { id: 's', type: 'scale', typeVersion: 1, params: { factor: 1 } }] });
    expect(canConnectInGraph(extended, { from: { node: 'fc', port: 'y' }, to: { node: 's', port: 'x' } }, testRegistries)).toEqual({ ok: true });
  });

  it('refuses a second wire into an occupied input, naming the wire already there', () => {
    expect(check(['img', 'image'], ['flat', 'x'])).toEqual({
      ok: false,
      code: 'input-occupied',
      reason: "input 'x' of 'flat' already has a wire from 'c1'.y; an input takes one wire, so remove that one first.",
    });
    expect(check(['c1', 'y'], ['flat', 'x'])).toMatchObject({ ok: false, code: 'already-connected' });
  });

  it('refuses a wire that would close a cycle, naming the loop', () => {
    const extended = graphSchema.parse({
      ...validGraphObject(),
      nodes: [...validGraphObject().nodes, { id: 'sum', type: 'add', typeVersion: 1, params: {} }],
      edges: [...validGraphObject().edges, { from: { node: 'c1', port: 'y' }, to: { node: 'sum', port: 'a' } }],
    });
    const loop = canConnectInGraph(extended, { from: { node: 'sum', port: 'y' }, to: { node: 'sum', port: 'b' } }, testRegistries);
    expect(loop).toMatchObject({ ok: false, code: 'would-create-cycle', reason: expect.stringContaining("'sum' → 'sum'") });
    const withScale = graphSchema.parse({
      ...validGraphObject(),
      nodes: [...validGraphObject().nodes, { id: 's', type: 'scale', typeVersion: 1, params: { factor: 1 } }],
      edges: [...validGraphObject().edges, { from: { node: 'fc', port: 'y' }, to: { node: 's', port: 'x' } }],
    });
    const back = canConnectInGraph(withScale, { from: { node: 's', port: 'y' }, to: { node: 'flat', port: 'x' } }, testRegistries);
    // The input is occupied too; occupancy is reported first because removing that wire is the fix the user reaches for.
    expect(back).toMatchObject({ ok: false, code: 'input-occupied' });
    const withoutWire = { ...withScale, edges: withScale.edges.filter((e) => e.to.node !== 'flat') };
    expect(canConnectInGraph(withoutWire, { from: { node: 's', port: 'y' }, to: { node: 'flat', port: 'x' } }, testRegistries)).toEqual({
      ok: false,
      code: 'would-create-cycle',
      reason: "wiring 's' into 'flat' would close the loop 'flat' → 'fc' → 's' → 'flat'; graphs must not have cycles.",
    });
  });

  it('refuses wires to nodes not in the graph', () => {
    expect(check(['ghost', 'y'], ['flat', 'x'])).toMatchObject({ ok: false, code: 'unknown-node', reason: expect.stringContaining("'ghost'") });
  });
});
