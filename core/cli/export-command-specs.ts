/**
 * The PyTorch commands' entries in main.ts's table: usage and help here,
 * the work in export-commands.ts, loaded only when one runs.
 */
import type { Command } from './command';

const heavy = () => import('./export-commands');

export const exportCommandSpec: Command = {
  usage: 'pytorch <file> <outDir> [--weights <checkpointDir>] [--force]',
  summary: 'write the graph as a PyTorch package (model.py, losses.py, train.py, data.py)',
  help: `Writes plain PyTorch: one nn.Module per graph module, the optimizers in the graph's order, a train.py that
runs on one CPU or GPU, or on many under torchrun (DDP). Fails before writing anything, naming the node types
that cannot export yet.

Options:
  --weights DIR   a checkpoint (runs/<id>/checkpoints/step-N) whose weights the package starts from, as model.safetensors
  --force         write into a folder that is not empty`,
  run: async (args, app) => (await heavy()).exportCommand(args, await app.library()),
};

export const exportDataCommandSpec: Command = {
  usage: '<dataset> --count N <outDir> [--graph <file>] [--seed N] [--split train|val] [--force]',
  summary: "write a dataset's samples to files, so the exported train.py trains on the same data",
  help: `Writes N samples of a dataset (synthetic ones included) as samples.safetensors + samples.json.

Options:
  --count N        how many samples
  --graph FILE     take the dataset's params from this graph
  --seed N         the seed (default: the graph's, else 0)
  --split NAME     train (default) or val
  --force          write into a folder that is not empty`,
  run: async (args, app) => (await heavy()).exportDataCommand(args, await app.library()),
};

export const importWeightsCommandSpec: Command = {
  usage: '<file> <model.safetensors> [--out <checkpointsDir>]',
  summary: 'load a PyTorch state_dict (safetensors) into a checkpoint of the graph',
  help: `Matches tensors by <module>.<node id>.<param>, converts PyTorch layouts (OIHW, IOHW, out×in) to ours and
reports missing, unexpected and mis-shaped tensors; writes <checkpointsDir>/step-0000000 only when nothing is
mis-shaped. This is how pretrained backbones and loss networks come in from disk.

Options:
  --out DIR   where the checkpoint goes (default: runs/imported-<name>/checkpoints)`,
  run: async (args, app) => (await heavy()).importWeightsCommand(args, await app.library()),
};
