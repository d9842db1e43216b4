import { describe, expect, it } from 'vitest';
import { trainerHandleFor, type TrainerChild } from '../../electron/utility-trainer';
import type { TrainerEvent } from '../../core/contract/messages';

function fakeChild() {
  const handlers: { message: ((m: unknown) => void)[]; exit: ((code: number) => void)[] } = { message: [], exit: [] };
  const posted: unknown[] = [];
  let killed = false;
  const child: TrainerChild = {
    postMessage: (message) => void posted.push(message),
    on: ((event: 'message' | 'exit', listener: never) => void handlers[event].push(listener)) as TrainerChild['on'],
    kill: () => {
      killed = true;
      for (const l of handlers.exit) l(-15);
      return true;
    },
    pid: 42,
  };
  return { child, posted, handlers, wasKilled: () => killed };
}

describe('utilityProcess trainer handle', () => {
  it('validates events, forwards commands, and reports a silent exit as a crash', async () => {
    const { child, posted, handlers } = fakeChild();
    const handle = trainerHandleFor(child);
    const events: TrainerEvent[] = [];
    handle.onEvent((event) => events.push(event));
    handle.send({ type: 'pause' });
    handlers.message.forEach((l) => l({ type: 'ready', contractVersion: 1 }));
    handlers.message.forEach((l) => l({ type: 'progress', step: 'one' }));
    handlers.exit.forEach((l) => l(3));
    expect(await handle.exited).toBe(3);
    expect(posted).toEqual([{ type: 'pause' }]);
    expect(events[0]).toEqual({ type: 'ready', contractVersion: 1 });
    expect(events[1]).toMatchObject({ type: 'error', code: 'internal', message: expect.stringMatching(/invalid trainer event/) });
    // The invalid event already ended the session as an error, so the exit adds no second one.
    expect(events).toHaveLength(2);
    expect(() => handle.send({ type: 'stop' })).toThrow(/has exited/);
  });

  it('reports a crash when the process dies mid-run, and terminates on request', async () => {
    const crashed = fakeChild();
    const events: TrainerEvent[] = [];
    const handle = trainerHandleFor(crashed.child);
    handle.onEvent((event) => events.push(event));
    crashed.handlers.exit.forEach((l) => l(139));
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'crashed', message: expect.stringMatching(/exit code 139/) })]);

    const running = fakeChild();
    const second = trainerHandleFor(running.child);
    await second.terminate();
    expect(running.wasKilled()).toBe(true);
    expect(second.pid).toBe(42);
  });
});
