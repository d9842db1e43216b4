import { describe, expect, it } from 'vitest';
import { loadGraph, parseGraphObject } from '../../../core/graph/load';
import { inferGraph } from '../../../core/graph/infer';
import { serializeGraph } from '../../../core/graph/serialize';
import type { Problem } from '../../../core/graph/problems';
import { Rng } from '../../../core/rng';
import { testRegistries, validGraphObject, type GraphObject } from './fixtures';

// Mutations reach into arbitrary places of the document.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const load = (text: string) => loadGraph(text, testRegistries);
const mutated = (change: (g: Loose) => void) => {
  const g: GraphObject = validGraphObject();
  change(g);
  return JSON.stringify(g, null, 2);
};
const errorCodes = (problems: Problem[]) => [...new Set(problems.filter((p) => p.severity === 'error').map((p) => p.code))].sort();

describe('loadGraph on a valid file', () => {
  it('returns the graph with no problems and the defaults filled', () => {
    const { graph, problems } = load(JSON.stringify(validGraphObject()));
    expect(problems).toEqual([]);
    expect(graph?.nodes.map((n) => n.id)).toEqual(['img', 'lbl', 'c1', 'flat', 'fc', 'loss']);
    const optimizer = graph!.training.optimizers[0];
    expect(optimizer.type === 'adam' && optimizer.betas).toEqual([0.9, 0.999]);
    expect(graph!.training.logEvery).toBe(10);
  });

  it('accepts a byte-order mark', () => {
    expect(load(`\uFEFF${JSON.stringify(validGraphObject())}`).problems).toEqual([]);
  });
});

describe('loadGraph on a file that leaves params out', () => {
  it('fills params with defaults, and saving writes them out', () => {
    const text = mutated((g) => {
      g.nodes[2].params = { filters: 4 };
      g.nodes[4].params = {};
    });
    const { graph, problems } = load(text);
    expect(problems).toEqual([]);
    expect(graph!.nodes[2].params).toEqual({ filters: 4, kernel: 3, padding: 'same' });
    expect(graph!.nodes[4].params).toEqual({ units: 10 });
    const saved = serializeGraph(graph!);
    expect(JSON.parse(saved).nodes[2].params).toEqual({ filters: 4, kernel: 3, padding: 'same' });
    expect(serializeGraph(load(saved).graph!)).toBe(saved);
  });

  it('still names a param without a usable default, and fills the others of that node', () => {
    const { graph, problems } = load(
      mutated((g) => {
        g.nodes.push({ id: 'name', type: 'tagged', typeVersion: 1, params: {} });
        g.edges.push({ from: { node: 'c1', port: 'y' }, to: { node: 'name', port: 'x' } });
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/param 'tag' of Tagged 'name' is missing and has no default; set it \(text: Name to show\.\)/);
    expect(graph!.nodes[6].params).toEqual({ repeat: 1 });
  });

  it('fills an old node only after its migration, with the current defaults', () => {
    const { graph, problems } = load(mutated((g) => (g.nodes[2] = { id: 'c1', type: 'conv2d', typeVersion: 1, params: { filters: 4, k: 5 } })));
    expect(problems).toEqual([]);
    expect(graph!.nodes[2]).toMatchObject({ typeVersion: 2, params: { filters: 4, kernel: 5, padding: 'same' } });
  });
});

interface MalformedCase {
  name: string;
  text: string;
  /** The exact set of error codes expected: a fault must not drag unrelated noise along. */
  codes: string[];
  /** Fields the problem with codes[0] must carry. */
  where?: Partial<Problem>;
  /** Whether a (broken) graph should still come back for the editor to show. */
  graph: boolean;
}

const malformed: MalformedCase[] = [
  { name: 'not JSON', text: '{\n  "format": "tensorweave.graph",\n  "version": 1,,\n}', codes: ['invalid-json'], where: { line: 3, column: 16 }, graph: false },
  { name: 'empty string', text: '', codes: ['invalid-json'], graph: false },
  { name: 'only whitespace', text: ' \n\t', codes: ['invalid-json'], graph: false },
  { name: 'an array', text: '[]', codes: ['not-an-object'], graph: false },
  { name: 'null', text: 'null', codes: ['not-an-object'], graph: false },
  { name: 'a number', text: '42', codes: ['not-an-object'], graph: false },
  { name: 'wrong format', text: mutated((g) => (g.format = 'keras.model')), codes: ['wrong-format'], where: { path: ['format'] }, graph: false },
  { name: 'no format', text: mutated((g) => delete g.format), codes: ['wrong-format'], graph: false },
  { name: 'version 0 (no migration)', text: mutated((g) => (g.version = 0)), codes: ['unsupported-version'], graph: false },
  { name: 'version 2 (newer app)', text: mutated((g) => (g.version = 2)), codes: ['future-version'], graph: false },
  { name: 'version "1" (string)', text: mutated((g) => (g.version = '1')), codes: ['invalid-version'], graph: false },
  { name: 'version 1.5', text: mutated((g) => (g.version = 1.5)), codes: ['invalid-version'], graph: false },
  { name: 'missing version', text: mutated((g) => delete g.version), codes: ['missing-version'], graph: false },
  { name: 'missing nodes', text: mutated((g) => delete g.nodes), codes: ['invalid-structure'], where: { path: ['nodes'] }, graph: false },
  { name: 'missing training', text: mutated((g) => delete g.training), codes: ['invalid-structure'], where: { path: ['training'] }, graph: false },
  {
    name: 'unknown node type',
    text: mutated((g) => (g.nodes[2].type = 'Conv2D')),
    codes: ['unknown-node-type'],
    where: { nodeId: 'c1', path: ['nodes', 2, 'type'] },
    graph: true,
  },
  { name: 'extra param', text: mutated((g) => (g.nodes[4].params.bias = true)), codes: ['unknown-param'], where: { nodeId: 'fc', param: 'bias' }, graph: true },
  {
    name: 'missing param without a default',
    text: mutated((g) => {
      g.nodes.push({ id: 'name', type: 'tagged', typeVersion: 1, params: {} });
      g.edges.push({ from: { node: 'c1', port: 'y' }, to: { node: 'name', port: 'x' } });
    }),
    codes: ['missing-param'],
    where: { nodeId: 'name', param: 'tag', path: ['nodes', 6, 'params', 'tag'] },
    graph: true,
  },
  { name: 'out-of-range param', text: mutated((g) => (g.nodes[2].params.kernel = 9)), codes: ['invalid-param'], where: { nodeId: 'c1', param: 'kernel' }, graph: true },
  { name: 'param of the wrong type', text: mutated((g) => (g.nodes[2].params.padding = 'reflect')), codes: ['invalid-param'], where: { nodeId: 'c1', param: 'padding' }, graph: true },
  {
    name: 'dangling edge (no such node)',
    text: mutated((g) => g.edges.push({ from: { node: 'ghost', port: 'y' }, to: { node: 'flat', port: 'x' } })),
    codes: ['dangling-edge'],
    where: { path: ['edges', 5], nodeId: 'flat' },
    graph: true,
  },
  {
    name: 'dangling edge (no such port)',
    text: mutated((g) => (g.edges[0].to.port = 'input')),
    codes: ['dangling-edge', 'unwired-input'],
    where: { nodeId: 'c1', port: 'input', path: ['edges', 0] },
    graph: true,
  },
  {
    name: 'duplicate edge',
    text: mutated((g) => g.edges.push(structuredClone(g.edges[1]))),
    codes: ['duplicate-edge'],
    where: { nodeId: 'flat', port: 'x', path: ['edges', 5] },
    graph: true,
  },
  {
    name: 'two wires into one input',
    text: mutated((g) => {
      g.nodes.push({ id: 'img2', type: 'image_in', typeVersion: 1, params: {} });
      g.edges.push({ from: { node: 'img2', port: 'image' }, to: { node: 'c1', port: 'x' } });
    }),
    codes: ['input-wired-twice'],
    where: { nodeId: 'c1', port: 'x' },
    graph: true,
  },
  {
    name: 'cycle',
    text: mutated((g) => {
      g.nodes.push({ id: 'sum', type: 'add', typeVersion: 1, params: {} });
      g.edges[1].from.node = 'sum';
      g.edges.push({ from: { node: 'c1', port: 'y' }, to: { node: 'sum', port: 'a' } });
      g.edges.push({ from: { node: 'sum', port: 'y' }, to: { node: 'sum', port: 'b' } });
    }),
    codes: ['cycle'],
    where: { nodeId: 'sum' },
    graph: true,
  },
  {
    name: 'kind-incompatible wire',
    text: mutated((g) => (g.edges[0].from = { node: 'lbl', port: 'labels' })),
    codes: ['incompatible-kinds'],
    where: { nodeId: 'c1', port: 'x', path: ['edges', 0] },
    graph: true,
  },
  {
    name: 'shape mismatch',
    text: mutated((g) => Object.assign(g.nodes[2].params, { kernel: 7, padding: 'valid' }) && (g.dataset.params.size = 4)),
    codes: ['shape-mismatch'],
    where: { nodeId: 'c1', param: 'kernel' },
    graph: true,
  },
  {
    name: 'required input unwired',
    text: mutated((g) => g.edges.splice(4, 1)),
    codes: ['unwired-input'],
    where: { nodeId: 'loss', port: 'labels' },
    graph: true,
  },
  {
    name: 'unknown module in optimizer',
    text: mutated((g) => (g.training.optimizers[0].modules = ['net', 'generator'])),
    codes: ['optimizer-unknown-module'],
    where: { path: ['training', 'optimizers', 0, 'modules', 1] },
    graph: true,
  },
  {
    name: 'loss term on a non-loss node',
    text: mutated((g) => g.training.optimizers[0].losses.push({ node: 'fc', weight: 1 })),
    codes: ['loss-not-a-loss'],
    where: { nodeId: 'fc', path: ['training', 'optimizers', 0, 'losses', 1, 'node'] },
    graph: true,
  },
  {
    name: 'loss term on a missing node',
    text: mutated((g) => (g.training.optimizers[0].losses[0].node = 'los')),
    codes: ['loss-unknown-node'],
    where: { nodeId: 'los' },
    graph: true,
  },
  {
    name: 'duplicate node id',
    text: mutated((g) => g.nodes.push({ id: 'fc', type: 'dense', typeVersion: 1, params: { units: 2 } })),
    codes: ['duplicate-node-id'],
    where: { nodeId: 'fc', path: ['nodes', 6, 'id'] },
    graph: true,
  },
  {
    name: 'node in two modules',
    text: mutated((g) => g.modules.push({ id: 'head', name: 'Head', nodes: ['fc'] })),
    codes: ['node-in-two-modules'],
    where: { nodeId: 'fc', path: ['modules', 1, 'nodes', 0] },
    graph: true,
  },
  { name: 'module lists a missing node', text: mutated((g) => g.modules[0].nodes.push('c2')), codes: ['module-unknown-node'], where: { nodeId: 'c2' }, graph: true },
  {
    name: 'duplicate optimizer id',
    text: mutated((g) => g.training.optimizers.push({ ...g.training.optimizers[0], type: 'sgd' })),
    codes: ['duplicate-optimizer-id'],
    where: { path: ['training', 'optimizers', 1, 'id'] },
    graph: true,
  },
  { name: 'unknown dataset type', text: mutated((g) => (g.dataset.type = 'toys')), codes: ['unknown-dataset-type'], graph: true },
  {
    name: 'bad dataset param',
    text: mutated((g) => (g.dataset.params.size = 2)),
    codes: ['invalid-dataset-param'],
    where: { param: 'size', path: ['dataset', 'params', 'size'] },
    graph: true,
  },
  { name: 'node saved by a newer app', text: mutated((g) => (g.nodes[4].typeVersion = 3)), codes: ['node-version-too-new'], where: { nodeId: 'fc' }, graph: true },
  {
    name: 'node with a bad id is left out with its wires',
    text: mutated((g) => {
      g.nodes[3].id = 'flat layer';
      g.edges[1].to.node = 'flat layer';
      g.edges[2].from.node = 'flat layer';
    }),
    codes: ['invalid-structure'],
    where: { nodeId: 'flat layer', path: ['nodes', 3, 'id'] },
    graph: true,
  },
  {
    name: 'optimizer with an unknown type',
    text: mutated((g) => (g.training.optimizers[0].type = 'rmsprop')),
    codes: ['invalid-structure'],
    where: { path: ['training', 'optimizers', 0, 'type'] },
    graph: false,
  },
];

describe('loadGraph on malformed files', () => {
  it.each(malformed)('$name', ({ text, codes, where, graph }) => {
    const result = load(text);
    expect(errorCodes(result.problems)).toEqual([...codes].sort());
    const first = result.problems.find((p) => p.code === codes[0])!;
    if (where) expect(first).toMatchObject(where);
    expect(first.message.length).toBeGreaterThan(20);
    expect(result.graph !== undefined).toBe(graph);
  });

  it('reports every problem of a file at once', () => {
    const text = mutated((g) => {
      g.nodes[2].params.kernel = 0;
      g.nodes[4].params.bias = true;
      g.edges.push({ from: { node: 'fc', port: 'y' }, to: { node: 'nowhere', port: 'x' } });
      g.training.optimizers[0].modules.push('decoder');
    });
    const { graph, problems } = load(text);
    expect(graph).toBeDefined();
    expect(errorCodes(problems)).toEqual(['dangling-edge', 'invalid-param', 'optimizer-unknown-module', 'unknown-param']);
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('names the line and column of a JSON syntax error', () => {
    const [problem] = load('{\n  "format": "tensorweave.graph",\n  "nodes": [\n    {"id": \'c1\'}\n  ]\n}').problems;
    expect(problem).toMatchObject({ code: 'invalid-json', line: 4, column: 12 });
    expect(problem.message).toContain('double quotes');
    expect(load('{"a": [1, 2,]}').problems[0]).toMatchObject({ line: 1, column: 13 });
    expect(load('{"a": "unterminated').problems[0].message).toContain('not closed');
  });

  it('keeps the rest of the graph when one part is broken, saying what was left out', () => {
    const { graph, problems } = load(
      mutated((g) => {
        g.nodes[2].typeVersion = 'two';
        g.nodes[3].colour = 'red';
        g.training.steps = -4;
        g.layout.nodes.img.x = 'left';
      }),
    );
    expect(graph).toBeDefined();
    expect(graph!.nodes.map((n) => n.id)).toEqual(['img', 'lbl', 'flat', 'fc', 'loss']);
    // The left-out node's wires, module entry and layout go with it.
    expect(graph!.edges.some((e) => e.from.node === 'c1' || e.to.node === 'c1')).toBe(false);
    expect(graph!.modules[0].nodes).toEqual(['fc']);
    expect(graph!.training.steps).toBe(1000);
    expect(Object.keys(graph!.layout.nodes)).toEqual(['loss']);
    expect(problems.every((p) => p.code === 'invalid-structure')).toBe(true);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/nodes\[2\]\.typeVersion.*nodes\[2\] is left out, with its wires/),
      expect.stringMatching(/unknown key 'colour'; remove it/),
      expect.stringMatching(/training\.steps.*default is used/),
      expect.stringMatching(/layout\.nodes\.img\.x.*entry 'img' is left out/),
    ]);
  });

  it('parseGraphObject reports non-JSON values instead of throwing', () => {
    const g: Loose = validGraphObject();
    g.nodes[0].params.callback = () => 1;
    expect(parseGraphObject(g, testRegistries).problems[0].code).toBe('invalid-structure');
  });
});

describe('loadGraph never throws', () => {
  const pool: unknown[] = [null, 0, -1, 1.5, 1e300, '', 'x', 'conv2d', 'main', true, [], {}, [1, 2], { id: 'q' }, '__proto__', 'constructor'];
  const nodeTypes = Object.keys(testRegistries.nodes);

  /** Every [container, key] in the document, so a mutation can hit any level. */
  function slots(root: unknown): [Loose, string | number][] {
    const out: [Loose, string | number][] = [];
    const visit = (value: unknown) => {
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          out.push([value, i]);
          visit(item);
        });
      } else if (value && typeof value === 'object') {
        for (const key of Object.keys(value)) {
          out.push([value, key]);
          visit((value as Loose)[key]);
        }
      }
    };
    visit(root);
    return out;
  }

  function mutate(doc: Loose, rng: Rng): void {
    const all = slots(doc);
    if (all.length === 0) return;
    const [container, key] = all[rng.int(all.length)];
    switch (rng.int(6)) {
      case 0:
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete container[key];
        break;
      case 1:
        container[key] = structuredClone(pool[rng.int(pool.length)]);
        break;
      case 2: {
        const node = doc.nodes?.[rng.int(Math.max(1, doc.nodes?.length ?? 1))];
        if (node && typeof node === 'object') node.type = nodeTypes[rng.int(nodeTypes.length)];
        break;
      }
      case 3:
        if (Array.isArray(container)) container.push(structuredClone(container[key as number]));
        else container[`${key}_copy`] = structuredClone(container[key]);
        break;
      case 4: {
        // Rewire an edge to a random node and port name.
        const edge = doc.edges?.[rng.int(Math.max(1, doc.edges?.length ?? 1))];
        const node = doc.nodes?.[rng.int(Math.max(1, doc.nodes?.length ?? 1))];
        if (edge?.to && node?.id) edge[rng.int(2) === 0 ? 'from' : 'to'] = { node: node.id, port: ['x', 'y', 'a', 'b', 'image', 'labels'][rng.int(6)] };
        break;
      }
      default:
        container[key] = rng.uniform(-1e3, 1e3);
    }
  }

  it('on 200 random mutations of a valid graph, returning well-formed problems', () => {
    const rng = new Rng(20261127);
    let withGraph = 0;
    for (let trial = 0; trial < 200; trial++) {
      const doc = validGraphObject();
      const count = 1 + rng.int(3);
      for (let i = 0; i < count; i++) mutate(doc, rng);
      const text = JSON.stringify(doc);
      const result = load(text);
      const again = parseGraphObject(doc, testRegistries);
      for (const { problems } of [result, again]) {
        for (const problem of problems) {
          expect(['error', 'warning']).toContain(problem.severity);
          expect(problem.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
          expect(problem.code).not.toBe('internal-error');
          expect(typeof problem.message).toBe('string');
        }
      }
      if (result.graph) {
        withGraph++;
        expect(() => serializeGraph(result.graph!)).not.toThrow();
        expect(inferGraph(result.graph, testRegistries).order.length).toBeLessThanOrEqual(result.graph.nodes.length);
      }
      // A broken mutation must say so; a harmless one (e.g. moving a layout entry) may be clean.
      if (!result.graph) expect(result.problems.some((p) => p.severity === 'error')).toBe(true);
    }
    expect(withGraph).toBeGreaterThan(50);
  });

  it('on text truncated at every length', () => {
    const text = JSON.stringify(validGraphObject());
    for (let end = 0; end < text.length; end += 7) {
      const { graph, problems } = load(text.slice(0, end));
      expect(graph).toBeUndefined();
      expect(problems[0].code).toMatch(/^(invalid-json|not-an-object)$/);
    }
  });

  it('on deeply nested or hostile JSON', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(load(deep).problems[0].code).toBe('not-an-object');
    expect(load(`${'['.repeat(5000)}`).problems[0].code).toBe('invalid-json');
    const hostile = mutated((g) => {
      g.nodes.push({ id: '__proto__', type: 'constructor', typeVersion: 1, params: { __proto__: 1 } });
      g.edges.push({ from: { node: '__proto__', port: 'y' }, to: { node: 'toString', port: 'x' } });
    });
    const { graph, problems } = load(hostile);
    expect(graph).toBeDefined();
    expect(errorCodes(problems)).toEqual(['dangling-edge', 'unknown-node-type']);
  });
});
