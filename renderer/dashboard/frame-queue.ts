/**
 * Coalesces a stream of events into one batch per animation frame. A trainer
 * logging 1000 steps a second would otherwise cost 1000 store updates and
 * renders a second; batched, the UI does one update per frame whatever the
 * rate, and the order of events is kept.
 *
 * A hidden tab gets no animation frames, so a timer flushes too: the queue
 * never grows without bound while nobody looks.
 */
export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

export interface FrameQueueOptions {
  scheduler?: FrameScheduler;
  /** Longest an event may wait when no frame comes (hidden tab); 0 turns the timer off. */
  fallbackMs?: number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export interface FrameQueue<T> {
  push(item: T): void;
  /** Delivers what is queued now (e.g. before a command that must see the latest state). */
  flush(): void;
  readonly size: number;
  /** Batches delivered so far. */
  readonly flushes: number;
  dispose(): void;
}

export const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(() => callback()),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export function createFrameQueue<T>(deliver: (items: T[]) => void, options: FrameQueueOptions = {}): FrameQueue<T> {
  const scheduler = options.scheduler ?? animationFrames;
  const fallbackMs = options.fallbackMs ?? 250;
  const setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  let items: T[] = [];
  let frame: number | undefined;
  let timer: unknown;
  let flushes = 0;
  let disposed = false;

  const cancelScheduled = () => {
    if (frame !== undefined) scheduler.cancel(frame);
    if (timer !== undefined) clearTimer(timer);
    frame = undefined;
    timer = undefined;
  };

  const flush = () => {
    cancelScheduled();
    if (items.length === 0) return;
    const batch = items;
    items = [];
    flushes++;
    deliver(batch);
  };

  return {
    push(item) {
      if (disposed) return;
      items.push(item);
      if (frame !== undefined) return;
      frame = scheduler.request(flush);
      if (fallbackMs > 0) timer = setTimer(flush, fallbackMs);
    },
    flush,
    get size() {
      return items.length;
    },
    get flushes() {
      return flushes;
    },
    dispose() {
      disposed = true;
      cancelScheduled();
      items = [];
    },
  };
}
