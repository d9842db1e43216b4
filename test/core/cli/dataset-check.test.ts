/** `tensorweave validate` checks the dataset the way `train` does before its first step. */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { library } from '../../library';
import { datasetOpenProblems } from '../../../core/cli/dataset-check';
import { findTemplate } from '../../../nodes/templates';
import { serializeGraph } from '../../../core/graph/serialize';
import { tempDir } from '../train/helpers';
import { GraphBuilder } from '../../../core/graph/builder';

const bin = fileURLToPath(new URL('../../../core/cli/bin.js', import.meta.url));
/** A one-conv image-to-image graph reading A|B pairs from a folder. */
const pix2pixOn = (params: Record<string, unknown>) => {
  const g = new GraphBuilder({ name: 'folder pairs' }, library);
  g.dataset('folder.pix2pix', params);
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.A' }, { outChannels: 3 }, 'conv');
  g.op('loss.l1', { input: 'conv.output', target: 'data.B' }, {}, 'l1');
  g.optimizer({ type: 'adam', id: 'adam', modules: ['main'], losses: [{ node: 'l1', weight: 1 }], lr: 1e-3 });
  return g.build();
};

describe('datasetOpenProblems', () => {
  it('reports a folder dataset without a path, naming the param', () => {
    expect(datasetOpenProblems(pix2pixOn({}), library)).toEqual([
      expect.objectContaining({ severity: 'error', code: 'dataset-cannot-open', param: 'path', path: ['dataset', 'params', 'path'], message: expect.stringContaining('set path to the dataset folder') }),
    ]);
  });

  it('reports a folder that does not exist', async () => {
    const missing = path.join(await tempDir('tw-ds-'), 'nothing-here');
    const [problem] = datasetOpenProblems(pix2pixOn({ path: missing }), library);
    expect(problem.message).toContain('folder does not exist');
  });

  it('finds nothing wrong with the synthetic datasets of the templates', () => {
    expect(datasetOpenProblems(findTemplate('pix2pix')!.build(), library)).toEqual([]);
  });

  it('makes the validate command exit 1', async () => {
    const file = path.join(await tempDir('tw-ds-'), 'no-path.graph.json');
    await fs.writeFile(file, serializeGraph(pix2pixOn({ imageSize: 32 })));
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, 'validate', file], { timeout: 120_000 }, (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }));
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error: dataset\.params\.path: dataset 'folder\.pix2pix' cannot be opened for training, as train would find: path: set path/);
  });
});
