/**
 * The trainer side of a worker thread or a child process (Node's or
 * Electron's utilityProcess): picks the transport it was started with and
 * serves a trainer on it. The entry scripts (worker-boot.js for Node,
 * electron/trainer-entry.ts for Electron) call it with the node library.
 */
import { parentPort } from 'node:worker_threads';
import type { GraphRegistries } from '../graph/registries';
import { serveTrainer } from './endpoint';

export function runTrainerWorker(registries: GraphRegistries): void {
  if (parentPort) {
    const port = parentPort;
    serveTrainer(
      {
        send: (event) => port.postMessage(event),
        onMessage: (listener) => port.on('message', listener),
        close: () => port.close(),
      },
      registries,
    );
    return;
  }
  // Electron's utilityProcess exposes process.parentPort; a forked Node process has process.send.
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (e: { data: unknown }) => void): void } }).parentPort;
  if (electronPort) {
    serveTrainer(
      {
        send: (event) => electronPort.postMessage(event),
        onMessage: (listener) => electronPort.on('message', (e) => listener(e.data)),
        close: () => setImmediate(() => process.exit(0)),
      },
      registries,
    );
  } else if (process.send) {
    serveTrainer(
      {
        send: (event) => process.send!(event),
        onMessage: (listener) => process.on('message', listener),
        close: () => process.disconnect?.(),
      },
      registries,
    );
  } else {
    console.error('the trainer must be started as a worker thread or a child process with an IPC channel');
    process.exit(2);
  }
}
