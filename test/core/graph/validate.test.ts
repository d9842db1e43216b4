import { describe, expect, it } from 'vitest';
import { validateGraph } from '../../../core/graph/validate';
import { graphSchema, type GraphDocument } from '../../../core/graph/schema';
import { withDefaults } from '../../../core/graph/lookup';
import type { Problem } from '../../../core/graph/problems';
import { testRegistries, validGraphObject, type GraphObject } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function graphWith(change: (g: Loose) => void = () => {}): GraphDocument {
  const g: GraphObject = validGraphObject();
  change(g);
  return graphSchema.parse(g);
}
const validate = (graph: GraphDocument) => validateGraph(graph, testRegistries);
const only = (problems: Problem[], code: string) => problems.filter((p) => p.code === code);

describe('validateGraph', () => {
  it('finds nothing wrong with the valid fixture', () => {
    expect(validate(graphWith())).toEqual([]);
  });

  it('suggests the closest node type, and none when nothing is close', () => {
    const problems = validate(
      graphWith((g) => {
        g.nodes[2].type = 'conv_2d';
        g.nodes[4].type = 'Dense';
        g.nodes[3].type = 'transformer';
      }),
    );
    const messages = only(problems, 'unknown-node-type').map((p) => p.message);
    expect(messages).toEqual([
      expect.stringContaining("Did you mean 'conv2d'?"),
      expect.stringContaining('Pick a type from the node palette'),
      expect.stringContaining("Did you mean 'dense'?"),
    ]);
    // Nodes of unknown type have unknown ports: their wires are not second-guessed.
    expect(only(problems, 'dangling-edge')).toEqual([]);
  });

  it('says what a missing param defaults to and withDefaults fills it', () => {
    const graph = graphWith((g) => delete g.nodes[2].params.padding);
    const [problem] = validate(graph);
    expect(problem).toMatchObject({ code: 'missing-param', nodeId: 'c1', param: 'padding', path: ['nodes', 2, 'params', 'padding'] });
    expect(problem.message).toContain('"same"');
    const filled = withDefaults(graph.nodes[2], testRegistries);
    expect(filled.params).toEqual({ filters: 4, kernel: 3, padding: 'same' });
    expect(validate({ ...graph, nodes: graph.nodes.map((n) => withDefaults(n, testRegistries)) })).toEqual([]);
  });

  it('lists the known params for an unknown one and names the broken bound for a bad value', () => {
    const problems = validate(
      graphWith((g) => {
        g.nodes[2].params.kernal = 3;
        g.nodes[2].params.filters = 2.5;
      }),
    );
    const unknown = only(problems, 'unknown-param')[0];
    expect(unknown.message).toMatch(/unknown param 'kernal' on Conv2D 'c1' \(known: 'filters', 'kernel', 'padding'\).*Did you mean 'kernel'/);
    expect(only(problems, 'invalid-param')[0].message).toMatch(/param 'filters' of Conv2D 'c1' must be a whole number, got 2.5/);
  });

  it('explains a wire that starts at an input', () => {
    const [problem] = validate(graphWith((g) => (g.edges[2].from = { node: 'fc', port: 'x' })));
    expect(problem).toMatchObject({ code: 'dangling-edge', nodeId: 'fc', port: 'x', path: ['edges', 2] });
    expect(problem.message).toContain("'x' is an input of Dense 'fc'; a wire starts at an output ('y')");
  });

  it('names every node of each cycle, one problem per loop', () => {
    const graph = graphWith((g) => {
      g.nodes.push(
        { id: 'a', type: 'scale', typeVersion: 1, params: { factor: 1 } },
        { id: 'b', type: 'scale', typeVersion: 1, params: { factor: 1 } },
        { id: 'c', type: 'scale', typeVersion: 1, params: { factor: 1 } },
        { id: 'self', type: 'scale', typeVersion: 1, params: { factor: 2 } },
      );
      g.edges.push(
        { from: { node: 'a', port: 'y' }, to: { node: 'b', port: 'x' } },
        { from: { node: 'b', port: 'y' }, to: { node: 'c', port: 'x' } },
        { from: { node: 'c', port: 'y' }, to: { node: 'a', port: 'x' } },
        { from: { node: 'self', port: 'y' }, to: { node: 'self', port: 'x' } },
      );
    });
    const cycles = only(validate(graph), 'cycle');
    expect(cycles.map((p) => p.nodeId)).toEqual(['a', 'self']);
    expect(cycles[0].message).toContain("'a' → 'b' → 'c' → 'a'");
    expect(cycles[1].message).toContain("'self' → 'self'");
  });

  it('handles a cycle through 5000 nodes without exhausting the stack', () => {
    const count = 5000;
    const graph = graphWith((g) => {
      for (let i = 0; i < count; i++) {
        g.nodes.push({ id: `s${i}`, type: 'scale', typeVersion: 1, params: { factor: 1 } });
        g.edges.push({ from: { node: `s${i}`, port: 'y' }, to: { node: `s${(i + 1) % count}`, port: 'x' } });
      }
    });
    const cycles = only(validate(graph), 'cycle');
    expect(cycles).toHaveLength(1);
    expect(cycles[0].message).toMatch(/^nodes 's0' → 's1' → .* → 's4999' → 's0' form a cycle/);
  });

  it('checks modules: reserved and duplicate ids, untrained modules, doubled entries', () => {
    const problems = validate(
      graphWith((g) => {
        g.modules.push({ id: 'main', name: 'Main', nodes: [] });
        g.modules.push({ id: 'net', name: 'Again', nodes: [] });
        g.modules.push({ id: 'head', name: 'Head', nodes: ['loss', 'loss'] });
      }),
    );
    expect(only(problems, 'reserved-module-id')[0].path).toEqual(['modules', 1, 'id']);
    expect(only(problems, 'duplicate-module-id')[0].path).toEqual(['modules', 2, 'id']);
    expect(only(problems, 'module-lists-node-twice')[0]).toMatchObject({ severity: 'warning', nodeId: 'loss' });
    // 'head' holds only a loss, which has no weights: nothing is left untrained.
    expect(only(problems, 'module-not-optimized')).toEqual([]);
  });

  it('warns about trainable weights outside every optimized module, once per module, unless the module is frozen', () => {
    const unoptimized = validate(graphWith((g) => (g.training.optimizers[0].modules = ['main'])));
    expect(only(unoptimized, 'module-not-optimized')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        nodeId: 'c1',
        path: ['modules', 0],
        message: expect.stringContaining("no optimizer updates module 'net', so the weights of its nodes 'c1', 'fc' (879 trainable weights) keep their initial values"),
      }),
    ]);
    const inMain = validate(
      graphWith((g) => {
        g.modules[0].nodes = ['c1'];
        g.training.optimizers[0].modules = ['net'];
      }),
    );
    expect(only(inMain, 'module-not-optimized')).toEqual([
      expect.objectContaining({ nodeId: 'fc', path: ['nodes', 4], message: expect.stringMatching(/^node 'fc' \(771 trainable weights\) is in no module, and no optimizer updates 'main'/) }),
    ]);
    const frozen = validate(
      graphWith((g) => {
        g.modules[0].frozen = true;
        g.training.optimizers[0].modules = ['main'];
      }),
    );
    expect(frozen).toEqual([]);
  });

  it('refuses an optimizer that updates a frozen module', () => {
    const problems = validate(graphWith((g) => (g.modules[0].frozen = true)));
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'error', code: 'frozen-module-optimized', path: ['training', 'optimizers', 0, 'modules', 0], message: expect.stringContaining("optimizer 'opt' updates module 'net', which is marked \"frozen\": true") }),
    ]);
  });

  it('warns about a loss listed twice by one optimizer and suggests a near module name', () => {
    const problems = validate(
      graphWith((g) => {
        g.training.optimizers[0].losses.push({ node: 'loss', weight: 0.5 });
        g.training.optimizers[0].modules = ['nett'];
      }),
    );
    expect(only(problems, 'duplicate-loss-term')[0].severity).toBe('warning');
    expect(only(problems, 'optimizer-unknown-module')[0].message).toMatch(/modules: 'main', 'net'.*Did you mean 'net'/);
  });

  it('checks dataset params and datasets that cannot describe their fields', () => {
    const unknownParam = validate(graphWith((g) => (g.dataset.params.colour = true)));
    expect(unknownParam).toEqual([expect.objectContaining({ code: 'unknown-dataset-param', param: 'colour' })]);
    const refusing = validate(graphWith((g) => (g.dataset = { type: 'refusing', params: {} })));
    // Input nodes cannot be typed without fields, but the dataset's problem is the only one reported.
    expect(refusing.map((p) => p.code)).toEqual(['dataset-fields-failed']);
    expect(refusing[0].message).toContain('no index file in data/refusing');
  });

  it('warns about layout entries for nodes and modules that do not exist', () => {
    const problems = validate(
      graphWith((g) => {
        g.layout.nodes.gone = { x: 1, y: 2 };
        g.layout.modules.old = { color: '#fff' };
      }),
    );
    expect(problems.map((p) => [p.severity, p.code])).toEqual([
      ['warning', 'layout-unknown-node'],
      ['warning', 'layout-unknown-module'],
    ]);
  });

  it('includes shape problems from inference, once per fault', () => {
    const problems = validate(
      graphWith((g) => {
        g.nodes.push({ id: 'bug', type: 'buggy', typeVersion: 1, params: {} });
        g.edges.push({ from: { node: 'c1', port: 'y' }, to: { node: 'bug', port: 'x' } });
      }),
    );
    expect(problems).toEqual([expect.objectContaining({ code: 'infer-crashed', nodeId: 'bug', message: expect.stringContaining("bug in node type 'buggy'") })]);
  });
});
