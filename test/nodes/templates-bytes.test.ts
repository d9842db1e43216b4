/**
 * Every shipped template saves to exactly the bytes it saved to before the
 * node library moved out of core (test/fixtures/templates, generated from
 * main at d877870 by make-fixtures.ts): refactors must not change what
 * users get from the gallery.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serializeGraph } from '../../core/graph/serialize';
import { loadGraph } from '../../core/graph/load';
import { findTemplate } from '../../core/library';
import { nodeLibrary } from '../../nodes/library';

const fixtures = fileURLToPath(new URL('../fixtures/templates', import.meta.url));
/** Templates added after the fixtures were made; each is checked by its own test instead. */
const NEWER = new Set(['starter']);

describe('saved templates', () => {
  it.each(nodeLibrary.templates.filter((t) => !NEWER.has(t.id)).map((t) => [t.id, t] as const))('%s saves byte-identical to its fixture', (id, template) => {
    expect(serializeGraph(template.build())).toBe(readFileSync(path.join(fixtures, `${id}.json`), 'utf8'));
  });

  it('has a template for every fixture', () => {
    const ids = new Set(nodeLibrary.templates.map((t) => t.id));
    const stale = readdirSync(fixtures)
      .filter((f) => f.endsWith('.json') && f !== 'editor-start.json')
      .map((f) => f.slice(0, -'.json'.length))
      .filter((id) => !ids.has(id));
    expect(stale).toEqual([]);
  });
});

describe('the editor starting graph', () => {
  it("is the 'starter' template laid out by the editor, byte-identical to the blank graph it replaced", async () => {
    const { installCatalog } = await import('../../renderer/editor/catalog');
    const { blankGraph } = await import('../../renderer/app/files');
    installCatalog(nodeLibrary);
    expect(serializeGraph(blankGraph())).toBe(readFileSync(path.join(fixtures, 'editor-start.json'), 'utf8'));
  });

  it('validates without problems', () => {
    const { problems } = loadGraph(serializeGraph(findTemplate(nodeLibrary, 'starter')!.build()), nodeLibrary);
    expect(problems).toEqual([]);
  });
});
