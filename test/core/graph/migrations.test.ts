import { describe, expect, it } from 'vitest';
import { migrateDocument, migrateNode, documentMigrations, type DocumentMigration } from '../../../core/graph/migrations';
import { loadGraph } from '../../../core/graph/load';
import { serializeGraph } from '../../../core/graph/serialize';
import type { AnyNodeDefinition } from '../../../core/node-api';
import { testNodes, testRegistries, validGraphObject } from './fixtures';

/**
 * A made-up pre-release format 0: wires were a list of "node.port" pairs
 * under "wires", and the format had no "modules" list. Migrating it to v1
 * exercises the mechanism with the real current schema at the end.
 */
const v0ToV1: DocumentMigration = {
  from: 0,
  summary: 'wires became edges with {node, port} ends',
  migrate(doc) {
    const { wires, ...rest } = doc as { wires: [string, string][] };
    const end = (ref: string) => {
      const [node, port] = ref.split('.');
      return { node, port };
    };
    return { ...rest, edges: wires.map(([from, to]) => ({ from: end(from), to: end(to) })) };
  },
};

function versionZeroFile(): string {
  const { edges, modules: _modules, ...rest } = validGraphObject();
  const wires = edges.map((e) => [`${e.from.node}.${e.from.port}`, `${e.to.node}.${e.to.port}`]);
  const optimizers = rest.training.optimizers.map((o) => ({ ...o, modules: ['main'] }));
  return JSON.stringify({ ...rest, version: 0, wires, training: { ...rest.training, optimizers }, layout: { ...rest.layout, modules: {} } });
}

describe('document migrations', () => {
  it('ships none yet: version 1 is the first format', () => {
    expect(documentMigrations).toEqual([]);
  });

  it('loadGraph upgrades an old file through the given migrations before the schema runs', () => {
    const { graph, problems } = loadGraph(versionZeroFile(), testRegistries, { migrations: [v0ToV1] });
    expect(problems).toEqual([]);
    expect(graph!.version).toBe(1);
    expect(graph!.edges).toEqual(validGraphObject().edges);
    expect(graph!.modules).toEqual([]);
    // Saved again, the file is a plain version-1 file.
    expect(JSON.parse(serializeGraph(graph!))).not.toHaveProperty('wires');
  });

  it('without the migration, an old file is refused by version, not by a list of schema errors', () => {
    const { graph, problems } = loadGraph(versionZeroFile(), testRegistries);
    expect(graph).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unsupported-version', path: ['version'] });
  });

  it('chains steps in order and leaves the input untouched', () => {
    const chain: DocumentMigration[] = [
      { from: 2, summary: 'b doubled', migrate: (d) => ({ ...d, b: (d.b as number) * 2 }) },
      { from: 1, summary: 'a renamed to b', migrate: ({ a, ...d }) => ({ ...d, b: a }) },
      { from: 3, summary: 'c added', migrate: (d) => ({ ...d, c: `${d.b}!` }) },
    ];
    const input = { version: 1, a: 5 };
    const result = migrateDocument(input, 1, chain, 4);
    expect(result).toEqual({ ok: true, doc: { version: 4, b: 10, c: '10!' }, applied: [1, 2, 3] });
    expect(input).toEqual({ version: 1, a: 5 });
    expect(migrateDocument(input, 2, chain, 4)).toMatchObject({ ok: true, doc: { version: 4, a: 5, b: NaN }, applied: [2, 3] });
  });

  it('names the missing step', () => {
    const result = migrateDocument({ version: 1 }, 1, [{ from: 2, summary: 's', migrate: (d) => d }], 3);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.code).toBe('unsupported-version');
      expect(result.problem.message).toMatch(/version 1 cannot be read.*reads version 3.*none older than 2/);
    }
  });

  it('reports a step that throws or returns nothing', () => {
    const throwing = migrateDocument({ version: 0 }, 0, [{ from: 0, summary: 'split ids', migrate: () => { throw new Error('edge 3 has no port'); } }], 1);
    expect(throwing).toMatchObject({ ok: false, problem: { code: 'migration-failed' } });
    if (!throwing.ok) expect(throwing.problem.message).toContain('edge 3 has no port');
    const empty = migrateDocument({ version: 0 }, 0, [{ from: 0, summary: 'x', migrate: () => null as never }], 1);
    expect(empty).toMatchObject({ ok: false, problem: { code: 'migration-failed' } });
  });
});

describe('node migrations', () => {
  const conv = testNodes.conv2d;
  const v1Conv = { id: 'c1', type: 'conv2d', typeVersion: 1, params: { filters: 4, k: 5, padding: 'same' } };

  it('upgrade params one version at a time', () => {
    const result = migrateNode(v1Conv, conv, ['nodes', 2]);
    expect(result).toEqual({ ok: true, node: { ...v1Conv, typeVersion: 2, params: { filters: 4, kernel: 5, padding: 'same' } } });
    expect(v1Conv.params).toHaveProperty('k', 5);
  });

  it('run inside loadGraph, after the schema and before validation', () => {
    const g: { nodes: unknown[] } = validGraphObject();
    g.nodes[2] = { ...v1Conv, label: 'First conv' };
    const { graph, problems } = loadGraph(JSON.stringify(g), testRegistries);
    expect(problems).toEqual([]);
    expect(graph!.nodes[2]).toMatchObject({ typeVersion: 2, params: { kernel: 5 } });
  });

  it('refuse a node from a newer app', () => {
    const result = migrateNode({ ...v1Conv, typeVersion: 3 }, conv, ['nodes', 0]);
    expect(result).toMatchObject({ ok: false, problem: { code: 'node-version-too-new', nodeId: 'c1', path: ['nodes', 0, 'typeVersion'] } });
  });

  it('report a missing or throwing step once, naming the node', () => {
    const withoutSteps: AnyNodeDefinition = { ...testNodes.dense, version: 3, migrations: { 2: (p) => p } };
    const throwing: AnyNodeDefinition = { ...testNodes.dense, version: 2, migrations: { 1: () => { throw new Error('units was a string'); } } };
    for (const [def, fragment] of [
      [withoutSteps, 'no migration from version 1'],
      [throwing, 'units was a string'],
    ] as const) {
      const registries = { ...testRegistries, nodes: { ...testRegistries.nodes, dense: def } };
      const { graph, problems } = loadGraph(JSON.stringify(validGraphObject()), registries);
      expect(graph).toBeDefined();
      const aboutDense = problems.filter((p) => p.nodeId === 'fc');
      expect(aboutDense).toHaveLength(1);
      expect(aboutDense[0].code).toBe('node-migration-failed');
      expect(aboutDense[0].message).toContain(fragment);
    }
  });
});
