import type { WorkspaceListItem } from '../../core/api/workspaces';
import type { Api } from './api';
import { CliError, Exit } from './errors';

/** Every workspace the caller can see, across their organizations (or one, with `--org`). */
export async function allWorkspaces(api: Api, org?: string): Promise<WorkspaceListItem[]> {
  const { organizations } = await api.me();
  const orgs = org
    ? organizations.filter((o) => o.id === org || o.slug === org || o.name === org)
    : organizations;
  if (org && orgs.length === 0) throw new CliError(`No organization "${org}" among yours.`, Exit.notFound);
  const lists = await Promise.all(orgs.map((o) => api.workspaces(o.id)));
  return lists.flatMap((l) => l.workspaces);
}

/** A workspace by id, or by a name that exactly one of the caller's workspaces has. */
export async function resolveWorkspace(api: Api, ref: string): Promise<WorkspaceListItem> {
  const all = await allWorkspaces(api);
  const byId = all.find((w) => w.id === ref);
  if (byId) return byId;
  const named = all.filter((w) => w.name === ref);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    const ids = named.map((w) => `  ${w.id}`).join('\n');
    throw new CliError(`${named.length} workspaces are named "${ref}"; use an id:\n${ids}`, Exit.usage);
  }
  throw new CliError(`No workspace "${ref}". \`cw ls\` lists yours.`, Exit.notFound);
}

export function requireRunnable(w: { name: string; status: string }) {
  if (w.status === 'running' || w.status === 'paused') return;
  const hint = w.status === 'stopped' ? ` Run \`cw start ${w.name}\` first.` : '';
  throw new CliError(`Workspace "${w.name}" is ${w.status}.${hint}`, Exit.notRunning);
}
