#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so the repo needs no build step before use.
// This entry point is where the CLI gets its node library: core/ imports no nodes.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
// Loaded on first use, so `--help`, `--version` and usage errors answer at once. File access lets `validate` and
// `info` check nodes that read files (a frozen feature network's model).
runCli(process.argv.slice(2), async () => {
  const [{ nodeLibrary }, { nodeIO }] = await Promise.all([import('../../nodes/library.ts'), import('../node-io.ts')]);
  return { ...nodeLibrary, io: nodeIO };
});
