/**
 * Every user command in one table: the toolbar, the keyboard shortcuts
 * (ComfyUI's where it has one), the help sheet and the host's native menus
 * all run the same functions by name.
 */
import type { HostApi, MenuCommand, MenuCommandMessage } from '../../core/contract/app-api';
import { isDirty, type EditorStore } from '../editor/editor-store';
import { closeDialog, openDialog, setTheme, toast, uiStore } from '../editor/ui-store';
import { canvasApi } from '../canvas/canvas-api';
import { architectureLayout } from './quick-layout';
import { graphToSvg, svgToPngBase64 } from './export-image';
import { fileNameFor, graphText, type FileActions } from './files';

export interface Command {
  title: string;
  /** Shown in menus and the help sheet; 'Mod' is Ctrl (⌘ on macOS). */
  keys?: string;
  run(): void | Promise<void>;
}

export type CommandId =
  | 'new'
  | 'templates'
  | 'open'
  | 'save'
  | 'saveAs'
  | 'exportJson'
  | 'exportPng'
  | 'exportSvg'
  | 'undo'
  | 'redo'
  | 'copy'
  | 'cut'
  | 'paste'
  | 'pasteWithWires'
  | 'delete'
  | 'selectAll'
  | 'group'
  | 'ungroup'
  | 'toggleCollapse'
  | 'fitView'
  | 'toggleMinimap'
  | 'autoLayout'
  | 'toggleTheme'
  | 'toggleProblems'
  | 'zoomIn'
  | 'zoomOut'
  | 'run'
  | 'pauseRun'
  | 'stopRun'
  | 'shortcuts'
  | 'about';

export type Commands = Record<CommandId, Command>;

export function createCommands(host: HostApi, editor: EditorStore, files: FileActions): Commands {
  const state = () => editor.getState();
  const stem = () => fileNameFor(state().doc, state().file).replace(/\.json$/i, '');

  return {
    new: { title: 'New graph', run: () => files.newBlank() },
    templates: { title: 'Templates…', run: () => openDialog({ type: 'gallery' }) },
    open: { title: 'Open…', keys: 'Mod+O', run: () => files.open() },
    save: { title: 'Save', keys: 'Mod+S', run: async () => void (await files.save()) },
    saveAs: { title: 'Save As…', keys: 'Mod+Shift+S', run: async () => void (await files.saveAs()) },
    exportJson: { title: 'Export graph JSON', run: () => files.exportFile(`${stem()}.json`, graphText(state().doc), 'utf8') },
    exportSvg: {
      title: 'Export picture (SVG)',
      run: () => files.exportFile(`${stem()}.svg`, graphToSvg(state().doc, state().analysis, uiStore.getState().theme).svg, 'utf8'),
    },
    exportPng: {
      title: 'Export picture (PNG)',
      run: async () => {
        const { svg, width, height } = graphToSvg(state().doc, state().analysis, uiStore.getState().theme);
        try {
          await files.exportFile(`${stem()}.png`, await svgToPngBase64(svg, width, height), 'base64');
        } catch (thrown) {
          toast('error', `Could not export the PNG: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
        }
      },
    },
    undo: { title: 'Undo', keys: 'Mod+Z', run: () => state().undo() },
    redo: { title: 'Redo', keys: 'Mod+Y', run: () => state().redo() },
    copy: {
      title: 'Copy',
      keys: 'Mod+C',
      run: () => {
        if (state().copySelection()) toast('info', `Copied ${state().clipboard?.nodes.length ?? 0} node(s)`, undefined, 1500);
      },
    },
    cut: { title: 'Cut', keys: 'Mod+X', run: () => void state().cutSelection() },
    paste: { title: 'Paste', keys: 'Mod+V', run: () => void pasteHere(editor, false) },
    pasteWithWires: { title: 'Paste with incoming wires', keys: 'Mod+Shift+V', run: () => void pasteHere(editor, true) },
    delete: { title: 'Delete selection', keys: 'Delete', run: () => state().deleteSelection() },
    selectAll: { title: 'Select all', keys: 'Mod+A', run: () => state().selectAll() },
    group: {
      title: 'Group into module',
      keys: 'Mod+G',
      run: () => {
        if (state().selectedNodes.length === 0) {
          toast('info', 'Select the nodes to group first (drag a box with Shift, or Ctrl+click).');
          return;
        }
        state().groupSelection();
      },
    },
    ungroup: {
      title: 'Ungroup module',
      keys: 'Mod+Shift+G',
      run: () => {
        const module = state().selectedModule;
        if (module) state().ungroup(module);
      },
    },
    toggleCollapse: {
      title: 'Collapse / expand module',
      run: () => {
        const module = state().selectedModule;
        if (module) state().setModuleCollapsed(module, !state().doc.layout.modules[module]?.collapsed);
      },
    },
    fitView: { title: 'Fit view', keys: '.', run: () => void canvasApi.get()?.fitView({ padding: 0.15, duration: 200 }) },
    toggleMinimap: { title: 'Toggle minimap', keys: 'Alt+M', run: () => uiStore.setState((s) => ({ minimap: !s.minimap })) },
    autoLayout: {
      title: 'Auto-layout',
      keys: 'Alt+L',
      run: async () => {
        try {
          const positions = architectureLayout(state().doc);
          state().moveNodes(positions);
          setTimeout(() => void canvasApi.get()?.fitView({ padding: 0.15, duration: 200 }), 30);
        } catch (thrown) {
          toast('error', `Auto-layout failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
        }
      },
    },
    toggleTheme: { title: 'Toggle dark / light theme', run: () => setTheme(uiStore.getState().theme === 'dark' ? 'light' : 'dark') },
    toggleProblems: { title: 'Toggle problems panel', run: () => uiStore.setState((s) => ({ problemsOpen: !s.problemsOpen })) },
    zoomIn: { title: 'Zoom in', run: () => void canvasApi.get()?.zoomIn({ duration: 150 }) },
    zoomOut: { title: 'Zoom out', run: () => void canvasApi.get()?.zoomOut({ duration: 150 }) },
    run: { title: 'Run training', keys: 'Mod+Enter', run: () => startTraining(host, editor) },
    pauseRun: {
      title: 'Pause / resume training',
      run: async () => {
        const training = uiStore.getState().training;
        if (!training?.sessionId || !['running', 'paused'].includes(training.state)) return;
        try {
          await host.controlTraining({ sessionId: training.sessionId, command: training.state === 'paused' ? 'resume' : 'pause' });
        } catch (thrown) {
          toast('error', `Could not pause training: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
        }
      },
    },
    stopRun: {
      title: 'Stop training',
      run: async () => {
        const training = uiStore.getState().training;
        if (!training || !['starting', 'running', 'paused'].includes(training.state)) return;
        try {
          await host.controlTraining({ sessionId: training.sessionId, command: 'stop' });
        } catch (thrown) {
          toast('error', `Could not stop training: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
        }
      },
    },
    shortcuts: { title: 'Keyboard shortcuts', keys: '?', run: () => (uiStore.getState().dialog?.type === 'shortcuts' ? closeDialog() : openDialog({ type: 'shortcuts' })) },
    about: {
      title: 'About Tensorweave',
      run: async () => {
        const info = await host.appInfo({}).catch(() => undefined);
        toast('info', info ? `Tensorweave ${info.version} (${info.host === 'electron' ? 'desktop' : 'browser mode'}, ${info.platform}); workspace ${info.workspace}` : 'Tensorweave');
      },
    },
  };
}

/** The native menu's commands (Electron), by the contract's names. */
export function runMenuCommand(commands: Commands, files: FileActions, message: MenuCommandMessage): void {
  const byMenu: Partial<Record<MenuCommand, CommandId>> = { train: 'run', pauseTraining: 'pauseRun', stopTraining: 'stopRun' };
  if (message.command === 'openRecent') {
    if (message.path) files.guardUnsaved('open a recent file', () => void files.openPath(message.path));
    return;
  }
  const id = byMenu[message.command] ?? (message.command as CommandId);
  if (Object.hasOwn(commands, id)) void commands[id].run();
}

function pasteHere(editor: EditorStore, keepIncoming: boolean): string[] {
  if (!editor.getState().clipboard) {
    toast('info', 'Nothing to paste: copy nodes first (Ctrl+C).');
    return [];
  }
  const at = canvasApi.pointer();
  return editor.getState().paste({ keepIncoming, ...(at ? { at } : {}) });
}

/** Ctrl+Enter: hand the graph to the host's trainer; the status line follows its events. */
export async function startTraining(host: HostApi, editor: EditorStore): Promise<void> {
  const { doc, analysis, file } = editor.getState();
  if (analysis.errorCount > 0) {
    uiStore.setState({ problemsOpen: true });
    toast('error', `Fix the ${analysis.errorCount} error${analysis.errorCount === 1 ? '' : 's'} in the Problems panel before training.`);
    return;
  }
  const current = uiStore.getState().training;
  if (current && ['starting', 'running', 'paused'].includes(current.state)) {
    toast('info', 'Training is already running; stop it first.');
    return;
  }
  uiStore.setState({ training: { sessionId: '', state: 'starting', text: `Starting training of ${file.name}${isDirty(editor.getState()) ? ' (unsaved changes included)' : ''}…` } });
  try {
    const { sessionId } = await host.startTraining({ graphText: graphText(doc), settings: {} });
    uiStore.setState((s) => ({ training: { ...(s.training ?? { state: 'starting', text: '' }), sessionId } as typeof s.training }));
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    uiStore.setState({ training: { sessionId: '', state: 'failed', text: `Training could not start: ${reason}` } });
  }
}
