/**
 * The source import graph, read with the TypeScript compiler's own
 * pre-processor: static imports and re-exports (type-only ones included),
 * `import()` calls and `require`s, with relative specifiers resolved to
 * files the way the bundler resolves them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SOURCE_FOLDERS = ['core', 'nodes', 'renderer', 'electron', 'build'];
const EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs'];

export function sourceFiles(folders: readonly string[] = SOURCE_FOLDERS): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (EXTENSIONS.some((e) => name.endsWith(e)) && !name.endsWith('.d.ts')) files.push(path.relative(ROOT, full).split(path.sep).join('/'));
    }
  };
  for (const folder of folders) walk(path.join(ROOT, folder));
  return files.sort();
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.join(ROOT, path.dirname(from), specifier);
  const stem = base.replace(/\.(js|ts|tsx)$/, '');
  const candidates = [base, ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => path.join(base, `index${e}`))];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return hit && path.relative(ROOT, hit).split(path.sep).join('/');
}

export interface ImportGraph {
  /** file → files it imports (repo-relative). */
  edges: Map<string, string[]>;
  /** file → bare or node: specifiers it imports (packages and built-ins). */
  external: Map<string, string[]>;
}

export function importGraph(files: readonly string[] = sourceFiles()): ImportGraph {
  const edges = new Map<string, string[]>();
  const external = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const local: string[] = [];
    const outside: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.')) {
        const target = resolveRelative(file, fileName);
        if (!target) throw new Error(`${file}: cannot resolve '${fileName}'`);
        if (!/\.(css|html|svg|png)$/.test(target)) local.push(target);
      } else outside.push(fileName);
    }
    edges.set(file, [...new Set(local)]);
    external.set(file, [...new Set(outside)]);
  }
  return { edges, external };
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indices.has(v)) visit(v);
  return found;
}

/** Every file `start` reaches through imports, itself included. */
export function closure(edges: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of edges.get(queue.shift()!) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}
