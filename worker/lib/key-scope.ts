import { KEY_PERMISSIONS, type KeyPermission } from '../../core/policy';

/** Better Auth keeps metadata and permissions as JSON text in the row. */
export function parseJson(text: string | null): unknown {
  let v: unknown = text;
  // Tolerate a doubly encoded value.
  for (let i = 0; i < 2 && typeof v === 'string'; i++) {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  return v;
}

/** Better Auth's permissions record holds ours under this resource name. */
export const KEY_RESOURCE = 'api';

/** What a key was created with; keys from before scoping have no organization and act nowhere. */
export function keyScope(key: { metadata?: unknown; permissions?: unknown }): {
  organizationId: string | null;
  permissions: KeyPermission[];
} {
  const meta = (key.metadata && typeof key.metadata === 'object' ? key.metadata : {}) as Record<
    string,
    unknown
  >;
  const perms = (key.permissions && typeof key.permissions === 'object' ? key.permissions : {}) as Record<
    string,
    unknown
  >;
  const listed = Array.isArray(perms[KEY_RESOURCE]) ? (perms[KEY_RESOURCE] as unknown[]) : [];
  return {
    organizationId: typeof meta.organizationId === 'string' ? meta.organizationId : null,
    permissions: KEY_PERMISSIONS.filter((p) => listed.includes(p)),
  };
}
