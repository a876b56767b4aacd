import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStack, type Stack } from '../../scripts/local/stack';
import { freePort } from '../../scripts/local/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eUrl: string;
    e2eDemoRepositoryUrl: string;
  }
}

const STACK_LOG = 'test-results/e2e-stack.log';

let stack: Stack | undefined;
let dir: string | undefined;

/** The real product for the browser tests: Postgres, the VM host and wrangler dev serving a fresh SPA build. */
export async function setup(project: TestProject) {
  dir = mkdtempSync(join(tmpdir(), 'cw-e2e-'));
  // The stack's own log, kept: a part that died or was restarted under the suite's load is the first
  // thing to read when a browser test meets a refused connection. Supervisor lines are shown at once.
  mkdirSync('test-results', { recursive: true });
  writeFileSync(STACK_LOG, '');
  const log = (line: string) => {
    appendFileSync(STACK_LOG, `${new Date().toISOString()} ${line}\n`);
    if (line.startsWith('[supervisor]')) console.error(`e2e stack: ${line}`);
  };
  stack = await startStack({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    seed: true,
    buildWeb: true,
    ephemeral: true,
    log,
  });
  project.provide('e2eUrl', stack.url);
  project.provide('e2eDemoRepositoryUrl', stack.demo!.repositoryUrl);
}

export async function teardown() {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
