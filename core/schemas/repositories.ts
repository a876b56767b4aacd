import { z } from 'zod';

export const CreateRepositoryInput = z.object({
  organizationId: z.string().min(1),
  url: z.string().min(1).max(2000),
  name: z.string().min(1).max(200).optional(),
  defaultBranch: z.string().min(1).max(255).optional(),
});
export type CreateRepositoryInput = z.infer<typeof CreateRepositoryInput>;

export const ListRepositoriesQuery = z.object({ organizationId: z.string().min(1) });

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
    const [, owner, repo] = gh;
    return { cloneUrl: `https://github.com/${owner}/${repo}.git`, fullName: `${owner}/${repo}`, name: repo! };
  }
  if (opts.allowLocal && (url.startsWith('file:///') || url.startsWith('/'))) {
    const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
    if (!path.startsWith('/') || path.split('/').includes('..') || /[\0\n\r]/.test(path)) {
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

/** Git refuses these in branch names; rejecting them early also keeps them away from any shell. */
export function isValidBranchName(name: string): boolean {
  if (!name || name.length > 255) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//') || name.endsWith('.lock'))
    return false;
  return !/[\x00-\x20\x7f~^:?*[\\]/.test(name);
}
