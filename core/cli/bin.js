#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so the repo needs no build step before use.
// This entry point is where the CLI gets its node library: core/ imports no nodes.
import { register } from 'tsx/esm/api';

register();
const { nodeLibrary } = await import('../../nodes/library.ts');
const { nodeIO } = await import('../node-io.ts');
const { runCli } = await import('./main.ts');
// File access lets `validate` and `info` check nodes that read files (a frozen feature network's model).
runCli(process.argv.slice(2), { ...nodeLibrary, io: nodeIO });
