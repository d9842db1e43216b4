/** Entry of a trainer running in a worker thread or a child process (Node's or Electron's utilityProcess). */
import { parentPort } from 'node:worker_threads';
import { serveTrainer } from './endpoint';

if (parentPort) {
  const port = parentPort;
  serveTrainer({
    send: (event) => port.postMessage(event),
    onMessage: (listener) => port.on('message', listener),
    close: () => port.close(),
  });
} else {
  // Electron's utilityProcess exposes process.parentPort; a forked Node process has process.send.
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (e: { data: unknown }) => void): void } }).parentPort;
  if (electronPort) {
    serveTrainer({
      send: (event) => electronPort.postMessage(event),
      onMessage: (listener) => electronPort.on('message', (e) => listener(e.data)),
      close: () => setImmediate(() => process.exit(0)),
    });
  } else if (process.send) {
    serveTrainer({
      send: (event) => process.send!(event),
      onMessage: (listener) => process.on('message', listener),
      close: () => process.disconnect?.(),
    });
  } else {
    console.error('worker-entry.ts must be started as a worker thread or a child process with an IPC channel');
    process.exit(2);
  }
}
