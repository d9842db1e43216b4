/**
 * The node library: every node, dataset and template type an application
 * offers. The engine (core/) never imports one; the entry points (the CLI's
 * bin.js, the browser host's start script, Electron main, the trainer entry,
 * the renderer's main.tsx) import nodes/library.ts and pass it in.
 */
import type { GraphRegistries } from './graph/registries';
import type { GraphDocument } from './graph/schema';

export interface TemplateInfo {
  /** Stable id used by `tensorweave new <id>`. */
  id: string;
  title: string;
  /** One line for lists. */
  summary: string;
  /** One paragraph for the gallery: what it is, what it learns, what to try. */
  description: string;
  category: 'basics' | 'segmentation' | 'detection' | 'keypoints' | 'generative';
  build(): GraphDocument;
}

export interface NodeLibrary extends GraphRegistries {
  /** The gallery, in the order it is shown. */
  templates: readonly TemplateInfo[];
}

export function findTemplate(library: Pick<NodeLibrary, 'templates'>, id: string): TemplateInfo | undefined {
  return library.templates.find((t) => t.id === id);
}
