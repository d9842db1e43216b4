/**
 * Every user command in one table: the toolbar, the keyboard shortcuts
 * (ComfyUI's where it has one), the help sheet and the host's native menus
 * all run the same functions by name.
 */
import type { MenuCommand, MenuCommandMessage } from '../../core/contract/app-api';
import type { TrainingController } from '../dashboard/controller';
import type { Services } from '../services/context';
import type { CanvasInstance } from '../services/view';
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

/**
 * `view` returns the canvas's React Flow instance (from `useReactFlow()`),
 * read when a command runs; `training` runs Run, pause and stop.
 */
export function createCommands(services: Services, files: FileActions, training: TrainingController, view: () => CanvasInstance): Commands {
  const { host, editor, ui } = services;
  const state = () => editor.getState();
  const toast = ui.getState().toast;
  const { openDialog, closeDialog, setTheme } = ui.getState();
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
      run: () => files.exportFile(`${stem()}.svg`, graphToSvg(state().doc, state().analysis, ui.getState().theme).svg, 'utf8'),
    },
    exportPng: {
      title: 'Export picture (PNG)',
      run: async () => {
        const { svg, width, height } = graphToSvg(state().doc, state().analysis, ui.getState().theme);
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
    paste: { title: 'Paste', keys: 'Mod+V', run: () => void pasteHere(services, false) },
    pasteWithWires: { title: 'Paste with incoming wires', keys: 'Mod+Shift+V', run: () => void pasteHere(services, true) },
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
    fitView: { title: 'Fit view', keys: '.', run: () => void view().fitView({ padding: 0.15, duration: 200 }) },
    toggleMinimap: { title: 'Toggle minimap', keys: 'Alt+M', run: () => ui.setState((s) => ({ minimap: !s.minimap })) },
    autoLayout: {
      title: 'Auto-layout',
      keys: 'Alt+L',
      run: async () => {
        try {
          const positions = architectureLayout(state().doc);
          state().moveNodes(positions);
          setTimeout(() => void view().fitView({ padding: 0.15, duration: 200 }), 30);
        } catch (thrown) {
          toast('error', `Auto-layout failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
        }
      },
    },
    toggleTheme: { title: 'Toggle dark / light theme', run: () => setTheme(ui.getState().theme === 'dark' ? 'light' : 'dark') },
    toggleProblems: { title: 'Toggle problems panel', run: () => ui.setState((s) => ({ problemsOpen: !s.problemsOpen })) },
    zoomIn: { title: 'Zoom in', run: () => void view().zoomIn({ duration: 150 }) },
    zoomOut: { title: 'Zoom out', run: () => void view().zoomOut({ duration: 150 }) },
    run: { title: 'Run training', keys: 'Mod+Enter', run: async () => void (await training.start()) },
    pauseRun: { title: 'Pause / resume training', run: () => training.togglePause() },
    stopRun: { title: 'Stop training', run: () => training.stop() },
    shortcuts: { title: 'Keyboard shortcuts', keys: '?', run: () => (ui.getState().dialog?.type === 'shortcuts' ? closeDialog() : openDialog({ type: 'shortcuts' })) },
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

function pasteHere({ editor, ui, pointer }: Services, keepIncoming: boolean): string[] {
  if (!editor.getState().clipboard) {
    ui.getState().toast('info', 'Nothing to paste: copy nodes first (Ctrl+C).');
    return [];
  }
  const at = pointer.current;
  return editor.getState().paste({ keepIncoming, ...(at ? { at } : {}) });
}
