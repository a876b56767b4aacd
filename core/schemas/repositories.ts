import { PageQuery } from './page';
import { z } from 'zod';
import { boundedInt, branchName, displayName, id, text } from './text';
import { isValidBranchName } from './branch';
import { SETUP_TIMEOUT_MINUTES } from '../api/setup';

export { isValidBranchName };

export const CreateRepositoryInput = z.object({
  organizationId: id(),
  url: text(2000, 1),
  name: displayName(200).optional(),
  defaultBranch: branchName().optional(),
});
export type CreateRepositoryInput = z.infer<typeof CreateRepositoryInput>;

/** `PATCH /api/repositories/:id`: the repository's setup settings (docs/setup.md). */
export const UpdateRepositoryInput = z
  .object({
    /** Run after the clone when the repository has no devcontainer.json; empty or null clears it. */
    setupCommand: text(10_000)
      .transform((v) => (v.trim() ? v : null))
      .nullable()
      .optional(),
    setupTimeoutMinutes: boundedInt(SETUP_TIMEOUT_MINUTES.min, SETUP_TIMEOUT_MINUTES.max).optional(),
    prebuildsEnabled: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()
  .refine(
    (v) => Object.keys(v).length > 0,
    'name at least one of setupCommand, setupTimeoutMinutes, prebuildsEnabled',
  );
export type UpdateRepositoryInput = z.infer<typeof UpdateRepositoryInput>;

export const ListRepositoriesQuery = z.object({ organizationId: id(), ...PageQuery.shape });

export interface ParsedRepositoryUrl {
  /** What git clones: an https URL or a file:// URL. */
  cloneUrl: string;
  /** `owner/name` for GitHub, null for local repositories. */
  fullName: string | null;
  name: string;
}

const GITHUB = /^https:\/\/github\.com\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/;

/**
 * GitHub https URLs always; in local mode also `file://` URLs and absolute paths.
 * Returns an error message instead of throwing so callers can name the field.
 */
export function parseRepositoryUrl(
  input: string,
  opts: { allowLocal: boolean },
): ParsedRepositoryUrl | { error: string } {
  const url = input.trim();
  const gh = url.match(GITHUB);
  if (gh) {
    // GitHub's owner and name are case-insensitive: one spelling, so a repository is registered once.
    const [owner, repo] = [gh[1]!.toLowerCase(), gh[2]!.toLowerCase()];
    return {
      cloneUrl: `https://github.com/${owner}/${repo}.git`,
      fullName: `${owner}/${repo}`,
      name: gh[2]!,
    };
  }
  if (opts.allowLocal && (url.startsWith('file:///') || url.startsWith('/'))) {
    const path = url.startsWith('file://') ? decodePath(url.slice('file://'.length)) : url;
    if (path === null) return { error: 'has malformed percent-encoding' };
    if (!path.startsWith('/') || path.split('/').includes('..') || /\p{Cc}/u.test(path)) {
      return { error: 'must be an absolute path without ".."' };
    }
    const clean = path.replace(/\/+$/, '');
    const name =
      clean
        .split('/')
        .pop()!
        .replace(/\.git$/, '') || 'repository';
    return { cloneUrl: `file://${clean}`, fullName: null, name };
  }
  return {
    error: opts.allowLocal
      ? 'must be https://github.com/<owner>/<name>, a file:// URL or an absolute path'
      : 'must be https://github.com/<owner>/<name>',
  };
}

/** `decodeURIComponent`, or null for malformed percent-encoding (`%E0%A4%A`) instead of a URIError. */
function decodePath(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/**
 * Local mode: VMs see only some host folders (the stack's repositories folder and
 * LOCAL_REPOSITORY_ROOTS), read-only. A repository elsewhere would fail to clone later, so it is
 * refused now with what to do; null when `cloneUrl` is under one of `roots`.
 */
export function localRepositoryProblem(cloneUrl: string, roots: readonly string[]): string | null {
  if (!cloneUrl.startsWith('file://') || roots.length === 0) return null;
  const path = cloneUrl.slice('file://'.length);
  const under = (root: string) => {
    const r = root.replace(/\/+$/, '');
    return path === r || path.startsWith(`${r}/`);
  };
  if (roots.some(under)) return null;
  const name = (path.split('/').pop() || 'repository').replace(/\.git$/, '');
  const home = roots[0]!.replace(/\/+$/, '');
  return (
    `${path} is outside the folders this machine's VMs can read (${roots.join(', ')}), so a workspace ` +
    `could not clone it. Copy it there (git clone --bare ${path} ${home}/${name}.git) and add ` +
    `file://${home}/${name}.git, or restart with LOCAL_REPOSITORY_ROOTS=${path} npm start to let VMs ` +
    `read it (read-only).`
  );
}

/** `GET /api/repositories/:id/prebuild?branch=`: one branch's prebuild (the default branch without it). */
export const PrebuildStatusQuery = z
  .object({
    branch: branchName().optional(),
  })
  .strict();
export type PrebuildStatusQuery = z.infer<typeof PrebuildStatusQuery>;
