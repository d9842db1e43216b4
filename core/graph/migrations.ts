/**
 * Upgrades of saved files. Two levels:
 *
 * - document migrations rewrite a whole file from format version v to v + 1,
 *   on the raw JSON before the schema sees it (an old file would not pass
 *   the current schema);
 * - node migrations (`NodeDefinition.migrations[v]`) rewrite one node's
 *   params from its type's version v to v + 1, after the structure is known.
 *
 * Version 1 is the first format, so the document list is empty for now.
 * Each migration added here gets its own test with a file saved by the old
 * version.
 */
import type { AnyNodeDefinition } from '../node-api';
import type { Problem } from './problems';
import { GRAPH_VERSION, type GraphNode } from './schema';

export interface DocumentMigration {
  /** The version this migration reads; it returns a document of version `from + 1`. */
  from: number;
  /** What changed, for the changelog and error messages. */
  summary: string;
  migrate(doc: Record<string, unknown>): Record<string, unknown>;
}

export const documentMigrations: readonly DocumentMigration[] = [];

export type DocumentMigrationResult =
  | { ok: true; doc: Record<string, unknown>; applied: number[] }
  | { ok: false; problem: Problem };

/**
 * Runs the migrations from `fromVersion` up to `targetVersion` on a copy of
 * `doc`. Fails, naming the version, when a step is missing or throws.
 */
export function migrateDocument(
  doc: Record<string, unknown>,
  fromVersion: number,
  migrations: readonly DocumentMigration[] = documentMigrations,
  targetVersion: number = GRAPH_VERSION,
): DocumentMigrationResult {
  let current: Record<string, unknown> = structuredClone(doc);
  const applied: number[] = [];
  for (let version = fromVersion; version < targetVersion; version++) {
    const step = migrations.find((m) => m.from === version);
    if (!step) {
      return {
        ok: false,
        problem: {
          severity: 'error',
          code: 'unsupported-version',
          message: `graph files of version ${version} cannot be read by this Tensorweave (it reads version ${targetVersion} and upgrades none older than ${oldestReadable(migrations, targetVersion)}); re-save the file with the Tensorweave release that wrote it.`,
          path: ['version'],
        },
      };
    }
    try {
      const next = step.migrate(current);
      if (!next || typeof next !== 'object' || Array.isArray(next)) throw new Error('it returned no document');
      current = { ...next, version: version + 1 };
    } catch (thrown) {
      return {
        ok: false,
        problem: {
          severity: 'error',
          code: 'migration-failed',
          message: `upgrading the file from version ${version} to ${version + 1} (${step.summary}) failed: ${thrown instanceof Error ? thrown.message : String(thrown)}. The file may be damaged; check it against the version ${version} format.`,
          path: ['version'],
        },
      };
    }
    applied.push(version);
  }
  return { ok: true, doc: current, applied };
}

function oldestReadable(migrations: readonly DocumentMigration[], targetVersion: number): number {
  let oldest = targetVersion;
  while (migrations.some((m) => m.from === oldest - 1)) oldest--;
  return oldest;
}

export type NodeMigrationResult = { ok: true; node: GraphNode } | { ok: false; problem: Problem };

/**
 * Brings a node saved with an older version of its type up to `def.version`.
 * A node from a newer version is refused: its params may mean something this
 * app does not know.
 */
export function migrateNode(node: GraphNode, def: AnyNodeDefinition, path: (string | number)[]): NodeMigrationResult {
  if (node.typeVersion === def.version) return { ok: true, node };
  if (node.typeVersion > def.version) {
    return {
      ok: false,
      problem: {
        severity: 'error',
        code: 'node-version-too-new',
        message: `node '${node.id}' was saved by a newer Tensorweave (${def.title} version ${node.typeVersion}; this app knows version ${def.version}). Update the app to open this graph.`,
        nodeId: node.id,
        path: [...path, 'typeVersion'],
      },
    };
  }
  let params: Record<string, unknown> = structuredClone(node.params);
  for (let version = node.typeVersion; version < def.version; version++) {
    const step = def.migrations && Object.hasOwn(def.migrations, version) ? def.migrations[version] : undefined;
    const failure = (why: string): NodeMigrationResult => ({
      ok: false,
      problem: {
        severity: 'error',
        code: 'node-migration-failed',
        message: `node '${node.id}' (${def.title}) was saved with version ${node.typeVersion} and cannot be upgraded to version ${def.version}: ${why}. Delete the node and add it again from the palette.`,
        nodeId: node.id,
        path: [...path, 'typeVersion'],
      },
    });
    if (!step) return failure(`node type '${def.type}' has no migration from version ${version}`);
    try {
      const next = step(params);
      if (!next || typeof next !== 'object' || Array.isArray(next)) return failure(`the migration from version ${version} returned no params`);
      params = next;
    } catch (thrown) {
      return failure(`the migration from version ${version} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    }
  }
  return { ok: true, node: { ...node, typeVersion: def.version, params } };
}
