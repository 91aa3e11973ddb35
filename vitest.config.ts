import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native TFLite interpreters and worker threads: forks isolate them cleanly.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
