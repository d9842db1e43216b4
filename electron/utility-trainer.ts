/**
 * A trainer in a child process that Electron started (utilityProcess), with
 * the same TrainerHandle and failure semantics as core/train/host.ts: events
 * are validated on arrival, and a process that ends without a final event is
 * reported as a 'crashed' error, never as silence.
 */
import { parseTrainerEvent, type TrainerEvent } from '../core/contract/messages';
import type { TrainerHandle } from '../core/train/host';

/** The part of Electron's UtilityProcess used here (tests pass a fake). */
export interface TrainerChild {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
  pid?: number;
}

export function trainerHandleFor(child: TrainerChild): TrainerHandle {
  const listeners: ((event: TrainerEvent) => void)[] = [];
  let finished = false;
  let alive = true;
  const deliver = (event: TrainerEvent) => {
    if (event.type === 'done' || event.type === 'error') finished = true;
    for (const listener of listeners) listener(event);
  };
  child.on('message', (raw) => {
    const parsed = parseTrainerEvent(raw);
    deliver(parsed.ok ? parsed.value : { type: 'error', code: 'internal', message: parsed.error });
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code) => {
      alive = false;
      if (!finished) {
        deliver({ type: 'error', code: 'crashed', message: `the trainer stopped unexpectedly (exit code ${code}); the graph and the run logged so far are kept` });
      }
      resolve(code);
    });
  });
  return {
    send: (command) => {
      if (!alive) throw new Error('the trainer process has exited');
      child.postMessage(command);
    },
    onEvent: (listener) => void listeners.push(listener),
    exited,
    terminate: async () => {
      if (alive) child.kill();
      await exited;
    },
    pid: child.pid,
  };
}
