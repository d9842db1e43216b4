/**
 * What the editor knows about node and dataset types, drawn from the same
 * registries the engine validates and compiles with, so the palette, the
 * inspector and the wiring rules can never disagree with training. The
 * registries are the node library renderer/main.tsx installs at start-up
 * (the renderer, like the engine, imports nothing from nodes/ elsewhere).
 */
import { CATEGORIES, CATEGORY_TITLES, type AnyNodeDefinition, type Category } from '../../core/node-api';
import type { GraphRegistries } from '../../core/graph/registries';
import { findTemplate, type NodeLibrary, type TemplateInfo } from '../../core/library';
import { nodeDefinition } from '../../core/graph/lookup';
import { PORT_KINDS, type PortKind } from '../../core/types';

let installed: CatalogLibrary | undefined;
let paletteCache: PaletteEntry[] | undefined;

/** The node library as the editor sees it: registries, and the templates it starts new graphs from. */
export type CatalogLibrary = GraphRegistries & Partial<Pick<NodeLibrary, 'templates'>>;

/** Called once by the entry point (and by tests) before anything reads the catalog. */
export function installCatalog(library: CatalogLibrary): void {
  installed = library;
  paletteCache = undefined;
}

function library(): CatalogLibrary {
  if (!installed) throw new Error('the node catalog was read before renderer/main.tsx installed the node library');
  return installed;
}

/** The installed registries, read through so modules can hold this object before installation. */
export const registries: GraphRegistries = {
  get nodes() {
    return library().nodes;
  },
  get datasets() {
    return library().datasets;
  },
};

/** A template of the installed library (the editor starts new graphs from 'starter'). */
export function catalogTemplate(id: string): TemplateInfo | undefined {
  return findTemplate({ templates: library().templates ?? [] }, id);
}

export function nodeDef(type: string): AnyNodeDefinition | undefined {
  return nodeDefinition(registries, type);
}

export interface PaletteEntry {
  type: string;
  title: string;
  category: Category;
  doc: string;
  /** Lower-cased text searched by the palette and the canvas search box. */
  haystack: string;
  def: AnyNodeDefinition;
}

/** Every node type for the palette and the canvas search, sorted by title. */
export function paletteEntries(): PaletteEntry[] {
  paletteCache ??= Object.entries(registries.nodes)
    .map(([type, def]) => ({
      type,
      title: def.title,
      category: def.category,
      doc: def.doc,
      haystack: `${def.title} ${type} ${CATEGORY_TITLES[def.category]} ${def.doc}`.toLowerCase(),
      def,
    }))
    .sort((a, b) => a.title.localeCompare(b.title));
  return paletteCache;
}

export interface PaletteGroup {
  category: Category;
  title: string;
  entries: PaletteEntry[];
}

/**
 * Entries matching `query`, grouped by category in the canonical order.
 * Every word of the query must appear; titles that start with the query come
 * first so typing "conv" puts Conv2D above layers whose docs mention it.
 */
export function searchPalette(query: string, entries: readonly PaletteEntry[] = paletteEntries()): PaletteEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  const scored: { entry: PaletteEntry; score: number }[] = [];
  for (const entry of entries) {
    if (!words.every((w) => entry.haystack.includes(w))) continue;
    const title = entry.title.toLowerCase();
    const first = words[0];
    const score = title.startsWith(first) || entry.type.startsWith(first) ? 0 : title.includes(first) || entry.type.includes(first) ? 1 : 2;
    scored.push({ entry, score });
  }
  return scored.sort((a, b) => a.score - b.score || a.entry.title.localeCompare(b.entry.title)).map((s) => s.entry);
}

export function groupPalette(entries: readonly PaletteEntry[]): PaletteGroup[] {
  return CATEGORIES.map((category) => ({
    category,
    title: CATEGORY_TITLES[category],
    entries: entries.filter((e) => e.category === category),
  })).filter((g) => g.entries.length > 0);
}

export function kindColor(kind: PortKind | undefined): string {
  return kind ? PORT_KINDS[kind].color : PORT_KINDS.tensor.color;
}

