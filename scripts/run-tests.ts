import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// vitest's exit code cannot be trusted here: the Workers pool patches process exit (signal-exit) and a
// run with failures can exit 0. We judge the run by its JSON report instead, and say it in one line.
const root = fileURLToPath(new URL('..', import.meta.url));
const report = `${root}test-results/vitest.json`;
mkdirSync(`${root}test-results`, { recursive: true });
rmSync(report, { force: true });

const vitest = `${root}node_modules/vitest/vitest.mjs`;
const args = [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync(process.execPath, [vitest, ...args], { stdio: 'inherit', cwd: root });

if (!existsSync(report)) {
  console.error(`\nvitest wrote no report (exit ${run.status ?? run.signal}).`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(report, 'utf8')) as {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
  numTotalTests: number;
};
// A file whose setup failed fails no test but must still count.
const failed = Math.max(r.numFailedTests, r.numFailedTestSuites);
console.log(`\n${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
// Green needs both: a clean report and a clean exit (unhandled errors show only in the exit code).
process.exit(r.success && failed === 0 && r.numTotalTests > 0 && run.status === 0 ? 0 : 1);
