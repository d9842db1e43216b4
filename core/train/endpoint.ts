/**
 * The trainer side of the contract, independent of transport: a worker
 * thread, a child process and Electron's utilityProcess each provide a
 * `send` and a message source, and get the same validated behaviour.
 */
import { CONTRACT_VERSION, parseTrainerCommand, type TrainerEvent } from '../contract/messages';
import type { GraphRegistries } from '../graph/registries';
import { Trainer } from './trainer';

export interface TrainerTransport {
  send(event: TrainerEvent): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once the run is over, so the process or thread can exit. */
  close(): void;
}

/** Serves one trainer on `transport`; `registries` is the node library the entry point was started with. */
export function serveTrainer(transport: TrainerTransport, registries: GraphRegistries): void {
  const trainer = new Trainer((event) => transport.send(event), { registries });
  let running = false;
  transport.onMessage((message) => {
    const parsed = parseTrainerCommand(message);
    if (!parsed.ok) {
      transport.send({ type: 'error', code: 'invalid-command', message: parsed.error });
      return;
    }
    const command = parsed.value;
    switch (command.type) {
      case 'start':
        if (running) {
          transport.send({ type: 'error', code: 'invalid-command', message: 'a run is already in progress in this trainer; stop it first' });
          return;
        }
        running = true;
        void trainer.run(command.graph, command.settings).finally(() => transport.close());
        return;
      case 'pause':
        trainer.pause();
        return;
      case 'resume':
        trainer.resume();
        return;
      case 'stop':
        if (!running) transport.close();
        trainer.stop();
        return;
    }
  });
  transport.send({ type: 'ready', contractVersion: CONTRACT_VERSION });
}
