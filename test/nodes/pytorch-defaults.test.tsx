/**
 * Defaults that differ from PyTorch's are kept on purpose (conv2d padding 1,
 * conv_transpose2d k4 s2 p1, LeakyReLU 0.2) and shown wherever a param is:
 * the inspector field, docs/nodes.md, `describe`, the JSON Schema.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { nodeRegistry } from '../../nodes/registry';
import { datasetRegistry } from '../../core/data/registry';
import { describeParam, type ParamSpec } from '../../core/params';
import { describeTypes } from '../../core/cli/describe';
import { ParamField } from '../../renderer/inspector/ParamField';

const registries = { nodes: nodeRegistry, datasets: datasetRegistry };
const params = (type: string) => (nodeRegistry as Record<string, { params: Record<string, ParamSpec> }>)[type].params;

describe('defaults that differ from PyTorch', () => {
  it('are declared on the params a PyTorch user would trip over', () => {
    expect(params('conv2d').padding).toMatchObject({ default: 1, torchDefault: 0 });
    expect(params('conv_transpose2d').stride).toMatchObject({ default: 2, torchDefault: 1 });
    expect(params('conv_transpose2d').padding).toMatchObject({ default: 1, torchDefault: 0 });
    expect(params('leaky_relu').negativeSlope).toMatchObject({ default: 0.2, torchDefault: 0.01 });
  });

  it('differ for real and say why in the param doc', () => {
    for (const [type, def] of Object.entries(nodeRegistry)) {
      for (const [name, spec] of Object.entries(def.params as Record<string, ParamSpec>)) {
        if (spec.torchDefault === undefined) continue;
        expect(JSON.stringify(spec.torchDefault), `${type}.${name}`).not.toBe(JSON.stringify(spec.default));
        expect(spec.doc + def.doc, `${type}.${name}`).toMatch(/PyTorch/);
      }
    }
  });

  it('show in the inspector field without hovering', () => {
    const html = renderToStaticMarkup(<ParamField name="padding" spec={params('conv2d').padding} value={1} onCommit={() => null} />);
    expect(html).toContain('data-testid="torch-default"');
    expect(html).toContain('PyTorch: 0');
    const plain = renderToStaticMarkup(<ParamField name="stride" spec={params('conv2d').stride} value={1} onCommit={() => null} />);
    expect(plain).not.toContain('torch-default');
  });

  it('show in docs/nodes.md, describe and the JSON Schema text', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../docs/nodes.md', import.meta.url)), 'utf8');
    expect(docs).toContain('| `padding` | int (0 ≤ x ≤ 64) | `1` ⚠ **PyTorch: `0`** |');
    expect(describeTypes(['conv_transpose2d'], registries).stdout).toContain("stride: int (1 ≤ x ≤ 16); default 2 (differs from PyTorch's 1)");
    expect(describeParam(params('conv2d').padding)).toBe("int (0 ≤ x ≤ 64), default 1 (differs from PyTorch: PyTorch's default is 0)");
  });
});
