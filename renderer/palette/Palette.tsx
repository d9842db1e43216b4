/**
 * The node palette: every registered node type grouped by category, with
 * search. Drag an entry onto the canvas, or click it to add it in the middle
 * of the view. From the keyboard: Tab to an entry and press Enter (or Space),
 * or type in the search box, pick with the arrows and press Enter.
 */
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { InputPortDef, OutputPortDef } from '../../core/node-api';
import type { PortKind } from '../../core/types';
import { useServices } from '../services/context';
import { useCanvas } from '../services/view';
import { PALETTE_MIME } from '../canvas/Canvas';
import { NODE_WIDTH } from '../canvas/geometry';
import { groupPalette, kindColor, searchPalette, type PaletteEntry } from '../editor/catalog';

export function Palette() {
  const { editor } = useServices();
  const view = useCanvas();
  const [query, setQuery] = useState('');
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  const groups = useMemo(() => groupPalette(searchPalette(query)), [query]);
  // The search's highlighted entry (Enter adds it): an index into the entries as listed.
  const [active, setActive] = useState(0);
  const listed = useMemo(() => (query === '' ? [] : groups.flatMap((g) => g.entries)), [groups, query]);
  const highlighted = listed[Math.min(active, listed.length - 1)];

  const addAtCentre = (entry: PaletteEntry) => {
    const box = document.querySelector('.tw-canvas')?.getBoundingClientRect();
    const centre = box ? view.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
    // Nudge each new node so repeated clicks do not stack exactly.
    const jitter = (editor.getState().doc.nodes.length % 5) * 24;
    editor.getState().addNode(entry.type, { x: centre.x - NODE_WIDTH / 2 + jitter, y: centre.y - 40 + jitter });
  };

  return (
    <aside className="tw-palette" aria-label="Node palette">
      <div className="tw-panel-title">Nodes</div>
      <input
        className="tw-palette-search"
        type="search"
        placeholder="Search nodes…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((i) => Math.max(0, Math.min(listed.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1))));
          } else if (e.key === 'Enter' && highlighted) {
            e.preventDefault();
            addAtCentre(highlighted);
          }
        }}
        aria-label="Search the palette"
        aria-activedescendant={highlighted ? `palette-entry-${highlighted.type}` : undefined}
        aria-controls="tw-palette-groups"
        data-testid="palette-search"
      />
      <div className="tw-palette-groups" id="tw-palette-groups">
        {groups.map((group) => {
          const open = query !== '' || !closed.has(group.category);
          return (
            <section key={group.category} className="tw-palette-group" data-category={group.category}>
              <button
                className="tw-palette-group-title"
                aria-expanded={open}
                onClick={() =>
                  setClosed((c) => {
                    const next = new Set(c);
                    if (next.has(group.category)) next.delete(group.category);
                    else next.add(group.category);
                    return next;
                  })
                }
              >
                <span>{open ? '▾' : '▸'}</span> {group.title} <span className="tw-count">{group.entries.length}</span>
              </button>
              {open && (
                <ul>
                  {group.entries.map((entry) => (
                    <li
                      key={entry.type}
                      id={`palette-entry-${entry.type}`}
                      className={`tw-palette-item${entry === highlighted ? ' active' : ''}`}
                      role="button"
                      tabIndex={0}
                      aria-label={`Add ${entry.title}`}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          addAtCentre(entry);
                        }
                      }}
                      draggable
                      onDragStart={(e) => {
                        e.dataTransfer.setData(PALETTE_MIME, entry.type);
                        e.dataTransfer.effectAllowed = 'copy';
                      }}
                      onClick={() => addAtCentre(entry)}
                      title={`${entry.doc}\n\nDrag onto the canvas, or click (or Enter) to add.`}
                      data-type={entry.type}
                      data-testid={`palette-${entry.type}`}
                    >
                      <PortDots entry={entry} />
                      <span className="tw-palette-item-title">{entry.title}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
        {groups.length === 0 && <p className="tw-empty">No node matches “{query}”.</p>}
      </div>
    </aside>
  );
}

function PortDots({ entry }: { entry: PaletteEntry }) {
  const inputs = Object.values(entry.def.inputs as Record<string, InputPortDef>).slice(0, 3);
  const outputs = Object.values(entry.def.outputs as Record<string, OutputPortDef>).slice(0, 3);
  return (
    <span className="tw-port-dots" aria-hidden>
      <span>
        {inputs.map((p, i) => (
          <i key={i} style={{ background: kindColor(p.kinds[0] as PortKind) }} />
        ))}
      </span>
      <span>
        {outputs.map((p, i) => (
          <i key={i} style={{ background: kindColor(p.kind as PortKind) }} />
        ))}
      </span>
    </span>
  );
}
