/** Every shipped template loads with no problem at all: no error, and no warning a user would have to puzzle over. */
import { describe, expect, it } from 'vitest';
import { library } from '../library';
import { templates } from '../../nodes/templates';
import { loadGraph } from '../../core/graph/load';
import { serializeGraph } from '../../core/graph/serialize';
import { graphHash } from '../../core/graph/serialize';

describe.each(templates.map((t) => [t.id, t] as const))('template %s', (_, template) => {
  it('loads with no errors and no warnings', () => {
    expect(loadGraph(serializeGraph(template.build()), library).problems).toEqual([]);
  });
});

describe('the perceptual template', () => {
  it('marks its loss network frozen, which changes neither what trains nor the graph hash', () => {
    const graph = templates.find((t) => t.id === 'perceptual-style')!.build();
    const lossNet = graph.modules.find((m) => m.id === 'LossNet')!;
    expect(lossNet.frozen).toBe(true);
    const unmarked = { ...graph, modules: graph.modules.map((m) => (m.id === 'LossNet' ? { ...m, frozen: undefined } : m)) };
    expect(graphHash(unmarked)).toBe(graphHash(graph));
    const trying = { ...graph, training: { ...graph.training, optimizers: graph.training.optimizers.map((o) => ({ ...o, modules: [...o.modules, 'LossNet'] })) } };
    expect(loadGraph(serializeGraph(trying), library).problems.map((p) => p.code)).toEqual(['frozen-module-optimized']);
  });
});
