/**
 * Electron's main process: the window, native menus and dialogs, and the
 * IPC transport of the app contract. What each channel does lives in
 * core/host/handlers.ts, shared with the browser mode.
 *
 * Security: the editor runs sandboxed with context isolation and no Node,
 * is served from the app:// scheme (never file:// or the network) with a
 * strict CSP, cannot navigate or open windows, gets no permissions, and its
 * IPC is answered only for our own frame.
 *
 * Built by build/build-electron.ts into dist/electron/main.mjs, next to
 * preload.cjs and trainer.mjs; the editor is read from dist/renderer.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, utilityProcess, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_CHANNELS, parseMenuCommand, type AppPush, type MenuCommand } from '../core/contract/app-api';
import { createAppHandlers, defaultWorkspace, errorMessage, type AppHandlers, type DocumentState } from '../core/host/handlers';
import { contentSecurityPolicy } from '../core/host/csp';
import { nodeLibrary } from '../nodes/library';
import { buildMenuTemplate } from './menu';
import { ipcChannel, MENU_CHANNEL, PUSH_CHANNEL, type IpcReply } from './ipc';
import { trainerHandleFor } from './utility-trainer';
import { rendererFileFor, contentTypeFor, APP_ORIGIN, APP_SCHEME, isAppUrl, WEB_PREFERENCES } from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.resolve(process.env.TENSORWEAVE_RENDERER_DIR ?? path.join(here, '..', 'renderer'));
const APP_NAME = 'Tensorweave';

// Before 'ready': app:// must be a standard, secure scheme for fetch, modules and storage to work.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();
app.setName(APP_NAME);

let window: BrowserWindow | undefined;
let handlers: AppHandlers | undefined;
let documentState: DocumentState = { dirty: false };
let closeAfterSave = false;
let closeAfterSaveTimer: ReturnType<typeof setTimeout> | undefined;
let closeConfirmed = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.whenReady().then(start, (error) => {
    dialog.showErrorBox(`${APP_NAME} could not start`, errorMessage(error));
    app.exit(1);
  });
}

function push(message: AppPush): void {
  if (window && !window.isDestroyed()) window.webContents.send(PUSH_CHANNEL, message);
}

function sendMenuCommand(command: MenuCommand, file?: string): void {
  if (window && !window.isDestroyed()) window.webContents.send(MENU_CHANNEL, parseMenuCommand({ command, ...(file !== undefined ? { path: file } : {}) }));
}

async function start(): Promise<void> {
  const workspace = defaultWorkspace();
  await fs.mkdir(workspace, { recursive: true });
  const state = app.getPath('userData');
  handlers = createAppHandlers({
    library: nodeLibrary,
    workspace,
    runsDir: path.join(workspace, 'runs'),
    recentFile: path.join(state, 'recent.json'),
    recoveryFile: path.join(state, 'recovery.json'),
    host: 'electron',
    version: app.getVersion(),
    push,
    spawnTrainer: () =>
      trainerHandleFor(utilityProcess.fork(path.join(here, 'trainer.mjs'), [], { serviceName: `${APP_NAME} trainer`, stdio: 'inherit' })),
    dialogs: {
      async chooseOpenPath({ defaultPath }) {
        const options: Electron.OpenDialogOptions = {
          title: 'Open Graph',
          defaultPath,
          properties: ['openFile'],
          filters: [
            { name: 'Tensorweave graphs', extensions: ['json'] },
            { name: 'All files', extensions: ['*'] },
          ],
        };
        const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
        return result.canceled ? undefined : result.filePaths[0];
      },
      async chooseSavePath({ defaultPath, purpose }) {
        const extension = path.extname(defaultPath).slice(1).toLowerCase() || 'json';
        const options: Electron.SaveDialogOptions = {
          title: purpose === 'graph' ? 'Save Graph' : 'Export',
          defaultPath,
          properties: ['createDirectory', 'showOverwriteConfirmation'],
          filters: [{ name: purpose === 'graph' ? 'Tensorweave graphs' : `${extension.toUpperCase()} files`, extensions: [extension] }],
        };
        const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
        return result.canceled || !result.filePath ? undefined : result.filePath;
      },
    },
    onDocumentState: updateDocumentState,
  });

  lockDownSession();
  protocol.handle(APP_SCHEME, serveRenderer);
  registerIpc(handlers);
  await refreshMenu();
  createWindow();

  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void handlers?.dispose());
}

function lockDownSession(): void {
  const defaultSession = session.defaultSession;
  // The editor needs no camera, notifications or the like; the clipboard it uses through copy/paste events.
  defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  defaultSession.setPermissionCheckHandler((_contents, permission) => permission === 'clipboard-sanitized-write');
  // No remote content: only the app's own scheme and in-page data.
  defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAppUrl(details.url) || /^(data|blob|devtools|chrome-extension):/.test(details.url);
    callback({ cancel: !allowed });
  });
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser, never inside the app.
      if (/^https:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

async function serveRenderer(request: Request): Promise<Response> {
  const file = rendererFileFor(request.url, rendererDir);
  if (!file) return new Response('not found', { status: 404 });
  try {
    const body = await fs.readFile(file);
    return new Response(body, {
      headers: {
        'Content-Type': contentTypeFor(file),
        'Content-Security-Policy': contentSecurityPolicy(),
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch {
    if (file.endsWith('index.html')) {
      return new Response(`The editor is not built (${file} is missing): run \`npm run build:renderer\`, or start with \`npm start\`, which builds it.`, {
        status: 503,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    }
    return new Response('not found', { status: 404 });
  }
}

function isOurFrame(event: IpcMainInvokeEvent): boolean {
  return window !== undefined && event.sender === window.webContents && isAppUrl(event.senderFrame?.url ?? '');
}

function registerIpc(appHandlers: AppHandlers): void {
  for (const channel of APP_CHANNELS) {
    ipcMain.handle(ipcChannel(channel), async (event, request): Promise<IpcReply> => {
      if (!isOurFrame(event)) return { ok: false, error: `refused '${channel}': the request did not come from the ${APP_NAME} editor` };
      try {
        const response = await appHandlers[channel](request);
        if (channel === 'openFile' || channel === 'saveFile' || channel === 'saveFileAs') await afterFileUse(response);
        return { ok: true, response };
      } catch (error) {
        return { ok: false, error: errorMessage(error) };
      }
    });
  }
}

async function afterFileUse(response: unknown): Promise<void> {
  const file = (response as { path?: unknown }).path;
  if (typeof file === 'string') app.addRecentDocument(file);
  await refreshMenu();
}

async function refreshMenu(): Promise<void> {
  const recentFiles = handlers ? await handlers.recentFiles({}) : [];
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({ appName: APP_NAME, isMac: process.platform === 'darwin', developer: !app.isPackaged, recentFiles, send: sendMenuCommand }),
    ),
  );
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    title: APP_NAME,
    show: false,
    backgroundColor: '#1e1f22',
    webPreferences: { ...WEB_PREFERENCES, preload: path.join(here, 'preload.cjs') },
  });
  window.once('ready-to-show', () => window?.show());
  window.on('close', onClose);
  window.on('closed', () => {
    window = undefined;
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

function updateDocumentState(state: DocumentState): void {
  documentState = state;
  if (!window || window.isDestroyed()) return;
  const title = state.title ?? (state.path ? path.basename(state.path) : 'Untitled');
  window.setTitle(`${state.dirty ? '• ' : ''}${title} — ${APP_NAME}`);
  if (process.platform === 'darwin') {
    window.setDocumentEdited(state.dirty);
    if (state.path) window.setRepresentedFilename(state.path);
  }
  // The editor saved after "Save" in the close prompt: finish closing.
  if (closeAfterSave && !state.dirty) {
    closeAfterSave = false;
    closeConfirmed = true;
    window.close();
  }
}

function onClose(event: Electron.Event): void {
  if (closeConfirmed || !documentState.dirty || !window) return;
  event.preventDefault();
  const name = documentState.title ?? (documentState.path ? path.basename(documentState.path) : 'Untitled');
  const choice = dialog.showMessageBoxSync(window, {
    type: 'warning',
    buttons: ['Save', "Don't Save", 'Cancel'],
    defaultId: 0,
    cancelId: 2,
    noLink: true,
    message: `Save the changes to “${name}” before closing?`,
    detail: "Your changes will be lost if you don't save them.",
  });
  if (choice === 0) {
    // The editor saves (perhaps through a Save As dialog) and reports dirty: false, which closes the window.
    closeAfterSave = true;
    if (closeAfterSaveTimer) clearTimeout(closeAfterSaveTimer);
    // A save the user cancels must not close the window minutes later.
    closeAfterSaveTimer = setTimeout(() => (closeAfterSave = false), 120_000);
    sendMenuCommand('save');
  } else if (choice === 1) {
    closeConfirmed = true;
    // Discarded on purpose: the next start must not offer to restore it.
    void handlers?.clearRecovery({}).finally(() => window?.close());
  }
}
