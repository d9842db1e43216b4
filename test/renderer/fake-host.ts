/**
 * An in-memory host for editor tests: files, recovery and templates live in
 * maps, every request is validated against the contract exactly as the real
 * hosts do, and every call is recorded for assertions.
 */
import { APP_CHANNELS, parseAppRequest, parseAppResponse, type AppChannel, type AppPush, type HostApi } from '../../core/contract/app-api';

type Handlers = { [C in AppChannel]: (request: never) => unknown };

export interface FakeHost extends HostApi {
  files: Map<string, string>;
  recovery: { text: string; path?: string; savedAt: string } | null;
  calls: { channel: AppChannel; request: unknown }[];
  documentState: { dirty: boolean; title?: string; path?: string } | null;
  push(push: AppPush): void;
}

export function createFakeHost(options: { templates?: { id: string; title: string; text: string }[]; host?: 'browser' | 'electron' } = {}): FakeHost {
  const files = new Map<string, string>();
  const listeners = new Set<(push: AppPush) => void>();
  const templates = options.templates ?? [];
  const state = {
    recovery: null as FakeHost['recovery'],
    documentState: null as FakeHost['documentState'],
  };
  const nameOf = (p: string) => p.split('/').pop()!;
  const handlers: Handlers = {
    appInfo: () => ({ version: '0.0.0-test', host: options.host ?? 'browser', platform: 'test', workspace: '/ws' }),
    listTemplates: () => templates.map((t) => ({ id: t.id, title: t.title, summary: t.title, description: `The ${t.title} template.`, category: 'basics' })),
    getTemplate: (r: { id: string }) => {
      const t = templates.find((x) => x.id === r.id);
      if (!t) throw new Error(`no template '${r.id}'`);
      return { text: t.text };
    },
    openFile: (r: { path?: string }) => {
      if (r.path === undefined) return { canceled: true };
      const text = files.get(r.path);
      if (text === undefined) throw new Error(`no such file: ${r.path}`);
      return { path: r.path, name: nameOf(r.path), text };
    },
    listFiles: () => [...files.keys()].map((p) => ({ path: p, name: nameOf(p), modified: 0 })),
    saveFile: (r: { path: string; text: string }) => {
      files.set(r.path, r.text);
      return { path: r.path, name: nameOf(r.path) };
    },
    saveFileAs: (r: { suggestedName: string; text: string; name?: string }) => {
      const p = `/ws/${r.name ?? r.suggestedName}`;
      files.set(p, r.text);
      return { path: p, name: nameOf(p) };
    },
    exportFile: (r: { suggestedName: string; data: string }) => {
      files.set(`/ws/exports/${r.suggestedName}`, r.data);
      return { path: `/ws/exports/${r.suggestedName}` };
    },
    recentFiles: () => [],
    writeRecovery: (r: { text: string; path?: string }) => {
      state.recovery = { text: r.text, ...(r.path ? { path: r.path } : {}), savedAt: new Date(0).toISOString() };
      return { ok: true };
    },
    readRecovery: () => state.recovery,
    clearRecovery: () => {
      state.recovery = null;
      return { ok: true };
    },
    startTraining: () => ({ sessionId: 'session-1' }),
    controlTraining: () => ({ ok: true }),
    setDocumentState: (r: { dirty: boolean; title?: string; path?: string }) => {
      state.documentState = r;
      return { ok: true };
    },
    listRuns: () => [],
    readRun: () => {
      throw new Error('no runs in the fake host');
    },
  };
  const calls: FakeHost['calls'] = [];
  const api: Record<string, unknown> = {};
  for (const channel of APP_CHANNELS) {
    api[channel] = async (request: unknown) => {
      const checked = parseAppRequest(channel, request);
      calls.push({ channel, request: checked });
      const handler = handlers[channel] as (r: unknown) => unknown;
      return parseAppResponse(channel, handler(checked));
    };
  }
  Object.defineProperties(api, {
    recovery: { get: () => state.recovery, set: (value: FakeHost['recovery']) => (state.recovery = value) },
    documentState: { get: () => state.documentState },
  });
  api.files = files;
  api.calls = calls;
  api.onPush = (listener: (push: AppPush) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  api.push = (push: AppPush) => {
    for (const listener of listeners) listener(push);
  };
  return api as unknown as FakeHost;
}
