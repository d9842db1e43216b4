import { describe, expect, it } from 'vitest';
import { inferGraph } from '../../../core/graph/infer';
import { validateGraph } from '../../../core/graph/validate';
import { graphSchema, type GraphDocument } from '../../../core/graph/schema';
import { testRegistries, validGraphObject, type GraphObject } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function graphWith(change: (g: Loose) => void = () => {}): GraphDocument {
  const g: GraphObject = validGraphObject();
  change(g);
  return graphSchema.parse(g);
}
const infer = (graph: GraphDocument) => inferGraph(graph, testRegistries);

describe('inferGraph', () => {
  it('types every port from the dataset down to the loss, in topological order', () => {
    const graph = graphWith((g) => (g.dataset.params.size = 16));
    const { nodes, order, problems } = infer(graph);
    expect(problems).toEqual([]);
    expect(nodes.c1.inputs.x).toEqual({ kind: 'image', shape: ['N', 16, 16, 3], dtype: 'float32' });
    expect(nodes.c1.outputs.y.shape).toEqual(['N', 16, 16, 4]);
    expect(nodes.flat.outputs.y.shape).toEqual(['N', 16 * 16 * 4]);
    expect(nodes.fc.outputs.y.shape).toEqual(['N', 3]);
    expect(nodes.loss.outputs.loss).toEqual({ kind: 'loss', shape: [] });
    expect([...order].sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    const position = new Map(order.map((id, i) => [id, i]));
    for (const edge of graph.edges) expect(position.get(edge.from.node)!).toBeLessThan(position.get(edge.to.node)!);
  });

  it('fills missing params with defaults so the editor still sees types', () => {
    const { nodes, problems } = infer(graphWith((g) => delete g.nodes[2].params.filters));
    expect(problems).toEqual([]);
    expect(nodes.c1.outputs.y.shape).toEqual(['N', 8, 8, 8]);
  });

  it('turns a ShapeError into one problem and skips everything downstream silently', () => {
    const { nodes, problems } = infer(
      graphWith((g) => {
        Object.assign(g.nodes[2].params, { kernel: 7, padding: 'valid' });
        g.dataset.params.size = 4;
      }),
    );
    expect(problems).toEqual([
      {
        severity: 'error',
        code: 'shape-mismatch',
        message: "Conv2D 'c1': kernel 7 is larger than the 4×4 input; use a smaller kernel or 'same' padding",
        nodeId: 'c1',
        param: 'kernel',
        path: ['nodes', 2, 'params', 'kernel'],
      },
    ]);
    expect(nodes.c1.error).toBe(problems[0]);
    expect(nodes.c1.inputs.x.shape).toEqual(['N', 4, 4, 3]);
    expect(Object.keys(nodes).sort()).toEqual(['c1', 'img', 'lbl']);
  });

  it('names the port of a ShapeError about an input', () => {
    const { problems } = infer(
      graphWith((g) => {
        g.nodes.push({ id: 'c2', type: 'conv2d', typeVersion: 2, params: { filters: 5, kernel: 1, padding: 'same' } }, { id: 'sum', type: 'add', typeVersion: 1, params: {} });
        g.edges.push(
          { from: { node: 'img', port: 'image' }, to: { node: 'c2', port: 'x' } },
          { from: { node: 'c1', port: 'y' }, to: { node: 'sum', port: 'a' } },
          { from: { node: 'c2', port: 'y' }, to: { node: 'sum', port: 'b' } },
        );
      }),
    );
    expect(problems).toEqual([expect.objectContaining({ code: 'shape-mismatch', nodeId: 'sum', port: 'b', message: expect.stringContaining("'b' is N×8×8×5 but 'a' is N×8×8×4") })]);
  });

  it('reports a crashing shape rule as a bug in that node type, without throwing', () => {
    const { problems } = infer(
      graphWith((g) => {
        g.nodes.push({ id: 'bug', type: 'buggy', typeVersion: 1, params: {} }, { id: 'after', type: 'scale', typeVersion: 1, params: { factor: 2 } });
        g.edges.push({ from: { node: 'fc', port: 'y' }, to: { node: 'bug', port: 'x' } }, { from: { node: 'bug', port: 'y' }, to: { node: 'after', port: 'x' } });
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'infer-crashed', nodeId: 'bug' });
    expect(problems[0].message).toMatch(/Buggy 'bug': its shape rule crashed \(.*P9.*\) on inputs \{x: N×3\}/);
  });

  it('passes undefined for an unwired optional input and flags an output a node does not produce', () => {
    const { nodes, problems } = infer(
      graphWith((g) => {
        g.nodes.push({ id: 'split', type: 'splitter', typeVersion: 1, params: { withExtra: false } }, { id: 'c3', type: 'conv2d', typeVersion: 2, params: { filters: 2, kernel: 1, padding: 'same' } });
        g.edges.push({ from: { node: 'img', port: 'image' }, to: { node: 'split', port: 'x' } }, { from: { node: 'split', port: 'extra' }, to: { node: 'c3', port: 'x' } });
      }),
    );
    expect(nodes.split.outputs.y.shape).toEqual(['N', 8, 8, 3]);
    expect(problems).toEqual([expect.objectContaining({ code: 'output-unavailable', nodeId: 'c3', port: 'x', message: expect.stringContaining("Splitter 'split' does not produce output 'extra'") })]);
  });

  it('leaves structural faults to validateGraph: unknown types, bad params, cycles, missing wires', () => {
    const { nodes, order, problems } = infer(
      graphWith((g) => {
        g.nodes[4].type = 'mystery';
        g.nodes[2].params.filters = -1;
        g.nodes.push({ id: 'p', type: 'scale', typeVersion: 1, params: { factor: 1 } }, { id: 'q', type: 'scale', typeVersion: 1, params: { factor: 1 } }, { id: 'lonely', type: 'flatten', typeVersion: 1, params: {} });
        g.edges.push({ from: { node: 'p', port: 'y' }, to: { node: 'q', port: 'x' } }, { from: { node: 'q', port: 'y' }, to: { node: 'p', port: 'x' } });
        g.edges.push({ from: { node: 'nobody', port: 'y' }, to: { node: 'lonely', port: 'x' } });
      }),
    );
    expect(problems).toEqual([]);
    expect(order).not.toContain('p');
    expect(order).not.toContain('q');
    expect(Object.keys(nodes).sort()).toEqual(['img', 'lbl']);
  });

  it('keeps input nodes quiet when the dataset is broken, but not when it lacks a field they need', () => {
    const broken = infer(graphWith((g) => (g.dataset.type = 'missing')));
    expect(broken.problems).toEqual([]);
    expect(Object.keys(broken.nodes)).toEqual([]);
    const toy = testRegistries.datasets.toy;
    const imagesOnly = { ...toy, fields: (params: Loose) => ({ image: toy.fields(params).image }) };
    const { problems } = inferGraph(graphWith(), { ...testRegistries, datasets: { toy: imagesOnly } });
    expect(problems).toEqual([expect.objectContaining({ code: 'shape-mismatch', nodeId: 'lbl', message: "Labels Input 'lbl': the dataset has no label field" })]);
  });

  it('types a 1000-node chain correctly and fast enough for every edit', () => {
    const length = 1000;
    const g: Loose = validGraphObject();
    g.nodes = [{ id: 'img', type: 'image_in', typeVersion: 1, params: {} }];
    g.edges = [];
    let previous = 'img';
    let port = 'image';
    for (let i = 0; i < length - 1; i++) {
      const id = `s${i}`;
      g.nodes.push({ id, type: 'scale', typeVersion: 1, params: { factor: 1 + i / length } });
      g.edges.push({ from: { node: previous, port }, to: { node: id, port: 'x' } });
      previous = id;
      port = 'y';
    }
    // The fixture's classifier head ends the chain, so the graph also validates clean.
    const head = validGraphObject();
    g.nodes.push(...head.nodes.filter((n) => n.id !== 'img' && n.id !== 'c1'));
    g.edges.push({ from: { node: previous, port }, to: { node: 'flat', port: 'x' } }, ...head.edges.slice(2));
    // Reverse node order so the topological sort does real work.
    g.nodes.reverse();
    g.modules = [];
    g.training.optimizers[0].modules = ['main'];
    g.layout = {};
    const graph = graphSchema.parse(g);

    const runs: number[] = [];
    let result = infer(graph);
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      result = infer(graph);
      runs.push(performance.now() - start);
    }
    expect(result.problems).toEqual([]);
    expect(result.order).toHaveLength(graph.nodes.length);
    expect(result.order.indexOf('img')).toBeLessThan(result.order.indexOf('s0'));
    expect(result.order.indexOf(`s${length - 2}`)).toBeLessThan(result.order.indexOf('flat'));
    expect(result.order[result.order.length - 1]).toBe('loss');
    expect(result.nodes[`s${length - 2}`].outputs.y).toEqual({ kind: 'tensor', shape: ['N', 8, 8, 3], dtype: 'float32' });
    expect(result.nodes.fc.outputs.y.shape).toEqual(['N', 3]);
    runs.sort((a, b) => a - b);
    const start = performance.now();
    expect(validateGraph(graph, testRegistries)).toEqual([]);
    const validateMs = performance.now() - start;
    console.log(`${length}-node chain: inferGraph median ${runs[5].toFixed(2)} ms (max ${runs[9].toFixed(2)}), validateGraph ${validateMs.toFixed(2)} ms`);
  });
});
