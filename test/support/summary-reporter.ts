import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends a vitest run with one plain line, `tests: N passed, N failed, N skipped`,
 * that a person or a CI log reader can find without parsing vitest's own
 * summary. A test file that fails before any of its tests run (a syntax error,
 * a throwing import) counts as one failure, so the line never reads
 * "0 failed" for a run that failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedHere += 1;
        else skipped += 1;
      }
      if (failedHere === 0 && testModule.errors().length > 0) failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
