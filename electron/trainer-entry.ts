/**
 * Entry of the trainer Electron starts as a utilityProcess (bundled to
 * dist/electron/trainer.mjs): the same trainer as the CLI's and the browser
 * host's, given the app's node library here.
 */
import { nodeLibrary } from '../nodes/library';
import { runTrainerWorker } from '../core/train/worker-entry';

runTrainerWorker(nodeLibrary);
