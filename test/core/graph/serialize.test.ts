import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { graphHash, serializeGraph } from '../../../core/graph/serialize';
import { loadGraph } from '../../../core/graph/load';
import { sha256, sha256Bytes } from '../../../core/graph/hash';
import { graphSchema, type GraphDocument } from '../../../core/graph/schema';
import { Rng } from '../../../core/rng';
import { testRegistries, validGraphObject, type GraphObject } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function graphWith(change: (g: Loose) => void = () => {}): GraphDocument {
  const g: GraphObject = validGraphObject();
  change(g);
  return graphSchema.parse(g);
}

/** The same object with keys inserted in reverse order at every level. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

describe('serializeGraph', () => {
  it('saves in schema key order with sorted records, 2-space indent and a final newline', () => {
    const text = serializeGraph(graphSchema.parse(reversedKeys(validGraphObject())));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{\n  "format": "tensorweave.graph",\n  "version": 1,\n  "name": "Toy classifier",\n')).toBe(true);
    const saved = JSON.parse(text);
    expect(Object.keys(saved)).toEqual(['format', 'version', 'name', 'description', 'nodes', 'edges', 'modules', 'dataset', 'training', 'layout']);
    expect(Object.keys(saved.nodes[2])).toEqual(['id', 'type', 'typeVersion', 'params', 'label']);
    expect(Object.keys(saved.nodes[2].params)).toEqual(['filters', 'kernel', 'padding']);
    expect(Object.keys(saved.layout.nodes)).toEqual(['c1', 'img', 'loss']);
    expect(Object.keys(saved.training.optimizers[0])).toEqual(['type', 'id', 'modules', 'losses', 'lr', 'weightDecay', 'schedule', 'betas', 'eps']);
    // Whatever order the keys came in, the bytes are the same.
    expect(serializeGraph(graphSchema.parse(validGraphObject()))).toBe(text);
  });

  it('round-trips byte for byte: loading a saved file and saving it again changes nothing', () => {
    const first = serializeGraph(loadGraph(JSON.stringify(validGraphObject()), testRegistries).graph!);
    const reloaded = loadGraph(first, testRegistries);
    expect(reloaded.problems).toEqual([]);
    expect(serializeGraph(reloaded.graph!)).toBe(first);
  });

  it('round-trips awkward values: unicode, nested param values, sgd defaults, numbers', () => {
    const graph = graphWith((g) => {
      g.name = 'Ünïcødé — "quoted" \\ \u2028 graph 🚀';
      g.nodes[3].label = 'tab\there';
      g.nodes[2].params = { padding: 'valid', kernel: 1, filters: 1e3 };
      g.training.optimizers.push({ type: 'sgd', id: 'second', modules: ['main'], losses: [{ node: 'loss', weight: 1e-7 }], lr: 0.1, schedule: { type: 'step', stepSize: 10, gamma: 0.5 } });
      g.dataset.params = { classes: 10, size: 32 };
    });
    const text = serializeGraph(graph);
    const reloaded = loadGraph(text, testRegistries);
    expect(reloaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(serializeGraph(reloaded.graph!)).toBe(text);
    expect(reloaded.graph).toEqual(graph);
    expect(Object.keys(JSON.parse(text).dataset.params)).toEqual(['classes', 'size']);
  });
});

describe('graphHash', () => {
  const base = graphHash(graphWith());

  it('is a SHA-256 hex digest, stable across key order', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(graphHash(graphSchema.parse(reversedKeys(validGraphObject())))).toBe(base);
  });

  it('ignores what does not change training: layout, names, labels, docs, list order of nodes, wires and modules', () => {
    const cosmetic = graphWith((g) => {
      g.name = 'Renamed';
      g.description = 'Other words';
      g.nodes[2].label = 'Renamed conv';
      g.modules[0].name = 'Backbone';
      g.modules[0].doc = 'Owns the conv';
      g.modules[0].nodes.reverse();
      g.layout = { nodes: { c1: { x: 5, y: 5 } }, modules: {} };
      g.nodes.reverse();
      g.edges.reverse();
    });
    expect(graphHash(cosmetic)).toBe(base);
  });

  it('changes with anything that changes training', () => {
    const changes: ((g: Loose) => void)[] = [
      (g) => (g.nodes[2].params.filters = 5),
      (g) => (g.nodes[2].type = 'scale'),
      (g) => (g.edges[4].from.node = 'img'),
      (g) => (g.training.optimizers[0].lr = 0.002),
      (g) => (g.training.seed = 2),
      (g) => (g.dataset.params.size = 9),
      (g) => (g.modules[0].init = 'normal0.02'),
      (g) => (g.modules[0].id = 'net2'),
      (g) => g.training.optimizers.push({ ...g.training.optimizers[0], id: 'b' }),
    ];
    const hashes = changes.map((change) => graphHash(graphWith(change)));
    for (const hash of hashes) expect(hash).not.toBe(base);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('sha256', () => {
  it('matches the published test vectors', () => {
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('agrees with node:crypto around every block boundary and on multi-byte text', () => {
    const rng = new Rng(7);
    for (const length of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100_003]) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = rng.int(256);
      expect(sha256Bytes(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const text = 'Größe × 🚀 — 层';
    expect(sha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
});
