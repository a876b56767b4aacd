import type { Paged } from './page';
// Response shapes of /api/api-keys as they go over the wire: dates are ISO strings.
import type { KeyPermission } from '../policy';

/** A key as listed: never the secret, only its first characters (`start`). */
export interface ApiKey {
  id: string;
  name: string | null;
  start: string | null;
  /** The one organization the key acts in (null: a key from before keys were scoped; it acts nowhere). */
  organizationId: string | null;
  permissions: KeyPermission[];
  createdAt: string;
  /** When the key was last used. */
  lastRequest: string | null;
  /** null: never expires (asked for explicitly). */
  expiresAt: string | null;
}

/** Paged (`?limit=&cursor=`, core/schemas/page.ts). */
export interface ApiKeyListResponse extends Paged {
  apiKeys: ApiKey[];
}

/** `POST /api/api-keys`: the only answer that carries the key itself. */
export interface CreatedApiKey {
  id: string;
  key: string;
  name: string | null;
  start: string | null;
  organizationId: string;
  permissions: KeyPermission[];
  expiresAt: string | null;
}
