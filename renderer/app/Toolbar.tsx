/**
 * The top bar: file name with its unsaved marker, file and edit commands,
 * view toggles, and Run.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { isDirty } from '../editor/editor-store';
import type { CommandId, Commands } from './commands';
import { isActive } from '../dashboard/store';
import { useEditor, useTrainingState, useUi } from '../services/context';

export function Toolbar({ commands }: { commands: Commands }) {
  const file = useEditor((s) => s.file);
  const dirty = useEditor(isDirty);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const hasSelection = useEditor((s) => s.selectedNodes.length > 0);
  const theme = useUi((s) => s.theme);
  const minimap = useUi((s) => s.minimap);
  const running = useTrainingState((s) => isActive(s.live));
  const button = (id: CommandId, label: ReactNode, options: { disabled?: boolean; className?: string; pressed?: boolean } = {}) => (
    <button
      className={`tw-tool ${options.className ?? ''}`}
      onClick={() => void commands[id].run()}
      disabled={options.disabled}
      title={`${commands[id].title}${commands[id].keys ? ` (${commands[id].keys!.replace('Mod', 'Ctrl')})` : ''}`}
      aria-label={commands[id].title}
      aria-pressed={options.pressed}
      data-command={id}
    >
      {label}
    </button>
  );

  return (
    <header className="tw-toolbar">
      <div className="tw-brand">
        <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden>
          <circle cx="5" cy="6" r="3" fill="#4f8cff" />
          <circle cx="5" cy="18" r="3" fill="#37c2b4" />
          <circle cx="19" cy="12" r="3" fill="#c678dd" />
          <path d="M8 6 C13 6 12 12 16 12 M8 18 C13 18 12 12 16 12" stroke="currentColor" strokeWidth="1.6" fill="none" />
        </svg>
        <span>Tensorweave</span>
      </div>
      <div className="tw-file-name" title={file.path ?? 'Not saved yet'} data-testid="file-name">
        {file.name}
        {dirty && (
          <span className="tw-dirty" title="Unsaved changes" data-testid="dirty-marker">
            ●
          </span>
        )}
      </div>
      <nav className="tw-tools">
        <Menu label="File" testId="menu-file">
          {[
            ['templates', 'New from template…'],
            ['new', 'New blank graph'],
            ['open', 'Open…'],
            ['save', 'Save'],
            ['saveAs', 'Save As…'],
            ['exportJson', 'Export graph JSON'],
            ['exportPng', 'Export picture (PNG)'],
            ['exportSvg', 'Export picture (SVG)'],
          ].map(([id, label]) => (
            <MenuItem key={id} commands={commands} id={id as CommandId} label={label} />
          ))}
        </Menu>
        <span className="tw-sep" />
        {button('open', 'Open')}
        {button('save', 'Save')}
        <span className="tw-sep" />
        {button('undo', '↶', { disabled: !canUndo })}
        {button('redo', '↷', { disabled: !canRedo })}
        {button('group', 'Group', { disabled: !hasSelection })}
        {button('autoLayout', 'Layout')}
        {button('fitView', 'Fit')}
        {button('toggleMinimap', 'Map', { pressed: minimap })}
        {button('toggleTheme', theme === 'dark' ? '☀' : '☾')}
        {button('shortcuts', '?')}
      </nav>
      <div className="tw-run">
        {running ? button('stopRun', '■ Stop', { className: 'danger' }) : button('run', '▶ Run', { className: 'primary' })}
      </div>
    </header>
  );
}

/**
 * A drop-down menu with the keyboard behaviour of a native one: it opens on
 * the first item, the arrows (and Home/End) move between items, Escape
 * closes it and returns to its button, and a click or focus elsewhere closes it.
 */
function Menu({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const items = () => [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not(:disabled)') ?? [])];
  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const closeOutside = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    // Capture: the canvas stops pointer events from bubbling (it pans on them).
    window.addEventListener('pointerdown', closeOutside, true);
    window.addEventListener('focusin', closeOutside);
    return () => {
      window.removeEventListener('pointerdown', closeOutside, true);
      window.removeEventListener('focusin', closeOutside);
    };
  }, [open]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!open) return;
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLElement);
    let next: number | undefined;
    if (e.key === 'ArrowDown') next = (at + 1) % list.length;
    else if (e.key === 'ArrowUp') next = (at - 1 + list.length) % list.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = list.length - 1;
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      button.current?.focus();
      return;
    } else if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    if (next === undefined) return;
    e.preventDefault();
    list[next]?.focus();
  };
  return (
    <div className="tw-menu" ref={ref} onKeyDown={onKeyDown}>
      <button
        ref={button}
        className="tw-tool"
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid={testId}
      >
        {label} ▾
      </button>
      {open && (
        <div className="tw-menu-list" role="menu" aria-label={label} onClick={() => setOpen(false)}>
          {children}
        </div>
      )}
    </div>
  );
}

function MenuItem({ commands, id, label }: { commands: Commands; id: CommandId; label: string }) {
  const keys = commands[id].keys?.replace('Mod', 'Ctrl');
  return (
    <button role="menuitem" tabIndex={-1} className="tw-menu-item" onClick={() => void commands[id].run()} data-command={id}>
      <span>{label}</span>
      {keys && <kbd>{keys}</kbd>}
    </button>
  );
}
