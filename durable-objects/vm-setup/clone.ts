import { shellQuote } from '../../core/shell';
import { VM_WORKSPACE_PATH } from '../../core/vm';

/** A fresh clone of `branch` into the workspace folder, printing its head (a workspace's and a build's). */
export function cloneCommand(url: string, branch: string): string {
  const dir = shellQuote(VM_WORKSPACE_PATH);
  return [
    // The workspace directory may be a mount point: empty it rather than remove it.
    `mkdir -p ${dir}`,
    `find ${dir} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`,
    `git clone --quiet --branch ${shellQuote(branch)} -- ${shellQuote(url)} ${dir}`,
    `git -C ${dir} rev-parse HEAD`,
  ].join(' && ');
}

export const CLONE_TIMEOUT_MS = 10 * 60_000;

/** Turns git's stderr into a sentence a person can act on. */
export function readableCloneError(stderr: string, branch: string, url: string): string {
  const text = stderr.trim();
  if (/Remote branch .* not found|couldn't find remote ref/i.test(text)) {
    return `Branch "${branch}" does not exist in ${url}.`;
  }
  if (
    /does not appear to be a git repository|repository .* not found|does not exist|Could not read from remote/i.test(
      text,
    )
  ) {
    return `The repository ${url} could not be reached or does not exist.`;
  }
  if (/Authentication failed|could not read Username/i.test(text)) {
    return `Access to ${url} was denied: check that the repository is public or that credentials are configured.`;
  }
  const last = text.split('\n').filter(Boolean).pop() ?? 'unknown error';
  return `git clone failed: ${last}`;
}
