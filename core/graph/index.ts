/**
 * The graph file format: loading (with migrations), validation, shape
 * inference, wiring rules, canonical saving and hashing.
 */
export * from './schema';
export * from './problems';
export type { GraphRegistries } from './registries';
export { loadGraph, parseGraphObject, type LoadOptions, type LoadResult } from './load';
export { validateGraph } from './validate';
export { inferGraph, type InferResult, type InferredNode } from './infer';
export { canConnect, canConnectInGraph, type ConnectRefusal, type ConnectResult, type PortRef } from './connect';
export { serializeGraph, graphHash, executablePart } from './serialize';
export { documentMigrations, migrateDocument, migrateNode, type DocumentMigration, type DocumentMigrationResult, type NodeMigrationResult } from './migrations';
export { graphJsonSchema, graphJsonSchemaText, paramJsonSchema } from './json-schema';
export { withDefaults, closestName, datasetInfoOf } from './lookup';
export { sha256 } from './hash';
