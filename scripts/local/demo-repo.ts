import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const identity = {
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@cloud-workspaces.local',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@cloud-workspaces.local',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...identity }, encoding: 'utf8' }).trim();
}

/**
 * A bare repository with a few commits on `main` and a second branch, so a newcomer can create a
 * workspace with no network. Tests build their own origins with the same helper.
 */
export function createDemoRepository(bareDir: string, opts: { extraBranch?: string } = {}): string {
  if (existsSync(join(bareDir, 'HEAD'))) return bareDir;
  const work = mkdtempSync(join(tmpdir(), 'cw-demo-'));
  try {
    git(work, 'init', '-q', '-b', 'main');
    writeFileSync(
      join(work, 'README.md'),
      '# Demo project\n\nA repository made by `npm start` for trying Cloud Workspaces.\n',
    );
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'Start the demo project');
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src', 'hello.sh'), '#!/bin/sh\necho "Hello from your cloud workspace"\n', {
      mode: 0o755,
    });
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'Add a greeting script');
    writeFileSync(join(work, '.gitignore'), 'node_modules/\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'Ignore node_modules');
    const branch = opts.extraBranch ?? 'feature/greeting';
    git(work, 'checkout', '-q', '-b', branch);
    writeFileSync(join(work, 'src', 'hello.sh'), '#!/bin/sh\necho "Hello, ${1:-world}, from a branch"\n', {
      mode: 0o755,
    });
    git(work, 'commit', '-q', '-am', 'Greet by name');
    git(work, 'checkout', '-q', 'main');
    mkdirSync(bareDir, { recursive: true });
    execFileSync('git', ['clone', '-q', '--bare', work, bareDir]);
    return bareDir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
