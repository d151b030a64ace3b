import type { Reporter, TestModule } from 'vitest/node';
import { skippedGroups } from '@ysh/test-helpers';

/** Ends the run with the plain `N passed, N failed, N skipped` line and the skipped groups again. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    for (const line of skippedGroups()) process.stdout.write(`${line}\n`);
    process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
