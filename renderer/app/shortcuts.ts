/**
 * Keyboard shortcuts, following ComfyUI where it has one. Keys typed into a
 * form field belong to the field, except the few that make sense anywhere
 * (save, run).
 */
import type { EditorStore } from '../editor/editor-store';
import { clipboardFromText, clipboardToText } from '../editor/clipboard-format';
import type { CommandId, Commands } from './commands';

interface Binding {
  key: string;
  mod?: boolean;
  shift?: boolean;
  alt?: boolean;
  command: CommandId;
  /** Also works while typing in a field. */
  global?: boolean;
}

const BINDINGS: Binding[] = [
  { key: 's', mod: true, command: 'save', global: true },
  { key: 's', mod: true, shift: true, command: 'saveAs', global: true },
  { key: 'o', mod: true, command: 'open', global: true },
  { key: 'enter', mod: true, command: 'run', global: true },
  { key: 'z', mod: true, command: 'undo' },
  { key: 'z', mod: true, shift: true, command: 'redo' },
  { key: 'y', mod: true, command: 'redo' },
  // Plain Ctrl+C/X/V go through the DOM clipboard events (installClipboard), which the native menu raises too.
  { key: 'v', mod: true, shift: true, command: 'pasteWithWires' },
  { key: 'a', mod: true, command: 'selectAll' },
  { key: 'g', mod: true, command: 'group' },
  { key: 'g', mod: true, shift: true, command: 'ungroup' },
  { key: 'delete', command: 'delete' },
  { key: 'backspace', command: 'delete' },
  { key: 'm', alt: true, command: 'toggleMinimap' },
  { key: 'l', alt: true, command: 'autoLayout' },
  { key: '.', command: 'fitView' },
  { key: '?', shift: true, command: 'shortcuts' },
];

function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element || !element.tagName) return false;
  return element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName);
}

/** Which command a key press means, if any. `code` lets Alt+M work where Alt changes the character (macOS). */
export function commandForKey(event: Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey' | 'target'>): CommandId | undefined {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  const codeKey = event.code.startsWith('Key') ? event.code.slice(3).toLowerCase() : undefined;
  const typing = isTyping(event.target);
  for (const b of BINDINGS) {
    const matchesKey = b.key === key || (b.alt && b.key === codeKey);
    if (!matchesKey) continue;
    if (Boolean(b.mod) !== mod || Boolean(b.alt) !== event.altKey) continue;
    if (b.key !== '?' && Boolean(b.shift) !== event.shiftKey) continue;
    if (typing && !b.global) continue;
    return b.command;
  }
  return undefined;
}

export function installShortcuts(commands: Commands, target: Window = window): () => void {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.defaultPrevented) return;
    // Dialogs own the keyboard while open (Escape, Enter in their fields).
    if (document.querySelector('.tw-modal-backdrop') && !['save', 'saveAs'].includes(commandForKey(event) ?? '')) return;
    const command = commandForKey(event);
    if (!command) return;
    event.preventDefault();
    void commands[command].run();
  };
  target.addEventListener('keydown', onKeyDown);
  return () => target.removeEventListener('keydown', onKeyDown);
}

/**
 * Copy, cut and paste of nodes through the DOM clipboard events, which
 * both Ctrl+C/X/V and the native Edit menu raise; copied nodes also go to
 * the system clipboard as text. Where a key press raises no event (some
 * embedded browsers), the key itself does the job.
 */
export function installClipboard(editor: EditorStore, commands: Commands, target: Document = document): () => void {
  let keyCopyAt = -Infinity;
  let keyCutAt = -Infinity;
  let pasteEventSeen = true;
  const recent = (at: number) => performance.now() - at < 500;
  const onKeyDown = (event: KeyboardEvent) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey || isTyping(event.target)) return;
    const key = event.key.toLowerCase();
    if (key === 'c') {
      keyCopyAt = performance.now();
      void commands.copy.run();
    } else if (key === 'x') {
      keyCutAt = performance.now();
      void commands.cut.run();
    } else if (key === 'v') {
      pasteEventSeen = false;
      setTimeout(() => {
        if (!pasteEventSeen) void commands.paste.run();
        pasteEventSeen = true;
      }, 80);
    }
  };
  const writeClipboard = (event: ClipboardEvent) => {
    const clip = editor.getState().clipboard;
    if (!clip || !event.clipboardData) return;
    event.clipboardData.setData('text/plain', clipboardToText(clip));
    event.preventDefault();
  };
  const onCopy = (event: ClipboardEvent) => {
    if (isTyping(event.target) || hasTextSelection()) return;
    if (!recent(keyCopyAt)) void commands.copy.run();
    writeClipboard(event);
  };
  const onCut = (event: ClipboardEvent) => {
    if (isTyping(event.target) || hasTextSelection()) return;
    if (!recent(keyCutAt)) void commands.cut.run();
    writeClipboard(event);
  };
  const onPaste = (event: ClipboardEvent) => {
    if (isTyping(event.target)) return;
    pasteEventSeen = true;
    const incoming = clipboardFromText(event.clipboardData?.getData('text/plain'));
    if (incoming) editor.setState({ clipboard: incoming, pasteCount: 0 });
    event.preventDefault();
    void commands.paste.run();
  };
  target.addEventListener('keydown', onKeyDown);
  target.addEventListener('copy', onCopy);
  target.addEventListener('cut', onCut);
  target.addEventListener('paste', onPaste);
  return () => {
    target.removeEventListener('keydown', onKeyDown);
    target.removeEventListener('copy', onCopy);
    target.removeEventListener('cut', onCut);
    target.removeEventListener('paste', onPaste);
  };
}

function hasTextSelection(): boolean {
  const selection = globalThis.getSelection?.();
  return selection !== null && selection !== undefined && !selection.isCollapsed && selection.toString().length > 0;
}
