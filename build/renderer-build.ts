/** Builds the editor with Vite into dist/renderer (build/vite.config.ts). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RENDERER_DIST = fileURLToPath(new URL('../dist/renderer', import.meta.url));

export function rendererIsBuilt(): boolean {
  return existsSync(path.join(RENDERER_DIST, 'index.html'));
}

export async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)), logLevel: 'warn' });
}
