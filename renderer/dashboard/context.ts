/** How the dashboard's components reach their controller and store. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { TrainingController } from './controller';
import { trainingStore, type TrainingActions, type TrainingState } from './store';

export const TrainingContext = createContext<TrainingController | null>(null);

export function useTrainingController(): TrainingController {
  const controller = useContext(TrainingContext);
  if (!controller) throw new Error('useTrainingController: the dashboard is not wrapped in <TrainingContext.Provider>');
  return controller;
}

/** Reads the dashboard's store: the controller's, or the app's one store outside a dashboard (node cards). */
export function useTraining<T>(selector: (state: TrainingState & TrainingActions) => T): T {
  const controller = useContext(TrainingContext);
  return useStore(controller?.store ?? trainingStore, selector);
}
