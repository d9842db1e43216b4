/**
 * `npm run serve`: the browser mode. Builds the editor, then serves it and
 * the host's WebSocket on 127.0.0.1 only, and prints the URL.
 *
 *   --port N          port (default: TENSORWEAVE_PORT, else a free one)
 *   --workspace DIR   graph folder (default: TENSORWEAVE_WORKSPACE, else ~/Tensorweave)
 *   --no-build        serve dist/renderer as it is
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../core/host/server';
import { nodeLibrary } from '../nodes/library';
import { buildRenderer, rendererIsBuilt, RENDERER_DIST } from './renderer-build';

export interface ServeArgs {
  port?: string;
  workspace?: string;
  build: boolean;
}

export function parseServeArgs(argv: string[]): ServeArgs & { browser: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      workspace: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      browser: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return { port: values.port, workspace: values.workspace, build: !values['no-build'], browser: values.browser ?? false };
}

function portFrom(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port '${text}': give a whole number from 0 to 65535 (0 picks a free port)`);
  return port;
}

export async function serveBrowserMode(args: ServeArgs): Promise<RunningServer> {
  if (args.build) {
    console.log('Building the editor…');
    await buildRenderer();
  } else if (!rendererIsBuilt()) {
    console.log(`Note: ${RENDERER_DIST} has no build yet; run \`npm run build:renderer\`.`);
  }
  const server = await startServer({
    library: nodeLibrary,
    port: portFrom(args.port ?? process.env.TENSORWEAVE_PORT),
    ...(args.workspace ? { workspace: path.resolve(args.workspace) } : {}),
  });
  console.log(`Tensorweave is running in the browser mode at ${server.url}  (workspace: ${server.workspace}; Ctrl+C stops it)`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  Promise.resolve()
    .then(() => serveBrowserMode(parseServeArgs(process.argv.slice(2))))
    .catch((error) => {
      console.error(`tensorweave serve: ${(error as Error).message}`);
      process.exit(1);
    });
}
