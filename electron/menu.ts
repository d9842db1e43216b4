/**
 * The native menu. Items show their shortcuts but do not register them
 * (registerAccelerator: false): the editor handles its keys itself, exactly
 * as in the browser mode, so a key never acts twice. A click sends the
 * matching menu command to the editor. Cut, copy and paste are native roles,
 * so they work in text fields and reach the canvas as DOM clipboard events.
 * (macOS always registers menu key equivalents; there a key arrives as the
 * menu command instead of a keydown.)
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../core/contract/app-api';

export interface MenuContext {
  appName: string;
  isMac: boolean;
  /** Shows developer tools in the View menu (unpackaged builds). */
  developer: boolean;
  recentFiles: string[];
  send(command: MenuCommand, path?: string): void;
  clearRecent?(): void;
}

export function buildMenuTemplate(context: MenuContext): MenuItemConstructorOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator, registerAccelerator: false } : {}),
    click: () => context.send(command),
  });
  const separator: MenuItemConstructorOptions = { type: 'separator' };
  const baseName = (file: string) => file.split(/[\\/]/).pop() ?? file;

  const recent: MenuItemConstructorOptions[] = context.recentFiles.length
    ? [
        ...context.recentFiles.map((file, index) => ({
          label: `${index < 9 ? `&${index + 1} ` : ''}${baseName(file).replace(/&/g, '&&')}`,
          toolTip: file,
          click: () => context.send('openRecent', file),
        })),
        ...(context.clearRecent ? [separator, { label: 'Clear Recent', click: () => context.clearRecent?.() }] : []),
      ]
    : [{ label: 'No Recent Files', enabled: false }];

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      item('New Graph', 'new', 'CmdOrCtrl+N'),
      item('New from Template…', 'templates', 'CmdOrCtrl+Shift+N'),
      item('Open…', 'open', 'CmdOrCtrl+O'),
      { label: 'Open Recent', submenu: recent },
      separator,
      item('Save', 'save', 'CmdOrCtrl+S'),
      item('Save As…', 'saveAs', 'CmdOrCtrl+Shift+S'),
      {
        label: 'Export',
        submenu: [item('Graph JSON…', 'exportJson'), item('Canvas as PNG…', 'exportPng'), item('Canvas as SVG…', 'exportSvg')],
      },
      separator,
      context.isMac ? { role: 'close' } : { role: 'quit', label: 'E&xit' },
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      item('Undo', 'undo', 'CmdOrCtrl+Z'),
      item('Redo', 'redo', context.isMac ? 'Shift+Cmd+Z' : 'Ctrl+Y'),
      separator,
      { role: 'cut', registerAccelerator: false },
      { role: 'copy', registerAccelerator: false },
      { role: 'paste', registerAccelerator: false },
      item('Paste with Wires', 'pasteWithWires', 'CmdOrCtrl+Shift+V'),
      item('Delete', 'delete', 'Delete'),
      item('Select All', 'selectAll', 'CmdOrCtrl+A'),
      separator,
      item('Group into Module', 'group', 'CmdOrCtrl+G'),
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      item('Fit View', 'fitView', '.'),
      item('Zoom In', 'zoomIn', 'CmdOrCtrl+='),
      item('Zoom Out', 'zoomOut', 'CmdOrCtrl+-'),
      item('Toggle Minimap', 'toggleMinimap', 'Alt+M'),
      item('Auto-Layout Graph', 'autoLayout', 'CmdOrCtrl+Shift+L'),
      separator,
      item('Toggle Dark/Light Theme', 'toggleTheme'),
      { role: 'togglefullscreen' },
      ...(context.developer ? [separator, { role: 'reload' } as const, { role: 'toggleDevTools' } as const] : []),
    ],
  };

  const run: MenuItemConstructorOptions = {
    label: '&Run',
    submenu: [item('Train', 'train', 'CmdOrCtrl+Enter'), item('Pause / Resume Training', 'pauseTraining'), item('Stop Training', 'stopTraining')],
  };

  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [item('Keyboard Shortcuts', 'shortcuts', 'CmdOrCtrl+/'), ...(context.isMac ? [] : [item(`About ${context.appName}`, 'about')])],
  };

  const macApp: MenuItemConstructorOptions[] = context.isMac
    ? [
        {
          label: context.appName,
          submenu: [item(`About ${context.appName}`, 'about'), separator, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, separator, { role: 'quit' }],
        },
      ]
    : [];

  return [...macApp, file, edit, view, run, help];
}
