// Starts the TypeScript trainer entry in a fresh worker thread or child
// process: tsx's loader is registered here because `--import` in a worker's
// execArgv does not reach that thread's module loader.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
