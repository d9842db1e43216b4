/** `tensorweave info`: shared weights counted once, a FLOPs figure for every node, warnings shown. */
import { describe, expect, it } from 'vitest';
import { library } from '../../library';
import { describeGraph, infoText } from '../../../core/cli/info';
import { nodeRegistry } from '../../../nodes/registry';
import { templates } from '../../../nodes/templates';
import { compileGraph } from '../../../core/compile/compiler';
import { validateGraph } from '../../../core/graph/validate';
import { tinyGan, tinyRegressor } from '../train/helpers';

describe('describeGraph', () => {
  it('counts weights shared between nodes once, at their owner', () => {
    const graph = tinyGan();
    const rows = describeGraph(graph, library);
    const real = rows.find((r) => r.nodeId === 'D_real')!;
    const fake = rows.find((r) => r.nodeId === 'D_fake')!;
    expect(real).toMatchObject({ parameters: 0, sharesWeightsWith: 'D_fake' });
    expect(fake.parameters).toBe(4 * 4 * 3 * 1 + 1);
    const program = compileGraph(graph, { registries: library });
    const unique = program.weights.filter((w) => w.trainable).reduce((a, w) => a + w.variable.size, 0);
    program.dispose();
    expect(rows.reduce((a, r) => a + r.parameters, 0)).toBe(unique);
    const text = infoText(graph, [], library);
    expect(text).toMatch(/^D_real\s+conv2d\s+D\s+= D_fake\s/m);
    expect(text).toContain(`${unique} parameters (${unique}); 1 node uses another's weights ("= owner"), counted once`);
  });

  it('prints the graph\'s warnings above the table', () => {
    const graph = tinyRegressor();
    graph.modules.push({ id: 'head', name: 'Head', nodes: ['conv2'] });
    const problems = validateGraph(graph, library);
    expect(problems.map((p) => p.code)).toEqual(['module-not-optimized']);
    const text = infoText(graph, problems, library, 'g.json');
    expect(text.split('\n')[0]).toMatch(/^g\.json: warning: modules\.0: no optimizer updates module 'head'/);
    expect(text).toMatch(/— 1 warning above\n$/);
  });
});

describe('FLOPs', () => {
  it('every node type has a FLOPs rule', () => {
    const missing = Object.entries(nodeRegistry)
      .filter(([, def]) => typeof def.flops !== 'function')
      .map(([type]) => type);
    expect(missing).toEqual([]);
  });

  it.each(templates.map((t) => [t.id, t] as const))('in template %s every node reports FLOPs, > 0 where it has parameters', (_, template) => {
    const rows = describeGraph(template.build(), library);
    for (const row of rows) {
      expect(Number.isFinite(row.flops), `${row.nodeId} (${row.type})`).toBe(true);
      expect(row.flops!, `${row.nodeId} (${row.type})`).toBeGreaterThanOrEqual(0);
      if (row.parameters > 0) expect(row.flops!, `${row.nodeId} (${row.type}) has ${row.parameters} parameters`).toBeGreaterThan(0);
    }
  });

  it('counts the global discriminator\'s convs and head', () => {
    const cgan = describeGraph(templates.find((t) => t.id === 'cgan')!.build(), library);
    const d = cgan.find((r) => r.type === 'discriminator.global')!;
    expect(d.flops).toBeGreaterThan(2 * d.parameters);
  });
});
