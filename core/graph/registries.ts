/**
 * The registries graph functions look node and dataset types up in. The
 * engine ships none of its own: every function takes them as a parameter,
 * the app's entry points pass the node library (nodes/library.ts) and tests
 * pass it or small local ones. The interface lives in core/node-api.ts
 * because shape rules receive it too.
 */
export type { GraphRegistries } from '../node-api';
