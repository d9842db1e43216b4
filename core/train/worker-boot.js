// Starts the TypeScript trainer in a fresh worker thread or child process:
// tsx's loader is registered here because `--import` in a worker's execArgv
// does not reach that thread's module loader. This entry point is where the
// trainer gets its node library: core/ imports no nodes.
import { register } from 'tsx/esm/api';

register();
const { nodeLibrary } = await import('../../nodes/library.ts');
const { runTrainerWorker } = await import('./worker-entry.ts');
runTrainerWorker(nodeLibrary);
