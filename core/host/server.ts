/**
 * The browser mode's host: a local HTTP server for the built editor and a
 * WebSocket endpoint speaking the app contract, on 127.0.0.1 only. All logic
 * is in createAppHandlers, shared with Electron; this file is transport.
 *
 * A WebSocket is not bound by CORS, so any web page the user visits could try
 * to connect to a local port; upgrades are accepted only from this server's
 * own origin (or from clients that send no Origin, i.e. not browsers), and
 * requests whose Host is not ours are refused against DNS rebinding.
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { createAppHandlers, dispatchAppRequest, errorMessage, defaultWorkspace, type AppHandlerOptions } from './handlers';
import { describeIssues, wsClientMessageSchema, WS_PATH, type WsServerMessage } from './ws-protocol';
import { contentSecurityPolicy } from './csp';
import { contentTypeFor, staticFileFor } from './static-files';
import type { AppPush } from '../contract/app-api';

export const HOST_ADDRESS = '127.0.0.1';
/** Large enough for a PNG export of a big canvas, base64-encoded. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

export interface ServerOptions {
  /** The node library to serve (the entry point imports nodes/library.ts). */
  library: AppHandlerOptions['library'];
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default: TENSORWEAVE_WORKSPACE or ~/Tensorweave. */
  workspace?: string;
  /** Default: <workspace>/runs. */
  runsDir?: string;
  /** Default: <workspace>/.tensorweave/recent.json. */
  recentFile?: string;
  /** Default: <workspace>/.tensorweave/recovery.json. */
  recoveryFile?: string;
  /** The built editor. Default: dist/renderer. */
  staticDir?: string;
  spawnTrainer?: AppHandlerOptions['spawnTrainer'];
}

export interface RunningServer {
  url: string;
  port: number;
  workspace: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const workspace = path.resolve(options.workspace ?? defaultWorkspace());
  const stateDir = path.join(workspace, '.tensorweave');
  const staticDir = path.resolve(options.staticDir ?? DEFAULT_STATIC_DIR);
  await fs.mkdir(workspace, { recursive: true });

  const clients = new Set<WebSocket>();
  const broadcast = (push: AppPush) => {
    const text = JSON.stringify({ push } satisfies WsServerMessage);
    for (const client of clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  };
  const handlers = createAppHandlers({
    library: options.library,
    workspace,
    runsDir: path.resolve(options.runsDir ?? path.join(workspace, 'runs')),
    recentFile: options.recentFile ?? path.join(stateDir, 'recent.json'),
    recoveryFile: options.recoveryFile ?? path.join(stateDir, 'recovery.json'),
    host: 'browser',
    push: broadcast,
    spawnTrainer: options.spawnTrainer,
  });

  let port = 0;
  const allowedHosts = () => new Set([`${HOST_ADDRESS}:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://${HOST_ADDRESS}:${port}`, `http://localhost:${port}`]);

  const server = http.createServer((request, response) => {
    void serveStatic(request, response).catch((error) => {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`internal error: ${errorMessage(error)}`);
    });
  });

  async function serveStatic(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!allowedHosts().has(request.headers.host ?? '')) {
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('misdirected request: this server answers only to 127.0.0.1 and localhost');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' });
      response.end();
      return;
    }
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = staticFileFor(pathname, staticDir);
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    const isIndex = file === path.join(staticDir, 'index.html');
    let body: Buffer;
    try {
      body = await fs.readFile(file);
    } catch {
      if (isIndex) {
        response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(`The editor is not built (${path.join(staticDir, 'index.html')} is missing): run \`npm run build:renderer\`, or start with \`npm run serve\`, which builds it.\n`);
      } else {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        response.end(`not found: ${pathname}\n`);
      }
      return;
    }
    response.writeHead(200, {
      'Content-Type': contentTypeFor(file),
      'Content-Length': body.length,
      'Content-Security-Policy': contentSecurityPolicy([`ws://${HOST_ADDRESS}:${port}`, `ws://localhost:${port}`]),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      // Vite's assets/ names carry a content hash; everything else (index.html above all) must never be stale.
      'Cache-Control': pathname.startsWith('/assets/') && !isIndex ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const origin = request.headers.origin;
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const refuse = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (pathname !== WS_PATH) return refuse('404 Not Found');
    if (!allowedHosts().has(request.headers.host ?? '')) return refuse('421 Misdirected Request');
    if (origin !== undefined && !allowedOrigins().has(origin)) return refuse('403 Forbidden');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void answer(ws, data, isBinary);
    });
  });

  async function answer(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    const send = (message: WsServerMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    if (isBinary) return send({ id: null, ok: false, error: 'invalid message: expected a JSON text frame, got binary' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawToString(data));
    } catch (error) {
      return send({ id: null, ok: false, error: `invalid message: not JSON (${errorMessage(error)})` });
    }
    const envelope = wsClientMessageSchema.safeParse(parsed);
    if (!envelope.success) {
      const rawId = (parsed as { id?: unknown } | null)?.id;
      const id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isInteger(rawId)) ? rawId : null;
      return send({ id, ok: false, error: `invalid message: ${describeIssues(envelope.error)}; expected {id, channel, request}` });
    }
    const { id, channel, request } = envelope.data;
    try {
      const response = await dispatchAppRequest(handlers, channel, request);
      send({ id, ok: true, response });
    } catch (error) {
      send({ id, ok: false, error: errorMessage(error) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST_ADDRESS, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST_ADDRESS}:${port}/`,
    port,
    workspace,
    close: () => {
      closing ??= (async () => {
        await handlers.dispose();
        for (const client of clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
