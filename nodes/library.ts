/**
 * The node library the app ships: node types, dataset types and templates,
 * assembled once here and passed by the entry points (CLI, browser host,
 * Electron main, trainer entry, renderer) into the engine, which imports
 * nothing from nodes/ itself.
 */
import type { NodeLibrary } from '../core/library';
import { graphRegistries } from './registry';
import { templates } from './templates';

export const nodeLibrary: NodeLibrary = { ...graphRegistries, templates };
