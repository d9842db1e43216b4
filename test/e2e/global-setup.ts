/** Builds the editor once so every e2e file serves the current code. */
import { buildRenderer } from '../../build/renderer-build';

export default async function setup(): Promise<void> {
  if (process.env.TENSORWEAVE_E2E_SKIP_BUILD === '1') return;
  await buildRenderer();
}
