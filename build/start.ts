/**
 * `npm start`: builds the editor and opens it in Electron. Where Electron
 * cannot start (no binary and no way to download it, no display, a crash at
 * launch), it says why in one line and serves the browser mode instead.
 *
 *   --browser         skip Electron and serve the browser mode
 *   --no-build        use dist/ as it is
 *   --port N, --workspace DIR   as for `npm run serve`
 *
 * TENSORWEAVE_ELECTRON_DOWNLOAD=0 stops the attempt to download a missing Electron binary.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildElectron } from './build-electron';
import { buildRenderer } from './renderer-build';
import { downloadElectron, electronPackageDir, findElectronBinary } from './electron-binary';
import { parseServeArgs, serveBrowserMode } from './serve';

/** How long Electron must keep running before we trust that it started. */
const STARTUP_GRACE_MS = 5000;

type ElectronOutcome = { ran: true; code: number } | { ran: false; reason: string };

async function locateElectron(): Promise<{ path: string } | { reason: string }> {
  let found = findElectronBinary();
  if (!found.ok && process.env.TENSORWEAVE_ELECTRON_DOWNLOAD !== '0') {
    const packageDir = electronPackageDir();
    if (packageDir) {
      const failure = await downloadElectron(packageDir);
      if (failure) return { reason: `${found.reason}; downloading it failed: ${failure}` };
      found = findElectronBinary();
    }
  }
  return found.ok ? { path: found.path } : { reason: found.reason };
}

async function runElectron(): Promise<ElectronOutcome> {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { ran: false, reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  const located = await locateElectron();
  if ('reason' in located) return { ran: false, reason: located.reason };
  const { main } = await buildElectron();
  const env = { ...process.env };
  // Set by some shells and tools; it would make Electron behave as plain Node and never open a window.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(located.path, [main], { stdio: 'inherit', env });
  const startedAt = Date.now();
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ ran: false, reason: `launching ${path.basename(located.path)} failed: ${error.message}` }));
    child.once('exit', (code, signal) => {
      const early = Date.now() - startedAt < STARTUP_GRACE_MS;
      if (early && code !== 0) resolve({ ran: false, reason: `Electron quit at startup (${signal ? `signal ${signal}` : `exit code ${code}`})` });
      else resolve({ ran: true, code: code ?? 1 });
    });
  });
}

async function main(): Promise<void> {
  const args = parseServeArgs(process.argv.slice(2));
  if (args.build) {
    console.log('Building the editor…');
    await buildRenderer();
  }
  if (!args.browser) {
    const outcome = await runElectron();
    if (outcome.ran) process.exit(outcome.code);
    console.log(`Electron cannot start here: ${outcome.reason}. Serving the browser mode instead.`);
  }
  await serveBrowserMode({ ...args, build: false });
}

main().catch((error) => {
  console.error(`tensorweave start: ${(error as Error).message}`);
  process.exit(1);
});
