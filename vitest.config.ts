import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/support/summary-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native TFLite interpreters and worker threads: forks isolate them cleanly.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // vitest's own report, then one plain `tests: N passed, N failed, N skipped` line.
    reporters: ['default', new SummaryReporter()],
  },
});
