/**
 * NodeIO on Node's file system (core/io.ts): what the trainer and the CLI
 * hand to nodes and datasets that read files. Node-only; the editor has none.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NodeIO } from './io';
import { imageDecoder } from './data/image-decoder';
import { loadCheckpointSync } from './train/checkpoint';

function checkpointDir(location: string): string {
  let stat;
  try {
    stat = statSync(location);
  } catch (error) {
    throw new Error(`cannot read checkpoint '${location}': ${(error as Error).message}`, { cause: error });
  }
  if (!stat.isDirectory()) throw new Error(`'${location}' is not a folder: give a run folder or one of its checkpoints/step-… folders`);
  const checkpoints = path.join(location, 'checkpoints');
  let names: string[];
  try {
    names = readdirSync(checkpoints).filter((n) => /^step-\d+$/.test(n)).sort();
  } catch {
    return location;
  }
  if (names.length === 0) throw new Error(`run folder '${location}' has no checkpoint yet`);
  return path.join(checkpoints, names[names.length - 1]);
}

export const nodeIO: NodeIO = {
  readText: (file) => readFileSync(file, 'utf8'),
  readBytes: (file) => readFileSync(file),
  exists: (file) => existsSync(file),
  isDirectory: (dir) => statSync(dir).isDirectory(),
  list: (dir) => readdirSync(dir),
  version(file) {
    const stat = statSync(file);
    return `${path.resolve(file)}@${stat.mtimeMs}:${stat.size}`;
  },
  resolve: (...parts) => path.resolve(...parts),
  join: (...parts) => path.join(...parts),
  dirname: (file) => path.dirname(file),
  extname: (file) => path.extname(file),
  // One decoding thread serves every dataset that reads the user's images.
  decodeImages: (request) => imageDecoder().request(request),
  checkpointDir,
  readCheckpoint(dir) {
    // The graph is returned as text: the node parses it with the registries it was given.
    const { graphText, weights } = loadCheckpointSync(dir, () => undefined as never);
    return { graphText, weights };
  },
};
