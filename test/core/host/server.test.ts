import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../../core/host/server';
import { createWebSocketHost, type WebSocketHost, type WebSocketLike } from '../../../renderer/host/ws-client';
import { GraphBuilder } from '../../../core/graph/builder';
import { serializeGraph } from '../../../core/graph/serialize';
import type { AppPush } from '../../../core/contract/app-api';
import { library } from '../../library';

let root: string;
let server: RunningServer;
let host: WebSocketHost;
const wsUrl = () => `ws://127.0.0.1:${server.port}/api`;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tw-server-'));
  const staticDir = path.join(root, 'static');
  await fs.mkdir(path.join(staticDir, 'assets'), { recursive: true });
  await fs.writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Tensorweave</title>');
  await fs.writeFile(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  await fs.writeFile(path.join(root, 'secret.txt'), 'secret');
  server = await startServer({ library, port: 0, workspace: path.join(root, 'workspace'), runsDir: path.join(root, 'runs'), staticDir });
  host = createWebSocketHost(wsUrl(), (url) => new WebSocket(url) as unknown as WebSocketLike);
});

afterAll(async () => {
  host?.close();
  await server?.close();
  await fs.rm(root, { recursive: true, force: true });
});

/** Sends raw frames and collects the replies, to test the server without the client's own validation. */
async function rawExchange(frames: string[], headers: Record<string, string> = {}): Promise<unknown[]> {
  const socket = new WebSocket(wsUrl(), { headers });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const replies: unknown[] = [];
  const done = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      replies.push(JSON.parse(data.toString()));
      if (replies.length === frames.length) resolve();
    });
  });
  for (const frame of frames) socket.send(frame);
  await done;
  socket.close();
  return replies;
}

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 only and serves the built editor with a strict CSP', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Tensorweave</title>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    expect(csp).not.toMatch(/unsafe-eval/);
    const asset = await fetch(new URL('/assets/app.js', server.url));
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(new URL('/assets/missing.js', server.url))).status).toBe(404);
    expect((await fetch(new URL('/..%2F..%2Fsecret.txt', server.url))).status).toBe(404);
  });

  it('answers channels over the WebSocket through the editor’s client', async () => {
    const info = await host.appInfo({});
    expect(info).toMatchObject({ host: 'browser', workspace: server.workspace });
    const templates = await host.listTemplates({});
    expect(templates.length).toBeGreaterThan(0);
    const saved = await host.saveFileAs({ suggestedName: 'untitled', name: 'net', text: '{}\n' });
    expect(saved).toEqual({ path: path.join(server.workspace, 'net.graph.json'), name: 'net.graph.json' });
    expect(await host.listFiles({})).toEqual([expect.objectContaining({ name: 'net.graph.json' })]);
    expect(await host.recentFiles({})).toEqual([path.join(server.workspace, 'net.graph.json')]);
    await expect(host.openFile({ path: '../secret.txt' })).rejects.toThrow(/outside the workspace/);
  });

  it('returns an error for a bad request, naming the field, and for broken frames', async () => {
    const replies = await rawExchange([
      JSON.stringify({ id: 1, channel: 'saveFile', request: { path: 'x.json' } }),
      JSON.stringify({ id: 'b', channel: 'nope', request: {} }),
      JSON.stringify({ id: 3, request: {} }),
      'not json',
      JSON.stringify({ id: 4, channel: 'recentFiles', request: {} }),
    ]);
    // Requests are answered as they complete, not necessarily in order.
    expect(replies).toHaveLength(5);
    expect(replies).toEqual(expect.arrayContaining([
      { id: 1, ok: false, error: expect.stringMatching(/^invalid request on 'saveFile': text: /) },
      { id: 'b', ok: false, error: expect.stringMatching(/^unknown channel 'nope'/) },
      { id: 3, ok: false, error: expect.stringMatching(/^invalid message: channel: /) },
      { id: null, ok: false, error: expect.stringMatching(/^invalid message: not JSON/) },
      { id: 4, ok: true, response: expect.any(Array) },
    ]));
  });

  it('validates requests in the client before they leave', async () => {
    // @ts-expect-error: the point is a request that breaks the contract
    await expect(host.getTemplate({ id: 7 })).rejects.toThrow(/invalid request on 'getTemplate': id: /);
  });

  it('refuses WebSocket connections from other origins and other hosts', async () => {
    const attempt = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(wsUrl(), { headers });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('error', () => resolve(-1));
      });
    expect(await attempt({ Origin: 'https://evil.example' })).toBe(403);
    expect(await attempt({ Host: `evil.example:${server.port}` })).toBe(421);
    expect(await attempt({ Origin: `http://localhost:${server.port}` })).toBe(101);
    // fetch() won't forge a Host header; a DNS-rebound page would send its own name.
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.port, path: '/', headers: { Host: 'rebound.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(421);
  });

  it('trains a graph in a child process and pushes its progress and completion', async () => {
    const b = new GraphBuilder({ name: 'tiny' }, library);
    const data = b.add('input.dataset', {}, 'data');
    const conv = b.op('conv2d', { input: `${data}.image` }, { outChannels: 3, kernelSize: 3, padding: 1 }, 'conv');
    b.op('loss.l1', { input: `${conv}.output`, target: `${data}.image` }, {}, 'loss');
    b.dataset('shapes', { imageSize: 16 });
    b.training({ steps: 100, batchSize: 2, logEvery: 1, checkpointEvery: 0, previewEvery: 0 });
    b.optimizer({ type: 'adam', id: 'opt', modules: ['main'], losses: [{ node: 'loss', weight: 1 }], lr: 1e-3 });

    const pushes: AppPush[] = [];
    let finished!: () => void;
    const over = new Promise<void>((resolve) => (finished = resolve));
    const unsubscribe = host.onPush((push: AppPush) => {
      pushes.push(push);
      if (push.event.type === 'done' || push.event.type === 'error') finished();
    });
    const { sessionId } = await host.startTraining({ graphText: serializeGraph(b.build()), settings: { steps: 4, runName: 'host-test', backend: 'cpu' } });
    await over;
    unsubscribe();

    expect(pushes.every((p) => p.sessionId === sessionId)).toBe(true);
    const events = pushes.map((p) => p.event);
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ready', 'started', 'progress', 'done']));
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    for (const e of progress) expect(Number.isFinite(e.losses.loss)).toBe(true);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', reason: 'completed', step: 4, runDir: path.join(root, 'runs', 'host-test') });

    const runs = await host.listRuns({});
    expect(runs).toEqual([expect.objectContaining({ runId: 'host-test', status: 'completed', step: 4, totalSteps: 4, graphName: 'tiny' })]);
    const run = await host.readRun({ runId: 'host-test' });
    expect(run.events.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(run.events.map((e) => e.losses.loss)).toEqual(progress.map((e) => e.losses.loss));
    expect(JSON.parse(run.graphText)).toMatchObject({ name: 'tiny' });
    await expect(host.controlTraining({ sessionId, command: 'stop' })).rejects.toThrow(/no training session/);
  });

  it('reports a graph the trainer refuses as an error push, not as silence', async () => {
    const errors: string[] = [];
    let finished!: () => void;
    const over = new Promise<void>((resolve) => (finished = resolve));
    const unsubscribe = host.onPush((push) => {
      if (push.event.type === 'error') {
        errors.push(push.event.code);
        finished();
      }
    });
    await host.startTraining({ graphText: '{"format": "tensorweave.graph"', settings: { steps: 1 } });
    await over;
    unsubscribe();
    expect(errors).toEqual(['invalid-graph']);
  });
});
