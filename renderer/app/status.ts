/**
 * The status line's account of training, derived from the training store
 * (nothing mirrors it). A change of phase shows at once; a moving step count
 * at most four times a second, since the line relays out the window's footer
 * each time it changes.
 */
import { useEffect, useState } from 'react';
import { statusText } from '../dashboard/controller';
import type { LiveRun, TrainingStore } from '../dashboard/store';
import { useServices } from '../services/context';

export interface TrainingStatus {
  sessionId: string;
  phase: LiveRun['phase'];
  text: string;
  step?: number;
  totalSteps?: number;
  /** Finished, but a loss exploded: shown as a failure, not a success. */
  diverged?: true;
}

const STATUS_INTERVAL_MS = 250;

export function trainingStatus(live: LiveRun | null): TrainingStatus | null {
  if (!live) return null;
  return {
    sessionId: live.sessionId,
    phase: live.phase,
    text: statusText(live),
    ...(live.totalSteps ? { step: live.step, totalSteps: live.totalSteps } : {}),
    ...(live.diverged ? { diverged: true as const } : {}),
  };
}

const same = (a: TrainingStatus | null, b: TrainingStatus | null) =>
  a === b || (!!a && !!b && a.sessionId === b.sessionId && a.phase === b.phase && a.text === b.text && a.step === b.step && a.totalSteps === b.totalSteps);

/** Follows `store` with the throttle above; returns the unsubscribe. */
export function followTrainingStatus(store: TrainingStore, show: (status: TrainingStatus | null) => void, intervalMs = STATUS_INTERVAL_MS): () => void {
  let shown = trainingStatus(store.getState().live);
  let shownAt = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = () => {
    timer = undefined;
    const next = trainingStatus(store.getState().live);
    shownAt = Date.now();
    if (same(next, shown)) return;
    shown = next;
    show(next);
  };
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.live === previous.live) return;
    const next = trainingStatus(state.live);
    if (!next || !shown || next.phase !== shown.phase || next.sessionId !== shown.sessionId) {
      clearTimeout(timer);
      update();
      return;
    }
    const wait = shownAt + intervalMs - Date.now();
    if (wait <= 0) update();
    else timer ??= setTimeout(update, wait);
  });
  show(shown);
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}

export function useTrainingStatus(): TrainingStatus | null {
  const { training } = useServices();
  const [status, setStatus] = useState(() => trainingStatus(training.getState().live));
  useEffect(() => followTrainingStatus(training, setStatus), [training]);
  return status;
}
