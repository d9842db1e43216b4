import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Training tests are CPU-bound; two cores run two files at a time without thrashing.
    pool: 'forks',
    maxWorkers: 2,
  },
});
