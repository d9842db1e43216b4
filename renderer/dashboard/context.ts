/** How the dashboard's components reach their controller and the window's training store. */
import { createContext, useContext } from 'react';
import { useTrainingState } from '../services/context';
import type { TrainingController } from './controller';
import type { TrainingActions, TrainingState } from './store';

export const TrainingContext = createContext<TrainingController | null>(null);

export function useTrainingController(): TrainingController {
  const controller = useContext(TrainingContext);
  if (!controller) throw new Error('useTrainingController: the dashboard is not wrapped in <TrainingContext.Provider>');
  return controller;
}

/** Reads the window's training store (the one the controller drives; node cards read it too). */
export function useTraining<T>(selector: (state: TrainingState & TrainingActions) => T): T {
  return useTrainingState(selector);
}
