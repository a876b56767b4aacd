import { describe, expect, it } from 'vitest';
import { isValidBranchName, localRepositoryProblem, parseRepositoryUrl } from './repositories';
import { shellQuote } from '../shell';
import { execFileSync } from 'node:child_process';

describe('parseRepositoryUrl', () => {
  it('normalises GitHub URLs', () => {
    for (const url of [
      'https://github.com/acme/app',
      'https://github.com/acme/app.git',
      'https://github.com/acme/app/',
    ]) {
      expect(parseRepositoryUrl(url, { allowLocal: false })).toEqual({
        cloneUrl: 'https://github.com/acme/app.git',
        fullName: 'acme/app',
        name: 'app',
      });
    }
  });

  it('accepts local repositories only in local mode', () => {
    expect(parseRepositoryUrl('/srv/x.git', { allowLocal: false })).toHaveProperty('error');
    expect(parseRepositoryUrl('/srv/x.git', { allowLocal: true })).toEqual({
      cloneUrl: 'file:///srv/x.git',
      fullName: null,
      name: 'x',
    });
    expect(parseRepositoryUrl('file:///srv/a/../b', { allowLocal: true })).toHaveProperty('error');
  });

  it('refuses other hosts, schemes and injected text', () => {
    for (const url of [
      'http://github.com/a/b',
      'git@github.com:a/b.git',
      'https://github.com/a/b; rm -rf /',
      'ftp://x',
    ]) {
      expect(parseRepositoryUrl(url, { allowLocal: true }), url).toHaveProperty('error');
    }
  });
});

describe('isValidBranchName', () => {
  it('agrees with git check-ref-format on names people use and names that attack', () => {
    const names = [
      'main',
      'feature/x',
      'release-1.2',
      'a;b',
      '-rf',
      'a..b',
      'a b',
      'x.lock',
      'a@{1}',
      'dir/',
      'ok$(x)',
    ];
    for (const name of names) {
      let gitSays = true;
      try {
        execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' });
      } catch {
        gitSays = false;
      }
      // Ours may be stricter than git, never looser.
      if (isValidBranchName(name)) expect(gitSays, name).toBe(true);
    }
    expect(isValidBranchName('feature/x')).toBe(true);
    expect(isValidBranchName('-rf')).toBe(false);
  });
});

describe('shellQuote', () => {
  it('passes any string through a shell unchanged', () => {
    for (const value of ["it's", '$(touch /tmp/pwned)', '`id`', 'a\nb', '"; exit 1; "', '\\']) {
      const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(out).toBe(value);
    }
  });
});

describe('localRepositoryProblem', () => {
  const roots = ['/data/repos', '/srv/git/'];
  it('accepts repositories under a root VMs can read, and GitHub URLs', () => {
    expect(localRepositoryProblem('file:///data/repos/demo.git', roots)).toBeNull();
    expect(localRepositoryProblem('file:///srv/git', roots)).toBeNull();
    expect(localRepositoryProblem('https://github.com/acme/app.git', roots)).toBeNull();
    expect(localRepositoryProblem('file:///anywhere', [])).toBeNull();
  });
  it('refuses one elsewhere, naming the folders and both ways out', () => {
    const problem = localRepositoryProblem('file:///tmp/my-app', roots)!;
    expect(problem).toContain('/tmp/my-app is outside the folders');
    expect(problem).toContain('/data/repos, /srv/git/');
    expect(problem).toContain('git clone --bare /tmp/my-app /data/repos/my-app.git');
    expect(problem).toContain('LOCAL_REPOSITORY_ROOTS=/tmp/my-app npm start');
    // A sibling with the same prefix is not inside.
    expect(localRepositoryProblem('file:///data/repos-other/x.git', roots)).not.toBeNull();
  });
});
