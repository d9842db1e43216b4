/**
 * The caller's side: starts a trainer off the caller's thread and speaks the
 * contract with it. Events are validated on arrival; a trainer that dies
 * without saying why is reported as a 'crashed' error, never as silence.
 */
import { Worker } from 'node:worker_threads';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseTrainerEvent, type TrainerCommand, type TrainerEvent } from '../contract/messages';

export interface TrainerHandle {
  send(command: TrainerCommand): void;
  onEvent(listener: (event: TrainerEvent) => void): void;
  /** Resolves when the trainer has exited, with its exit code. */
  exited: Promise<number>;
  terminate(): Promise<void>;
  /** OS process id for a child-process trainer (tests kill it to check crash reporting). */
  pid?: number;
}

// The trainer is TypeScript; the boot file registers tsx in the new thread or process, then loads it.
const entry = fileURLToPath(new URL('./worker-boot.js', import.meta.url));

export function spawnTrainer(kind: 'worker' | 'process' = 'worker'): TrainerHandle {
  const listeners: ((event: TrainerEvent) => void)[] = [];
  let finished = false;
  const deliver = (raw: unknown) => {
    const parsed = parseTrainerEvent(raw);
    const event: TrainerEvent = parsed.ok ? parsed.value : { type: 'error', code: 'internal', message: parsed.error };
    if (event.type === 'done' || event.type === 'error') finished = true;
    for (const listener of listeners) listener(event);
  };
  const crashed = (why: string) => {
    if (finished) return;
    finished = true;
    for (const listener of listeners) listener({ type: 'error', code: 'crashed', message: `the trainer stopped unexpectedly (${why}); the graph and the run logged so far are kept` });
  };

  if (kind === 'worker') {
    const worker = new Worker(entry);
    worker.on('message', deliver);
    worker.on('error', (error) => crashed(error.message));
    const exited = new Promise<number>((resolve) => {
      worker.on('exit', (code) => {
        crashed(`exit code ${code}`);
        resolve(code);
      });
    });
    return {
      send: (command) => worker.postMessage(command),
      onEvent: (listener) => void listeners.push(listener),
      exited,
      terminate: async () => void (await worker.terminate()),
    };
  }

  const child: ChildProcess = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('message', deliver);
  // Without a listener, a failed spawn or a send racing the child's exit would throw in the host process.
  child.on('error', (error) => crashed(error.message));
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      crashed(signal ? `killed by ${signal}` : `exit code ${code}`);
      resolve(code ?? 1);
    });
  });
  return {
    send: (command) => {
      if (!child.connected) return crashed('the trainer process is no longer running');
      child.send(command, (error) => {
        if (error) crashed(error.message);
      });
    },
    onEvent: (listener) => void listeners.push(listener),
    exited,
    terminate: async () => {
      child.kill();
      await exited;
    },
    pid: child.pid,
  };
}
