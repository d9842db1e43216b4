import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate } from '../../electron/menu';
import { menuCommands, type MenuCommand } from '../../core/contract/app-api';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

function commandsOf(isMac: boolean) {
  const sent: [MenuCommand, string | undefined][] = [];
  const items = flatten(buildMenuTemplate({ appName: 'Tensorweave', isMac, developer: false, recentFiles: ['/w/a.graph.json'], send: (c, p) => sent.push([c, p]) }));
  for (const item of items) if (item.click) item.click(undefined as never, undefined as never, undefined as never);
  return { sent, items };
}

describe('native menu', () => {
  it.each([false, true])('offers every menu command exactly once (macOS: %s)', (isMac) => {
    const { sent } = commandsOf(isMac);
    expect(sent.map(([command]) => command).sort()).toEqual([...menuCommands].sort());
    expect(sent.find(([command]) => command === 'openRecent')).toEqual(['openRecent', '/w/a.graph.json']);
  });

  it('shows shortcuts without registering them, so the editor handles each key once', () => {
    const { items } = commandsOf(false);
    const withKeys = items.filter((item) => item.accelerator && item.click);
    expect(withKeys.length).toBeGreaterThan(10);
    for (const item of withKeys) expect(item.registerAccelerator).toBe(false);
    const byLabel = Object.fromEntries(withKeys.map((item) => [item.label, item.accelerator]));
    expect(byLabel).toMatchObject({ Save: 'CmdOrCtrl+S', 'Open…': 'CmdOrCtrl+O', Undo: 'CmdOrCtrl+Z', Redo: 'Ctrl+Y', Train: 'CmdOrCtrl+Enter', 'Toggle Minimap': 'Alt+M', 'Fit View': '.', 'Group into Module': 'CmdOrCtrl+G', 'Paste with Wires': 'CmdOrCtrl+Shift+V' });
    // Cut, copy and paste stay native so text fields keep working.
    expect(items.filter((item) => item.role && ['cut', 'copy', 'paste'].includes(item.role)).map((item) => item.role)).toEqual(['cut', 'copy', 'paste']);
  });

  it('says so when there are no recent files', () => {
    const items = flatten(buildMenuTemplate({ appName: 'Tensorweave', isMac: false, developer: true, recentFiles: [], send: () => undefined }));
    expect(items.find((item) => item.label === 'No Recent Files')).toMatchObject({ enabled: false });
    expect(items.some((item) => item.role === 'toggleDevTools')).toBe(true);
  });
});
