import { execFile } from 'node:child_process';
import { isAbsolute, parse, resolve } from 'node:path';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type GitRunner = (
  cwd: string | undefined,
  args: string[],
  opts?: { timeoutMs?: number },
) => Promise<GitResult>;

/**
 * The system's git, as the user: their credential helpers, SSH agent and config apply. Arguments go to
 * execFile as an array (no shell); git never prompts on a terminal the app does not have.
 */
export const runGit: GitRunner = (cwd, args, opts = {}) =>
  new Promise((done) => {
    execFile(
      'git',
      args,
      {
        cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANG: 'C' },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 8 * 1024 * 1024,
        windowsHide: true,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        done({
          code,
          stdout: String(stdout ?? ''),
          stderr: String(stderr ?? '') || (err && code === 1 && !stdout ? err.message : ''),
        });
      },
    );
  });

export class InvalidPathError extends Error {}

/**
 * A folder the user chose (or the renderer named): absolute, no control characters, not a filesystem
 * root, normalised. Paths are passed to git as separate arguments, never through a shell.
 */
export function validateLocalPath(p: unknown): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1000)
    throw new InvalidPathError('A folder path is required.');
  if (/[\0\r\n]/.test(p)) throw new InvalidPathError('The folder path contains control characters.');
  if (!isAbsolute(p)) throw new InvalidPathError('The folder path must be absolute.');
  const resolved = resolve(p);
  if (parse(resolved).root === resolved)
    throw new InvalidPathError('Choose a folder, not the root of a disk.');
  if (resolved.startsWith('-')) throw new InvalidPathError('Invalid folder path.');
  return resolved;
}

/** The same repository? Compares https/ssh/file URLs loosely (host case, `.git`, trailing slash). */
export function sameRepository(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}

export function normalizeRepoUrl(raw: string): string {
  let s = raw.trim();
  const scp = s.match(/^[\w.-]+@([\w.-]+):(.+)$/); // git@github.com:owner/repo.git
  if (scp) s = `${scp[1]!.toLowerCase()}/${scp[2]}`;
  else if (s.startsWith('file://')) s = decodeURIComponent(s.slice('file://'.length));
  else {
    try {
      const u = new URL(s);
      s = `${u.hostname.toLowerCase()}${u.pathname}`;
    } catch {
      // a plain path
    }
  }
  return s
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}

/** Porcelain v1 status codes that mean an unresolved conflict. */
const CONFLICT = new Set(['DD', 'AU', 'UD', 'UA', 'DU', 'AA', 'UU']);

export function parsePorcelain(out: string): { changed: number; conflicted: number; files: string[] } {
  const lines = out.split('\n').filter((l) => l.length > 3);
  return {
    changed: lines.length,
    conflicted: lines.filter((l) => CONFLICT.has(l.slice(0, 2))).length,
    files: lines.map((l) => l.slice(3)),
  };
}

/** The last few meaningful lines of git's output, for a details disclosure. */
export function gitOutput(r: GitResult): string {
  return `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-12)
    .join('\n');
}
