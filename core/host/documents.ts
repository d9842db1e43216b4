/**
 * The editor's documents, on the host side: graph files in the workspace (or
 * wherever the user chose in a native dialog), recent files, the autosaved
 * recovery copy, templates and exports. The host stays dumb about graph
 * semantics: it moves text between disk and editor, and the editor validates
 * graphs with core/graph.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { z } from 'zod';
import { AppContractError, type AppRequest, type AppResponse } from '../contract/app-api';
import { findTemplate, type NodeLibrary } from '../library';
import { serializeGraph } from '../graph/serialize';
import { writeFileAtomic } from '../atomic-write';
import { isInside, resolveAllowedPath } from './files';
import { errorMessage } from './errors';

export const MAX_RECENT_FILES = 10;
/** Graph files are small; a larger file is almost surely not a graph and would only stall the editor. */
export const MAX_OPEN_BYTES = 64 * 1024 * 1024;

/** Native dialogs (Electron). Without them the host is confined to the workspace. */
export interface HostDialogs {
  /** Returns the chosen path, or undefined when the user cancels. */
  chooseOpenPath(options: { defaultPath: string }): Promise<string | undefined>;
  chooseSavePath(options: { defaultPath: string; purpose: 'graph' | 'export' }): Promise<string | undefined>;
}

export interface DocumentState {
  dirty: boolean;
  title?: string;
  path?: string;
}

export interface DocumentOptions {
  /** The node library the entry point was started with (templates come from it). */
  library: NodeLibrary;
  /** Folder for graph files; in the browser mode, the only folder the editor may touch. */
  workspace: string;
  /** JSON list of recently used files. */
  recentFile: string;
  /** Autosave of the unsaved graph. */
  recoveryFile: string;
  /** Folder in which training creates run folders (left out of the graph file list). */
  runsDir: string;
  host?: 'electron' | 'browser';
  version?: string;
  dialogs?: HostDialogs;
  onDocumentState?: (state: DocumentState) => void;
}

export const DOCUMENT_CHANNELS = [
  'appInfo',
  'listTemplates',
  'getTemplate',
  'openFile',
  'listFiles',
  'saveFile',
  'saveFileAs',
  'exportFile',
  'recentFiles',
  'writeRecovery',
  'readRecovery',
  'clearRecovery',
  'setDocumentState',
] as const;
export type DocumentChannel = (typeof DOCUMENT_CHANNELS)[number];

export type DocumentHandlers = { [C in DocumentChannel]: (request: AppRequest<C>) => Promise<AppResponse<C>> };

const recentListSchema = z.array(z.string());
const recoverySchema = z
  .object({ format: z.literal('tensorweave.recovery'), version: z.literal(1), text: z.string(), path: z.string().optional(), savedAt: z.string() })
  .strict();

const SKIPPED_FOLDERS = new Set(['node_modules', 'exports']);

export function createDocumentHandlers(options: DocumentOptions): DocumentHandlers {
  const workspace = path.resolve(options.workspace);
  const runsDir = path.resolve(options.runsDir);
  const host = options.host ?? (options.dialogs ? 'electron' : 'browser');
  const dialogs = options.dialogs;
  /** Paths the user chose in a native dialog this session; Electron may read and write them even outside the workspace. */
  const granted = new Set<string>();

  // With native dialogs, recent files are as good as chosen: the user picked them before.
  const isGranted = (absolute: string) => dialogs !== undefined && granted.has(absolute);
  const allowed = async (requested: string) => {
    if (dialogs) for (const recent of await readRecent()) granted.add(recent);
    return resolveAllowedPath(workspace, requested, isGranted);
  };

  let recentQueue: Promise<unknown> = Promise.resolve();
  async function readRecent(): Promise<string[]> {
    try {
      const parsed = recentListSchema.safeParse(JSON.parse(await fs.readFile(options.recentFile, 'utf8')));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }
  // Saves may overlap (autosave, Save As); updates go one after another so none is lost.
  function addRecent(file: string): Promise<void> {
    const update = recentQueue.then(async () => {
      const list = [file, ...(await readRecent()).filter((entry) => entry !== file)].slice(0, MAX_RECENT_FILES);
      await writeFileAtomic(options.recentFile, `${JSON.stringify(list, null, 2)}\n`);
    });
    recentQueue = update.catch(() => undefined);
    return update;
  }

  async function readText(file: string): Promise<string> {
    let stat;
    try {
      stat = await fs.stat(file);
    } catch (error) {
      throw new Error(describeFsError(error, 'open', file), { cause: error });
    }
    if (stat.isDirectory()) throw new Error(`cannot open ${file}: it is a folder, not a graph file`);
    if (stat.size > MAX_OPEN_BYTES) throw new Error(`cannot open ${file}: it is ${(stat.size / 1048576).toFixed(0)} MiB, larger than any graph file (limit ${MAX_OPEN_BYTES / 1048576} MiB)`);
    try {
      return await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new Error(describeFsError(error, 'open', file), { cause: error });
    }
  }

  async function write(file: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(file, data);
    } catch (error) {
      throw new Error(describeFsError(error, 'save', file), { cause: error });
    }
  }

  return {
    async appInfo() {
      return { version: options.version ?? (await packageVersion()), host, platform: process.platform, workspace };
    },

    async listTemplates() {
      return options.library.templates.map(({ id, title, summary, description, category }) => ({ id, title, summary, description, category }));
    },

    async getTemplate({ id }) {
      const template = findTemplate(options.library, id);
      if (!template) throw new Error(`no template '${id}'; available: ${options.library.templates.map((t) => t.id).join(', ') || '(none)'}`);
      return { text: serializeGraph(template.build()) };
    },

    async openFile(request) {
      let file: string;
      if (request.path === undefined) {
        if (!dialogs) {
          throw new Error("openFile needs a path in the browser mode: list the workspace's graph files with listFiles and pass the chosen file's path");
        }
        const chosen = await dialogs.chooseOpenPath({ defaultPath: workspace });
        if (!chosen) return { canceled: true as const };
        file = path.resolve(chosen);
        granted.add(file);
      } else {
        file = await allowed(request.path);
      }
      const text = await readText(file);
      await addRecent(file);
      return { path: file, name: path.basename(file), text };
    },

    async listFiles() {
      const files: { path: string; name: string; modified: number }[] = [];
      await collectGraphFiles(workspace, 0, files, runsDir);
      return files.sort((a, b) => b.modified - a.modified || a.path.localeCompare(b.path)).slice(0, 1000);
    },

    async saveFile({ path: requested, text }) {
      const file = await allowed(requested);
      await write(file, text);
      await addRecent(file);
      return { path: file, name: path.basename(file) };
    },

    async saveFileAs({ suggestedName, text, name }) {
      let file: string;
      if (dialogs) {
        const chosen = await dialogs.chooseSavePath({ defaultPath: path.join(workspace, path.basename(name ?? suggestedName)), purpose: 'graph' });
        if (!chosen) return { canceled: true as const };
        file = path.resolve(chosen);
      } else {
        const wanted = (name ?? suggestedName).trim();
        if (!wanted) throw new Error('saveFileAs: give the file a name');
        file = await allowed(/\.json$/i.test(wanted) ? wanted : `${wanted}.graph.json`);
      }
      granted.add(file);
      await write(file, text);
      await addRecent(file);
      return { path: file, name: path.basename(file) };
    },

    async exportFile({ suggestedName, data, encoding }) {
      const bytes = encoding === 'base64' ? decodeBase64(data) : Buffer.from(data, 'utf8');
      const baseName = path.basename(suggestedName.trim()) || 'export';
      let file: string;
      if (dialogs) {
        const chosen = await dialogs.chooseSavePath({ defaultPath: path.join(workspace, baseName), purpose: 'export' });
        if (!chosen) return { canceled: true as const };
        file = path.resolve(chosen);
        granted.add(file);
      } else {
        file = await allowed(path.join('exports', baseName));
      }
      await write(file, bytes);
      return { path: file };
    },

    async recentFiles() {
      const list = await readRecent();
      const present = await Promise.all(list.map((file) => fs.access(file).then(() => true, () => false)));
      return list.filter((file, index) => present[index] && (dialogs !== undefined || isInside(workspace, file)));
    },

    async writeRecovery({ text, path: documentPath }) {
      const record = { format: 'tensorweave.recovery', version: 1, text, ...(documentPath !== undefined ? { path: documentPath } : {}), savedAt: new Date().toISOString() };
      await write(options.recoveryFile, JSON.stringify(record));
      return { ok: true as const };
    },

    async readRecovery() {
      let raw: string;
      try {
        raw = await fs.readFile(options.recoveryFile, 'utf8');
      } catch {
        return null;
      }
      try {
        const parsed = recoverySchema.safeParse(JSON.parse(raw));
        if (!parsed.success) return null;
        const { text, path: documentPath, savedAt } = parsed.data;
        return { text, savedAt, ...(documentPath !== undefined ? { path: documentPath } : {}) };
      } catch {
        // A recovery file cut off by the crash it was meant to survive offers nothing to restore.
        return null;
      }
    },

    async clearRecovery() {
      await fs.rm(options.recoveryFile, { force: true });
      return { ok: true as const };
    },

    async setDocumentState(state) {
      options.onDocumentState?.(state);
      return { ok: true as const };
    },

  };
}

async function collectGraphFiles(folder: string, depth: number, out: { path: string; name: string; modified: number }[], runsDir: string): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      // Run folders hold run.json and graph copies; listing them would drown the user's graphs.
      if (depth < 3 && !SKIPPED_FOLDERS.has(entry.name) && full !== runsDir) await collectGraphFiles(full, depth + 1, out, runsDir);
    } else if (entry.isFile() && /\.json$/i.test(entry.name)) {
      const stat = await fs.stat(full).catch(() => undefined);
      if (stat) out.push({ path: full, name: entry.name, modified: stat.mtimeMs });
    }
  }
}

function decodeBase64(data: string): Buffer {
  const compact = data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new AppContractError("invalid request on 'exportFile': data: not valid base64 (encode binary exports as base64, or send text with encoding 'utf8')");
  }
  return Buffer.from(compact, 'base64');
}

function describeFsError(error: unknown, action: 'open' | 'save', file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return action === 'open' ? `cannot open ${file}: no such file` : `cannot save ${file}: its folder does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `cannot ${action} ${file}: permission denied`;
    case 'EISDIR':
      return `cannot ${action} ${file}: it is a folder`;
    case 'ENOSPC':
      return `cannot save ${file}: the disk is full (the previous version of the file is intact)`;
    case 'EROFS':
      return `cannot save ${file}: the file system is read-only`;
    default:
      return `cannot ${action} ${file}: ${errorMessage(error)}`;
  }
}

let cachedVersion: string | undefined;
async function packageVersion(): Promise<string> {
  if (cachedVersion) return cachedVersion;
  try {
    const text = await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8');
    cachedVersion = (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}

/** Where the browser mode keeps things when not told otherwise. */
export function defaultWorkspace(): string {
  return process.env.TENSORWEAVE_WORKSPACE ? path.resolve(process.env.TENSORWEAVE_WORKSPACE) : path.join(os.homedir(), 'Tensorweave');
}
