// Who may do what: the one policy table. The Worker checks it on every route (403 `forbidden`), the web
// app reads it to hide what the user may not do. Roles are Better Auth's organization roles; an API key
// acts with its owner's role, narrowed to the key's permissions.

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const KEY_PERMISSIONS = ['read', 'exec', 'admin'] as const;
export type KeyPermission = (typeof KEY_PERMISSIONS)[number];

const everyone: readonly Role[] = ROLES;
const managers: readonly Role[] = ['owner', 'admin'];

/** action -> the roles allowed, and the permission an API key needs for it (null: no key may). */
export const POLICY = {
  /** List and read workspaces, their terminals, presence and the organization's live socket. */
  'workspace.read': { roles: everyone, key: 'read' },
  /** Create a workspace. */
  'workspace.create': { roles: everyone, key: 'exec' },
  /** Exec, terminals, pause/resume/start/retry/pull, presence sessions; stop or delete one's own. */
  'workspace.use': { roles: everyone, key: 'exec' },
  /** Run the repository's setup again in a workspace (`POST .../setup`): it runs commands, like exec. */
  'workspace.setup': { roles: everyone, key: 'exec' },
  /** Stop or delete another member's workspace. */
  'workspace.manageOthers': { roles: managers, key: 'admin' },
  /** List repositories (without their webhook secrets). */
  'repository.read': { roles: everyone, key: 'read' },
  /** Add and delete repositories, read their webhook secrets. */
  'repository.manage': { roles: managers, key: 'admin' },
  /** The organization's usage and its limits. */
  'organization.usage': { roles: everyone, key: 'read' },
  /** The audit log. */
  'organization.audit': { roles: managers, key: 'admin' },
  /** Change the organization's limits. */
  'organization.manageLimits': { roles: managers, key: 'admin' },
  /** List the names of the organization's and its repositories' secrets (never a value). */
  'secret.read': { roles: everyone, key: 'read' },
  /** Set and delete organization and repository secrets. */
  'secret.manage': { roles: managers, key: 'admin' },
  /** List, set and delete one's own personal secrets: with a session only, they reach every organization. */
  'secret.personal': { roles: everyone, key: null },
  /** Open a private port's preview URL (a member may already run anything in the VM). */
  'port.preview': { roles: everyone, key: 'exec' },
  /**
   * Make a port public (anyone with the URL) or private again. Every member: they can run a tunnel
   * from inside the VM anyway, so a narrower rule would only hide it; public is written to the audit.
   */
  'port.setVisibility': { roles: everyone, key: 'exec' },
  /** List one's own API keys (not organization-scoped). */
  'apiKey.list': { roles: everyone, key: 'read' },
  /** Create and delete one's own API keys: with a session only, so a leaked key cannot mint more. */
  'apiKey.manage': { roles: everyone, key: null },
} as const satisfies Record<string, { roles: readonly Role[]; key: KeyPermission | null }>;

export type Action = keyof typeof POLICY;

/** Better Auth stores several roles comma-separated ("admin,member"). */
export function parseRoles(role: string | null | undefined): Role[] {
  return (role ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r): r is Role => (ROLES as readonly string[]).includes(r));
}

export function roleAllows(role: string | null | undefined, action: Action): boolean {
  const allowed: readonly Role[] = POLICY[action].roles;
  return parseRoles(role).some((r) => allowed.includes(r));
}

/** `admin` includes `exec`, which includes `read`. */
const IMPLIES: Record<KeyPermission, KeyPermission[]> = {
  read: ['read'],
  exec: ['exec', 'read'],
  admin: ['admin', 'exec', 'read'],
};

export function keyAllows(permissions: readonly KeyPermission[], action: Action): boolean {
  const needed = POLICY[action].key;
  if (!needed) return false;
  return permissions.some((p) => IMPLIES[p]?.includes(needed));
}

/** Stopping or deleting a workspace: one's own is use, another member's needs a manager. */
export const workspaceManageAction = (creatorId: string | null, userId: string): Action =>
  creatorId === userId ? 'workspace.use' : 'workspace.manageOthers';
