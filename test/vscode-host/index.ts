// Entry of the extension-host suite, per the @vscode/test-electron contract: VS Code loads this module
// in the real extension host (code-server's smoke-test driver, or desktop VS Code through
// @vscode/test-electron) and awaits `run()`; a rejection means "tests failed" (exit code 1).
//
// Output goes through console.log, which the extension host forwards to the workbench (and from there
// to `codeAutomationLog` under code-server). Every line starts with `[kb-host]` (hostLog.ts) so the
// harness can pick ours out of the workbench's own noise; the last one is `kb-host: N passed, N failed`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { say } from './hostLog';

/** One line per test, the failure's message and stack, a closing count; nothing else. */
class HostReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const started = new Map<Mocha.Test, number>();
    runner.on('suite', (suite) => suite.title && say(`suite: ${suite.title}`));
    runner.on('test', (test) => started.set(test, Date.now()));
    runner.on('pass', (test) => say(`PASS ${test.title} (${Date.now() - (started.get(test) ?? Date.now())} ms)`));
    runner.on('pending', (test) => say(`SKIP ${test.title}`));
    runner.on('fail', (test, error: Error) => {
      say(`FAIL ${test.fullTitle()}: ${error.message}`);
      for (const line of (error.stack ?? '').split('\n').slice(1, 8)) say(`     ${line.trim()}`);
    });
    runner.once('end', () => {
      const { passes, failures, pending } = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      say(`kb-host: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
    });
  }
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: HostReporter });
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(join(__dirname, file));
  return new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
