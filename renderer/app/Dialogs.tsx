/**
 * Modal dialogs: the template gallery, the browser mode's open and save
 * dialogs, the unsaved-changes question, a refused file's problems and the
 * shortcut sheet.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { GraphDocument } from '../../core/graph/schema';
import { formatProblem } from '../../core/graph/problems';
import type { Dialog } from '../editor/ui-store';
import type { Commands, CommandId } from './commands';
import { useServices, useUi } from '../services/context';
import { readGraphText, type FileActions } from './files';
import { architectureLayout } from './quick-layout';
import { Thumbnail } from './Thumbnail';

export function Dialogs({ files, commands }: { files: FileActions; commands: Commands }) {
  const dialog = useUi((s) => s.dialog);
  if (!dialog) return null;
  return <DialogBody dialog={dialog} files={files} commands={commands} />;
}

function DialogBody({ dialog, files, commands }: { dialog: Dialog; files: FileActions; commands: Commands }) {
  const closeDialog = useUi((s) => s.closeDialog);
  switch (dialog.type) {
    case 'gallery':
      return <Gallery files={files} />;
    case 'open':
      return <OpenDialog files={files} list={dialog.files} />;
    case 'save-as':
      return <SaveAsDialog files={files} suggestedName={dialog.suggestedName} />;
    case 'confirm-discard':
      return (
        <Modal title="Discard unsaved changes?" onClose={closeDialog} testId="confirm-discard">
          <p>The graph has changes that are not saved. Discard them to {dialog.action}?</p>
          <div className="tw-button-row end">
            <button className="tw-button" onClick={closeDialog}>
              Cancel
            </button>
            <button
              className="tw-button danger"
              onClick={() => {
                closeDialog();
                dialog.proceed();
              }}
            >
              Discard changes
            </button>
          </div>
        </Modal>
      );
    case 'confirm-overwrite':
      return (
        <Modal title="Replace the existing file?" onClose={closeDialog} testId="confirm-overwrite">
          <p>
            The workspace already has a file named <strong>{dialog.name}</strong>. Replace it with this graph, or save under a new name?
          </p>
          <div className="tw-button-row end">
            <button className="tw-button" onClick={closeDialog}>
              Cancel
            </button>
            <button
              className="tw-button primary"
              autoFocus
              onClick={() => {
                closeDialog();
                void files.saveAs(dialog.freeName);
              }}
              data-testid="save-free-name"
            >
              Save as {dialog.freeName}
            </button>
            <button
              className="tw-button danger"
              onClick={() => {
                closeDialog();
                void files.saveAs(dialog.name, { overwrite: true });
              }}
              data-testid="replace-file"
            >
              Replace
            </button>
          </div>
        </Modal>
      );
    case 'file-errors':
      return (
        <Modal title={`${dialog.name} could not be opened`} onClose={closeDialog} testId="file-errors">
          <p>The file is not a readable Tensorweave graph, so nothing was opened and the current graph is unchanged.</p>
          <ul className="tw-problem-list">
            {dialog.problems.map((p, i) => (
              <li key={i} className={p.severity}>
                {formatProblem(p)}
              </li>
            ))}
          </ul>
          <div className="tw-button-row end">
            <button className="tw-button primary" onClick={closeDialog} autoFocus>
              OK
            </button>
          </div>
        </Modal>
      );
    case 'shortcuts':
      return <ShortcutSheet commands={commands} />;
  }
}

export function Modal({ title, onClose, children, wide, testId }: { title: string; onClose(): void; children: ReactNode; wide?: boolean; testId?: string }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="tw-modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`tw-modal${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testId}>
        <header>
          <h2>{title}</h2>
          <button className="tw-icon-button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        <div className="tw-modal-body">{children}</div>
      </div>
    </div>
  );
}

/** Thumbnails squeeze columns so that long chains keep a readable outline (a U-Net's U). */

interface TemplateCard {
  id: string;
  title: string;
  summary: string;
  description: string;
  category: string;
  doc?: GraphDocument;
}

function Gallery({ files }: { files: FileActions }) {
  const { host } = useServices();
  const closeDialog = useUi((s) => s.closeDialog);
  const [cards, setCards] = useState<TemplateCard[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const list = await host.listTemplates({});
        if (!live) return;
        setCards(list);
        // Thumbnails need each template's layout; fetch them after the list shows.
        const withDocs = await Promise.all(
          list.map(async (t) => {
            try {
              const { text } = await host.getTemplate({ id: t.id });
              const outcome = readGraphText(text);
              return outcome.ok ? { ...t, doc: { ...outcome.doc, layout: { ...outcome.doc.layout, nodes: architectureLayout(outcome.doc) } } } : t;
            } catch {
              return t;
            }
          }),
        );
        if (live) setCards(withDocs);
      } catch (thrown) {
        if (live) setError(thrown instanceof Error ? thrown.message : String(thrown));
      }
    })();
    return () => {
      live = false;
    };
  }, [host]);
  return (
    <Modal title="New graph from a template" onClose={closeDialog} wide testId="gallery">
      {error && <p className="tw-field-error">Could not list the templates: {error}</p>}
      {!cards && !error && <p className="tw-muted">Loading templates…</p>}
      <div className="tw-gallery">
        <button
          className="tw-template"
          onClick={() => {
            closeDialog();
            files.newBlank();
          }}
          data-template="blank"
        >
          <div className="tw-thumb-box blank">+</div>
          <div className="tw-template-text">
            <strong>Blank graph</strong>
            <span className="tw-template-category">basics</span>
            <p>A small multi-label classifier of the synthetic shapes, wired and ready to train, to build on.</p>
          </div>
        </button>
        {cards?.map((card) => (
          <button
            key={card.id}
            className="tw-template"
            onClick={() => {
              closeDialog();
              void files.newFromTemplate(card.id, card.title);
            }}
            title={card.summary}
            data-template={card.id}
          >
            <div className="tw-thumb-box">{card.doc ? <Thumbnail doc={card.doc} /> : null}</div>
            <div className="tw-template-text">
              <strong>{card.title}</strong>
              <span className="tw-template-category">{card.category}</span>
              <p>{card.description}</p>
            </div>
          </button>
        ))}
      </div>
    </Modal>
  );
}

function OpenDialog({ files, list }: { files: FileActions; list: { path: string; name: string; modified: number }[] }) {
  const closeDialog = useUi((s) => s.closeDialog);
  const input = useRef<HTMLInputElement>(null);
  const sorted = [...list].sort((a, b) => b.modified - a.modified);
  return (
    <Modal title="Open a graph" onClose={closeDialog} testId="open-dialog">
      {sorted.length === 0 ? (
        <p className="tw-muted">The workspace folder has no graph files yet.</p>
      ) : (
        <ul className="tw-file-list">
          {sorted.map((f) => (
            <li key={f.path}>
              <button
                onClick={() => {
                  closeDialog();
                  void files.openPath(f.path);
                }}
                data-path={f.path}
              >
                <span>{f.name}</span>
                <span className="tw-muted">{new Date(f.modified).toLocaleString()}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="tw-button-row end">
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            closeDialog();
            void file.text().then((text) => files.openText(text, { name: file.name }));
          }}
        />
        <button className="tw-button" onClick={() => input.current?.click()}>
          From this computer…
        </button>
        <button className="tw-button" onClick={closeDialog}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

function SaveAsDialog({ files, suggestedName }: { files: FileActions; suggestedName: string }) {
  const closeDialog = useUi((s) => s.closeDialog);
  const [name, setName] = useState(suggestedName);
  const valid = /^[^\\/:*?"<>|]+$/.test(name.trim()) && name.trim() !== '';
  const save = () => {
    if (!valid) return;
    closeDialog();
    const trimmed = name.trim();
    void files.saveAs(/\.json$/i.test(trimmed) ? trimmed : `${trimmed}.json`);
  };
  return (
    <Modal title="Save graph as" onClose={closeDialog} testId="save-as">
      <div className="tw-field">
        <label htmlFor="tw-save-name">
          <span className="tw-field-name">File name in the workspace</span>
        </label>
        <input
          id="tw-save-name"
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === 'Enter') save();
          }}
          className={valid ? '' : 'invalid'}
        />
        {!valid && <div className="tw-field-error">Use a plain file name without / \ : * ? " &lt; &gt; |.</div>}
      </div>
      <div className="tw-button-row end">
        <button
          className="tw-button"
          onClick={() => {
            if (!valid) return;
            closeDialog();
            const trimmed = name.trim();
            files.downloadGraph(/\.json$/i.test(trimmed) ? trimmed : `${trimmed}.json`);
          }}
          disabled={!valid}
          title="Keep a copy on this computer instead of the host's workspace"
          data-testid="download-graph"
        >
          Download to this computer
        </button>
        <button className="tw-button" onClick={closeDialog}>
          Cancel
        </button>
        <button className="tw-button primary" onClick={save} disabled={!valid}>
          Save
        </button>
      </div>
    </Modal>
  );
}

const SHEET: { group: string; ids: CommandId[] }[] = [
  { group: 'File', ids: ['open', 'save', 'saveAs', 'run'] },
  { group: 'Edit', ids: ['undo', 'redo', 'copy', 'cut', 'paste', 'pasteWithWires', 'delete', 'selectAll', 'group', 'ungroup'] },
  { group: 'View', ids: ['fitView', 'toggleMinimap', 'autoLayout', 'shortcuts'] },
];

function ShortcutSheet({ commands }: { commands: Commands }) {
  const closeDialog = useUi((s) => s.closeDialog);
  const mod = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';
  return (
    <Modal title="Keyboard shortcuts" onClose={closeDialog} testId="shortcuts">
      <div className="tw-shortcuts">
        {SHEET.map((section) => (
          <section key={section.group}>
            <h3>{section.group}</h3>
            <dl>
              {section.ids.map((id) => (
                <div key={id}>
                  <dt>{commands[id].title}</dt>
                  <dd>
                    <kbd>{commands[id].keys?.replace('Mod', mod)}</kbd>
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <section>
          <h3>Canvas</h3>
          <dl>
            <div>
              <dt>Add a node at the cursor</dt>
              <dd>
                <kbd>double-click</kbd>
              </dd>
            </div>
            <div>
              <dt>Box select</dt>
              <dd>
                <kbd>Shift+drag</kbd>
              </dd>
            </div>
            <div>
              <dt>Add to selection</dt>
              <dd>
                <kbd>{mod}+click</kbd>
              </dd>
            </div>
            <div>
              <dt>Wire dropped on empty canvas</dt>
              <dd>opens the search, filtered</dd>
            </div>
          </dl>
        </section>
      </div>
    </Modal>
  );
}
