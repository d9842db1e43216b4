/** The node reference: docs/nodes.md and `tensorweave describe`, both written from the registries. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeRegistry } from '../../../nodes/registry';
import { datasetRegistry } from '../../../core/data/registry';
import { describeTypes, nodeReferenceMarkdown } from '../../../core/cli/describe';

const registries = { nodes: nodeRegistry, datasets: datasetRegistry };
const committed = fileURLToPath(new URL('../../../docs/nodes.md', import.meta.url));
const bin = fileURLToPath(new URL('../../../core/cli/bin.js', import.meta.url));

describe('docs/nodes.md', () => {
  const text = readFileSync(committed, 'utf8');

  it('is up to date with the node and dataset registries (run `npm run gen:docs` if not)', () => {
    expect(text).toBe(nodeReferenceMarkdown(registries));
  });

  it('documents every node type with each of its ports and params, and every dataset type', () => {
    for (const [type, def] of Object.entries(nodeRegistry)) {
      const start = text.indexOf(`### \`${type}\` — `);
      expect(start, type).toBeGreaterThan(0);
      const end = text.indexOf('\n### ', start + 1);
      const section = text.slice(start, end < 0 ? undefined : end);
      for (const port of [...Object.keys(def.inputs), ...Object.keys(def.outputs), ...Object.keys(def.params)]) {
        expect(section, `${type}.${port}`).toContain(`| \`${port}\``);
      }
    }
    for (const type of Object.keys(datasetRegistry)) expect(text).toContain(`### \`${type}\` — `);
  });

  it('gives each param its type, range and default, and each port its kind', () => {
    expect(text).toContain('| `kernelSize` | int (1 ≤ x ≤ 31) | `3` | Filter height and width in pixels (PyTorch has no default: kernel_size is required). |');
    expect(text).toContain('| `input` | image / feature map (`image`) | N×H×W×C, channels last. | Feature map N×H×W×C_in. |');
  });
});

describe('tensorweave describe', () => {
  it('prints a node type\'s ports, params with defaults and ranges, and doc', () => {
    const { code, stdout } = describeTypes(['conv2d'], registries);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^conv2d — Conv2d \(Layers, version 2\)/);
    expect(stdout).toContain('Inputs:\n  input: image / feature map (image)');
    expect(stdout).toContain('Outputs:\n  output: image / feature map (image)');
    expect(stdout).toContain('  padding: int (0 ≤ x ≤ 64); default 1');
    expect(stdout).toContain('PyTorch nn.Conv2d');
  });

  it('describes a dataset type with its fields', () => {
    const { code, stdout } = describeTypes(['folder.pix2pix'], registries);
    expect(code).toBe(0);
    expect(stdout).toContain('path: text; default ""');
    expect(stdout).toContain('A: image / feature map N×64×64×3');
  });

  it('lists every type when given none', () => {
    const { code, stdout } = describeTypes([], registries);
    expect(code).toBe(0);
    for (const type of [...Object.keys(nodeRegistry), ...Object.keys(datasetRegistry)]) expect(stdout).toContain(type);
  });

  it('suggests the closest type for an unknown one', () => {
    expect(describeTypes(['Conv2D'], registries)).toMatchObject({ code: 1, stderr: expect.stringContaining("no node or dataset type 'Conv2D'. Did you mean 'conv2d'?") });
    expect(describeTypes(['batchnorm'], registries).stderr).toContain("Did you mean 'batchnorm2d'?");
    expect(describeTypes(['transformer'], registries).stderr).toContain("Run 'tensorweave describe' to list them.");
  });

  it('runs from the command line', async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'describe', 'conv_transpos2d'], { timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain("Did you mean 'conv_transpose2d'?");
  });
});
