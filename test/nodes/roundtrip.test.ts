/**
 * Registry-wide: every node type survives save → load unchanged, and an
 * unknown param or out-of-range value on it is reported, not ignored.
 */
import { describe, expect, it } from 'vitest';
import { nodeRegistry } from '../../nodes/registry';
import { GraphBuilder } from '../../core/graph/builder';
import { loadGraph } from '../../core/graph/load';
import { serializeGraph } from '../../core/graph/serialize';
import { defaultParams } from '../../core/params';
import { library } from '../library';

describe.each(Object.keys(nodeRegistry))('node type %s', (type) => {
  const def = nodeRegistry[type as keyof typeof nodeRegistry];

  function graphWithNode(params: Record<string, unknown> = {}) {
    const g = new GraphBuilder({ name: `round trip ${type}` }, library);
    g.add(type, params, 'subject');
    g.optimizer({ type: 'adam', id: 'opt', modules: ['main'], losses: [{ node: 'subject', weight: 1 }], lr: 1e-3 });
    return g.build();
  }

  it('saves and loads back byte-identical, with every param kept', () => {
    const text = serializeGraph(graphWithNode());
    const { graph } = loadGraph(text, library);
    expect(graph).toBeDefined();
    expect(serializeGraph(graph!)).toBe(text);
    const node = graph!.nodes.find((n) => n.id === 'subject')!;
    expect(node.typeVersion).toBe(def.version);
    expect(node.params).toEqual(defaultParams(def.params));
  });

  it('reports an unknown param by name', () => {
    const graph = graphWithNode();
    (graph.nodes[0].params as Record<string, unknown>).notAParam = 1;
    const { problems } = loadGraph(serializeGraph(graph), library);
    expect(problems.some((p) => p.nodeId === 'subject' && p.message.includes('notAParam'))).toBe(true);
  });
});
