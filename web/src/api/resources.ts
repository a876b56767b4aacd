import { api } from './http';
import type { ApiKey, CreatedApiKey, PendingInvitation, Repository } from './types';

export const apiKeys = {
  list: () => api.get<{ apiKeys: ApiKey[] }>('/api/api-keys'),
  create: (name: string) => api.post<CreatedApiKey>('/api/api-keys', { name }),
  revoke: (id: string) => api.del(`/api/api-keys/${encodeURIComponent(id)}`),
};

export const repositories = {
  list: (organizationId: string) =>
    api.get<{ repositories: Repository[] }>('/api/repositories', { organizationId }),
  create: (input: { organizationId: string; url: string; name?: string; defaultBranch?: string }) =>
    api.post<{ repository: Repository }>('/api/repositories', input),
  remove: (id: string) => api.del(`/api/repositories/${encodeURIComponent(id)}`),
};

export const myInvitations = {
  list: () => api.get<{ invitations: PendingInvitation[] }>('/api/invitations'),
};

/** Optional: which sign-in methods the server offers. Absent (404) means email + password only. */
export interface AuthProviders {
  github: boolean;
  google: boolean;
  emailPassword: boolean;
}
let providers: Promise<AuthProviders> | undefined;

/** The server's sign-in methods; asked once per page load (they change only with a deploy). */
export function fetchProviders(): Promise<AuthProviders> {
  providers ??= loadProviders();
  return providers;
}

async function loadProviders(): Promise<AuthProviders> {
  try {
    const res = await api.get<{ providers?: Partial<AuthProviders> }>('/api/config');
    return { github: false, google: false, emailPassword: true, ...res.providers };
  } catch {
    return { github: false, google: false, emailPassword: true };
  }
}
