/**
 * End-to-end tests of the editor in Debian's Chromium (playwright-core)
 * against the browser-mode host. Kept apart from the unit run: they need
 * the built renderer (built once in the global setup) and a real browser,
 * and run one file at a time.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: repo,
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
