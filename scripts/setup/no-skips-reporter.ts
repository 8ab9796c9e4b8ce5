// scripts/setup — a vitest reporter that fails the run when any test was skipped: written as skipped (`it.skip`,
// `skipIf`, `todo`, `ctx.skip()`), or skipped because a hook or the file itself failed (vitest marks the tests of a
// suite whose beforeAll threw as skipped: a missing chromium or mosquitto). Each one is named with what it lacked.
// Tests left out by a name filter (`vitest run -t …`) are not counted.
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

interface Vitest {
  config: { root: string; testNamePattern?: RegExp | string };
}

/** The first error of the test's enclosing suites or module: what made vitest skip it. */
function cause(test: TestCase): string | undefined {
  for (let at: TestSuite | TestModule = test.parent; ; at = (at as TestSuite).parent) {
    const e = at.errors()[0];
    if (e) return e.message;
    if (at.type === 'module') return undefined;
  }
}

export default class NoSkipsReporter implements Reporter {
  private root = process.cwd();
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const m of modules) {
      for (const test of m.children.allTests()) {
        const state = test.result().state;
        if (state !== 'skipped' && state !== 'pending') continue;
        const why = cause(test);
        if (this.filtered && why === undefined && test.options.mode === 'skip') continue;
        const reason = why ?? (test.options.mode === 'todo' ? 'marked todo' : 'skipped in code: make it run, or fail naming what it lacks');
        lines.push(`  ${relative(this.root, m.moduleId)} > ${test.fullName}: ${reason.split('\n')[0]}`);
      }
    }
    if (lines.length === 0) return;
    process.stderr.write(`\nno skipped tests allowed: ${lines.length} test(s) did not run:\n${lines.join('\n')}\n`);
    process.exitCode = 1;
  }
}
