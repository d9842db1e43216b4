import { describe, expect, it } from 'vitest';
import { createFrameQueue, type FrameScheduler } from '../../../renderer/dashboard/frame-queue';

/** Animation frames and timers that fire only when the test says so. */
function manualClock() {
  const frames = new Map<number, () => void>();
  const timers = new Map<number, () => void>();
  let next = 1;
  const scheduler: FrameScheduler = {
    request: (callback) => {
      frames.set(next, callback);
      return next++;
    },
    cancel: (handle) => void frames.delete(handle),
  };
  return {
    scheduler,
    setTimer: (callback: () => void) => {
      timers.set(next, callback);
      return next++;
    },
    clearTimer: (handle: unknown) => void timers.delete(handle as number),
    frame() {
      const pending = [...frames.values()];
      frames.clear();
      for (const callback of pending) callback();
    },
    timeout() {
      const pending = [...timers.values()];
      timers.clear();
      for (const callback of pending) callback();
    },
    get pendingFrames() {
      return frames.size;
    },
    get pendingTimers() {
      return timers.size;
    },
  };
}

describe('frame queue', () => {
  it('delivers a burst of events as one batch per frame, in order', () => {
    const clock = manualClock();
    const batches: number[][] = [];
    const queue = createFrameQueue<number>((items) => batches.push(items), clock);
    for (let i = 0; i < 1000; i++) queue.push(i);
    // However many events arrive, one frame is asked for.
    expect(clock.pendingFrames).toBe(1);
    expect(batches).toEqual([]);
    clock.frame();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(queue.size).toBe(0);

    queue.push(1000);
    queue.push(1001);
    clock.frame();
    expect(batches).toEqual([expect.any(Array), [1000, 1001]]);
    expect(queue.flushes).toBe(2);
  });

  it('flushes on a timer when no frame comes (a hidden tab), and only once per batch', () => {
    const clock = manualClock();
    const batches: string[][] = [];
    const queue = createFrameQueue<string>((items) => batches.push(items), clock);
    queue.push('a');
    queue.push('b');
    expect(clock.pendingTimers).toBe(1);
    clock.timeout();
    expect(batches).toEqual([['a', 'b']]);
    // The frame that was asked for was cancelled: nothing is delivered twice.
    expect(clock.pendingFrames).toBe(0);
    clock.frame();
    expect(batches).toHaveLength(1);
  });

  it('flushes at once on request, and delivers nothing after dispose', () => {
    const clock = manualClock();
    const batches: number[][] = [];
    const queue = createFrameQueue<number>((items) => batches.push(items), clock);
    queue.push(1);
    queue.flush();
    expect(batches).toEqual([[1]]);
    expect(clock.pendingFrames + clock.pendingTimers).toBe(0);
    queue.flush();
    expect(batches).toHaveLength(1);

    queue.push(2);
    queue.dispose();
    queue.push(3);
    clock.frame();
    clock.timeout();
    expect(batches).toEqual([[1]]);
  });
});
