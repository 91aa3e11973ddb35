import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/support/summary-reporter.js';

export default defineConfig({
  // Examples import 'tinyedge' like an app would; the package's "tinyedge-source"
  // exports condition points that at src/, so tests need no build first.
  // Setting conditions replaces Vite's server defaults, so they are repeated first.
  ssr: { resolve: { conditions: ['module', 'node', 'development|production', 'tinyedge-source'] } },
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
