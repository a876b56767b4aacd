import { api } from './http';
import { followCursors, PAGE_MAX } from '../../../core/api/page';
import type { ApiKeyListResponse, CreatedApiKey } from '../../../core/api/api-keys';
import type { KeyPermission } from '../../../core/policy';
import type { PendingInvitationListResponse } from '../../../core/api/invitations';
import type { RepositoryListResponse, RepositoryResponse } from '../../../core/api/repositories';
import type { AuthProviders, PublicConfigResponse } from '../../../core/api/server';
import type { PrebuildStatusResponse } from '../../../core/api/prebuilds';

export const apiKeys = {
  list: () =>
    followCursors('apiKeys', (cursor) =>
      api.get<ApiKeyListResponse>('/api/api-keys', { cursor, limit: PAGE_MAX }),
    ),
  create: (input: {
    name: string;
    organizationId: string;
    permissions?: KeyPermission[];
    expiresInDays?: number | 'never';
  }) => api.post<CreatedApiKey>('/api/api-keys', input),
  revoke: (id: string) => api.del(`/api/api-keys/${encodeURIComponent(id)}`),
};

export const repositories = {
  list: (organizationId: string) =>
    followCursors('repositories', (cursor) =>
      api.get<RepositoryListResponse>('/api/repositories', { organizationId, cursor, limit: PAGE_MAX }),
    ),
  create: (input: { organizationId: string; url: string; name?: string; defaultBranch?: string }) =>
    api.post<RepositoryResponse>('/api/repositories', input),
  remove: (id: string) => api.del(`/api/repositories/${encodeURIComponent(id)}`),
  update: (
    id: string,
    input: { setupCommand?: string | null; setupTimeoutMinutes?: number; prebuildsEnabled?: boolean },
  ) => api.patch<RepositoryResponse>(`/api/repositories/${encodeURIComponent(id)}`, input),
  prebuild: (id: string, branch?: string) =>
    api.get<PrebuildStatusResponse>(
      `/api/repositories/${encodeURIComponent(id)}/prebuild`,
      branch ? { branch } : undefined,
    ),
};

export const myInvitations = {
  list: () =>
    followCursors('invitations', (cursor) =>
      api.get<PendingInvitationListResponse>('/api/invitations', { cursor, limit: PAGE_MAX }),
    ),
};

let providers: Promise<AuthProviders> | undefined;

/** The server's sign-in methods; asked once per page load (they change only with a deploy). */
export function fetchProviders(): Promise<AuthProviders> {
  providers ??= loadProviders();
  return providers;
}

/** A server without `/api/config` (404) offers email + password only. */
const EMAIL_ONLY: AuthProviders = { github: false, google: false, emailPassword: true };

async function loadProviders(): Promise<AuthProviders> {
  try {
    const res = await api.get<PublicConfigResponse>('/api/config');
    return { ...EMAIL_ONLY, ...res.providers };
  } catch {
    return { ...EMAIL_ONLY };
  }
}

let previewConfig: Promise<PublicConfigResponse['preview']> | undefined;

/** Where preview URLs live (`<port>-<workspaceId>.<domain>`); asked once per page load. */
export function fetchPreviewConfig(): Promise<PublicConfigResponse['preview']> {
  previewConfig ??= api
    .get<PublicConfigResponse>('/api/config')
    .then((r) => r.preview)
    .catch(() => undefined);
  return previewConfig;
}
