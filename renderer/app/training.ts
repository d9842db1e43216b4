/**
 * The minimal training status line: what the host's trainer reports for the
 * session this editor started. (The full dashboard is a later feature.)
 */
import type { AppPush } from '../../core/contract/app-api';
import { uiStore, type TrainingStatus } from '../editor/ui-store';

const formatLosses = (losses: Record<string, number>) =>
  Object.entries(losses)
    .slice(0, 3)
    .map(([name, value]) => `${name} ${value.toPrecision(4)}`)
    .join(' · ');

const formatEta = (seconds: number) => (seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.max(0, Math.round(seconds))} s`);

export function followTraining(push: AppPush): void {
  const current = uiStore.getState().training;
  if (!current) return;
  // Before startTraining answers, the session id is unknown; the first events belong to the run being started.
  if (current.sessionId && push.sessionId !== current.sessionId) return;
  const event = push.event;
  const next = (update: Partial<TrainingStatus>) => uiStore.setState({ training: { ...current, sessionId: push.sessionId, ...update } });
  switch (event.type) {
    case 'backend':
      next({ text: `Backend: ${event.name} (${event.reason})` });
      break;
    case 'started':
      next({ state: 'running', step: event.startStep, totalSteps: event.totalSteps, text: `Training started (step ${event.startStep} of ${event.totalSteps}) in ${event.runDir}` });
      break;
    case 'progress':
      next({
        state: 'running',
        step: event.step,
        totalSteps: event.totalSteps,
        text: `Step ${event.step}/${event.totalSteps} · ${formatLosses(event.losses)} · ${event.stepsPerSec.toFixed(1)} steps/s · ETA ${formatEta(event.etaSec)}`,
      });
      break;
    case 'paused':
      next({ state: 'paused', text: `Paused at step ${event.step}` });
      break;
    case 'resumed':
      next({ state: 'running', text: `Resumed at step ${event.step}` });
      break;
    case 'done':
      next({ state: event.reason === 'completed' ? 'done' : 'stopped', step: event.step, text: `Training ${event.reason} at step ${event.step}; run saved in ${event.runDir}` });
      break;
    case 'error':
      next({ state: 'failed', text: `Training failed: ${event.message}` });
      break;
    default:
      break;
  }
}
