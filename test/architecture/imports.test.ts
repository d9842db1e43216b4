/**
 * The layers hold (README, "Architecture"): no import cycles anywhere in the
 * sources, type-only imports included; the engine reaches no nodes/,
 * renderer/ or electron/ file; and every core/ file can be imported on its
 * own, without an entry point having imported something first.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { closure, cycles, importGraph, ROOT, sourceFiles } from './import-graph';

const run = promisify(execFile);

const graph = importGraph();
/** The entry points that run on import (they start a CLI or a trainer): not library files. */
const CORE_ENTRIES = new Set(['core/cli/bin.js', 'core/train/worker-boot.js']);

describe('import graph', () => {
  it('has no cycles', () => {
    expect(cycles(graph.edges)).toEqual([]);
  });

  it('keeps the engine apart: no core/ file reaches nodes/, renderer/ or electron/', () => {
    const leaks: string[] = [];
    for (const file of sourceFiles(['core'])) {
      if (CORE_ENTRIES.has(file)) continue;
      for (const reached of closure(graph.edges, file)) if (/^(nodes|renderer|electron)\//.test(reached)) leaks.push(`${file} → ${reached}`);
    }
    expect(leaks).toEqual([]);
  });
});

describe('the editor bundle', () => {
  it('reaches no Node module from renderer/main.tsx, directly or through core/ and nodes/', () => {
    const builtins = new Set(['fs', 'path', 'os', 'url', 'util', 'crypto', 'http', 'stream', 'zlib', 'module', 'worker_threads', 'child_process', 'events', 'buffer']);
    const found: string[] = [];
    for (const file of closure(graph.edges, 'renderer/main.tsx')) {
      for (const specifier of graph.external.get(file) ?? []) if (specifier.startsWith('node:') || builtins.has(specifier.split('/')[0])) found.push(`${file}: ${specifier}`);
    }
    expect(found).toEqual([]);
  });
});

describe('every core/ file imports on its own', () => {
  it('in a fresh module namespace each, so no import order can hide an initialisation bug', async () => {
    const files = sourceFiles(['core']).filter((f) => !CORE_ENTRIES.has(f) && /\.tsx?$/.test(f));
    expect(files.length).toBeGreaterThan(50);
    // A child process: tsx's namespaces give every file its own module instances, which vitest's runner cannot.
    const { stdout } = await run(process.execPath, [fileURLToPath(new URL('./import-each.mjs', import.meta.url)), ...files], { cwd: ROOT, maxBuffer: 1 << 24 });
    expect(JSON.parse(stdout)).toEqual([]);
  }, 600_000);
});
