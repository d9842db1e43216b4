/**
 * Builds the editor (renderer/) into dist/renderer, served by the browser
 * mode's host and loaded by Electron. Relative asset URLs make the same
 * build work from http://127.0.0.1 and from Electron's app:// scheme.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: `${repo}renderer`,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${repo}dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // tfjs (pulled in by the node registry) is large; it is one cached file, not something to split.
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1' },
});
