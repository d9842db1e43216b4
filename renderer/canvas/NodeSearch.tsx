/**
 * The search box that opens on a double-click on the canvas (or when a wire
 * is dropped on empty canvas): type, pick with the arrows, Enter adds the
 * node where the box opened. For a dropped wire, only node types that can
 * take it are listed, and the new node comes wired.
 */
import { useMemo, useState, type KeyboardEvent } from 'react';
import { canConnect } from '../../core/graph/connect';
import { CATEGORY_TITLES } from '../../core/node-api';
import { useServices } from '../services/context';
import { paletteEntries, registries, searchPalette, type PaletteEntry } from '../editor/catalog';
import * as edits from '../editor/edits';
import type { Connecting, SearchBoxState } from '../editor/ui-store';
import { NODE_WIDTH } from './geometry';

const MAX_RESULTS = 12;

/** The port of `entry` a pending wire would attach to, if any. */
function matchingPort(entry: PaletteEntry, pending: Connecting): string | undefined {
  if (pending.side === 'source') {
    return Object.keys(entry.def.inputs).find((port) => canConnect({ node: pending.nodeType, port: pending.port }, { node: entry.type, port }, registries).ok);
  }
  return Object.keys(entry.def.outputs).find((port) => canConnect({ node: entry.type, port }, { node: pending.nodeType, port: pending.port }, registries).ok);
}

export function NodeSearch({ state }: { state: SearchBoxState }) {
  const { editor, ui } = useServices();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const candidates = useMemo(
    () => (state.pending ? paletteEntries().filter((e) => matchingPort(e, state.pending!) !== undefined) : paletteEntries()),
    [state.pending],
  );
  const results = useMemo(() => searchPalette(query, candidates).slice(0, MAX_RESULTS), [query, candidates]);
  const close = () => ui.setState({ search: null });

  const choose = (entry: PaletteEntry | undefined) => {
    if (!entry) return;
    close();
    const position = { x: state.flow.x - (state.pending?.side === 'target' ? NODE_WIDTH : 0), y: state.flow.y - 17 };
    const added = edits.addNode(editor.getState().doc, entry.type, position);
    let doc = added.doc;
    const pending = state.pending;
    if (pending) {
      const port = matchingPort(entry, pending)!;
      const edge =
        pending.side === 'source'
          ? { from: { node: pending.nodeId, port: pending.port }, to: { node: added.id, port } }
          : { from: { node: added.id, port }, to: { node: pending.nodeId, port: pending.port } };
      const outcome = edits.connect(doc, edge);
      if (outcome.ok) doc = outcome.doc;
      else ui.getState().toast('error', `Added ${entry.title} but could not wire it: ${outcome.reason}`);
    }
    // Adding and wiring are one step to undo.
    editor.getState().commit(doc);
    editor.getState().select([added.id]);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    event.stopPropagation();
    if (event.key === 'Escape') close();
    else if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((i) => Math.min(results.length - 1, i + 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      choose(results[active]);
    }
  };

  const left = Math.min(state.screen.x, window.innerWidth - 340);
  const top = Math.min(state.screen.y, window.innerHeight - 380);
  return (
    <>
      <div className="tw-search-backdrop" onMouseDown={close} />
      <div className="tw-search" style={{ left, top }} role="dialog" aria-label="Add node" data-testid="node-search">
        <input
          autoFocus
          placeholder={state.pending ? `Add a node that takes '${state.pending.port}'…` : 'Search nodes…'}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
          aria-label="Search nodes"
        />
        <ul>
          {results.map((entry, i) => (
            <li
              key={entry.type}
              className={i === active ? 'active' : ''}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(entry);
              }}
              title={entry.doc}
              data-type={entry.type}
            >
              <span className="tw-search-title">{entry.title}</span>
              <span className="tw-search-category">{CATEGORY_TITLES[entry.category]}</span>
            </li>
          ))}
          {results.length === 0 && <li className="empty">No node matches “{query}”.</li>}
        </ul>
      </div>
    </>
  );
}
