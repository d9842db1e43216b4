/**
 * Graph files written by hand may leave out every param that has a default:
 * loading fills it, saving writes it back, so each shipped template with its
 * defaults stripped loads to exactly the template's bytes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { library } from '../library';
import { templates } from '../../nodes/templates';
import { nodeRegistry } from '../../nodes/registry';
import { loadGraph } from '../../core/graph/load';
import { serializeGraph } from '../../core/graph/serialize';
import { hasUsableDefault, type ParamSpec } from '../../core/params';

const handWritten = fileURLToPath(new URL('../fixtures/graphs/hand-written-unet.graph.json', import.meta.url));

describe('params left out of a graph file', () => {
  it('a hand-written U-Net with only non-default params loads with no problem at all', () => {
    const { graph, problems } = loadGraph(readFileSync(handWritten, 'utf8'), library);
    expect(problems).toEqual([]);
    const conv = graph!.nodes.find((n) => n.id === 'enc1')!;
    expect(conv.params).toEqual({ outChannels: 16, kernelSize: 3, stride: 1, padding: 1, paddingMode: 'zeros', dilation: 1, groups: 1, bias: false });
  });

  it.each(templates.map((t) => [t.id, t] as const))('template %s with its defaults stripped loads back to the same bytes', (_, template) => {
    const saved = serializeGraph(template.build());
    const stripped = JSON.parse(saved) as { nodes: { type: string; params: Record<string, unknown> }[] };
    let removed = 0;
    for (const node of stripped.nodes) {
      const specs = (nodeRegistry as Record<string, { params: Record<string, ParamSpec> }>)[node.type].params;
      for (const [name, spec] of Object.entries(specs)) {
        if (hasUsableDefault(spec) && JSON.stringify(node.params[name]) === JSON.stringify(spec.default)) {
          delete node.params[name];
          removed++;
        }
      }
    }
    expect(removed).toBeGreaterThan(0);
    const { graph, problems } = loadGraph(JSON.stringify(stripped), library);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(serializeGraph(graph!)).toBe(saved);
  });
});
