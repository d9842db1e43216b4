/**
 * Electron's binary cannot run here, so the main process is driven against
 * a fake of the Electron API: what it configures (window security, scheme,
 * permissions, menus, IPC) and how it behaves (IPC replies, the close prompt)
 * is checked through the calls it makes.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { APP_CHANNELS } from '../../core/contract/app-api';
import { ipcChannel, MENU_CHANNEL, type IpcReply } from '../../electron/ipc';

const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => void;
  class FakeWindow {
    static instances: FakeWindow[] = [];
    readonly events = new Map<string, Listener[]>();
    readonly webContents = { send: (...args: unknown[]) => fake.sent.push(args) };
    title = '';
    destroyed = false;
    loaded = '';
    constructor(readonly options: Record<string, unknown>) {
      FakeWindow.instances.push(this);
    }
    on(name: string, listener: Listener) {
      this.events.set(name, [...(this.events.get(name) ?? []), listener]);
      return this;
    }
    once(name: string, listener: Listener) {
      return this.on(name, listener);
    }
    emit(name: string, ...args: unknown[]) {
      for (const listener of this.events.get(name) ?? []) listener(...args);
    }
    /** Like Electron: 'close' may be prevented; otherwise the window goes. */
    close() {
      let prevented = false;
      this.emit('close', { preventDefault: () => (prevented = true) });
      if (!prevented) {
        this.destroyed = true;
        this.emit('closed');
      }
    }
    isDestroyed = () => this.destroyed;
    isMinimized = () => false;
    restore() {}
    focus() {}
    show() {}
    setTitle(title: string) {
      this.title = title;
    }
    setDocumentEdited() {}
    setRepresentedFilename() {}
    async loadURL(url: string) {
      this.loaded = url;
    }
  }
  return {
    FakeWindow,
    sent: [] as unknown[][],
    ipc: new Map<string, (event: unknown, request: unknown) => Promise<unknown>>(),
    menus: [] as MenuItemConstructorOptions[][],
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
    beforeRequest: undefined as undefined | ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void),
    permissionRequest: undefined as undefined | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void),
    messageBoxAnswers: [] as number[],
    sandboxEnabled: false,
    userData: '',
    appEvents: [] as [string, Listener][],
  };
});

vi.mock('electron', () => {
  const app = {
    enableSandbox: () => void (fake.sandboxEnabled = true),
    setName: () => undefined,
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    on: (name: string, listener: (...args: unknown[]) => void) => fake.appEvents.push([name, listener]),
    getPath: () => fake.userData,
    getVersion: () => '9.9.9',
    addRecentDocument: () => undefined,
    isPackaged: false,
    quit: () => undefined,
    exit: () => undefined,
  };
  return {
    app,
    BrowserWindow: fake.FakeWindow,
    dialog: {
      showMessageBoxSync: () => fake.messageBoxAnswers.shift() ?? 2,
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
      showErrorBox: () => undefined,
    },
    ipcMain: { handle: (name: string, handler: (event: unknown, request: unknown) => Promise<unknown>) => fake.ipc.set(name, handler) },
    Menu: {
      buildFromTemplate: (template: MenuItemConstructorOptions[]) => (fake.menus.push(template), template),
      setApplicationMenu: () => undefined,
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => fake.schemes.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => fake.protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: typeof fake.permissionRequest) => (fake.permissionRequest = handler),
        setPermissionCheckHandler: () => undefined,
        webRequest: { onBeforeRequest: (handler: typeof fake.beforeRequest) => (fake.beforeRequest = handler) },
      },
    },
    shell: { openExternal: async () => undefined },
    utilityProcess: { fork: () => ({ on: () => undefined, postMessage: () => undefined, kill: () => true }) },
  };
});

let root: string;
let window: InstanceType<typeof fake.FakeWindow>;
const ours = () => ({ sender: window.webContents, senderFrame: { url: 'app://tensorweave/index.html' } });
const invoke = (channel: string, request: unknown, event: unknown = ours()) => fake.ipc.get(channel)!(event, request) as Promise<IpcReply>;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tw-electron-'));
  fake.userData = path.join(root, 'user-data');
  const rendererDir = path.join(root, 'renderer');
  await fs.mkdir(rendererDir, { recursive: true });
  await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>editor</title>');
  vi.stubEnv('TENSORWEAVE_WORKSPACE', path.join(root, 'workspace'));
  vi.stubEnv('TENSORWEAVE_RENDERER_DIR', rendererDir);
  await import('../../electron/main');
  await vi.waitFor(() => expect(fake.FakeWindow.instances).toHaveLength(1), { timeout: 10_000 });
  window = fake.FakeWindow.instances[0];
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await fs.rm(root, { recursive: true, force: true });
});

describe('Electron main process', () => {
  it('opens a sandboxed, context-isolated window without Node on the app:// scheme', () => {
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(fake.sandboxEnabled).toBe(true);
    expect(window.loaded).toBe('app://tensorweave/index.html');
    expect(fake.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
  });

  it('serves the built editor with a strict CSP and nothing outside its folder', async () => {
    const serve = fake.protocolHandlers.get('app')!;
    const page = await serve(new Request('app://tensorweave/index.html'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>editor</title>');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'/);
    expect((await serve(new Request('app://tensorweave/..%2F..%2Fsecret.json'))).status).toBe(404);
    expect((await serve(new Request('app://elsewhere/index.html'))).status).toBe(404);
  });

  it('blocks remote content and grants no permissions but clipboard writes', () => {
    const verdict = (url: string) => {
      let cancel: boolean | undefined;
      fake.beforeRequest!({ url }, (response) => (cancel = response.cancel));
      return cancel;
    };
    expect(verdict('https://example.com/script.js')).toBe(true);
    expect(verdict('http://127.0.0.1:8080/')).toBe(true);
    expect(verdict('file:///etc/passwd')).toBe(true);
    expect(verdict('app://tensorweave/assets/index.js')).toBe(false);
    expect(verdict('data:image/png;base64,AAAA')).toBe(false);
    const granted = (permission: string) => {
      let answer: boolean | undefined;
      fake.permissionRequest!(undefined, permission, (value) => (answer = value));
      return answer;
    };
    expect(granted('media')).toBe(false);
    expect(granted('notifications')).toBe(false);
    expect(granted('clipboard-sanitized-write')).toBe(true);
  });

  it('answers every contract channel over IPC, with errors as messages, and only for its own frame', async () => {
    expect([...fake.ipc.keys()].sort()).toEqual(APP_CHANNELS.map(ipcChannel).sort());
    expect(await invoke(ipcChannel('appInfo'), {})).toEqual({ ok: true, response: expect.objectContaining({ host: 'electron', version: '9.9.9' }) });
    expect(await invoke(ipcChannel('saveFile'), { path: 'x.json' })).toEqual({ ok: false, error: expect.stringMatching(/^invalid request on 'saveFile': text: /) });
    const foreign = { sender: { send: () => undefined }, senderFrame: { url: 'https://evil.example/' } };
    expect(await invoke(ipcChannel('listFiles'), {}, foreign)).toEqual({ ok: false, error: expect.stringMatching(/refused 'listFiles'/) });
    const spoofed = { sender: window.webContents, senderFrame: { url: 'https://evil.example/' } };
    expect(await invoke(ipcChannel('listFiles'), {}, spoofed)).toMatchObject({ ok: false });
  });

  it('builds native menus whose clicks reach the editor as menu commands, with recent files', async () => {
    const file = path.join(root, 'workspace', 'net.graph.json');
    await fs.writeFile(file, '{}');
    expect(await invoke(ipcChannel('openFile'), { path: file })).toMatchObject({ ok: true });
    const menu = fake.menus.at(-1)!;
    expect(menu.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Run', '&Help']);
    const click = (item: MenuItemConstructorOptions) => item.click!(undefined as never, undefined as never, undefined as never);
    const run = (menu[3].submenu as MenuItemConstructorOptions[])[0];
    expect(run).toMatchObject({ label: 'Train', accelerator: 'CmdOrCtrl+Enter', registerAccelerator: false });
    const openRecent = (menu[0].submenu as MenuItemConstructorOptions[]).find((item) => item.label === 'Open Recent')!;
    const recent = (openRecent.submenu as MenuItemConstructorOptions[])[0];
    expect(recent.label).toBe('&1 net.graph.json');
    fake.sent.length = 0;
    click(run);
    click(recent);
    expect(fake.sent).toEqual([
      [MENU_CHANNEL, { command: 'train' }],
      [MENU_CHANNEL, { command: 'openRecent', path: file }],
    ]);
  });

  it('asks before closing a window with unsaved changes, and closes once the editor has saved', async () => {
    await invoke(ipcChannel('setDocumentState'), { dirty: true, title: 'net.graph.json' });
    expect(window.title).toBe('• net.graph.json — Tensorweave');

    fake.messageBoxAnswers.push(2); // Cancel
    fake.sent.length = 0;
    window.close();
    expect(window.destroyed).toBe(false);
    expect(fake.sent).toEqual([]);

    fake.messageBoxAnswers.push(0); // Save
    window.close();
    expect(window.destroyed).toBe(false);
    expect(fake.sent).toEqual([[MENU_CHANNEL, { command: 'save' }]]);

    await invoke(ipcChannel('setDocumentState'), { dirty: false, title: 'net.graph.json' });
    expect(window.destroyed).toBe(true);
  });
});
